"""The database goes away under load and comes back on the same port and data. While it is away every
answer is a quick 503 problem (never a 500, never a hang), readiness says so and liveness does not; once it
is back the same process serves again by itself, and every dispute acknowledged with 201 is still there."""

import asyncio
import json
import socket
import time
import uuid
from dataclasses import dataclass, field

import pytest

from adapters.bootstrap import Overrides, create_app
from adapters.mongo.embedded import EmbeddedMongo
from schemas.common import Role
from tests.e2e.conftest import RunningClock, app_settings, bearer, dispute_work_intervals, eventually
from tests.factories import order, shipment

DB_TIMEOUT = 1.0  # seconds the app waits for an absent database (DISPUTES_MONGODB_TIMEOUT_SECONDS)
SLOWEST_ANSWER = DB_TIMEOUT + 2.0  # no request may take longer than this, outage or not
ORDERS = 150
WORKERS = 2


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def customer(n: int) -> dict[str, str]:
    return bearer(Role.CUSTOMER, f"cust-out-{n}", f"cust-out-{n}")


@dataclass
class Answer:
    phase: str
    method: str
    status: int
    content_type: str
    started: float
    seconds: float


@dataclass
class Load:
    """POST a dispute then GET it, in a loop; every answer is recorded, every 201 goes into the ledger."""

    api: object
    phase: str = "before"
    answers: list[Answer] = field(default_factory=list)
    ledger: dict[str, int] = field(default_factory=dict)  # dispute id -> customer number
    next_order: int = 0
    stop: bool = False

    async def timed(self, method: str, path: str, **kwargs) -> tuple[int, dict | None]:
        phase, started = self.phase, time.monotonic()
        async with asyncio.timeout(SLOWEST_ANSWER + 5):  # a hang fails the test instead of stalling it
            response = await self.api.request(method, path, **kwargs)
            body = await response.read()
        seconds = time.monotonic() - started
        phase = phase if phase == self.phase else "transition"  # the database changed state meanwhile
        self.answers.append(Answer(phase, method, response.status, response.content_type, started, seconds))
        return response.status, json.loads(body) if body else None

    async def run(self) -> None:
        while not self.stop and self.next_order < ORDERS:
            n, self.next_order = self.next_order, self.next_order + 1
            body = {"order_id": f"ord-out-{n}", "statement": "Gelmedi.", "preferred_resolution": "refund"}
            status, created = await self.timed("POST", "/v1/disputes", json=body, headers=customer(n))
            if status == 201:
                self.ledger[created["id"]] = n
                await self.timed("GET", f"/v1/disputes/{created['id']}", headers=customer(n))

    def successes(self, phase: str) -> int:
        return sum(1 for a in self.answers if a.phase == phase and a.method == "POST" and a.status == 201)


@pytest.fixture
def orders_document():
    orders = []
    for n in range(ORDERS):
        placed = order(f"ord-out-{n}", customer_id=f"cust-out-{n}", shipments=[shipment(f"shp-out-{n}")])
        orders.append(placed.model_copy(update={"address": placed.address.model_copy(update={"line": f"Bağdat Cad. No:{n}"})}))
    return {"orders": [json.loads(o.model_dump_json()) for o in orders]}


@pytest.fixture
def database(tmp_path):
    server = EmbeddedMongo(tmp_path / "mongo", port=free_port())  # SQLite engine: the data outlives the process
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def app_client(aiohttp_client, sandbox, database, tmp_path, orders_document):
    orders_file = tmp_path / "orders.json"
    orders_file.write_text(json.dumps(orders_document))
    url = str(sandbox.make_url("/")).rstrip("/")
    settings = app_settings(
        database.uri, f"outage_{uuid.uuid4().hex[:10]}", orders_file, url,
        mongodb_timeout_seconds=DB_TIMEOUT, relay_interval_seconds=0.05, **dispute_work_intervals(0.2), carriers={},
    )
    client = await aiohttp_client(create_app(settings, Overrides(clock=RunningClock())))
    yield client
    await client.close()


async def test_a_database_outage_answers_503_quickly_and_the_service_recovers_by_itself(app_client, database):
    load = Load(app_client)
    runners = [asyncio.create_task(load.run()) for _ in range(WORKERS)]
    try:
        async def served(phase: str, count: int):
            return load.successes(phase) >= count

        await eventually(lambda: served("before", 4), timeout=15, explain="no dispute opened before the outage")
        assert (await app_client.get("/readyz")).status == 200

        load.phase = "stopping"  # answers while the server is going down belong to neither side
        await asyncio.to_thread(database.stop)
        load.phase = "outage"

        async def outage_answers() -> bool:
            return sum(1 for a in load.answers if a.phase == "outage") >= 2 * WORKERS

        await eventually(outage_answers, timeout=SLOWEST_ANSWER * 3, explain="nothing answered during the outage")
        ready = await app_client.get("/readyz")
        assert ready.status == 503 and ready.content_type == "application/problem+json"
        assert (await ready.json())["type"] == "urn:dispute-service:problem:not-ready"
        assert (await app_client.get("/healthz")).status == 200

        load.phase = "restarting"
        await asyncio.to_thread(database.start)  # same port, same data directory
        load.phase = "after"

        await eventually(lambda: served("after", 4), timeout=20, explain="the service did not recover by itself")
        assert (await app_client.get("/readyz")).status == 200
    finally:
        load.stop = True
        await asyncio.gather(*runners)

    during = [a for a in load.answers if a.phase == "outage"]
    assert during and {(a.status, a.content_type) for a in during} == {(503, "application/problem+json")}, during
    assert not [a for a in load.answers if a.status >= 500 and a.status != 503], "a 5xx other than 503"
    slowest = max(a.seconds for a in load.answers)
    assert slowest < SLOWEST_ANSWER, f"a request took {slowest:.1f}s"
    for answer in load.answers:
        if answer.phase in ("before", "after"):
            assert answer.status in (200, 201), answer

    missing = []
    for dispute_id, n in load.ledger.items():
        found = await app_client.get(f"/v1/disputes/{dispute_id}", headers=customer(n))
        if found.status != 200:
            missing.append((dispute_id, found.status))
    assert not missing, f"acknowledged disputes lost: {missing}"
