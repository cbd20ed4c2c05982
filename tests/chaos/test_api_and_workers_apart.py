"""The API and two `disputes worker` processes apart, as production runs them, on one database; a carrier is
down. The workers share one circuit breaker for it, so it costs about one breaker's worth of failed calls, not
one per worker; the cases the breaker refused come back when it lets calls through again, not on the long
backoff; the API, which calls no carrier, shows the open breaker in `GET /v1/carriers` and `/metrics`; each
worker answers `/healthz`, `/readyz` and `/metrics` on its own port and names itself in every log line.

The workers run on the real clock against the session's MongoDB server; the test waits on conditions."""

import json
import socket
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer, unused_port

from adapters.mongo.client import connect
from sandbox.carriers import create_carrier_sandbox, sandbox_carrier_settings
from sandbox.carriers.state import FAULTS as CARRIER_FAULTS
from sandbox.carriers.state import REQUEST_LOG
from sandbox.carriers.state import FaultSpec as CarrierFault
from schemas.common import Role
from schemas.orders import Order
from tests.e2e.conftest import bearer, eventually, orders_file_document, sandbox_shipments
from tests.factories import order, shipment
from tests.workers import Workers

CARRIER = "dhl"
CASES = 16
THRESHOLD = 4  # failed calls that open the breaker
COOL_DOWN = 600.0  # longer than the test: once open, the breaker stays open
PER_CARRIER = 1  # pulls a worker sends the carrier at a time
WORKERS = 2
BOUND = 90.0  # the longest a process may take to start, or the workers to try every case
INVESTIGATOR = bearer(Role.INVESTIGATOR, "inv-ayse")


def case_order(n: int, now: datetime) -> Order:
    parcel = shipment(f"shp-apart{n}", carrier=CARRIER).model_copy(update={"delivered_at": now - timedelta(days=2)})
    placed = order(f"ord-apart{n}", customer_id=f"cust-apart{n}", shipments=[parcel])
    return placed.model_copy(update={"placed_at": now - timedelta(days=5)})


@pytest.fixture
def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def orders(now: datetime) -> list[Order]:
    return [case_order(n, now) for n in range(CASES)]


@pytest.fixture
def orders_document(orders: list[Order]) -> dict[str, Any]:
    return orders_file_document(orders)


@pytest.fixture
async def carrier_sandbox(aiohttp_server, orders, now) -> TestServer:
    """The carrier answers every tracking call with a server error."""
    app = create_carrier_sandbox(sandbox_shipments([(o, "delivered", "Ayşe Yılmaz") for o in orders], now))
    app[CARRIER_FAULTS].pending[CARRIER].extend([CarrierFault(carrier=CARRIER, mode="error")] * 100)
    return await aiohttp_server(app)


@pytest.fixture
def carrier_config(carrier_sandbox) -> dict[str, dict[str, Any]]:
    config = sandbox_carrier_settings(str(carrier_sandbox.make_url("")).rstrip("/"))[CARRIER]
    config |= {"timeout_seconds": 5, "retry": {"attempts": 1},
               "breaker": {"failure_threshold": THRESHOLD, "cool_down_seconds": COOL_DOWN}}
    return {CARRIER: config}


@pytest.fixture
def database() -> str:
    return f"apart_{uuid.uuid4().hex[:10]}"


@pytest.fixture
def workers(mongo_uri, database, sandbox, carrier_config, tmp_path):
    logs = tmp_path / "logs"
    logs.mkdir()
    processes = Workers(
        mongo_uri, database, str(sandbox.make_url("/")).rstrip("/"), logs,
        carriers=carrier_config,
        evidence_interval_seconds=0.1,
        evidence_per_carrier=PER_CARRIER,
    )
    try:
        yield processes
    finally:
        processes.stop_all()
    processes.audit_logs()


async def get(session: aiohttp.ClientSession, url: str) -> tuple[int, str]:
    try:
        async with session.get(url) as response:
            return response.status, await response.text()
    except aiohttp.ClientConnectionError:
        return 0, ""


async def test_workers_apart_share_one_breaker_and_the_api_sees_it(
    api_alone: TestClient, workers, carrier_sandbox, mongo_uri, database
):
    ports = [unused_port() for _ in range(WORKERS)]
    processes = [workers.start(worker_port=port) for port in ports]
    async with aiohttp.ClientSession() as session:
        async def serving() -> bool:
            return all([(await get(session, f"http://127.0.0.1:{port}/healthz"))[0] == 200 for port in ports])

        await eventually(serving, timeout=BOUND, interval=0.2, explain=lambda: workers.log_text()[-3000:])

    # Both workers are up before the cases open, so both pull them (a worker's own breaker would let each
    # of them spend the whole threshold).
    ids = []
    for n in range(CASES):
        headers = {**bearer(Role.CUSTOMER, f"cust-apart{n}", f"cust-apart{n}"), "Idempotency-Key": f"ord-apart{n}"}
        body = {"order_id": f"ord-apart{n}", "statement": "Kargo gelmedi.", "preferred_resolution": "refund"}
        opened = await api_alone.post("/v1/disputes", json=body, headers=headers)
        assert opened.status == 201, await opened.text()
        ids.append((await opened.json())["id"])
    mongo = connect(mongo_uri)
    collection = mongo[database].disputes
    try:
        async def every_case_tried() -> bool:
            return await collection.count_documents({"_id": {"$in": ids}, "evidence_pulls": {"$gte": 1}}) == CASES

        await eventually(every_case_tried, timeout=BOUND, interval=0.1, explain=lambda: workers.log_text()[-3000:])
        tried_at = datetime.now(UTC)
        docs = [doc async for doc in collection.find({"_id": {"$in": ids}})]
    finally:
        await mongo.close()

    # One breaker for both workers: the threshold, plus at most the calls already in flight when it opened.
    requests = carrier_sandbox.app[REQUEST_LOG].requests
    calls = [r for r in requests if r["carrier"] == CARRIER and r["endpoint"] != "token"]
    assert THRESHOLD <= len(calls) <= THRESHOLD + WORKERS * PER_CARRIER - 1 < WORKERS * THRESHOLD

    # The refused cases wait for the breaker's cool-down, not for the evidence backoff (two minutes).
    errors = {doc["_id"]: [e["details"]["error"] for e in doc["timeline"] if e["action"] == "evidence_pull_failed"]
              for doc in docs}
    refused = [doc for doc in docs if "circuit open" in errors[doc["_id"]][0]]
    assert len(refused) == CASES - len(calls)
    for doc in refused:
        assert doc["evidence_pull_due"] > tried_at + timedelta(seconds=COOL_DOWN - BOUND), doc["_id"]

    # The API calls no carrier, yet shows what the workers saw.
    listed = await (await api_alone.get("/v1/carriers", headers=INVESTIGATOR)).json()
    (health,) = [c["health"] for c in listed["carriers"] if c["code"] == CARRIER]
    assert health["circuit"] == "open" and health["consecutive_failures"] >= THRESHOLD
    api_metrics = await (await api_alone.get("/metrics")).text()
    assert f'disputes_carrier_circuit_state{{carrier="{CARRIER}"}} 2.0' in api_metrics
    assert 'disputes_http_requests_total{method="GET",route="/v1/carriers",status="200"} 1.0' in api_metrics

    # Each worker serves its own operations endpoints; its metrics count its own pulls and show the shared breaker.
    async with aiohttp.ClientSession() as session:
        pulled = 0.0
        for port in ports:
            base = f"http://127.0.0.1:{port}"
            assert (await get(session, f"{base}/healthz"))[0] == 200
            assert (await get(session, f"{base}/readyz"))[0] == 200
            status, text = await get(session, f"{base}/metrics")
            assert status == 200 and f'disputes_carrier_circuit_state{{carrier="{CARRIER}"}} 2.0' in text
            pulled += sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
                          if line.startswith(f'disputes_evidence_pulls_total{{carrier="{CARRIER}"'))
            assert (await get(session, f"{base}/v1/carriers"))[0] == 404  # no API here
        assert pulled == CASES

    # Every line a worker writes names it; each pull that called the carrier is logged, the breaker's refusals
    # once per worker that met them (no personal data: `audit_logs` checks).
    for n, process in enumerate(processes):
        output = (workers.logs / f"worker-{n}.log").read_text()
        worker_id = f"{socket.gethostname()}-{process.pid}"
        lines = [json.loads(line) for line in output.splitlines()]  # every one JSON, where it listens too
        assert lines and all(line["worker_id"] == worker_id for line in lines)
        assert [line["url"] for line in lines if line["event"] == "listening"] == [f"http://127.0.0.1:{ports[n]}"]
    logged = [json.loads(line) for line in workers.log_text().splitlines() if line.startswith("{")]
    pulls = [line for line in logged if line["event"] == "evidence_pull"]
    assert sorted(p["dispute_id"] for p in pulls) == sorted(set(ids) - {doc["_id"] for doc in refused})
    assert [p["outcome"] for p in pulls] == ["unavailable"] * len(calls)
    assert all(p["carrier"] == CARRIER and p["duration_ms"] >= 0 for p in pulls)
    refusals = [line for line in logged if line["event"].startswith("evidence_pulls_")]
    assert 1 <= len(refusals) <= WORKERS and {(r["event"], r["carrier"]) for r in refusals} == {
        ("evidence_pulls_refused", CARRIER)}
