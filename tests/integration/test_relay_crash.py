"""Kill the relay process in the middle of delivering, start another: every effect happens exactly once.

The payments sandbox applies the first refunds and then holds its answers, so the worker dies after the
money moved but before it could record the delivery: the worst moment. The next worker re-sends those
refunds with the same idempotency keys, and the sandbox must not apply them again."""

import asyncio

import pytest

from adapters.memory import FixedClock, InMemoryOrders
from adapters.mongo.disputes import MongoDisputes
from adapters.mongo.schedule import MongoSchedule
from sandbox.downstream import FAULTS, LEDGER, FaultSpec, create_downstream_sandbox
from disputes.rules import Rules
from disputes.service import DisputeService, OpenRequest
from schemas.common import Outcome, Resolution
from schemas.dispute import ReasonCode
from tests.e2e.conftest import eventually
from tests.factories import CUSTOMER, INVESTIGATOR, NOW, effects_key, order, shipment
from tests.integration.test_downstream import relay_once
from tests.workers import SIGNING_KEYS, Workers

DISPUTES = 6


@pytest.fixture
async def refunds_due(mongo_db):
    repository = MongoDisputes.in_database(mongo_db)
    orders = InMemoryOrders([order(f"ord-{i}", shipments=[shipment(f"shp-{i}")]) for i in range(DISPUTES)])
    service = DisputeService(repository, orders, FixedClock(NOW), Rules())
    ids = []
    for i in range(DISPUTES):
        opened = await service.open(CUSTOMER, OpenRequest(f"ord-{i}", None, "Gelmedi.", Resolution.REFUND), None)
        await service.decide(INVESTIGATOR, opened.dispute.id, {1}, Outcome.REFUND, ReasonCode.CARRIER_NO_PROOF, "x", None)
        ids.append(opened.dispute.id)
    return ids


async def test_a_relay_killed_mid_delivery_loses_and_duplicates_nothing(
    aiohttp_server, mongo_uri, mongo_db, unaudited_db, refunds_due, tmp_path
):
    sandbox = create_downstream_sandbox(signing_keys=SIGNING_KEYS)
    sandbox[FAULTS].pending["payments"].extend([FaultSpec(service="payments", mode="slow", delay_seconds=120)] * 3)
    server = await aiohttp_server(sandbox)
    ledger = sandbox[LEDGER]
    url = str(server.make_url("/")).rstrip("/")

    async def held_refunds():
        return sum(1 for r in ledger.requests if r["service"] == "payments" and r["fault"] == "slow") >= 3

    workers = Workers(
        mongo_uri, mongo_db.name, url, tmp_path,
        lease_seconds=1, heartbeat_seconds=0.3, relay_interval_seconds=0.05, downstream_timeout_seconds=60,
    )
    try:
        workers.start()
        await eventually(held_refunds, timeout=30, explain="the first worker never reached the payments service")
        workers.kill()
        assert await unaudited_db.disputes.count_documents({"outbox.kind": "refund"}) >= 3

        workers.start()

        async def drained():
            return await unaudited_db.disputes.count_documents({"outbox.0": {"$exists": True}}) == 0

        await eventually(drained, timeout=60, explain="the second worker did not finish the outbox")
    finally:
        workers.stop_all()
    workers.audit_logs()

    expected = {f"{effects_key(f'ord-{n}', f'shp-{n}')}:d1:refund" for n in range(DISPUTES)}
    assert ledger.applied["payments"] == {key: 1 for key in expected}
    notifications = {f"{i}:{suffix}" for i in refunds_due for suffix in ("1:dispute_opened", "d1:decision_made")}
    assert ledger.applied["notifications"] == {key: 1 for key in notifications}
    sent_twice = [r["key"] for r in ledger.requests if r["service"] == "payments"]
    assert len(sent_twice) > len(expected), "no refund was re-sent: the crash did not hit mid-delivery"
    for dispute_id in refunds_due:
        doc = await mongo_db.disputes.find_one({"_id": dispute_id})
        assert sorted(e["kind"] for e in doc["effects_delivered"]) == ["notification", "notification", "refund"]


async def test_a_refund_applied_before_its_pass_died_and_refused_on_the_resend_is_parked_as_maybe_paid(
    aiohttp_server, mongo_db
):
    """Payments applies the refund and holds its answer; the pass ends there (cancelled, as a lost lease or a killed
    worker ends it). Once the lease ran out, the next pass's re-send is refused (400): the refund may have been paid."""
    clock = FixedClock(NOW)
    repository = MongoDisputes.in_database(mongo_db)
    schedule = MongoSchedule(mongo_db, repository.stored)
    service = DisputeService(repository, InMemoryOrders([order("ord-1")]), clock, Rules())
    dispute = (await service.open(CUSTOMER, OpenRequest("ord-1", None, "Gelmedi.", Resolution.REFUND), None)).dispute
    await service.decide(INVESTIGATOR, dispute.id, None, Outcome.REFUND, ReasonCode.CARRIER_NO_PROOF, "x", None)
    sandbox = create_downstream_sandbox()
    server = await aiohttp_server(sandbox)
    base = str(server.make_url("/"))
    sandbox[FAULTS].pending["payments"].append(FaultSpec(service="payments", mode="slow", delay_seconds=60))
    first = asyncio.create_task(relay_once(base, repository, schedule, clock, timeout=60))

    async def applied():
        return sandbox[LEDGER].applied["payments"] == {f"{dispute.effects_prefix}:d1:refund": 1}

    await eventually(applied, timeout=20, explain="payments never applied the refund")
    first.cancel()  # the pass is gone before the answer
    await asyncio.gather(first, return_exceptions=True)
    clock.advance(seconds=60)  # its lease ran out
    sandbox[FAULTS].pending["payments"].append(FaultSpec(service="payments", mode="reject"))
    await relay_once(base, repository, schedule, clock)

    doc = await mongo_db.disputes.find_one({"_id": dispute.id})
    parked = [(m["key"], m["parked"]) for m in doc.get("effects_parked", []) if m["kind"] == "refund"]
    assert parked == [(f"{dispute.effects_prefix}:d1:refund", "refused_on_retry")]
