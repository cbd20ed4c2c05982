"""SIGKILL the worker process in the middle of pulling evidence; then two workers, killed together in the middle
of delivering what that evidence led to; a last one finishes. Every case gets its proof once and every effect
happens once downstream.

Fourteen disputes are opened through the API, as the order page opens them, on six carriers whose pull is
one call each. The carrier sandbox holds the first call to every carrier (a worker sends one carrier one pull
at a time here), so the first worker dies with six pulls in flight and eight more cases not yet pulled (the puller claims
only what its carriers have room for): no answer received. The leases run out and two new workers pull again.
The answers let the policy resolve every case on its own: weak proof (no
signature and no photo, or the scan kilometres away) for the customer, with a refund or a reship and the
carrier's liability; strong proof to a rejection. The payments sandbox applies the first refunds and holds
its answers, so both workers die after money moved but before they recorded the delivery. The last worker
sends those refunds again, with the same keys.

The workers are real `disputes worker` processes on the real clock against the session's MongoDB server; the
API runs in the test's process, without workers. Leases are three seconds long here (settings), renewed by a
heartbeat, and the test waits on conditions, never for a fixed time. (`test_worker_leases.py` proves the
take-over time with the default lease, and that a slow call keeps its one holder.)
"""

import time
import uuid
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from adapters.mongo.client import connect
from adapters.mongo.disputes import from_doc
from sandbox.carriers import create_carrier_sandbox, sandbox_carrier_settings
from sandbox.carriers.state import FAULTS as CARRIER_FAULTS
from sandbox.carriers.state import REQUEST_LOG
from sandbox.carriers.state import FaultSpec as CarrierFault
from sandbox.downstream import FAULTS, LEDGER, FaultSpec
from disputes.model import Dispute
from schemas.common import Outcome, Role
from schemas.dispute import Status
from schemas.orders import Order
from schemas.proof import ProofSource, ProofStatus
from tests.e2e.conftest import (
    bearer,
    dispute_work_intervals,
    eventually,
    orders_file_document,
    sandbox_shipments,
)
from tests.factories import effects_key, order, shipment
from tests.workers import Workers

# A pull's first call is the one held (HepsiJET asks for the receiver in a second call once that answers).
CARRIERS = ("ups", "dhl", "hepsijet", "yurtici", "aras", "ptt")
# (carrier, what it reports, the customer's preference). No signature and no photo is weak proof in every
# carrier's format: the customer gets what they asked for.
CASES = [(carrier, "unsigned", preference) for carrier in CARRIERS for preference in ("refund", "reship")]
PER_CARRIER = 1  # pulls a worker sends one carrier at a time; the carrier's other cases wait for a slot
HOLD = 120.0  # held answers outlast the test; the sandboxes release them when they shut down
LEASE = 3.0  # a dead worker's work is due again this soon
BOUND = 30.0  # the longest any phase may take before the test fails


def case_order(n: int, carrier: str, now: datetime) -> Order:
    """One customer per address and one claim each: several claims there would be an abuse signal, not chaos."""
    parcel = shipment(f"shp-wc{n}", carrier=carrier).model_copy(update={"delivered_at": now - timedelta(days=2)})
    placed = order(f"ord-wc{n}", customer_id=f"cust-wc{n}", shipments=[parcel])
    address = placed.address.model_copy(update={"line": f"Bağdat Cad. No:{n + 1}"})
    return placed.model_copy(update={"placed_at": now - timedelta(days=5), "address": address})


@pytest.fixture
def now() -> datetime:
    """The workers run on the real clock, so the orders are placed relative to it."""
    return datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def orders(now: datetime) -> list[Order]:
    return [case_order(n, carrier, now) for n, (carrier, _, _) in enumerate(CASES)]


@pytest.fixture
def orders_document(orders: list[Order]) -> dict[str, Any]:
    return orders_file_document(orders)


@pytest.fixture
async def carrier_sandbox(aiohttp_server, orders, now) -> TestServer:
    cases = [(o, scenario, "Ayşe Yılmaz") for o, (_, scenario, _) in zip(orders, CASES, strict=True)]
    app = create_carrier_sandbox(sandbox_shipments(cases, now))
    for carrier in CARRIERS:
        held = CarrierFault(carrier=carrier, mode="latency", delay_seconds=HOLD)
        app[CARRIER_FAULTS].pending[carrier].extend([held] * PER_CARRIER)
    return await aiohttp_server(app)


@pytest.fixture
def database() -> str:
    return f"chaos_{uuid.uuid4().hex[:10]}"


@pytest.fixture
def workers(mongo_uri, database, sandbox, carrier_sandbox, tmp_path):
    logs = tmp_path / "logs"
    logs.mkdir()
    carriers = sandbox_carrier_settings(str(carrier_sandbox.make_url("")).rstrip("/"))
    for config in carriers.values():
        config["timeout_seconds"] = HOLD  # a held call stays in flight until the worker dies, not retried ...
        config["retry"] |= {"total_seconds": HOLD}  # ... nor cut by the call's time budget
    processes = Workers(
        mongo_uri, database, str(sandbox.make_url("/")).rstrip("/"), logs,
        carriers={code: carriers[code] for code in CARRIERS},
        **dispute_work_intervals(0.1),
        lease_seconds=LEASE,
        heartbeat_seconds=LEASE / 6,
        evidence_per_carrier=PER_CARRIER,
        relay_interval_seconds=0.1,
        downstream_timeout_seconds=HOLD,  # a held refund stays in flight until the worker dies
        policy_auto_reject=True,
        policy_auto_resolve_confidence=0.25,  # every weak proof here resolves on its own, not only the surest
        log_level="DEBUG",
    )
    try:
        yield processes
    finally:
        processes.stop_all()
    processes.audit_logs()


async def nothing_left(collection: Any) -> bool:
    """Every case resolved and its effects delivered (a light query, polled: the workers share the server)."""
    unsettled = {"$or": [{"status": {"$ne": Status.RESOLVED.value}}, {"outbox.0": {"$exists": True}}]}
    return await collection.count_documents(unsettled) == 0


def assert_each_effect_once(cases: dict[str, tuple[str, Outcome]], final: list[Dispute], ledger: Any) -> None:
    """Every effect the decisions cause was applied exactly once downstream and recorded once on its case."""
    keys: defaultdict[str, set[str]] = defaultdict(set)
    shipments = {d.id: effects_key(d.order.order_id, d.order.shipment_id) for d in final}
    for dispute_id, (_, outcome) in cases.items():
        keys["notifications"] |= {f"{dispute_id}:1:dispute_opened", f"{dispute_id}:d1:decision_made"}
        if outcome is Outcome.REFUND:
            keys["payments"].add(f"{shipments[dispute_id]}:d1:refund")
        if outcome is Outcome.RESHIP:
            keys["fulfillment"].add(f"{shipments[dispute_id]}:d1:reship")
        if outcome is not Outcome.REJECTED:
            keys["finance"].add(f"{shipments[dispute_id]}:d1:liability")
    applied = {service: counts for service, counts in ledger.applied.items() if counts}
    assert applied == {service: dict.fromkeys(wanted, 1) for service, wanted in keys.items()}
    for dispute in final:
        delivered = Counter(effect.key for effect in dispute.effects_delivered)
        own = (f"{dispute.id}:", f"{shipments[dispute.id]}:")
        assert set(delivered) == {k for wanted in keys.values() for k in wanted if k.startswith(own)}
        assert max(delivered.values()) == 1, dispute.id


def pull_calls(carrier_sandbox: TestServer) -> list[dict[str, Any]]:
    """The calls that reached a carrier's tracking API (token requests aside)."""
    return [r for r in carrier_sandbox.app[REQUEST_LOG].requests if r["endpoint"] != "token"]


async def test_workers_killed_mid_pull_and_mid_delivery_leave_each_proof_and_each_effect_exactly_once(
    api_alone, workers, carrier_sandbox, sandbox, orders, mongo_uri, database
):
    cases: dict[str, tuple[str, Outcome]] = {}  # dispute id → (carrier, the outcome expected)
    for placed, (carrier, scenario, preference) in zip(orders, CASES, strict=True):
        headers = {**bearer(Role.CUSTOMER, placed.customer_id, placed.customer_id), "Idempotency-Key": placed.order_id}
        body = {"order_id": placed.order_id, "statement": "Kargo gelmedi.", "preferred_resolution": preference}
        opened = await api_alone.post("/v1/disputes", json=body, headers=headers)
        assert opened.status == 201, await opened.text()
        outcome = Outcome.REJECTED if scenario == "delivered" else Outcome(preference)
        cases[(await opened.json())["id"]] = (carrier, outcome)

    mongo = connect(mongo_uri)
    collection = mongo[database].disputes

    async def disputes() -> list[Dispute]:
        return [from_doc(doc) async for doc in collection.find({})]

    async def pull_holders() -> list[str]:
        docs = collection.find({"lease.pull_evidence": {"$exists": True}}, {"lease": 1})
        return [doc["lease"]["pull_evidence"]["holder"] async for doc in docs]

    ledger = sandbox.app[LEDGER]
    started = time.monotonic()
    phases: dict[str, float] = {}
    try:
        # 1. One worker; it dies with pulls in flight: every carrier holds as many calls as one worker sends it.
        workers.start()

        async def pulls_held() -> list[dict[str, Any]] | None:
            held = [r for r in pull_calls(carrier_sandbox) if r["status"] is None]
            return held if len(held) == len(CARRIERS) * PER_CARRIER else None

        held = await eventually(pulls_held, timeout=BOUND, explain=lambda: (
            f"the first worker never had its pulls in flight: {workers.log_text()[-2000:]}"
        ))
        workers.kill()
        killed_mid_pull = datetime.now(UTC)
        phases["killed mid-pull"] = time.monotonic() - started
        assert Counter(r["carrier"] for r in held) == dict.fromkeys(CARRIERS, PER_CARRIER)
        assert len(pull_calls(carrier_sandbox)) == len(held) < len(cases), "some cases must wait for a slot"
        at_kill = await disputes()
        # The cases in flight were claimed (leased by the worker, named in the lease); nothing came back.
        holders = await pull_holders()
        assert len(holders) >= len(held) and len(set(holders)) == 1, holders
        for dispute in at_kill:
            assert dispute.evidence == [] and dispute.evidence_pulls == 0 and dispute.is_active, dispute.id

        # 2. Two workers now, as production runs them: they pull every case again and attach the proof. The
        # first refunds are applied and their answers held; both workers die then.
        sandbox.app[FAULTS].pending["payments"].extend([FaultSpec(service="payments", mode="slow", delay_seconds=HOLD)] * 3)
        workers.start()
        workers.start()

        async def proven_and_refunds_held() -> list[str] | None:
            proven = await collection.count_documents({"evidence.0": {"$exists": True}})
            payments = [r for r in ledger.requests if r["service"] == "payments"]
            refunds = [r["key"] for r in payments if r["fault"] == "slow" and r["status"] is None]
            return refunds if proven == len(cases) and refunds else None

        before = len(pull_calls(carrier_sandbox))
        refunds_in_flight = await eventually(proven_and_refunds_held, timeout=BOUND, interval=0.1)
        assert refunds_in_flight, (
            f"not every case proven, or no refund held: "
            f"{[(r['carrier'], r['fault'], r['status'], r['at']) for r in pull_calls(carrier_sandbox)[before:]]} "
            f"{[d['lease'] async for d in collection.find({'lease': {'$exists': True}}, {'lease': 1})]} "
            f"{await collection.count_documents({'evidence.0': {'$exists': True}})}/{len(cases)} "
            f"{[(r['service'], r['fault'], r['status']) for r in ledger.requests]}"
        )
        workers.kill()
        sandbox.app[FAULTS].pending["payments"].clear()
        phases["killed mid-delivery"] = time.monotonic() - started

        # 3. A last worker finishes: every case resolved, every outbox empty.
        workers.start()
        settled = await eventually(lambda: nothing_left(collection), timeout=BOUND, interval=0.1)
        final = await disputes()
        phases["settled"] = time.monotonic() - started
        assert settled, [(d.id, d.status.value, len(d.outbox)) for d in final if d.status is not Status.RESOLVED or d.outbox]
    finally:
        workers.stop_all()
        await mongo.close()

    # Every case: its proof attached once (the re-pull added nothing), decided once, as the policy decides.
    for dispute in final:
        assert len(dispute.evidence) == 1, (dispute.id, [e.key for e in dispute.evidence])
        proof = dispute.evidence[0].proof
        assert proof.source is ProofSource.PULL and proof.status is ProofStatus.DELIVERED
        assert proof.received_at > killed_mid_pull, "an answer reached the first worker: the kill was not mid-pull"
        assert [e.action for e in dispute.timeline].count("evidence_received") == 1, dispute.id
        assert dispute.decision is not None and dispute.decisions == 1 and dispute.decision.sequence == 1
        assert dispute.decision.outcome is cases[dispute.id][1], (dispute.id, dispute.decision.outcome)
        assert dispute.decision.decided_by_role is Role.SERVICE
        assert dispute.effects_parked == []

    # Every effect applied exactly once downstream, under the key derived from the dispute and its decision.
    assert_each_effect_once(cases, final, ledger)

    # The kills hit work in flight: the held pulls were asked again, the held refunds sent again.
    calls = Counter(r["carrier"] for r in pull_calls(carrier_sandbox))
    per_carrier = Counter(carrier for carrier, _ in cases.values())
    assert all(calls[c] >= per_carrier[c] + PER_CARRIER for c in CARRIERS), (calls, per_carrier)
    sent = Counter(r["key"] for r in ledger.requests if r["service"] == "payments")
    assert all(sent[key] >= 2 for key in refunds_in_flight), "a refund held at the kill was never sent again"
    print(
        f"\n{len(held)} pulls in flight and {len(cases) - len(held)} cases waiting at the first kill, "
        f"refunds held at the second: {len(refunds_in_flight)}; carrier calls: {sum(calls.values())} for "
        f"{len(cases)} cases; " + ", ".join(f"{name} at {at:.1f}s" for name, at in phases.items())
    )
