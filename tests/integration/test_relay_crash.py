"""Kill the relay process in the middle of delivering, start another: every effect happens exactly once.

The payments sandbox applies the first refunds and then holds its answers, so the worker dies after the
money moved but before it could record the delivery: the worst moment. The next worker re-sends those
refunds with the same idempotency keys, and the sandbox must not apply them again."""

import pytest

from adapters.memory import FixedClock, InMemoryOrders
from adapters.mongo.disputes import MongoDisputes
from sandbox.downstream import FAULTS, LEDGER, FaultSpec, create_downstream_sandbox
from disputes.rules import Rules
from disputes.service import DisputeService, OpenRequest
from schemas.common import Outcome, Resolution
from schemas.dispute import ReasonCode
from tests.e2e.conftest import eventually
from tests.factories import CUSTOMER, INVESTIGATOR, NOW, order, shipment
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

    expected = {f"{i}:d1:refund" for i in refunds_due}
    assert ledger.applied["payments"] == {key: 1 for key in expected}
    notifications = {f"{i}:{suffix}" for i in refunds_due for suffix in ("1:dispute_opened", "d1:decision_made")}
    assert ledger.applied["notifications"] == {key: 1 for key in notifications}
    sent_twice = [r["key"] for r in ledger.requests if r["service"] == "payments"]
    assert len(sent_twice) > len(expected), "no refund was re-sent: the crash did not hit mid-delivery"
    for dispute_id in refunds_due:
        doc = await mongo_db.disputes.find_one({"_id": dispute_id})
        assert sorted(e["kind"] for e in doc["effects_delivered"]) == ["notification", "notification", "refund"]
