"""Short leases, renewed while the work runs: a dead worker's cases are taken over within seconds, and a slow
carrier call keeps its one holder however long it takes.

Two real `disputes worker` processes share the session's MongoDB server; the API runs in the test's process,
without workers. Every case is a UPS shipment delivered without signature or photo, so the policy resolves
it on its own (a refund or a reship, and the carrier's liability). The carrier sandbox answers the first call
for each case late (`latency`), so the work is in flight when the test acts; later calls answer at once.
"""

import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from adapters.mongo.client import connect
from adapters.mongo.disputes import from_doc
from adapters.settings import Settings
from sandbox.carriers import create_carrier_sandbox, sandbox_carrier_settings
from sandbox.carriers.state import FAULTS as CARRIER_FAULTS
from sandbox.carriers.state import PULLS
from sandbox.carriers.state import FaultSpec as CarrierFault
from sandbox.downstream import LEDGER
from schemas.common import Outcome, Role
from schemas.orders import Order
from tests.chaos.test_worker_crash import assert_each_effect_once, case_order, nothing_left, pull_calls
from tests.e2e.conftest import bearer, dispute_work_intervals, eventually, orders_file_document, sandbox_shipments
from tests.workers import Workers

CARRIER = "ups"
CASES = 6
DEFAULTS = Settings.model_fields
LEASE = DEFAULTS["lease_seconds"].default  # the take-over is proven with the lease a deployment gets
TAKEN_OVER_WITHIN = 15.0
SLOW_LEASE = 3.0  # the slow call: a short lease, renewed ...
SLOW_CALL = 6 * SLOW_LEASE  # ... through a call six leases long (a 60 s call against the default 10 s lease)
FIRST_CALL = 40.0  # how late the first calls answer in the take-over test: longer than the take-over may take
STOPPED_CALL = 5.0  # how late they answer when a worker is stopped: it waits for them


@pytest.fixture
def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def orders(now: datetime) -> list[Order]:
    return [case_order(100 + n, CARRIER, now) for n in range(CASES)]


@pytest.fixture
def orders_document(orders: list[Order]) -> dict[str, Any]:
    return orders_file_document(orders)


@pytest.fixture
def first_call() -> float:
    return FIRST_CALL


@pytest.fixture
async def carrier_sandbox(aiohttp_server, orders, now, first_call) -> TestServer:
    app = create_carrier_sandbox(sandbox_shipments([(o, "unsigned", "Ayşe Yılmaz") for o in orders], now))
    late = CarrierFault(carrier=CARRIER, mode="latency", delay_seconds=first_call)
    app[CARRIER_FAULTS].pending[CARRIER].extend([late] * CASES)
    return await aiohttp_server(app)


@pytest.fixture
def database() -> str:
    return f"leases_{uuid.uuid4().hex[:10]}"


@pytest.fixture
def leases() -> dict[str, object]:
    """The lease settings of the workers, and any other they need (the take-over test keeps the defaults)."""
    return {}


@pytest.fixture
def workers(mongo_uri, database, sandbox, carrier_sandbox, tmp_path, first_call, leases):
    logs = tmp_path / "logs"
    logs.mkdir()
    carriers = sandbox_carrier_settings(str(carrier_sandbox.make_url("")).rstrip("/"))
    carriers[CARRIER]["timeout_seconds"] = first_call + 30  # a late answer is waited for, not retried ...
    carriers[CARRIER]["retry"] |= {"total_seconds": first_call + 30}  # ... within the call's time budget
    processes = Workers(
        mongo_uri, database, str(sandbox.make_url("/")).rstrip("/"), logs,
        carriers={CARRIER: carriers[CARRIER]},
        **dispute_work_intervals(0.2) | leases,
        relay_interval_seconds=0.1,
        policy_auto_resolve_confidence=0.25,  # every weak proof here resolves on its own
    )
    try:
        yield processes
    finally:
        processes.stop_all()
    processes.audit_logs()


async def open_cases(api: TestClient, orders: list[Order]) -> dict[str, tuple[str, Outcome]]:
    cases = {}
    for n, placed in enumerate(orders):
        preference = ("refund", "reship")[n % 2]
        headers = {**bearer(Role.CUSTOMER, placed.customer_id, placed.customer_id), "Idempotency-Key": placed.order_id}
        body = {"order_id": placed.order_id, "statement": "Kargo gelmedi.", "preferred_resolution": preference}
        opened = await api.post("/v1/disputes", json=body, headers=headers)
        assert opened.status == 201, await opened.text()
        cases[(await opened.json())["id"]] = (placed.shipments[0].tracking_number, Outcome(preference))
    return cases


async def pull_leases(collection: Any) -> dict[str, dict[str, Any]]:
    """Each dispute's evidence-pull lease ({holder, until}), for the disputes that have one."""
    docs = collection.find({"lease.pull_evidence": {"$exists": True}}, {"lease": 1})
    return {doc["_id"]: doc["lease"]["pull_evidence"] async for doc in docs}


def pid_of(holder: str) -> int:
    """Worker ids are host-pid (`adapters.workers.worker_id`)."""
    return int(holder.rsplit("-", 1)[1])


async def all_pulls_in_flight(workers: Any, carrier_sandbox: Any, collection: Any) -> dict[str, dict[str, Any]]:
    """Two workers started and every case's pull in flight (held by the carrier sandbox), each under its lease."""
    workers.start()
    workers.start()

    async def all_in_flight() -> dict[str, dict[str, Any]] | None:
        held = [r for r in pull_calls(carrier_sandbox) if r["status"] is None]
        leased = await pull_leases(collection)
        return leased if len(held) == CASES and len(leased) == CASES else None

    return await eventually(all_in_flight, timeout=60, interval=0.1,
                            explain=lambda: f"the pulls never were all in flight: {workers.log_text()[-2000:]}")


async def test_a_worker_killed_mid_pull_has_its_cases_taken_over_within_15_seconds_and_nothing_duplicated(
    api_alone, workers, carrier_sandbox, sandbox, orders, mongo_uri, database
):
    cases = await open_cases(api_alone, orders)
    mongo = connect(mongo_uri)
    collection = mongo[database].disputes
    try:
        leased = await all_pulls_in_flight(workers, carrier_sandbox, collection)
        await eventually(workers.all_started, timeout=60, explain="a worker did not start")
        by_holder = Counter(lease["holder"] for lease in leased.values())
        victim = by_holder.most_common(1)[0][0]
        victims = {dispute_id for dispute_id, lease in leased.items() if lease["holder"] == victim}
        workers.kill(pid_of(victim))
        killed = time.monotonic()
        [survivor] = workers.running()

        async def taken_over() -> bool:
            held = {i: pid_of(lease["holder"]) for i, lease in (await pull_leases(collection)).items()}
            proven = {doc["_id"] async for doc in collection.find({"evidence.0": {"$exists": True}}, {"_id": 1})}
            return all(i in proven or held.get(i) == survivor.pid for i in victims)

        await eventually(taken_over, timeout=TAKEN_OVER_WITHIN, interval=0.1, explain="not taken over in time")
        took = time.monotonic() - killed
        settled = await eventually(lambda: nothing_left(collection), timeout=FIRST_CALL + 60, interval=0.2)
        final = [from_doc(doc) async for doc in collection.find({})]
        assert settled, [(d.id, d.status.value, len(d.outbox)) for d in final]
    finally:
        await mongo.close()

    for dispute in final:  # one proof each, from one pull: the dead worker's pulls left nothing behind
        assert len(dispute.evidence) == 1 and [e.action for e in dispute.timeline].count("evidence_received") == 1
        assert dispute.decisions == 1 and dispute.decision.outcome is cases[dispute.id][1]
    assert_each_effect_once(cases, final, sandbox.app[LEDGER])
    # One call per case, and one more per case the killed worker held (the survivor's): none made twice by a
    # living worker.
    assert len(pull_calls(carrier_sandbox)) == CASES + len(victims)
    print(f"\n{len(victims)} of {CASES} cases held by the killed worker; taken over {took:.1f} s after the kill "
          f"(lease {LEASE:g} s)")


@pytest.mark.parametrize("first_call", [SLOW_CALL])
@pytest.mark.parametrize("leases", [{"lease_seconds": SLOW_LEASE, "heartbeat_seconds": SLOW_LEASE / 6}])
async def test_a_carrier_call_six_leases_long_keeps_exactly_one_holder(
    api_alone, workers, carrier_sandbox, orders, mongo_uri, database
):
    cases = await open_cases(api_alone, orders[:1])
    [(dispute_id, (number, _))] = cases.items()
    mongo = connect(mongo_uri)
    collection = mongo[database].disputes
    holders: set[str] = set()
    renewals: set[datetime] = set()
    try:
        workers.start()
        workers.start()

        async def proven() -> bool:
            if lease := (await pull_leases(collection)).get(dispute_id):
                holders.add(lease["holder"])
                renewals.add(lease["until"])
            return await collection.count_documents({"_id": dispute_id, "evidence.0": {"$exists": True}}) == 1

        await eventually(proven, timeout=SLOW_CALL + 60, interval=0.2, explain=lambda: workers.log_text()[-2000:])
        assert len(workers.running()) == 2, "a worker died: the other was not there to take the case"
    finally:
        await mongo.close()
    assert len(holders) == 1, holders
    assert len(renewals) >= SLOW_CALL / SLOW_LEASE, "the lease was not renewed while the call lasted"
    assert carrier_sandbox.app[PULLS][(CARRIER, number)] == 1 and len(pull_calls(carrier_sandbox)) == 1


async def lease_holders(collection: Any) -> set[str]:
    """Who holds any lease, of any kind, on any dispute."""
    docs = collection.find({"lease": {"$exists": True}}, {"lease": 1})
    return {lease["holder"] async for doc in docs for lease in doc["lease"].values()}


@pytest.mark.parametrize("first_call", [STOPPED_CALL])
@pytest.mark.parametrize("leases", [{"wake_workers": True}])  # as deployed: a pull's save hands its worker the assessment
async def test_a_worker_stopped_with_sigterm_mid_pull_finishes_its_pulls_and_leaves_no_lease_behind(
    api_alone, workers, carrier_sandbox, sandbox, orders, mongo_uri, database
):
    cases = await open_cases(api_alone, orders)
    mongo = connect(mongo_uri)
    collection = mongo[database].disputes
    try:
        leased = await all_pulls_in_flight(workers, carrier_sandbox, collection)
        victim = Counter(lease["holder"] for lease in leased.values()).most_common(1)[0][0]
        [stopped] = [process for process in workers.running() if process.pid == pid_of(victim)]
        stopped.terminate()

        async def exited() -> bool:
            return stopped.poll() is not None

        await eventually(exited, timeout=STOPPED_CALL + 30, interval=0.1, explain="the worker did not stop")
        assert stopped.returncode == 0, workers.log_text()[-2000:]
        # Its pulls were finished, and the work their saves handed it (the assessments) given back, not left
        # to run out: the other worker takes it at once.
        assert victim not in await lease_holders(collection)
        settled = await eventually(lambda: nothing_left(collection), timeout=60, interval=0.2)
        final = [from_doc(doc) async for doc in collection.find({})]
        assert settled, [(d.id, d.status.value, len(d.outbox)) for d in final]
    finally:
        await mongo.close()
    assert_each_effect_once(cases, final, sandbox.app[LEDGER])
    assert len(pull_calls(carrier_sandbox)) == CASES  # every pull finished by the worker that started it
