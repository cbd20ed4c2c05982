"""A refund payments throttles (429 with `Retry-After`) is not sent again before the time it asked for, even when the
case queues another message meanwhile: the relay against MongoDB (mongoeco) and the downstream sandbox over real
sockets."""

from datetime import timedelta

from adapters.mongo.schedule import MongoSchedule
from sandbox.downstream import FAULTS, LEDGER, FaultSpec, create_downstream_sandbox
from tests.factories import INVESTIGATOR, effects_key
from tests.integration.test_downstream import relay_once
from tests.integration.test_refused_refund import refund_decided

SHIPMENT_KEY = effects_key("ord-1", "shp-1")


async def test_a_throttled_refund_waits_for_its_retry_after_though_a_message_was_queued_after_it(
    aiohttp_server, mongo_db
):
    disputes, clock, service, dispute_id = await refund_decided(mongo_db)
    schedule = MongoSchedule(mongo_db, disputes.stored)
    sandbox = create_downstream_sandbox()
    sandbox[FAULTS].pending["payments"].append(FaultSpec(service="payments", mode="throttle", delay_seconds=600))
    server = await aiohttp_server(sandbox)
    base = str(server.make_url("/"))
    await relay_once(base, disputes, schedule, clock)  # payments: 429, Retry-After: 600
    throttled_at = clock.now()

    clock.advance(seconds=30)
    await service.message_customer(INVESTIGATOR, dispute_id, "Ödemeniz işleniyor.")
    clock.advance(seconds=1)
    await relay_once(base, disputes, schedule, clock)

    def refunds():
        return [(r["key"], r["status"]) for r in sandbox[LEDGER].requests if r["service"] == "payments"]

    assert refunds() == [(f"{SHIPMENT_KEY}:d1:refund", 429)]
    doc = await mongo_db.disputes.find_one({"_id": dispute_id})
    assert doc["due"]["relay"] == throttled_at + timedelta(seconds=600)

    clock.current = throttled_at + timedelta(seconds=600)
    await relay_once(base, disputes, schedule, clock)
    assert refunds()[1:] == [(f"{SHIPMENT_KEY}:d1:refund", 200)]
    assert sandbox[LEDGER].applied["notifications"] == {
        f"{dispute_id}:1:dispute_opened": 1, f"{dispute_id}:d1:decision_made": 1, f"{dispute_id}:3:staff_message": 1,
    }
