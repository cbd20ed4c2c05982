"""What the customer is told carries the facts it is about, in both languages, and nothing it cannot know."""

from datetime import timedelta
from typing import Any

import pytest

from disputes.actors import SYSTEM
from disputes.model import Dispute
from disputes.next_step import next_step
from disputes.policy import CustomerHistory, PolicySettings, recommend
from disputes.rules import Rules
from disputes.service import DisputeService
from schemas.common import Outcome
from schemas.dispute import EffectKind, ReasonCode, Restriction, Status
from schemas.proof import Courier, DeliveryLocation, ProofStatus, RecipientRelation
from schemas.recommendation import RecommendedAction
from tests.factories import AGENT, CUSTOMER, INVESTIGATOR, NOW, SUPERVISOR
from tests.unit.policy.builders import dispute, evidence
from tests.unit.test_next_step_table import READ_AT, WINDOW, case, decided, digital, missing_items, reopened


def told(d: Dispute, template: str) -> tuple[str, str]:
    """(English, Turkish) of the latest notification of `template` the case queued."""
    payload: dict[str, Any] = next(
        m.payload for m in reversed(d.outbox) if m.kind is EffectKind.NOTIFICATION and m.payload["template"] == template
    )
    return payload["message_en"], payload["message"]


# --- a hand-over to a third party ----------------------------------------------------------------------------


def handed_to_a_neighbour() -> Dispute:
    """The proof arrives at 18.11.2026 11:30 in Istanbul: the customer has a day to check."""
    d = dispute(evidence("ev-n", relation=RecipientRelation.NEIGHBOUR, received_by="Fatma Kaya", place="Kat 2 kapı 5"))
    settings = PolicySettings()
    advice = recommend(d, CustomerHistory(), NOW, settings)
    assert advice.action is RecommendedAction.WAIT_FOR_CUSTOMER_CHECK
    d.record_assessment(SYSTEM, advice, NOW, settings.restriction_review)
    return d


def test_the_hand_over_is_told_in_english_with_who_where_when_and_the_time_to_check() -> None:
    d = handed_to_a_neighbour()
    for en, tr in (told(d, "check_with_third_party"), next_step(d, WINDOW, READ_AT)):
        for fact in ("Fatma Kaya", "Kat 2 kapı 5", "16.11.2026 12:30", "19.11.2026 11:30"):
            assert fact in en and fact in tr, fact
        assert "neighbour" in en and "komşunuz" in tr


def test_the_hand_over_notice_says_what_the_policy_said_in_turkish_and_the_answer_s_date_as_the_view_does() -> None:
    d = handed_to_a_neighbour()
    assert d.recommendation is not None
    en, tr = told(d, "check_with_third_party")
    assert tr == f"{d.recommendation.customer_message} En geç 23.11.2026 tarihinde yanıt vereceğiz."
    assert en.endswith(" You will have our answer by 23.11.2026.")
    assert (en, tr) == next_step(d, WINDOW, NOW)


# --- the account restriction -----------------------------------------------------------------------------------


def test_lifting_the_restriction_raised_with_a_claim_promises_nothing_of_the_account_s_others() -> None:
    d = dispute(evidence())
    d.restriction = Restriction(flags=["repeat_claims"], raised_at=NOW, raised_by="system",
                                review_due=NOW + timedelta(hours=72))
    d.review_restriction(SUPERVISOR, False, "Yanlış alarm.", NOW)
    en, tr = told(d, "restriction_lifted")
    assert "with this claim" in en and "as usual" not in en
    assert "bu başvuruyla" in tr and "her zamanki gibi" not in tr


# --- the decision's message ----------------------------------------------------------------------------------


def test_a_decision_in_part_tells_the_amount_the_lines_and_the_appeal_s_end() -> None:
    d = decided(missing_items(packed=1), Outcome.REFUND, ReasonCode.ITEMS_MISSING,
                line_outcomes=[("sku-glass", Outcome.REFUND, 1)])
    en, tr = told(d, "decision_made")
    assert "45.00 TRY" in en and "45,00 TL" in tr
    for fact in ("Çay bardağı ×1", "Çay kaşığı ×3", "02.12.2026 12:30"):
        assert fact in en and fact in tr, fact


def test_a_digital_decision_tells_the_code_refunded_and_the_one_not() -> None:
    d = decided(digital("not_sent", "activated"), Outcome.REFUND, ReasonCode.DIGITAL_NOT_DELIVERED,
                line_outcomes=[("sku-steam", Outcome.REFUND, 1)])
    en, tr = told(d, "decision_made")
    assert "500.00 TRY" in en and "500,00 TL" in tr
    assert "Not refunded: Office lisansı ×1" in en and "İade edilmedi: Office lisansı ×1" in tr


def test_a_rejection_after_a_reopening_tells_that_the_earlier_refund_stands() -> None:
    d = decided(reopened(decided(case("delivered"), Outcome.REFUND, ReasonCode.WEAK_PROOF), NOW),
                Outcome.REJECTED, ReasonCode.PROOF_OF_DELIVERY, NOW + timedelta(days=2))
    en, tr = told(d, "decision_made")
    assert "The refund decided before stands." in en and "Daha önce kararlaştırılan iade geçerlidir." in tr


def test_a_rejection_tells_the_carrier_s_record_and_the_package_s_refund_its_amount() -> None:
    rejected = decided(proved(), Outcome.REJECTED, ReasonCode.PROOF_OF_DELIVERY)
    assert_tells_the_record(told(rejected, "decision_made"), rejected)
    en, tr = told(decided(case("delivered"), Outcome.REFUND, ReasonCode.WEAK_PROOF), "decision_made")
    assert "1,299.00 TRY" in en and "1.299,00 TL" in tr


async def test_the_decision_names_the_end_of_the_appeal_window_configured(repository, orders, clock, request_for) -> None:
    service = DisputeService(repository, orders, clock, Rules(appeal_window=timedelta(days=7)))
    opened = (await service.open(CUSTOMER, request_for(), None)).dispute
    await service.apply(SYSTEM, opened.id, lambda d: d.attach_evidence(SYSTEM, evidence(), clock.now()))
    version = {(await service.get(INVESTIGATOR, opened.id)).version}
    await service.decide(INVESTIGATOR, opened.id, version, Outcome.REJECTED, ReasonCode.PROOF_OF_DELIVERY, "İmzalı.", None)
    en, tr = told(repository.docs[opened.id], "decision_made")
    assert "25.11.2026 12:30" in en and "25.11.2026 12:30" in tr  # a week after 18.11.2026 12:30


# --- products by name ----------------------------------------------------------------------------------------


def test_the_lines_of_a_decision_in_part_are_named_by_their_products() -> None:
    d = decided(missing_items(packed=1), Outcome.REFUND, ReasonCode.ITEMS_MISSING,
                line_outcomes=[("sku-glass", Outcome.REFUND, 1)])
    en, tr = next_step(d, WINDOW, READ_AT)
    for words in (en, tr):
        assert "Çay bardağı ×1" in words and "Çay kaşığı ×3" in words and "sku-" not in words


def test_a_product_with_no_name_is_named_by_its_sku() -> None:
    d = missing_items(packed=1)
    d.order = d.order.model_copy(update={"items": [
        item.model_copy(update={"name": " "}) if item.sku == "sku-glass" else item for item in d.order.items
    ]})
    en, tr = next_step(decided(d, Outcome.REFUND, ReasonCode.ITEMS_MISSING,
                               line_outcomes=[("sku-glass", Outcome.REFUND, 1)]), WINDOW, READ_AT)
    for words in (en, tr):
        assert "sku-glass ×1" in words and "Çay kaşığı ×3" in words


# --- the carrier's delivery record ---------------------------------------------------------------------------


def proved() -> Dispute:
    """Signed by the recipient at the door; the courier named, the scan's coordinates and an address recorded."""
    e = evidence("ev-signed", place="Ön kapı", courier=Courier(name="Kurye Hasan Öz", unit="Kadıköy şubesi"))
    assert e.proof.location is not None
    spot = DeliveryLocation(**{**e.proof.location.model_dump(), "address": "Moda Cad. No:99"})
    d = dispute(e.model_copy(update={"proof": e.proof.model_copy(update={"location": spot})}))
    d.sla = case().sla
    return d


def assert_tells_the_record(words: tuple[str, str], d: Dispute) -> None:
    en, tr = words
    for fact in ("16.11.2026 12:30", "Ayşe Yılmaz", "Ön kapı"):
        assert fact in en and fact in tr, fact
    assert "the recipient" in en and "alıcının kendisi" in tr
    assert "neighbours" in en and "doorman" in en and "komşularınıza" in tr and "kapıcısına" in tr
    location = d.evidence[0].proof.location
    assert location is not None and location.lat is not None
    for hidden in ("Kurye Hasan Öz", "Kadıköy şubesi", "Moda Cad", f"{location.lat:.4f}"[:6]):
        assert hidden not in en and hidden not in tr, hidden


def test_the_record_is_told_while_the_case_is_reviewed() -> None:
    d = proved()
    assert_tells_the_record(next_step(d, WINDOW, READ_AT), d)


def test_the_record_is_told_with_a_rejection() -> None:
    d = decided(proved(), Outcome.REJECTED, ReasonCode.PROOF_OF_DELIVERY)
    assert_tells_the_record(next_step(d, WINDOW, READ_AT), d)


def test_a_rejection_tells_the_record_it_was_decided_on_not_one_pushed_after_it() -> None:
    d = decided(proved(), Outcome.REJECTED, ReasonCode.PROOF_OF_DELIVERY)
    assert d.decision is not None
    later = evidence("ev-later", received_by="Hasan Demir", relation=RecipientRelation.UNKNOWN, place="Depo",
                     received_at=d.decision.decided_at + timedelta(hours=2))
    d.evidence.append(later)

    en, tr = next_step(d, WINDOW, READ_AT)

    assert "Ayşe Yılmaz" in en and "Ayşe Yılmaz" in tr
    assert "Hasan Demir" not in en + tr and "Depo" not in en + tr


@pytest.mark.parametrize("name, match, told", [
    ("Ayşe Yılmazer", 80.0, True),  # scores 83 against the recipient "Ayşe Yılmaz": under the default 85
    ("Ayşe Yılmay", 95.0, False),  # scores 89: over it
])
def test_the_receiver_is_told_as_the_recipient_as_the_policy_configured_found_them(
    name: str, match: float, told: bool
) -> None:
    d = dispute(evidence("ev-1", received_by=name))
    settings = PolicySettings(name_match_threshold=match, name_mismatch_threshold=60.0)
    d.record_assessment(SYSTEM, recommend(d, CustomerHistory(), NOW, settings), NOW, settings.restriction_review)
    decided(d, Outcome.REJECTED, ReasonCode.PROOF_OF_DELIVERY)

    en, tr = next_step(d, WINDOW, READ_AT)

    assert (f"received by: {name} (the recipient)" in en) is told and f"received by: {name}" in en
    assert (f"teslim alan: {name} (alıcının kendisi)" in tr) is told


def test_the_customer_is_asked_to_ask_neighbours_and_the_doorman_from_the_opening() -> None:
    en, tr = next_step(case(), WINDOW, READ_AT)
    assert "neighbours" in en and "doorman" in en and "komşularınıza" in tr and "kapıcısına" in tr


# --- the package's refund --------------------------------------------------------------------------------------


def test_a_package_refund_tells_its_amount() -> None:
    en, tr = next_step(decided(case("delivered"), Outcome.REFUND, ReasonCode.WEAK_PROOF), WINDOW, READ_AT)
    assert "1,299.00 TRY" in en and "1.299,00 TL" in tr


def test_a_pull_that_found_no_delivery_is_not_told_as_evidence_under_review() -> None:
    in_transit = dispute(evidence("ev-scan", status=ProofStatus.IN_TRANSIT))
    in_transit.status = Status.AWAITING_EVIDENCE
    in_transit.sla = case().sla
    en, tr = next_step(in_transit, WINDOW, READ_AT)
    assert en.startswith("We have asked the carrier for its proof of delivery.") and "doorman" in en
    assert "kapıcısına" in tr and "kanıtlarını inceliyor" not in tr

    unproven = dispute(evidence("ev-scan", status=ProofStatus.IN_TRANSIT), proof_missing=True)
    unproven.sla = case().sla
    en, tr = next_step(unproven, WINDOW, READ_AT)
    assert en.startswith("The carrier gave no proof of delivery in time") and "evidence" not in en


# --- receipts ------------------------------------------------------------------------------------------------------


async def test_every_receipt_tells_what_happens_next_and_by_when(service, repository, clock, request_for) -> None:
    """Opened Wednesday 18.11.2026, rejected, appealed on Thursday, rejected again, reopened on Friday: each receipt
    names its review's answer date, three Turkish business days on (Monday 23rd, Tuesday 24th, Wednesday 25th)."""
    opened = (await service.open(CUSTOMER, request_for(), None)).dispute
    assert told(repository.docs[opened.id], "dispute_opened") == (
        "We have asked the carrier for its proof of delivery. Please ask your neighbours and your building's doorman "
        "(kapıcı) too: parcels shown as delivered are often left with them. You will have our answer by 23.11.2026.",
        "Kargo firmasından teslimat kanıtını istedik. Lütfen komşularınıza ve binanızın kapıcısına da sorun: teslim "
        "edildi görünen paketler çoğu zaman onlara bırakılır. En geç 23.11.2026 tarihinde yanıt vereceğiz.",
    )
    await service.apply(SYSTEM, opened.id, lambda d: d.attach_evidence(SYSTEM, evidence(), clock.now()))
    await service.decide(INVESTIGATOR, opened.id, None, Outcome.REJECTED, ReasonCode.PROOF_OF_DELIVERY, "İmza.", None)
    clock.advance(days=1)
    await service.appeal(CUSTOMER, opened.id, "İmza benim değil, o gün evde değildim.")
    en, tr = told(repository.docs[opened.id], "appeal_received")
    assert "24.11.2026" in en and "24.11.2026" in tr and "23.11.2026" not in en + tr
    await service.decide(INVESTIGATOR, opened.id, None, Outcome.REJECTED, ReasonCode.PROOF_OF_DELIVERY, "Yine.", None)
    clock.advance(days=1)
    await service.reopen(SUPERVISOR, opened.id, "Kurye kaydı yeniden incelenecek.")
    en, tr = told(repository.docs[opened.id], "dispute_reopened")
    assert "25.11.2026" in en and "25.11.2026" in tr


async def test_the_withdrawal_and_added_information_are_told_in_both_languages(service, repository, request_for) -> None:
    first = (await service.open(CUSTOMER, request_for(), None)).dispute
    await service.add_information(CUSTOMER, first.id, "Kapı kamerasının kaydı ektedir.")
    en, tr = told(repository.docs[first.id], "information_received")
    assert en.startswith("We received the information you added on 18.11.2026") and "18.11.2026" in tr
    await service.withdraw(CUSTOMER, first.id, "Komşuda buldum.")
    assert told(repository.docs[first.id], "dispute_withdrawn") == (
        "You withdrew this claim; nothing more will happen.", "Bu başvuruyu geri çektiniz; başka işlem yapılmayacak.")


async def test_a_withdrawal_an_agent_made_is_told_as_customer_service_s_at_the_customer_s_request(
    service, repository, request_for
) -> None:
    opened = (await service.open(CUSTOMER, request_for(), None)).dispute

    withdrawn = await service.withdraw(AGENT, opened.id, "Müşteri komşuda buldu.")

    said = ("At your request, our customer service withdrew your claim; nothing more will happen.",
            "Müşteri hizmetlerimiz talebiniz üzerine başvurunuzu geri çekti; başka işlem yapılmayacak.")
    assert told(repository.docs[opened.id], "dispute_withdrawn") == said
    assert next_step(withdrawn, WINDOW) == said


async def test_information_added_to_an_appeal_is_acknowledged_as_information(service, repository, clock,
                                                                              request_for) -> None:
    opened = (await service.open(CUSTOMER, request_for(), None)).dispute
    await service.apply(SYSTEM, opened.id, lambda d: d.attach_evidence(SYSTEM, evidence(), clock.now()))
    await service.decide(INVESTIGATOR, opened.id, None, Outcome.REJECTED, ReasonCode.PROOF_OF_DELIVERY, "İmza.", None)
    clock.advance(days=1)
    await service.appeal(CUSTOMER, opened.id, "İmza benim değil, o gün evde değildim.")

    await service.add_information(CUSTOMER, opened.id, "O gün işteydim, giriş kaydım ektedir.")

    en, tr = told(repository.docs[opened.id], "information_received")
    assert en.startswith("We received the information you added on 19.11.2026") and "24.11.2026" in en
    assert tr.startswith("19.11.2026 tarihinde eklediğiniz bilgileri aldık") and "appeal" not in en


def test_units_reshipped_by_several_decisions_are_told_as_one_sum_per_product() -> None:
    d = missing_items(packed=0)
    d = decided(d, Outcome.RESHIP, ReasonCode.ITEMS_MISSING, line_outcomes=[("sku-glass", Outcome.RESHIP, 1)])
    d = decided(reopened(d, NOW + timedelta(hours=1)), Outcome.RESHIP, ReasonCode.ITEMS_MISSING,
                NOW + timedelta(hours=2), line_outcomes=[("sku-glass", Outcome.RESHIP, 1)])
    d = decided(reopened(d, NOW + timedelta(hours=3)), Outcome.REJECTED, ReasonCode.CONTENTS_CONFIRMED,
                NOW + timedelta(hours=4))

    en, tr = next_step(d, WINDOW, READ_AT)

    assert "the reshipment of Çay bardağı ×2" in en and "Çay bardağı ×2 ürünlerinin yeniden gönderimi" in tr
