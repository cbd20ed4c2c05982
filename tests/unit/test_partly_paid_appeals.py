"""An appeal of a decision that paid part of a claim (missing items, a digital order's lines) is held to its deadline
like any other: the deadline rule pays the units no decision paid. Paying units the evidence shows delivered is
deciding against the recommendation; the policy's own rejection is no colleague's to overturn."""

from datetime import timedelta

import pytest

from adapters.memory import InMemoryOrders
from disputes.actors import SYSTEM
from disputes.errors import OverrideReasonRequired
from disputes.rules import Rules
from disputes.service import DisputeService
from schemas.common import Outcome
from schemas.digital import DigitalState
from schemas.dispute import EffectKind, ParkReason, ReasonCode, Status
from tests.factories import CUSTOMER, INVESTIGATOR, NOW
from tests.unit.test_digital_lines import case, refund
from tests.unit.test_missing_items import BOX, NEW_EXPLANATION, Records, one_glass_short, opened, partly_refunded


@pytest.fixture
def boxes(repository, clock) -> DisputeService:
    return DisputeService(repository, InMemoryOrders([BOX]), clock, Rules(), packing_records=Records())


def paid(decision) -> list[tuple[str, int, Outcome]]:
    return [(line.sku, line.quantity, line.outcome) for line in decision.lines]


async def test_an_appeal_of_a_claim_paid_in_part_is_resolved_for_the_customer_at_its_deadline(boxes) -> None:
    """One glass of two refunded, the other and the kettle rejected, then appealed: at the appeal's deadline the units
    not paid are paid, as an appeal of a full rejection is (DESIGN §2: the SLA promise holds by construction)."""
    decided = await partly_refunded(boxes)
    await boxes.appeal(CUSTOMER, decided.id, NEW_EXPLANATION)
    appealed = await boxes.repository.get(decided.id)
    assert appealed is not None

    appealed.deadline_reached(SYSTEM, appealed.sla.decision_due)

    assert appealed.status is Status.RESOLVED and appealed.decision is not None
    assert appealed.decision.reason_code is ReasonCode.DEADLINE_REACHED
    assert paid(appealed.decision) == [("sku-glass", 1, Outcome.REFUND), ("sku-kettle", 1, Outcome.REFUND)]


async def test_an_appeal_paid_in_part_and_taken_by_an_investigator_is_resolved_for_the_customer_at_its_deadline(
    boxes,
) -> None:
    """Taking the appeal (appealed → under review) leaves it an appeal's review: the rule still pays what is left."""
    decided = await partly_refunded(boxes)
    await boxes.appeal(CUSTOMER, decided.id, NEW_EXPLANATION)
    await boxes.assign(INVESTIGATOR, decided.id, INVESTIGATOR.id)
    taken = await boxes.repository.get(decided.id)
    assert taken is not None and taken.status is Status.UNDER_REVIEW

    taken.deadline_reached(SYSTEM, taken.sla.decision_due)

    assert taken.status is Status.RESOLVED and taken.decision is not None
    assert paid(taken.decision) == [("sku-glass", 1, Outcome.REFUND), ("sku-kettle", 1, Outcome.REFUND)]


async def test_an_appeal_of_a_full_rejection_is_resolved_for_the_customer_at_its_deadline(boxes) -> None:
    dispute = await opened(boxes, ("sku-glass", 2))
    await boxes.decide(INVESTIGATOR, dispute.id, None, Outcome.REJECTED, ReasonCode.CONTENTS_CONFIRMED, "Tam.", None)
    await boxes.appeal(CUSTOMER, dispute.id, NEW_EXPLANATION)
    appealed = await boxes.repository.get(dispute.id)
    assert appealed is not None

    appealed.deadline_reached(SYSTEM, appealed.sla.decision_due)

    assert appealed.status is Status.RESOLVED and appealed.decision is not None
    assert paid(appealed.decision) == [("sku-glass", 2, Outcome.REFUND)]


async def test_an_appeal_whose_earlier_refund_may_have_been_applied_goes_to_a_supervisor_at_its_deadline(boxes) -> None:
    """The glass's refund was parked unanswered: paying the claim's units again is a supervisor's, not the rule's."""
    decided = await partly_refunded(boxes)
    await boxes.appeal(CUSTOMER, decided.id, NEW_EXPLANATION)
    appealed = await boxes.repository.get(decided.id)
    assert appealed is not None
    [glass] = [m for m in appealed.outbox if m.kind is EffectKind.REFUND]
    appealed.outbox.remove(glass)
    appealed.effects_parked.append(glass.model_copy(update={"parked_at": NOW, "parked": ParkReason.OUT_OF_ATTEMPTS}))

    appealed.deadline_reached(SYSTEM, appealed.sla.decision_due)

    assert appealed.status is Status.APPEALED and appealed.priority == 3
    assert appealed.timeline[-1].action == "sla_deadline_reached"
    assert appealed.timeline[-1].details == {"rule": "supervisor"}


def test_an_appeal_of_a_digital_order_paid_in_part_is_resolved_for_the_customer_at_its_deadline() -> None:
    d = case(DigitalState.ACTIVATED, DigitalState.NOT_SENT)
    refund(d)  # the gift card never sent refunded; the activated game code rejected
    d.file_appeal(CUSTOMER, "Kodu ben etkinleştirmedim, hesabım çalındı.", NOW, NOW + timedelta(days=14))

    d.deadline_reached(SYSTEM, d.sla.decision_due)

    assert d.status is Status.RESOLVED and d.decision is not None
    assert paid(d.decision) == [("GAME", 1, Outcome.REFUND)]


async def test_an_investigator_may_pay_an_appeal_of_the_policy_s_own_rejection(boxes) -> None:
    """Overturning another investigator's rejection needs a supervisor (README); the policy's is no investigator's."""
    dispute = await opened(boxes, ("sku-glass", 2))
    await boxes.decide(SYSTEM, dispute.id, None, Outcome.REJECTED, ReasonCode.CONTENTS_CONFIRMED, "Politika.", None)
    await boxes.appeal(CUSTOMER, dispute.id, NEW_EXPLANATION)

    decided = await boxes.decide(INVESTIGATOR, dispute.id, None, Outcome.REFUND, ReasonCode.ITEMS_MISSING,
                                 "Fotoğrafta iki bardak eksik.", None, override_reason="Müşterinin fotoğrafı.")

    assert decided.status is Status.RESOLVED and decided.decision is not None
    assert paid(decided.decision) == [("sku-glass", 2, Outcome.REFUND)]


async def test_paying_units_the_packing_record_shows_packed_needs_an_override_reason(repository, clock) -> None:
    """The packing record shows the kettle and five of six glasses packed: the recommendation names one glass."""
    dispute, advice = await one_glass_short(repository, clock)
    dispute.record_assessment(SYSTEM, advice, clock.now(), timedelta(hours=72))
    assert dispute.recommendation is not None
    assert [(m.sku, m.quantity) for m in dispute.recommendation.lines] == [("sku-glass", 1)]
    everything = [("sku-glass", Outcome.REFUND, 2), ("sku-kettle", Outcome.REFUND, 1)]

    with pytest.raises(OverrideReasonRequired, match="sku-glass, sku-kettle"):
        dispute.decide(INVESTIGATOR, Outcome.REFUND, ReasonCode.ITEMS_MISSING, "Hepsi.", None, clock.now(),
                       line_outcomes=everything)
    dispute.decide(INVESTIGATOR, Outcome.REFUND, ReasonCode.ITEMS_MISSING, "Hepsi.", None, clock.now(),
                   line_outcomes=everything, override_reason="Kutu hasarlı geldi, kargo tutanağı var.")

    assert dispute.decision is not None and dispute.decision.overridden


async def test_paying_what_the_packing_record_shows_missing_is_no_override(repository, clock) -> None:
    dispute, advice = await one_glass_short(repository, clock)
    dispute.record_assessment(SYSTEM, advice, clock.now(), timedelta(hours=72))

    dispute.decide(INVESTIGATOR, Outcome.REFUND, ReasonCode.ITEMS_MISSING, "Bir bardak.", None, clock.now(),
                   line_outcomes=[("sku-glass", Outcome.REFUND, 1)])

    assert dispute.decision is not None and not dispute.decision.overridden
