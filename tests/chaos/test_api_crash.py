"""SIGKILL the API in the middle of a mixed load, restart it: nothing acknowledged is lost or duplicated.

The API runs as a real process (`disputes serve`, workers on) against the session's MongoDB server. A load
client opens disputes (each with its own Idempotency-Key and order) and pushes UPS webhook events, and keeps
a ledger of every 2xx. After a fixed number of acknowledgements the process is killed; the client keeps
retrying what failed, with the same key or the same event body, until the restarted process answers.

Afterwards every acknowledged dispute and event is stored exactly once, a retry with a key acknowledged before
the crash returns the same dispute, and the downstream sandbox received each "dispute_opened" exactly once.
"""

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest

from adapters.mongo.client import connect
from sandbox.downstream import LEDGER, create_downstream_sandbox
from sandbox.downstream import Ledger as DownstreamLedger
from carriers.ups.webhook import parse_tracking_event
from tests.e2e.conftest import CARRIERS, UPS_WEBHOOK_CREDENTIAL, eventually
from tests.factories import PERSONAL_VALUES, order, shipment
from tests.identity_provider import AUDIENCE, ISSUER, JWKS_PATH, IdentityProvider
from tests.workers import SIGNING_ENV, SIGNING_KEYS

ROOT = Path(__file__).resolve().parents[2]
SECRET = "chaos-api-secret-" + "k" * 32
CUSTOMERS = 4
ORDERS = 240
DISPUTES = 60  # orders 0..59 are disputed, one request each
EVENTS = 60  # two events (in transit, delivered) for each of the orders 30..59: pushes meet disputes
KILL_AFTER = 30  # acknowledgements before the SIGKILL
CONCURRENCY = 8
UPS_HEADERS = {"x-api-key": UPS_WEBHOOK_CREDENTIAL, "Content-Type": "application/json"}


def tracking(i: int) -> str:
    return f"1ZCHAOS{i:011d}"


def orders_document(now: datetime) -> dict:
    delivered = now - timedelta(days=2)
    orders = []
    for i in range(ORDERS):
        parcel = shipment(f"shp-{i}", carrier="ups").model_copy(
            update={"tracking_number": tracking(i), "delivered_at": delivered}
        )
        placed = order(f"ord-{i}", customer_id=f"cust-{i % CUSTOMERS}", shipments=[parcel])
        orders.append(json.loads(placed.model_copy(update={"placed_at": now - timedelta(days=5)}).model_dump_json()))
    return {"orders": orders}


def ups_event(j: int) -> bytes:
    """Distinct events: each carries its own tracking number, status and activity time."""
    delivered = j % 2 == 1
    hhmmss = f"{8 + j // 60:02d}{j % 60:02d}{j % 7:02d}"
    body = {
        "trackingNumber": tracking(DISPUTES - EVENTS // 2 + j // 2),
        "localActivityDate": "20261120",
        "localActivityTime": hhmmss,
        "activityLocation": {"city": "ISTANBUL", "postalCode": "34710", "country": "TR"},
        "activityStatus": {"type": "D", "code": "FS", "description": "Delivered"}
        if delivered
        else {"type": "I", "code": "OT", "description": "Out for Delivery"},
        "gmtActivityDate": "20261120",
        "gmtActivityTime": hhmmss,
    }
    if delivered:
        body |= {"actualDeliveryDate": "20261120", "actualDeliveryTime": hhmmss, "receivedBy": "Kapici"}
    return json.dumps(body).encode()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Ledger:
    """What the load client was told: only 2xx answers count as acknowledged."""

    disputes: dict[str, str] = field(default_factory=dict)  # idempotency key -> dispute id
    events: dict[str, str] = field(default_factory=dict)  # event identity -> order index
    replayed_after_crash: int = 0  # retries answered "Idempotent-Replayed" or "duplicates": stored, not acked
    connection_failures: int = 0
    server_errors: list[int] = field(default_factory=list)
    refused: list[tuple[str, int, str]] = field(default_factory=list)
    reached: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def acknowledged(self) -> int:
        return len(self.disputes) + len(self.events)

    def ack(self) -> None:
        if self.acknowledged >= KILL_AFTER:
            self.reached.set()


class Api:
    """The API process: started, killed and restarted with the same environment; logs kept for the audit."""

    def __init__(self, env: dict[str, str], logs: Path, downstream: DownstreamLedger) -> None:
        self.env = env
        self.logs = logs
        self.downstream = downstream
        self.database = env["DISPUTES_MONGODB_DATABASE"]
        self.runs: list[subprocess.Popen[bytes]] = []
        self.url = f"http://127.0.0.1:{env['DISPUTES_PORT']}"

    def start(self) -> None:
        log = open(self.logs / f"api-{len(self.runs)}.log", "wb")  # noqa: SIM115 - the child writes to it
        command = [sys.executable, "-m", "adapters.cli", "serve"]
        try:
            self.runs.append(subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT))
        finally:
            log.close()

    def kill(self) -> None:
        process = self.runs[-1]
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)

    def stop_all(self) -> None:
        for process in self.runs:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)

    async def ready(self, session: aiohttp.ClientSession, timeout: float = 30) -> bool:
        async def answers() -> bool:
            assert self.runs[-1].poll() is None, f"the API exited: {self.log_text()[-2000:]}"
            try:
                async with session.get(f"{self.url}/readyz") as response:
                    return response.status == 200
            except aiohttp.ClientError:
                return False

        return await eventually(answers, timeout=timeout, interval=0.05, explain=lambda: self.log_text()[-2000:])

    def log_text(self) -> str:
        return "".join(p.read_text(errors="replace") for p in sorted(self.logs.glob("api-*.log")))


@pytest.fixture
def api_logs(tmp_path: Path) -> Path:
    folder = tmp_path / "logs"
    folder.mkdir()
    return folder


@pytest.fixture(autouse=True)
def log_audit(api_logs: Path):
    """Replaces the in-process audit: here the logs to audit are the API process's own."""
    yield
    logs = "".join(p.read_text(errors="replace") for p in api_logs.glob("api-*.log"))
    assert logs, "the API logged nothing: the audit would prove nothing"
    leaked = [value for value in PERSONAL_VALUES if value in logs]
    assert not leaked, f"personal data in the API's logs: {leaked}"


@pytest.fixture
def identity_provider() -> IdentityProvider:
    return IdentityProvider.with_keys()


@pytest.fixture
async def api_process(aiohttp_server, mongo_uri, tmp_path, api_logs, identity_provider):
    now = datetime.now(UTC)
    document = orders_document(now)
    orders_file = tmp_path / "orders.json"
    orders_file.write_text(json.dumps(document))
    downstream = await aiohttp_server(create_downstream_sandbox(document, signing_keys=SIGNING_KEYS))
    downstream_url = str(downstream.make_url("/")).rstrip("/")
    jwks = await aiohttp_server(identity_provider.app())
    database = f"chaos_{uuid.uuid4().hex[:10]}"
    env = {
        **os.environ,
        "DISPUTES_HOST": "127.0.0.1",
        "DISPUTES_PORT": str(free_port()),
        "DISPUTES_MONGODB_URI": mongo_uri,
        "DISPUTES_MONGODB_DATABASE": database,
        "DISPUTES_JWT_SECRET": SECRET,
        **SIGNING_ENV,
        "DISPUTES_JWT_JWKS_URL": str(jwks.make_url(JWKS_PATH)),
        "DISPUTES_JWT_ISSUER": ISSUER,
        "DISPUTES_JWT_AUDIENCE": AUDIENCE,
        "DISPUTES_ORDERS_FILE": str(orders_file),
        "DISPUTES_PAYMENTS_URL": downstream_url,
        "DISPUTES_FULFILLMENT_URL": downstream_url,
        "DISPUTES_NOTIFICATIONS_URL": downstream_url,
        "DISPUTES_ACCOUNTS_URL": downstream_url,
        "DISPUTES_FINANCE_URL": downstream_url,
        "DISPUTES_CARRIERS": json.dumps(CARRIERS),  # UPS: webhook credential, pulls to a closed port
        "DISPUTES_RUN_WORKERS": "true",
        "DISPUTES_RELAY_INTERVAL_SECONDS": "0.5",
        "DISPUTES_LEASE_SECONDS": "4",  # work claimed by the killed process is due again soon
        "DISPUTES_HEARTBEAT_SECONDS": "0.5",
        "DISPUTES_EVIDENCE_INTERVAL_SECONDS": "1",
        "DISPUTES_DOWNSTREAM_TIMEOUT_SECONDS": "2",
        "DISPUTES_LOG_JSON": "true",
        "DISPUTES_LOG_LEVEL": "INFO",
    }
    api = Api(env, api_logs, downstream.app[LEDGER])
    try:
        yield api
    finally:
        api.stop_all()
        cleaner = connect(mongo_uri)
        await cleaner.drop_database(database)
        await cleaner.close()


def open_body(i: int) -> dict:
    return {"order_id": f"ord-{i}", "statement": f"Kargo gelmedi ({i}).", "preferred_resolution": "refund"}


async def test_killing_the_api_mid_load_loses_and_duplicates_nothing_acknowledged(
    api_process, mongo_uri, identity_provider
):
    api = api_process
    customers = {
        c: {"Authorization": "Bearer " + identity_provider.token("ec-1", sub=f"cust-{c}", role="customer",
                                                                  customer_id=f"cust-{c}")}
        for c in range(CUSTOMERS)
    }
    keys = {i: f"chaos-{i}-{uuid.uuid4().hex[:8]}" for i in range(DISPUTES)}
    events = {j: ups_event(j) for j in range(EVENTS)}
    identity = {j: "push:ups:" + parse_tracking_event(events[j], datetime.now(UTC)).event_id for j in range(EVENTS)}
    assert len(set(identity.values())) == EVENTS, "the generated events must be distinct"

    ledger = Ledger()
    up = asyncio.Event()
    crashed = asyncio.Event()
    timeout = aiohttp.ClientTimeout(total=15)
    async with aiohttp.ClientSession(timeout=timeout, connector=aiohttp.TCPConnector(limit=CONCURRENCY * 2)) as session:

        async def send(kind: str, n: int) -> None:
            """Until a 2xx: connection failures and 5xx wait for the API to answer again, then retry as is."""
            deadline = time.monotonic() + 45
            while time.monotonic() < deadline:
                await asyncio.wait_for(up.wait(), timeout=40)
                try:
                    if kind == "dispute":
                        headers = {**customers[n % CUSTOMERS], "Idempotency-Key": keys[n]}
                        response = await session.post(f"{api.url}/v1/disputes", json=open_body(n), headers=headers)
                    else:
                        response = await session.post(f"{api.url}/v1/carriers/ups/webhooks", data=events[n], headers=UPS_HEADERS)
                    async with response:
                        status, text = response.status, await response.text()
                        replayed = response.headers.get("Idempotent-Replayed") == "true"
                except (aiohttp.ClientError, TimeoutError):
                    ledger.connection_failures += 1
                    status, text, replayed = 0, "", False
                if status == 0 or status >= 500:
                    if status:
                        ledger.server_errors.append(status)
                    await asyncio.sleep(0.02)  # retry pacing only: a killed API is waited for through `up`
                    continue
                if status >= 300:
                    ledger.refused.append((f"{kind}-{n}", status, text[:300]))
                    return
                answer = json.loads(text)
                if kind == "dispute":
                    ledger.disputes[keys[n]] = answer["id"]
                    ledger.replayed_after_crash += replayed and crashed.is_set()
                else:
                    assert answer["received"] == 1, answer
                    ledger.events[identity[n]] = n
                    ledger.replayed_after_crash += answer["duplicates"] == 1 and crashed.is_set()
                ledger.ack()
                return
            ledger.refused.append((f"{kind}-{n}", 0, "gave up: no 2xx within the bound"))

        jobs: asyncio.Queue[tuple[str, int]] = asyncio.Queue()
        for n in range(max(DISPUTES, EVENTS)):  # interleaved: both kinds are in flight at the kill
            if n < DISPUTES:
                jobs.put_nowait(("dispute", n))
            if n < EVENTS:
                jobs.put_nowait(("event", n))

        async def client() -> None:
            while not jobs.empty():
                await send(*jobs.get_nowait())

        started = time.monotonic()
        phases: dict[str, float] = {}
        api.start()
        try:
            assert await api.ready(session), "the API did not become ready"
            up.set()
            load = [asyncio.create_task(client()) for _ in range(CONCURRENCY)]
            try:
                await asyncio.wait_for(ledger.reached.wait(), timeout=30)
                up.clear()
                api.kill()
                crashed.set()
                before = ledger.acknowledged
                events_before = sorted(ledger.events.values())
                phases["killed"] = time.monotonic() - started
                assert before < DISPUTES + EVENTS, "the load finished before the kill"
                api.start()
                assert await api.ready(session), "the restarted API did not become ready"
                up.set()
                phases["restarted"] = time.monotonic() - started
                await asyncio.wait_for(asyncio.gather(*load), timeout=45)
                phases["load done"] = time.monotonic() - started
            finally:
                for task in load:
                    task.cancel()
                await asyncio.gather(*load, return_exceptions=True)

            assert not ledger.refused, f"requests refused: {ledger.refused[:5]}"
            assert 500 not in ledger.server_errors, "an unhandled error reached a client"
            assert len(ledger.disputes) == DISPUTES and len(ledger.events) == EVENTS
            assert ledger.connection_failures > 0, "no request was cut off: the kill did not hit the load"

            # Retried after the crash, acknowledged requests get the answer they got before: every dispute, as a
            # replay; the events acknowledged before the kill, as duplicates. A sample reads back through the API.
            slots = asyncio.Semaphore(CONCURRENCY)

            async def replay_open(i: int) -> None:
                headers = {**customers[i % CUSTOMERS], "Idempotency-Key": keys[i]}
                async with slots, session.post(f"{api.url}/v1/disputes", json=open_body(i), headers=headers) as again:
                    assert again.status == 201 and again.headers.get("Idempotent-Replayed") == "true", await again.text()
                    assert (await again.json())["id"] == ledger.disputes[keys[i]]

            async def replay_event(j: int) -> None:
                async with slots, session.post(f"{api.url}/v1/carriers/ups/webhooks", data=events[j], headers=UPS_HEADERS) as again:
                    assert again.status == 200 and await again.json() == {"received": 1, "duplicates": 1}

            async def read_back(i: int) -> None:
                url = f"{api.url}/v1/disputes/{ledger.disputes[keys[i]]}"
                async with slots, session.get(url, headers=customers[i % CUSTOMERS]) as got:
                    assert got.status == 200 and (await got.json())["order"]["order_id"] == f"ord-{i}"

            await asyncio.gather(
                *(replay_open(i) for i in range(DISPUTES)),
                *(replay_event(j) for j in events_before),
                *(read_back(i) for i in range(0, DISPUTES, 3)),
            )
            phases["replays checked"] = time.monotonic() - started

            mongo = connect(mongo_uri)
            try:
                db = mongo[api.database]
                docs = [d async for d in db.disputes.find({}, {"order.order_id": 1, "idempotency.key": 1})]
                by_order = Counter(d["order"]["order_id"] for d in docs)
                by_key = Counter(d["idempotency"]["key"] for d in docs)
                assert {d["_id"] for d in docs} == set(ledger.disputes.values()), "lost or phantom disputes"
                assert len(docs) == DISPUTES and max(by_order.values()) == 1 and max(by_key.values()) == 1
                assert {f"cust-{i % CUSTOMERS}:{keys[i]}" for i in range(DISPUTES)} == set(by_key)
                stored = [d["_id"] async for d in db.carrier_events.find({}, {"_id": 1})]
                assert sorted(stored) == sorted(ledger.events), "lost or duplicated webhook events"

                expected = {f"{dispute_id}:1:dispute_opened" for dispute_id in ledger.disputes.values()}
                notifications = api.downstream.applied["notifications"]

                async def drained() -> bool:
                    return expected <= notifications.keys()

                await eventually(drained, timeout=45, explain=lambda: (
                    f"the relay did not deliver {len(expected - notifications.keys())} dispute_opened notifications"
                ))
                phases["relay drained"] = time.monotonic() - started
                opened = {k: n for k, n in notifications.items() if k.endswith(":dispute_opened")}
                assert opened == dict.fromkeys(expected, 1), "a dispute_opened notification was applied twice or for a phantom"
            finally:
                await mongo.close()

            sent = Counter(r["key"] for r in api.downstream.requests if r["service"] == "notifications")
            print(
                f"\nacknowledged before the kill: {before}, after: {ledger.acknowledged - before}; "
                f"connection failures: {ledger.connection_failures}, 5xx: {len(ledger.server_errors)}; "
                f"stored-but-unacknowledged requests answered as replays: {ledger.replayed_after_crash}; "
                f"notifications re-sent with the same key: {sum(n - 1 for n in sent.values())}; "
                + ", ".join(f"{name} at {at:.1f}s" for name, at in phases.items())
            )
        finally:
            api.stop_all()
