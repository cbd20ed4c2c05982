"""Every decision the customer is told of carries the day it was taken, in both languages."""

import pytest

from disputes.next_step import next_step
from disputes.rules import Rules
from schemas.common import Outcome
from schemas.dispute import ReasonCode
from tests.factories import CUSTOMER, INVESTIGATOR

DECIDED = "18.11.2026"  # tests.factories.NOW, in Istanbul


@pytest.fixture
async def dispute(service, request_for):
    return (await service.open(CUSTOMER, request_for(), None)).dispute


async def decide(service, dispute_id: str, outcome: Outcome, reason: ReasonCode):
    version = (await service.get(INVESTIGATOR, dispute_id)).version
    return await service.decide(INVESTIGATOR, dispute_id, {version}, outcome, reason, "Karar.", None)


@pytest.mark.parametrize(
    ("outcome", "reason", "en_words", "tr_words"),
    [
        (Outcome.REFUND, ReasonCode.CARRIER_NO_PROOF, "refunding", "iadeniz"),
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
