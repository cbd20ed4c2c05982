"""A refund the payments service refuses (4xx) is parked, staff are to be alerted, and the customer is not told that
money is on its way (they are to be told it is delayed instead): the relay against MongoDB (mongoeco) and the downstream sandbox over real sockets. A refusal
that follows an attempt whose answer was lost does not say that attempt applied nothing: paying again needs a
supervisor who checked."""

import pytest


from adapters.memory import FixedClock, InMemoryOrders
from adapters.mongo.disputes import MongoDisputes
from adapters.mongo.schedule import MongoSchedule
from disputes.errors import Forbidden, OverrideReasonRequired
from disputes.rules import Rules
from disputes.service import DisputeService, OpenRequest
from sandbox.downstream import FAULTS, LEDGER, FaultSpec, create_downstream_sandbox
from schemas.common import Outcome, Resolution
from schemas.dispute import EffectKind, ParkReason, ReasonCode
from tests.factories import CUSTOMER, INVESTIGATOR, NOW, SUPERVISOR, effects_key, order, shipment
from tests.integration.test_downstream import relay_once

SHIPMENT_KEY = effects_key("ord-1", "shp-1")


async def refund_decided(mongo_db) -> tuple[MongoDisputes, FixedClock, DisputeService, str]:
    """A dispute on MongoDB whose refund an investigator decided: its storage, clock, service and id."""
    disputes = MongoDisputes.in_database(mongo_db)
    clock = FixedClock(NOW)
    service = DisputeService(disputes, InMemoryOrders([order("ord-1", shipments=[shipment("shp-1")])]), clock, Rules())
    opened = await service.open(CUSTOMER, OpenRequest("ord-1", None, "Gelmedi.", Resolution.REFUND), None)
    await service.decide(INVESTIGATOR, opened.dispute.id, {1}, Outcome.REFUND, ReasonCode.CARRIER_NO_PROOF, "x", None)
    return disputes, clock, service, opened.dispute.id


async def test_a_refund_refused_by_payments_is_parked_with_the_customers_notification_unsent(
    aiohttp_server, mongo_db
) -> None:
    disputes, clock, service, dispute_id = await refund_decided(mongo_db)
    sandbox = create_downstream_sandbox()
    sandbox[FAULTS].pending["payments"].append(FaultSpec(service="payments", mode="reject"))
    base = str((await aiohttp_server(sandbox)).make_url("/"))

    await relay_once(base, disputes, MongoSchedule(mongo_db, disputes.stored), clock)

    ledger = sandbox[LEDGER]
    assert [(r["service"], r["status"]) for r in ledger.requests] == [("notifications", 200), ("payments", 400)]
    assert ledger.applied["notifications"] == {f"{dispute_id}:1:dispute_opened": 1}
    stored = await disputes.get(dispute_id)
    refund, told = stored.effects_parked
    alert, instead = stored.outbox  # queued by the parking, sent on the relay's next pass
    assert (alert.kind, alert.key, refund.parked) == (EffectKind.STAFF_ALERT, f"{dispute_id}:parked:{refund.id}", ParkReason.REFUSED)
    assert (instead.kind, instead.key) == (EffectKind.NOTIFICATION, f"{dispute_id}:d1:decision_made:held")
    assert "is delayed" in instead.payload["message_en"] and instead.waits_for == []
    assert (refund.key, told.key) == (f"{SHIPMENT_KEY}:d1:refund", f"{dispute_id}:d1:decision_made")
    assert told.last_error == f"held: waits for refund {refund.id}, which was parked"


async def test_a_refund_paid_on_an_attempt_whose_answer_was_lost_then_refused_is_not_paid_again_without_a_supervisor(
    aiohttp_server, mongo_db
) -> None:
    disputes, clock, service, dispute_id = await refund_decided(mongo_db)
    sandbox = create_downstream_sandbox()
    payments = sandbox[FAULTS].pending["payments"]  # applied but answered too late, then a 400 to the retry
    payments.extend([FaultSpec(service="payments", mode="slow", delay_seconds=30), FaultSpec(service="payments", mode="reject")])
    base = str((await aiohttp_server(sandbox)).make_url("/"))
    schedule = MongoSchedule(mongo_db, disputes.stored)

    await relay_once(base, disputes, schedule, clock, timeout=0.2, attempts=3)
    clock.advance(minutes=1)
    await relay_once(base, disputes, schedule, clock, timeout=0.2, attempts=3)  # the parking's staff alert

    ledger, key = sandbox[LEDGER], f"{SHIPMENT_KEY}:d1:refund"
    assert [(r["service"], r["fault"]) for r in ledger.requests if r["service"] == "payments"] == [
        ("payments", "slow"), ("payments", "reject")
    ]
    assert ledger.applied["payments"] == {key: 1}
    refund = (await disputes.get(dispute_id)).effects_parked[0]
    assert (refund.key, refund.parked) == (key, ParkReason.REFUSED_ON_RETRY)
    [alert] = [r["body"] for r in ledger.requests if r["service"] == "staff_alerts"]
    assert (alert["parked"]["key"], alert["parked"]["reason"]) == (key, "refused_on_retry")
    assert "it may have happened" in alert["parked"]["to_do"] and "did not happen" not in alert["parked"]["to_do"]

    await service.reopen(SUPERVISOR, dispute_id, "İade reddedildi; ilk deneme uygulanmış olabilir.")
    with pytest.raises(Forbidden, match=key):
        await service.decide(INVESTIGATOR, dispute_id, None, Outcome.REFUND, ReasonCode.CARRIER_NO_PROOF, "x", None)
    with pytest.raises(OverrideReasonRequired):
        await service.decide(SUPERVISOR, dispute_id, None, Outcome.REFUND, ReasonCode.CARRIER_NO_PROOF, "x", None)
    await relay_once(base, disputes, schedule, clock, timeout=0.2, attempts=3)
    assert ledger.applied["payments"] == {key: 1}
