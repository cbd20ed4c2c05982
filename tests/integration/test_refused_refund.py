"""A refund the payments service refuses (4xx) is parked, staff are to be alerted, and the customer is not told that
money is on its way: the relay against MongoDB (mongoeco) and the downstream sandbox over real sockets."""


from adapters.memory import FixedClock, InMemoryOrders
from adapters.mongo.disputes import MongoDisputes
from adapters.mongo.schedule import MongoSchedule
from disputes.rules import Rules
from disputes.service import DisputeService, OpenRequest
from sandbox.downstream import FAULTS, LEDGER, FaultSpec, create_downstream_sandbox
from schemas.common import Outcome, Resolution
from schemas.dispute import EffectKind, ParkReason, ReasonCode
from tests.factories import CUSTOMER, INVESTIGATOR, NOW, order, shipment
from tests.integration.test_downstream import relay_once


async def test_a_refund_refused_by_payments_is_parked_with_the_customers_notification_unsent(
    aiohttp_server, mongo_db
) -> None:
    disputes = MongoDisputes.in_database(mongo_db)
    clock = FixedClock(NOW)
    service = DisputeService(disputes, InMemoryOrders([order("ord-1", shipments=[shipment("shp-1")])]), clock, Rules())
    opened = await service.open(CUSTOMER, OpenRequest("ord-1", None, "Gelmedi.", Resolution.REFUND), None)
    dispute_id = opened.dispute.id
    await service.decide(INVESTIGATOR, dispute_id, {1}, Outcome.REFUND, ReasonCode.CARRIER_NO_PROOF, "x", None)
    sandbox = create_downstream_sandbox()
    sandbox[FAULTS].pending["payments"].append(FaultSpec(service="payments", mode="reject"))
    base = str((await aiohttp_server(sandbox)).make_url("/"))

    await relay_once(base, disputes, MongoSchedule(mongo_db, disputes.stored), clock)

    ledger = sandbox[LEDGER]
    assert [(r["service"], r["status"]) for r in ledger.requests] == [("notifications", 200), ("payments", 400)]
    assert ledger.applied["notifications"] == {f"{dispute_id}:1:dispute_opened": 1}
    stored = await disputes.get(dispute_id)
    refund, told = stored.effects_parked
    [alert] = stored.outbox  # queued by the parking, sent on the relay's next pass
    assert (alert.kind, alert.key, refund.parked) == (EffectKind.STAFF_ALERT, f"{dispute_id}:parked:{refund.id}", ParkReason.REFUSED)
    assert (refund.key, told.key) == (f"{dispute_id}:d1:refund", f"{dispute_id}:d1:decision_made")
    assert told.last_error == f"held: waits for refund {refund.id}, which was parked"
