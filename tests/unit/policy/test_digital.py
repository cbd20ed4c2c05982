"""Digital goods: the delivery record of a code or link decides, not a carrier's proof."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from disputes.actors import SYSTEM
from disputes.model import PROVISIONAL, Dispute
from disputes.next_step import next_step
from disputes.policy import CustomerHistory, PolicySettings, recommend
from schemas.common import Outcome, Resolution
from schemas.digital import DigitalChannel, DigitalDelivery, DigitalState
from schemas.dispute import Claim, MissingItem, ReasonCode
from schemas.orders import DigitalKind, OrderItem
from schemas.recommendation import Effect, PolicyRule
from schemas.recommendation import RecommendedAction as Act
from tests.factories import NOW
from tests.unit.policy.builders import ORDER, RECEIVED_AT, SLA, customer_added, dispute

SENT_AT = datetime(2026, 11, 16, 10, 0, tzinfo=NOW.tzinfo)
CODE = OrderItem(sku="sku-steam", name="Steam kodu", quantity=1, unit_price_minor=50_000, digital=DigitalKind.GAME_CODE)
KEY = OrderItem(sku="sku-office", name="Office lisansı", quantity=1, unit_price_minor=90_000, digital=DigitalKind.LICENCE_KEY)
GIFT = OrderItem(sku="sku-gift", name="Hediye kartı 50 TL", quantity=1, unit_price_minor=5_000, digital=DigitalKind.GIFT_CARD)


def record(state: DigitalState, sku: str = "sku-steam") -> DigitalDelivery:
    """A line's record that has got as far as `state`, sent by e-mail two days before NOW."""
    sent = state is not DigitalState.NOT_SENT
    return DigitalDelivery(
        order_id=ORDER.order_id, sku=sku, found=sent, channel=DigitalChannel.EMAIL if sent else DigitalChannel.UNKNOWN,
        sent_to="a***@example.com" if sent else None, sent_at=SENT_AT if sent else None,
        link_present=state is not DigitalState.LINK_MISSING,
        opened_at=SENT_AT + timedelta(hours=1) if state in (DigitalState.OPENED, DigitalState.ACTIVATED) else None,
        activated_at=SENT_AT + timedelta(hours=2) if state is DigitalState.ACTIVATED else None,
        received_at=RECEIVED_AT,
    )


def digital_case(*records: DigitalDelivery, items: tuple[OrderItem, ...] = (CODE,), **changes: object):
    d = dispute(**changes)  # type: ignore[arg-type]
    d.order = d.order.model_copy(update={"items": list(items), "reshippable": False})
    d.digital_deliveries = list(records)
    return d


@pytest.mark.parametrize(("states", "action", "rule"), [
    ((DigitalState.ACTIVATED,), Act.REJECT, PolicyRule.DIGITAL_ACTIVATED),
    ((DigitalState.NOT_SENT,), Act.REFUND, PolicyRule.DIGITAL_NOT_DELIVERED),
    ((DigitalState.LINK_MISSING,), Act.REFUND, PolicyRule.DIGITAL_NOT_DELIVERED),
    ((DigitalState.SENT,), Act.NEEDS_PERSON, PolicyRule.DIGITAL_NOT_ACTIVATED),
    ((DigitalState.OPENED,), Act.NEEDS_PERSON, PolicyRule.DIGITAL_NOT_ACTIVATED),
    ((DigitalState.ACTIVATED, DigitalState.OPENED), Act.NEEDS_PERSON, PolicyRule.DIGITAL_NOT_ACTIVATED),
    ((DigitalState.NOT_SENT, DigitalState.LINK_MISSING), Act.REFUND, PolicyRule.DIGITAL_NOT_DELIVERED),
])
def test_the_least_delivered_line_decides(states: tuple[DigitalState, ...], action: Act, rule: PolicyRule) -> None:
    skus = ("sku-steam", "sku-office")
    case = digital_case(*(record(s, sku) for s, sku in zip(states, skus, strict=False)), items=(CODE, KEY)[: len(states)])

    advice = recommend(case, CustomerHistory(), NOW, PolicySettings())

    assert (advice.action, advice.rule) == (action, rule)
    assert advice.carrier_liable is False


def claiming(case: Dispute, *missing: tuple[str, int]) -> Dispute:
    """`case` as a claim of `missing` (sku, units) missing rather than of the whole order."""
    case.claim = Claim.MISSING_ITEMS
    case.missing_items = [MissingItem(sku=sku, quantity=units) for sku, units in missing]
    return case


def test_a_whole_order_claim_recommends_refunding_only_the_line_never_sent_and_a_person_decides() -> None:
    case = digital_case(record(DigitalState.ACTIVATED), record(DigitalState.NOT_SENT, "sku-gift"), items=(CODE, GIFT))

    advice = recommend(case, CustomerHistory(), NOW, PolicySettings())

    # paying the gift card alone rejects the activated game code: a rejection, so a person's
    assert (advice.action, advice.rule, advice.auto_resolve) == (Act.NEEDS_PERSON, PolicyRule.DIGITAL_NOT_DELIVERED, False)
    assert advice.lines == [MissingItem(sku="sku-gift", quantity=1)]
    assert [f.code for f in advice.findings[:2]] == ["digital_not_sent", "digital_activated"]


def test_with_automatic_rejection_on_the_lines_never_sent_are_refunded_on_their_own() -> None:
    case = digital_case(record(DigitalState.ACTIVATED), record(DigitalState.NOT_SENT, "sku-gift"), items=(CODE, GIFT))

    advice = recommend(case, CustomerHistory(), NOW, PolicySettings(auto_reject_enabled=True))

    assert (advice.action, advice.rule, advice.auto_resolve) == (Act.REFUND, PolicyRule.DIGITAL_NOT_DELIVERED, True)
    assert advice.lines == [MissingItem(sku="sku-gift", quantity=1)]


def test_an_order_none_of_whose_lines_was_delivered_is_refunded_as_a_whole() -> None:
    case = digital_case(record(DigitalState.NOT_SENT), record(DigitalState.LINK_MISSING, "sku-gift"), items=(CODE, GIFT))

    advice = recommend(case, CustomerHistory(), NOW, PolicySettings())

    assert (advice.action, advice.auto_resolve, advice.lines) == (Act.REFUND, True, [])


def test_a_line_never_sent_beside_one_not_opened_goes_to_a_person_naming_the_line_to_refund() -> None:
    case = digital_case(record(DigitalState.SENT), record(DigitalState.NOT_SENT, "sku-gift"), items=(CODE, GIFT))

    advice = recommend(case, CustomerHistory(), NOW, PolicySettings(auto_reject_enabled=True))

    assert (advice.action, advice.rule, advice.auto_resolve) == (Act.NEEDS_PERSON, PolicyRule.DIGITAL_NOT_ACTIVATED, False)
    assert advice.lines == [MissingItem(sku="sku-gift", quantity=1)]


def test_a_missing_code_claimed_is_refunded_on_its_delivery_record_not_weighed_as_a_parcel() -> None:
    case = digital_case(record(DigitalState.ACTIVATED), record(DigitalState.NOT_SENT, "sku-office"), items=(CODE, KEY))
    claiming(case, ("sku-office", 1))

    advice = recommend(case, CustomerHistory(), NOW, PolicySettings())

    assert (advice.action, advice.rule, advice.auto_resolve) == (Act.REFUND, PolicyRule.DIGITAL_NOT_DELIVERED, True)
    assert advice.lines == [MissingItem(sku="sku-office", quantity=1)]
    assert [f.code for f in advice.findings] == ["digital_not_sent"]  # no weight nor packing, nor the line not claimed


def test_a_claimed_code_that_was_activated_is_recommended_for_rejection() -> None:
    two = CODE.model_copy(update={"quantity": 2})
    case = claiming(digital_case(record(DigitalState.ACTIVATED), items=(two,)), ("sku-steam", 1))

    advice = recommend(case, CustomerHistory(), NOW, PolicySettings())

    assert (advice.action, advice.rule, advice.auto_resolve) == (Act.REJECT, PolicyRule.DIGITAL_ACTIVATED, False)
    assert [f.code for f in advice.findings] == ["digital_activated"]


def test_a_claimed_code_sent_and_not_opened_goes_to_a_person_whatever_a_line_not_claimed_shows() -> None:
    case = digital_case(record(DigitalState.NOT_SENT), record(DigitalState.SENT, "sku-office"), items=(CODE, KEY))
    claiming(case, ("sku-office", 1))

    advice = recommend(case, CustomerHistory(), NOW, PolicySettings())

    assert (advice.action, advice.rule, advice.lines) == (Act.NEEDS_PERSON, PolicyRule.DIGITAL_NOT_ACTIVATED, [])
    assert [f.code for f in advice.findings] == ["digital_sent"]


def test_a_line_without_a_record_is_never_rejected_on_another_line_s_activation() -> None:
    case = digital_case(record(DigitalState.ACTIVATED), items=(CODE, KEY))  # the licence key has no record

    waiting = recommend(case, CustomerHistory(), NOW, PolicySettings(auto_reject_enabled=True))
    late = recommend(case, CustomerHistory(), SLA.evidence_due, PolicySettings(auto_reject_enabled=True))

    assert (waiting.action, waiting.rule, waiting.auto_resolve) == (
        Act.NEEDS_PERSON, PolicyRule.AWAITING_DIGITAL_RECORD, False,
    )
    assert "Waiting for the digital delivery record of sku-office" in waiting.findings[0].text
    # the evidence deadline is the midnight that ends Friday 20.11 in Istanbul (21:00 UTC): the day it ends
    assert SLA.evidence_due.isoformat() == "2026-11-20T21:00:00+00:00"
    assert waiting.findings[0].text.endswith("(due 20.11.2026)")
    assert waiting.findings[0].text_tr.endswith("(son: 20.11.2026)")
    assert (late.action, late.rule) == (Act.REFUND, PolicyRule.DIGITAL_NOT_DELIVERED)
    assert late.lines == [MissingItem(sku="sku-office", quantity=1)]  # the activated code is not paid
    assert [f.code for f in late.findings[:2]] == ["digital_no_record_by_deadline", "digital_activated"]
    assert "no delivery record of sku-office by the deadline" in late.findings[0].text


def test_an_activated_code_recommends_rejection_citing_where_and_when_but_a_person_decides() -> None:
    advice = recommend(digital_case(record(DigitalState.ACTIVATED)), CustomerHistory(), NOW, PolicySettings())

    first = advice.findings[0]
    assert (first.code, first.effect) == ("digital_activated", Effect.SUPPORTS_DELIVERY)
    assert "by e-mail to a***@example.com on 16.11.2026 13:00, activated on 16.11.2026 15:00" in first.text
    assert "16.11.2026 13:00 tarihinde a***@example.com adresine e-posta ile gönderildi" in first.text_tr
    assert advice.auto_resolve is False


@pytest.mark.parametrize(
    ("channel", "sent_to", "told"),
    [
        (DigitalChannel.EMAIL, "a***@example.com", "a***@example.com adresine e-posta ile"),
        (DigitalChannel.SMS, "+90 5** *** 12 34", "+90 5** *** 12 34 numarasına SMS ile"),
        (DigitalChannel.APP, "ayse.k***", "ayse.k*** hesabına uygulama üzerinden"),
    ],
)
def test_where_a_code_was_sent_is_named_in_turkish_as_what_it_is(
    channel: DigitalChannel, sent_to: str, told: str
) -> None:
    sent = record(DigitalState.ACTIVATED).model_copy(update={"channel": channel, "sent_to": sent_to})

    advice = recommend(digital_case(sent), CustomerHistory(), NOW, PolicySettings())

    assert advice.findings[0].text_tr == (
        f"sku-steam: 16.11.2026 13:00 tarihinde {told} gönderildi, 16.11.2026 15:00 tarihinde etkinleştirildi"
    )


def test_an_activated_code_is_rejected_automatically_only_where_the_policy_allows_it() -> None:
    settings = PolicySettings(auto_reject_enabled=True)

    assert recommend(digital_case(record(DigitalState.ACTIVATED)), CustomerHistory(), NOW, settings).auto_resolve


def test_a_code_never_sent_is_refunded_automatically_even_when_a_reship_was_asked_for() -> None:
    case = digital_case(record(DigitalState.NOT_SENT), preference=Resolution.RESHIP)

    advice = recommend(case, CustomerHistory(), NOW, PolicySettings())

    assert (advice.action, advice.auto_resolve) == (Act.REFUND, True)
    codes = [f.code for f in advice.findings]
    assert codes[0] == "digital_not_sent" and "reship_not_possible" in codes


def test_without_a_record_the_advice_waits_until_the_deadline_then_refunds() -> None:
    waiting = recommend(digital_case(), CustomerHistory(), NOW, PolicySettings())
    late = recommend(digital_case(), CustomerHistory(), SLA.evidence_due, PolicySettings())

    assert (waiting.action, waiting.rule) == (Act.NEEDS_PERSON, PolicyRule.AWAITING_DIGITAL_RECORD)
    assert (late.action, late.rule, late.auto_resolve) == (Act.REFUND, PolicyRule.DIGITAL_NOT_DELIVERED, True)
    assert late.findings[0].code == "digital_no_record_by_deadline"


def test_a_provider_that_refused_us_leaves_the_case_to_a_person_at_the_deadline_never_a_refund() -> None:
    refused = digital_case(proof_missing=True)
    refused.provider_refused = "digital provider answered HTTP 401"
    one_recorded = digital_case(record(DigitalState.ACTIVATED), items=(CODE, KEY))
    one_recorded.provider_refused = "digital provider answered HTTP 403"

    late = recommend(refused, CustomerHistory(), SLA.evidence_due, PolicySettings(auto_reject_enabled=True))
    partly = recommend(one_recorded, CustomerHistory(), SLA.evidence_due, PolicySettings(auto_reject_enabled=True))

    for advice in (late, partly):
        assert (advice.action, advice.rule, advice.auto_resolve) == (
            Act.NEEDS_PERSON, PolicyRule.DIGITAL_PROVIDER_REFUSED, False,
        )
        assert advice.rule not in PROVISIONAL, "nothing is awaited any more: the advice is final"
        assert advice.findings[0].code == "digital_provider_refused" and advice.findings[0].effect is Effect.NEUTRAL
        assert "digital_no_record_by_deadline" not in [f.code for f in advice.findings] and advice.lines == []
    assert "refused our requests for the delivery record of sku-steam" in late.findings[0].text
    assert "(latest: digital provider answered HTTP 401)" in late.findings[0].text
    assert "sku-office" in partly.findings[0].text and "sku-steam" not in partly.findings[0].text

def test_what_the_customer_added_sends_even_a_missing_code_to_a_person() -> None:
    case = digital_case(record(DigitalState.NOT_SENT), added=(customer_added(images=0),))

    advice = recommend(case, CustomerHistory(), NOW, PolicySettings())

    assert (advice.action, advice.rule) == (Act.NEEDS_PERSON, PolicyRule.CUSTOMER_EVIDENCE)


def test_the_delivery_records_repr_hides_where_it_was_sent() -> None:
    assert "example.com" not in repr(record(DigitalState.ACTIVATED))


def test_the_customer_is_told_the_next_step_and_the_date_in_both_languages() -> None:
    case = digital_case()
    en, tr = next_step(case, timedelta(days=14))
    due = (SLA.decision_due - timedelta(microseconds=1)).astimezone(ZoneInfo("Europe/Istanbul")).strftime("%d.%m.%Y")

    assert "delivery record of your code" in en and due in en
    assert "teslimat kaydını" in tr and due in tr


def test_a_rejection_for_an_activated_code_says_so_with_the_appeal_date() -> None:
    case = digital_case(record(DigitalState.ACTIVATED))
    case.decide(SYSTEM, Outcome.REJECTED, ReasonCode.DIGITAL_DELIVERED, "Activated.", None, NOW)

    en, tr = next_step(case, timedelta(days=14))

    assert "activated" in en and "02.12.2026" in en
    assert "etkinleştirildiğini" in tr and "02.12.2026" in tr
