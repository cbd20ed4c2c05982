"""Every decision the customer is told of carries the day it was taken, in both languages."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from disputes.actors import SYSTEM
from disputes.next_step import next_step
from disputes.rules import Rules
from schemas.common import Outcome, Resolution
from schemas.dispute import ReasonCode
from tests.factories import CUSTOMER, INVESTIGATOR, SUPERVISOR, order, shipment

DECIDED = "18.11.2026"  # tests.factories.NOW, in Istanbul
IST = ZoneInfo("Europe/Istanbul")


@pytest.fixture
async def dispute(service, request_for):
    return (await service.open(CUSTOMER, request_for(), None)).dispute


async def decide(service, dispute_id: str, outcome: Outcome, reason: ReasonCode):
    version = (await service.get(INVESTIGATOR, dispute_id)).version
    return await service.decide(INVESTIGATOR, dispute_id, {version}, outcome, reason, "Karar.", None)


@pytest.mark.parametrize(
    ("outcome", "reason", "en_words", "tr_words"),
    [
        (Outcome.REFUND, ReasonCode.CARRIER_NO_PROOF, "refund of", "iadeniz"),
        (Outcome.RESHIP, ReasonCode.CARRIER_NO_PROOF, "shipping your items again", "yeniden gönderiliyor"),
    ],
)
async def test_a_refund_or_reship_says_when_it_was_decided(service, dispute, outcome, reason, en_words, tr_words):
    decided = await decide(service, dispute.id, outcome, reason)

    en, tr = next_step(decided, Rules().appeal_window)

    assert DECIDED in en and en_words in en
    assert DECIDED in tr and tr_words in tr


async def test_an_appeal_rejected_says_when_it_was_reviewed(service, dispute, clock):
    await decide(service, dispute.id, Outcome.REJECTED, ReasonCode.PROOF_OF_DELIVERY)
    await service.appeal(CUSTOMER, dispute.id, "İmza benim değil.")
    clock.advance(days=2)
    reviewed = await decide(service, dispute.id, Outcome.REJECTED, ReasonCode.PROOF_OF_DELIVERY)

    en, tr = next_step(reviewed, Rules().appeal_window)

    assert "20.11.2026" in en and "appeal" in en
    assert "20.11.2026" in tr and "İtirazınız" in tr


async def test_an_appeal_granted_says_the_appeal_was_accepted(service, dispute, clock):
    await decide(service, dispute.id, Outcome.REJECTED, ReasonCode.PROOF_OF_DELIVERY)
    await service.appeal(CUSTOMER, dispute.id, "İmza benim değil.")
    clock.advance(days=2)
    version = (await service.get(SUPERVISOR, dispute.id)).version
    granted = await service.decide(SUPERVISOR, dispute.id, {version}, Outcome.REFUND, ReasonCode.WEAK_PROOF, "Haklı.", None,
                                   "İmza farklı.")

    en, tr = next_step(granted, Rules().appeal_window)

    assert en.startswith("Your appeal was accepted. Decided on 20.11.2026") and "refund of" in en
    assert tr.startswith("İtirazınız kabul edildi. 20.11.2026 tarihinde karar verildi") and "iadeniz" in tr


async def test_a_refund_to_a_customer_who_asked_for_a_reshipment_says_the_order_cannot_be_shipped_again(
    service, orders, request_for
):
    orders.orders["ord-1"] = order(shipments=[shipment(reshippable=False)])
    opened = (await service.open(CUSTOMER, request_for(resolution=Resolution.RESHIP), None)).dispute

    en, tr = next_step(await decide(service, opened.id, Outcome.REFUND, ReasonCode.CARRIER_NO_PROOF), Rules().appeal_window)

    assert en.endswith("refund of 1,299.00 TRY to your original payment method is being sent. You asked for a reshipment, but this "
                       "order cannot be shipped again, so we are refunding it.")
    assert tr.endswith("Yeniden gönderim istediniz, ancak bu sipariş yeniden gönderilemediği için iade ediyoruz.")


async def test_a_refund_as_the_customer_asked_gives_no_reason(service, dispute):
    en, tr = next_step(await decide(service, dispute.id, Outcome.REFUND, ReasonCode.CARRIER_NO_PROOF), Rules().appeal_window)

    assert "reshipment" not in en and "Yeniden gönderim" not in tr


@pytest.mark.parametrize("late", [timedelta(0), timedelta(seconds=12)])
async def test_a_decision_by_the_deadline_rule_is_dated_the_day_it_was_promised_by(service, dispute, clock, late):
    # Opened Wed 18.11.2026, promised by Mon 23.11: the deadline is the midnight that ends it.
    assert dispute.sla.decision_due == datetime(2026, 11, 24, 0, 0, tzinfo=IST)
    clock.current = dispute.sla.decision_due + late
    decided = await service.apply_timed(SYSTEM, dispute.id, lambda d, now: d.deadline_reached(SYSTEM, now))

    en, tr = next_step(decided, Rules().appeal_window)

    assert decided.decision.decided_at == datetime(2026, 11, 24, 0, 0, tzinfo=IST) + late  # the instant, as it was
    assert "Decided on 23.11.2026" in en and "24.11.2026" not in en
    assert "23.11.2026 tarihinde karar verildi" in tr and "24.11.2026" not in tr


async def test_a_decision_by_the_deadline_rule_long_after_it_is_dated_by_its_own_day(service, dispute, clock):
    clock.current = datetime(2026, 11, 24, 9, 0, tzinfo=IST)  # the sweeper was stopped through the night
    decided = await service.apply_timed(SYSTEM, dispute.id, lambda d, now: d.deadline_reached(SYSTEM, now))

    en, tr = next_step(decided, Rules().appeal_window)

    assert "Decided on 24.11.2026" in en and "24.11.2026 tarihinde karar verildi" in tr


async def test_the_appeal_end_told_is_the_one_the_decision_named_whatever_window_is_configured_since(service, dispute, clock):
    decided = await decide(service, dispute.id, Outcome.REJECTED, ReasonCode.PROOF_OF_DELIVERY)  # a 14-day window
    clock.advance(days=10)

    en, tr = next_step(decided, timedelta(days=7), clock.now())

    assert "until 02.12.2026 12:30" in en and "02.12.2026 12:30 tarihine kadar" in tr
