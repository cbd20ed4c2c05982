"""A digital order's lines are paid one by one, as their delivery records show: a game code activated and a gift card
never sent refund the gift card's value alone, under a key of its own; an order none of whose lines was delivered is
refunded as a whole, as a parcel is."""

from datetime import timedelta

import pytest

from adapters.web.console.case import prefilled
from disputes.actors import SYSTEM
from disputes.errors import (
    CompensationAlreadyIssued,
    InvalidLineOutcomes,
    OverrideReasonRequired,
    ReasonDoesNotFitClaim,
)
from disputes.model import Dispute
from disputes.policy import CustomerHistory, PolicySettings, recommend
from schemas.common import Outcome
from schemas.digital import DigitalState
from schemas.dispute import Claim, EffectKind, MissingItem, ParkReason, ReasonCode, Status
from schemas.orders import DigitalKind, OrderItem
from tests.factories import CUSTOMER, INVESTIGATOR, NOW, SUPERVISOR
from tests.unit.policy.builders import dispute
from tests.unit.policy.test_digital import record

GAME = OrderItem(sku="GAME", name="Oyun kodu", quantity=1, unit_price_minor=150_000, digital=DigitalKind.GAME_CODE)
GIFT = OrderItem(sku="GC", name="Hediye kartı 50 TL", quantity=1, unit_price_minor=5_000, digital=DigitalKind.GIFT_CARD)
ORDER_VALUE = 155_000  # 1,500.00 TRY + 50.00 TRY
DEFAULTS = PolicySettings()


def case(game: DigitalState, gift: DigitalState, settings: PolicySettings = DEFAULTS, partial: bool = False) -> Dispute:
    """A whole-order claim ("my codes never came") on the game code and the gift card, assessed on their records; or,
    `partial`, a claim naming both lines as missing."""
    d = dispute(value_minor=ORDER_VALUE, reshippable=False)
    d.order = d.order.model_copy(update={"items": [GAME, GIFT]})
    if partial:
        d.claim = Claim.MISSING_ITEMS
        d.missing_items = [MissingItem(sku="GAME", quantity=1), MissingItem(sku="GC", quantity=1)]
    d.digital_deliveries = [record(game, "GAME"), record(gift, "GC")]
    d.status = Status.UNDER_REVIEW
    advice = recommend(d, CustomerHistory(), NOW, settings)
    d.record_assessment(SYSTEM, advice, NOW, timedelta(hours=72))
    return d


def refunds(d: Dispute) -> list[tuple[str, int, str | None]]:
    return [(m.key, m.payload["amount_minor"], m.payload["sku"]) for m in d.outbox if m.kind is EffectKind.REFUND]


def refund(d: Dispute, line_outcomes: tuple[tuple[str, Outcome, int], ...] = (), override: str | None = None) -> None:
    d.decide(INVESTIGATOR, Outcome.REFUND, ReasonCode.DIGITAL_NOT_DELIVERED, "Kod gönderilmemiş.", None, NOW,
             line_outcomes=line_outcomes, override_reason=override)


def test_an_investigator_s_refund_pays_only_the_line_the_record_shows_never_sent() -> None:
    d = case(DigitalState.ACTIVATED, DigitalState.NOT_SENT)
    assert d.decision is None  # rejecting the game code is a person's

    refund(d)

    assert refunds(d) == [("dsp_policy:d1:refund:GC", 5_000, "GC")]
    assert [(line.sku, line.outcome, line.amount_minor) for line in d.decision.lines] == [  # type: ignore[union-attr]
        ("GAME", Outcome.REJECTED, 150_000), ("GC", Outcome.REFUND, 5_000),
    ]


def test_with_automatic_rejection_on_the_policy_refunds_the_line_never_sent_on_its_own() -> None:
    d = case(DigitalState.ACTIVATED, DigitalState.NOT_SENT, PolicySettings(auto_reject_enabled=True))

    assert d.decision is not None and d.decision.decided_by == SYSTEM.id
    assert refunds(d) == [("dsp_policy:d1:refund:GC", 5_000, "GC")]


def test_an_order_none_of_whose_lines_was_delivered_is_refunded_as_a_whole_as_before() -> None:
    d = case(DigitalState.NOT_SENT, DigitalState.LINK_MISSING)

    assert d.decision is not None and d.decision.lines == []
    assert refunds(d) == [("dsp_policy:d1:refund", ORDER_VALUE, None)]


def test_naming_the_lines_pays_those_and_a_line_not_on_the_order_is_refused() -> None:
    d = case(DigitalState.ACTIVATED, DigitalState.NOT_SENT)

    with pytest.raises(InvalidLineOutcomes):
        refund(d, (("OTHER", Outcome.REFUND, 1),))
    with pytest.raises(OverrideReasonRequired):  # the game code's record shows it activated
        refund(d, (("GAME", Outcome.REFUND, 1), ("GC", Outcome.REFUND, 1)))
    refund(d, (("GAME", Outcome.REFUND, 1), ("GC", Outcome.REFUND, 1)), "Kod çalınmış, satıcı doğruladı.")

    assert d.decision is not None and d.decision.overridden
    assert refunds(d) == [("dsp_policy:d1:refund:GAME", 150_000, "GAME"), ("dsp_policy:d1:refund:GC", 5_000, "GC")]


def test_after_an_appeal_a_refund_pays_the_activated_code_only_when_it_names_it_and_nothing_twice() -> None:
    d = case(DigitalState.ACTIVATED, DigitalState.NOT_SENT)
    refund(d)
    d.file_appeal(CUSTOMER, "Oyun kodunu ben etkinleştirmedim.", NOW, NOW + timedelta(days=14))

    with pytest.raises(InvalidLineOutcomes):  # the recommendation's line was paid: naming none pays no activated code
        refund(d)
    refund(d, (("GAME", Outcome.REFUND, 1),), "Kodu başkası etkinleştirmiş, satıcı doğruladı.")

    assert refunds(d) == [("dsp_policy:d1:refund:GC", 5_000, "GC"), ("dsp_policy:d2:refund:GAME", 150_000, "GAME")]
    assert d.uncompensated() == {"GAME": 0, "GC": 0}
    with pytest.raises(CompensationAlreadyIssued):
        refund(d)


def test_a_refund_naming_no_lines_pays_no_activated_code_where_the_recommendation_names_no_line() -> None:
    d = case(DigitalState.SENT, DigitalState.ACTIVATED)
    assert d.recommendation is not None and d.recommendation.lines == []  # a person weighs both

    refund(d)

    assert refunds(d) == [("dsp_policy:d1:refund:GAME", 150_000, "GAME")]
    assert d.decision is not None
    assert [(line.sku, line.outcome) for line in d.decision.lines] == [("GAME", Outcome.REFUND), ("GC", Outcome.REJECTED)]


def test_a_refund_naming_no_lines_of_an_order_whose_every_code_was_activated_is_refused() -> None:
    d = case(DigitalState.ACTIVATED, DigitalState.ACTIVATED)

    with pytest.raises(InvalidLineOutcomes):
        d.decide(SUPERVISOR, Outcome.REFUND, ReasonCode.GOODWILL, "İyi niyet.", None, NOW, override_reason="Müşteri.")

    assert refunds(d) == [] and d.decision is None


def test_the_console_s_decision_form_offers_the_refund_of_the_line_never_sent() -> None:
    form = prefilled(case(DigitalState.ACTIVATED, DigitalState.NOT_SENT))

    assert (form.outcome, form.reason_code) == ("refund", "digital_not_delivered")
    assert form.lines == {"GAME": ("rejected", "1"), "GC": ("refund", "1")}


@pytest.mark.parametrize("game", [DigitalState.ACTIVATED, DigitalState.OPENED, DigitalState.SENT])
def test_at_the_decision_deadline_the_whole_order_is_refunded_whatever_its_records_show(game: DigitalState) -> None:
    d = case(game, DigitalState.NOT_SENT)

    d.deadline_reached(SYSTEM, NOW)

    assert refunds(d) == [("dsp_policy:d1:refund", ORDER_VALUE, None)]
    assert d.decision is not None and d.decision.lines == [] and d.uncompensated() == {"GAME": 0, "GC": 0}


def test_at_the_decision_deadline_a_claim_of_some_lines_pays_every_line_claimed() -> None:
    d = case(DigitalState.ACTIVATED, DigitalState.NOT_SENT, partial=True)
    assert d.recommendation is not None and [m.sku for m in d.recommendation.lines] == ["GC"]

    d.deadline_reached(SYSTEM, NOW)

    assert refunds(d) == [("dsp_policy:d1:refund:GAME", 150_000, "GAME"), ("dsp_policy:d1:refund:GC", 5_000, "GC")]


def test_after_the_whole_order_s_refund_was_refused_a_supervisor_may_pay_some_of_its_lines() -> None:
    d = case(DigitalState.NOT_SENT, DigitalState.LINK_MISSING)
    [whole] = [m for m in d.outbox if m.kind is EffectKind.REFUND]
    d.outbox.remove(whole)
    d.effects_parked.append(whole.model_copy(update={"parked": ParkReason.REFUSED, "parked_at": NOW}))
    d.reopen(SUPERVISOR, "Ödeme reddedildi.", NOW)

    d.decide(SUPERVISOR, Outcome.REFUND, ReasonCode.DIGITAL_NOT_DELIVERED, "Yalnız hediye kartı.", None, NOW,
             line_outcomes=[("GC", Outcome.REFUND, 1)])

    assert refunds(d) == [("dsp_policy:d2:refund:GC", 5_000, "GC")]


def test_a_whole_order_refund_that_may_have_been_applied_guards_every_line_after_one_was_paid_apart() -> None:
    d = case(DigitalState.NOT_SENT, DigitalState.LINK_MISSING)
    [whole] = [m for m in d.outbox if m.kind is EffectKind.REFUND]
    d.outbox.remove(whole)  # payments never answered: it may have been applied
    d.effects_parked.append(whole.model_copy(update={"parked": ParkReason.OUT_OF_ATTEMPTS, "parked_at": NOW}))
    d.reopen(SUPERVISOR, "Ödeme yanıt vermedi.", NOW)
    d.decide(SUPERVISOR, Outcome.REFUND, ReasonCode.DIGITAL_NOT_DELIVERED, "Yalnız hediye kartı.", None, NOW,
             override_reason="Ödeme servisiyle kontrol edildi.", line_outcomes=[("GC", Outcome.REFUND, 1)])
    d.reopen(SUPERVISOR, "Oyun kodu da.", NOW)

    with pytest.raises(OverrideReasonRequired, match="dsp_policy:d1:refund"):
        d.decide(SUPERVISOR, Outcome.REFUND, ReasonCode.DIGITAL_NOT_DELIVERED, "Oyun kodu.", None, NOW,
                 line_outcomes=[("GAME", Outcome.REFUND, 1)])
    d.decide(SUPERVISOR, Outcome.REFUND, ReasonCode.DIGITAL_NOT_DELIVERED, "Oyun kodu.", None, NOW,
             override_reason="Ödeme servisiyle yine kontrol edildi.", line_outcomes=[("GAME", Outcome.REFUND, 1)])

    assert d.decision is not None and d.decision.overridden
    assert refunds(d) == [("dsp_policy:d2:refund:GC", 5_000, "GC"), ("dsp_policy:d3:refund:GAME", 150_000, "GAME")]


def test_codes_all_activated_are_rejected_automatically_as_delivered_codes_not_as_a_carrier_s_proof() -> None:
    """Where the policy may reject on its own, the reason it records says what was shown: the codes' own records, no
    carrier's proof of delivery (a digital order has no carrier)."""
    d = case(DigitalState.ACTIVATED, DigitalState.ACTIVATED, PolicySettings(auto_reject_enabled=True))

    assert d.decision is not None and (d.decision.outcome, d.decision.reason_code) == (
        Outcome.REJECTED, ReasonCode.DIGITAL_DELIVERED)


def test_a_person_rejecting_an_activated_code_is_offered_the_reason_that_says_so() -> None:
    d = case(DigitalState.ACTIVATED, DigitalState.ACTIVATED)

    d.decide(INVESTIGATOR, Outcome.REJECTED, ReasonCode.DIGITAL_DELIVERED, "Kod etkinleştirilmiş.", None, NOW)

    assert d.status is Status.RESOLVED and d.decision is not None
    assert d.decision.reason_code is ReasonCode.DIGITAL_DELIVERED


@pytest.mark.parametrize(("reason", "digital"), [(ReasonCode.DIGITAL_DELIVERED, False),
                                                 (ReasonCode.CONTENTS_CONFIRMED, True)])
def test_a_rejection_reason_of_another_kind_of_claim_is_refused(reason: ReasonCode, digital: bool) -> None:
    """`digital_delivered` says a code's record shows it delivered, `contents_confirmed` that a package held what a
    missing-items claim says it lacked: neither fits a parcel claimed not received, nor each other's claims."""
    d = case(DigitalState.ACTIVATED, DigitalState.ACTIVATED) if digital else dispute()

    with pytest.raises(ReasonDoesNotFitClaim, match="does not fit this claim"):
        d.decide(INVESTIGATOR, Outcome.REJECTED, reason, "Red.", None, NOW)

    assert d.decision is None


@pytest.mark.parametrize(("reason", "digital"), [(ReasonCode.CARRIER_NO_PROOF, True), (ReasonCode.WEAK_PROOF, True),
                                                 (ReasonCode.LOST_IN_TRANSIT, True),
                                                 (ReasonCode.DIGITAL_NOT_DELIVERED, False),
                                                 (ReasonCode.ITEMS_MISSING, False)])
def test_a_refund_reason_of_another_kind_of_claim_is_refused(reason: ReasonCode, digital: bool) -> None:
    """A digital order has no carrier to fail it; a parcel claimed not received had no code to deliver and no line
    the customer said was missing from it: the refund's reason is what the customer and the reports read."""
    d = case(DigitalState.SENT, DigitalState.SENT) if digital else dispute()

    with pytest.raises(ReasonDoesNotFitClaim, match="does not fit this claim"):
        d.decide(INVESTIGATOR, Outcome.REFUND, reason, "İade.", None, NOW, override_reason="Müşteriye inanıyoruz.")

    assert d.decision is None and not refunds(d)


@pytest.mark.parametrize("reason", [ReasonCode.GOODWILL, ReasonCode.DEADLINE_REACHED])
def test_goodwill_and_the_deadline_fit_a_refund_of_any_claim(reason: ReasonCode) -> None:
    d = case(DigitalState.SENT, DigitalState.SENT)

    d.decide(INVESTIGATOR, Outcome.REFUND, reason, "İade.", None, NOW,
             line_outcomes=[("GAME", Outcome.REFUND, 1), ("GC", Outcome.REFUND, 1)])

    assert d.decision is not None and d.decision.reason_code is reason and sum(r[1] for r in refunds(d)) == ORDER_VALUE
