"""A refund none of whose attempts reached payments (nothing listens on its port: every connection is refused) is
parked as never reached, with its staff alert saying it did not happen, and a reopened case refunds again without a
supervisor's override: the relay against MongoDB (mongoeco), the downstream sandbox and a closed port over real
sockets."""

import aiohttp

from adapters.downstream import AccountsClient, FinanceClient, FulfillmentClient, NotificationsClient, PaymentsClient
from adapters.mongo.schedule import MongoSchedule
from disputes.relay import Relay
from disputes.schedule import DueWork
from sandbox.downstream import LEDGER, create_downstream_sandbox
from schemas.common import Outcome
from schemas.dispute import EffectKind, ParkReason, ReasonCode
from tests.factories import INVESTIGATOR, SUPERVISOR, effects_key
from tests.integration.test_downstream import FAST, SIGNER
from tests.integration.test_refused_refund import refund_decided

SHIPMENT_KEY = effects_key("ord-1", "shp-1")


async def relay_once(payments: str, others: str, disputes, schedule, clock) -> None:
    """One pass of the outbox relay (two attempts per message), payments at `payments`, the other services at
    `others`."""
    async with aiohttp.ClientSession() as session:
        clients = [
            kind(session, payments if kind is PaymentsClient else others, 1.0, 2, signer=SIGNER, backoff=FAST)
            for kind in (PaymentsClient, FulfillmentClient, NotificationsClient, AccountsClient, FinanceClient)
        ]
        await DueWork(schedule, Relay(disputes, *clients, clock=clock, max_attempts=2), clock, "relay-1").run_once()


async def test_a_refund_that_never_reached_payments_is_parked_as_not_paid_and_decided_again_without_an_override(
    aiohttp_server, mongo_db, unused_tcp_port
) -> None:
    disputes, clock, service, dispute_id = await refund_decided(mongo_db)
    sandbox = create_downstream_sandbox()
    base = str((await aiohttp_server(sandbox)).make_url("/"))
    closed = f"http://127.0.0.1:{unused_tcp_port}"
    schedule = MongoSchedule(mongo_db, disputes.stored)

    for _ in range(3):  # two passes to the attempt limit, then the parking's staff alert
        await relay_once(closed, base, disputes, schedule, clock)
        clock.advance(minutes=10)

    key = f"{SHIPMENT_KEY}:d1:refund"
    refund, told = (await disputes.get(dispute_id)).effects_parked
    assert (refund.key, refund.parked, refund.attempts, refund.never_reached) == (key, ParkReason.NEVER_REACHED, 2, True)
    assert refund.last_error is not None and "never reached payments" in refund.last_error
    assert told.kind is EffectKind.NOTIFICATION and told.parked is ParkReason.HELD
    [alert] = [r["body"] for r in sandbox[LEDGER].requests if r["service"] == "staff_alerts"]
    assert (alert["parked"]["key"], alert["parked"]["reason"]) == (key, "never_reached")
    assert "it did not happen" in alert["parked"]["to_do"] and "may have happened" not in alert["parked"]["to_do"]

    await service.reopen(SUPERVISOR, dispute_id, "Ödeme servisine ulaşılamadı; iade yeniden kararlaştırılacak.")
    await service.decide(INVESTIGATOR, dispute_id, None, Outcome.REFUND, ReasonCode.CARRIER_NO_PROOF, "x", None)
    await relay_once(base, base, disputes, schedule, clock)

    assert sandbox[LEDGER].applied["payments"] == {f"{SHIPMENT_KEY}:d2:refund": 1}
