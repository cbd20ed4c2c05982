"""What the console's case page shows of a carrier's stored proof (pictures inline, documents as links), and the decision
form it fills in."""

from datetime import UTC, datetime, timedelta

from adapters.web.console.case import CaseForm, case_context, offered, prefilled, proofs, the_map
from disputes.rules import Rules
from disputes.sla import business_calendar
from disputes.actors import SYSTEM
from disputes.model import Dispute
from disputes.policy import CustomerHistory, PolicySettings, recommend
from schemas.common import Outcome
from schemas.digital import DigitalState
from schemas.dispute import ReasonCode
from schemas.proof import Attachment, AttachmentKind, DeliveryLocation
from schemas.recommendation import PolicyRule
from tests.factories import AGENT, CUSTOMER, INVESTIGATOR, NOW, OTHER_INVESTIGATOR, SUPERVISOR
from tests.unit.policy.builders import DELIVERED_AT, RECEIVED_AT, dispute, evidence
from tests.unit.test_digital_lines import DEFAULTS, case, refunds
from tests.unit.test_next_step_table import case as claim, decided


def test_a_stored_signature_is_shown_inline_and_a_pdf_proof_letter_is_linked_not_drawn_as_an_image():
    stored = evidence().model_copy(update={"proof": evidence().proof.model_copy(update={
        "signature": Attachment(kind=AttachmentKind.SIGNATURE, ref="sig1", media_type="image/png"),
        "document": Attachment(kind=AttachmentKind.DOCUMENT, ref="doc1", media_type="application/pdf"),
    })})

    [shown] = proofs(dispute(stored))

    assert [(i.kind, i.src, i.picture) for i in shown.images] == [
        ("signature", "/console/disputes/dsp_policy/attachments/sig1", True),
        ("document", "/console/disputes/dsp_policy/attachments/doc1", False),
    ]


def test_the_map_draws_the_delivery_scan_against_the_address_at_the_distance_between_them():
    case = dispute(evidence(photo=True, metres=20))  # the scan 20 m due north of the door

    drawn = the_map(case)

    assert drawn is not None and round(drawn.distance_m) == 20


def test_the_map_draws_the_scan_of_the_carrier_s_latest_statement_though_an_older_one_arrived_after_it():
    # The carrier's corrected statement (delivered later, 20 m from the door) arrives first; a pull then brings the
    # older scan, 1,800 m away. The findings read the latest statement by the carrier's own time: so does the map.
    newer = evidence("ev-new", metres=20, delivered_at=DELIVERED_AT + timedelta(hours=2), received_at=RECEIVED_AT)
    older = evidence("ev-old", metres=1800, delivered_at=DELIVERED_AT, received_at=RECEIVED_AT + timedelta(minutes=5))
    case = dispute(newer, older)
    [distance] = [f.text for f in recommend(case, CustomerHistory(), NOW, PolicySettings()).findings
                  if f.code.startswith("location")]
    assert "20 m" in distance

    drawn = the_map(case)

    assert drawn is not None and round(drawn.distance_m) == 20


def test_no_older_scan_is_drawn_when_the_carrier_s_latest_statement_places_nothing():
    older = evidence("ev-old", metres=1800, delivered_at=DELIVERED_AT, received_at=RECEIVED_AT)
    newer = evidence("ev-new", metres=None, delivered_at=DELIVERED_AT + timedelta(hours=2),
                     received_at=RECEIVED_AT + timedelta(minutes=5))

    assert the_map(dispute(older, newer)) is None


def test_the_map_is_not_drawn_from_an_order_address_at_zero_zero():
    """An address geocoded to 0, 0 (the Gulf of Guinea: a geocoder's "not found") has no coordinates to compare the
    scan with, as the recommendation says of it (disputes/policy/geo.py): no map thousands of km long."""
    case = dispute(evidence(photo=True))
    case.order = case.order.model_copy(update={"address": case.order.address.model_copy(update={"lat": 0.0, "lon": 0.0})})

    assert the_map(case) is None


def test_the_map_is_not_drawn_to_a_delivery_scan_at_zero_zero():
    """0, 0 is what a device reports with no GPS fix (the finding calls it no usable location): nothing to draw."""
    no_fix = evidence(photo=True).proof.model_copy(update={"location": DeliveryLocation(lat=0.0, lon=0.0, accuracy_m=10)})
    case = dispute(evidence(photo=True).model_copy(update={"proof": no_fix}))

    assert the_map(case) is None


def test_a_tiff_signature_no_browser_draws_is_linked_rather_than_shown_broken():
    stored = evidence().model_copy(update={"proof": evidence().proof.model_copy(update={
        "signature": Attachment(kind=AttachmentKind.SIGNATURE, ref="sig1", media_type="image/tiff"),
    })})

    [shown] = proofs(dispute(stored))

    assert [(i.kind, i.picture) for i in shown.images] == [("signature", False)]


def appealed_digital_case(decide: Outcome, settings: PolicySettings = DEFAULTS) -> Dispute:
    """A game code activated and a gift card never sent, decided `decide` by a person (a refund pays the gift card
    alone), then appealed and assessed again on the appeal with `settings`."""
    d = case(DigitalState.ACTIVATED, DigitalState.NOT_SENT)
    reason = ReasonCode.DIGITAL_NOT_DELIVERED if decide is Outcome.REFUND else ReasonCode.DIGITAL_DELIVERED
    d.decide(INVESTIGATOR, decide, reason, "Karar.", None, NOW)
    later = NOW + timedelta(hours=1)
    d.file_appeal(CUSTOMER, "Oyun kodunu ben etkinleştirmedim.", later, NOW + timedelta(days=14))
    d.record_assessment(SYSTEM, recommend(d, CustomerHistory(), later, settings), later, timedelta(hours=72))
    return d


def submitted(d: Dispute, form: CaseForm) -> None:
    d.decide(SUPERVISOR, Outcome(form.outcome), ReasonCode(form.reason_code), "Formdan.", None, NOW,
             line_outcomes=[(sku, Outcome(outcome), int(units)) for sku, (outcome, units) in form.lines.items()])


def test_the_form_on_a_digital_appeal_after_the_line_never_sent_was_paid_leaves_the_rest_to_the_person() -> None:
    d = appealed_digital_case(Outcome.REFUND)

    form = prefilled(d)

    assert (form.outcome, form.reason_code, form.lines) == ("", "", {"GAME": ("", "1")})


def test_the_decision_form_on_a_digital_appeal_of_a_whole_rejection_offers_the_refund_of_the_line_never_sent() -> None:
    d = appealed_digital_case(Outcome.REJECTED, PolicySettings(auto_reject_enabled=True))
    assert d.recommendation is not None and d.recommendation.rule is PolicyRule.CUSTOMER_EVIDENCE  # no reason of its own

    form = prefilled(d)
    submitted(d, form)

    assert (form.outcome, form.reason_code) == ("refund", "digital_not_delivered")
    assert form.lines == {"GAME": ("rejected", "1"), "GC": ("refund", "1")}
    assert refunds(d) == [("dsp_policy:d2:refund:GC", 5_000, "GC")]


def test_the_form_offers_only_the_rejection_reasons_that_fit_the_kind_of_claim() -> None:
    offered = {
        "parcel": case_context(dispute(evidence()))["reasons"],
        "digital": case_context(appealed_digital_case(Outcome.REFUND))["reasons"],
    }

    rejections = {ReasonCode.PROOF_OF_DELIVERY, ReasonCode.THIRD_PARTY_CONFIRMED, ReasonCode.SUSPECTED_ABUSE,
                  ReasonCode.DIGITAL_DELIVERED, ReasonCode.CONTENTS_CONFIRMED}
    assert rejections.intersection(offered["parcel"]) == {
        ReasonCode.PROOF_OF_DELIVERY, ReasonCode.THIRD_PARTY_CONFIRMED, ReasonCode.SUSPECTED_ABUSE}
    assert rejections.intersection(offered["digital"]) == {ReasonCode.DIGITAL_DELIVERED, ReasonCode.SUSPECTED_ABUSE}
    assert ReasonCode.DIGITAL_NOT_DELIVERED in offered["digital"]  # what a refund gives is offered as before


def test_the_forms_offered_are_tried_on_a_copy_and_leave_the_case_as_it_was():
    case = dispute(evidence(photo=True, metres=20))
    before = case.model_dump_json()

    for actor in (INVESTIGATOR, SUPERVISOR):
        assert {"take", "questions", "decision"} <= offered(case, actor, Rules(), NOW)

    assert case.model_dump_json() == before


def test_asking_the_carrier_again_is_not_offered_on_a_case_whose_carrier_offers_no_pull():
    case = dispute(evidence(photo=True, metres=20))

    assert "evidence-requests" in offered(case, INVESTIGATOR, Rules(), NOW)
    assert "evidence-requests" not in offered(case, INVESTIGATOR, Rules(), NOW, frozenset({case.order.carrier}))


def test_a_held_case_offers_its_holder_the_release_and_another_investigator_no_decision():
    case = dispute(evidence(photo=True, metres=20))
    case.assign(INVESTIGATOR, INVESTIGATOR.id, NOW)

    mine = offered(case, INVESTIGATOR, Rules(), NOW)
    assert {"release", "decision"} <= mine and not {"take", "assign"} & mine  # taking it again would change nothing
    assert not {"release", "decision"} & offered(case, OTHER_INVESTIGATOR, Rules(), NOW)  # 403 and 409 from the service
    assert {"release", "decision", "assign"} <= offered(case, SUPERVISOR, Rules(), NOW)


def test_a_supervisor_holding_a_case_is_offered_to_assign_it_to_someone_else_not_to_take_it():
    case = dispute(evidence(photo=True, metres=20))
    case.assign(SUPERVISOR, SUPERVISOR.id, NOW)

    shown = offered(case, SUPERVISOR, Rules(), NOW)

    assert "assign" in shown and "take" not in shown


def test_a_case_waiting_for_a_supervisor_offers_one_the_flags_clearing_and_no_investigator_the_decision():
    case = dispute(evidence(photo=True, metres=20))
    case.needs_supervisor = True
    case.abuse_flags = ["claim_soon_after_delivery"]  # what sends a case to a supervisor before its deadline

    assert "decision" not in offered(case, INVESTIGATOR, Rules(), NOW)  # the service answers 403
    assert {"flags/clear", "decision"} <= offered(case, SUPERVISOR, Rules(), NOW)


def test_a_form_whose_deadline_falls_past_the_years_counted_is_not_offered():
    # A test clock may stand in the last days of the last year counted: asking the customer then would give them a
    # date to answer by in a year the calendar does not count.
    at_the_end = datetime(2032, 12, 30, 12, tzinfo=UTC)

    shown = offered(dispute(evidence(photo=True, metres=20)), INVESTIGATOR, Rules(), at_the_end)

    assert "questions" not in shown and {"take", "notes", "decision"} <= shown


def test_a_proof_the_carrier_keeps_at_an_https_address_is_linked_and_one_at_a_plain_http_address_is_not():
    linked = evidence().model_copy(update={"proof": evidence().proof.model_copy(update={
        "signature": Attachment(kind=AttachmentKind.SIGNATURE, url="https://mydhl.express.dhl/epod/1234567890.pdf"),
        "photo": Attachment(kind=AttachmentKind.PHOTO, url="http://carrier.example/photo/1.jpg"),
    })})

    [shown] = proofs(dispute(linked))

    assert [(i.kind, i.src, i.link) for i in shown.images] == [
        ("signature", None, "https://mydhl.express.dhl/epod/1234567890.pdf"), ("photo", None, None),
    ]
    assert case_context(dispute(linked))["carrier_links"] == {
        "ev-1 proof.signature": "https://mydhl.express.dhl/epod/1234567890.pdf"}


def test_a_case_waiting_for_a_supervisor_is_offered_to_a_supervisor_to_take_and_to_no_investigator():
    case = dispute(evidence(photo=True, metres=20))
    case.needs_supervisor = True  # handed over at its deadline, say

    assert "take" not in offered(case, INVESTIGATOR, Rules(), NOW)  # the service answers 403 awaits-supervisor
    assert "take" in offered(case, SUPERVISOR, Rules(), NOW)


def test_a_case_handed_to_a_supervisor_does_not_offer_the_investigator_still_holding_it_to_start_its_review():
    case = dispute(evidence(photo=True, metres=20))
    case.assign(INVESTIGATOR, INVESTIGATOR.id, NOW)
    case.decide(SUPERVISOR, Outcome.REJECTED, ReasonCode.PROOF_OF_DELIVERY, "İmzalı teslim.", None, NOW)
    case.file_appeal(CUSTOMER, "İmza benim değil.", NOW, NOW + timedelta(days=14))
    assert (case.needs_supervisor, case.assignee) == (True, INVESTIGATOR.id)  # held since before the appeal

    assert "take" not in offered(case, INVESTIGATOR, Rules(), NOW)  # taking it would start its review: 403
    assert "take" in offered(case, SUPERVISOR, Rules(), NOW)


def test_the_decision_form_of_a_refunded_case_reopened_offers_only_a_rejection() -> None:
    """Refunded, then reopened by a supervisor: a second refund or a reshipment is refused (409 compensation-issued,
    nothing paid twice), so the form offers neither, only the rejection the review may still decide."""
    case = decided(claim("delivered"), Outcome.REFUND, ReasonCode.WEAK_PROOF)
    case.reopen(SUPERVISOR, "Kurye kaydı yeniden incelenecek.", NOW + timedelta(days=2))

    assert "decision" in offered(case, SUPERVISOR, Rules(), NOW + timedelta(days=2))
    assert case_context(case)["outcomes"] == (Outcome.REJECTED,)
    assert case_context(dispute(evidence(photo=True, metres=20)))["outcomes"] == tuple(Outcome)


def test_taking_the_customer_s_information_off_is_offered_a_supervisor_for_each_piece_not_yet_taken_off():
    case, rules = dispute(evidence(photo=True, metres=20)), Rules()
    for statement in ("Kapıcı almamış.", "Başka bir müşterinin adresi."):
        case.add_information(AGENT, statement, [], NOW, rules.escalate_before_deadline, business_calendar(rules))
    assert {"customer-evidence/remove:0", "customer-evidence/remove:1"} <= offered(case, SUPERVISOR, rules, NOW)
    assert not any(name.startswith("customer-evidence/remove") for name in offered(case, INVESTIGATOR, rules, NOW))

    case.remove_submission(SUPERVISOR, 1, "Yanlış başvuru.", NOW, rules.escalate_before_deadline,
                           business_calendar(rules), NOW)

    shown = offered(case, SUPERVISOR, rules, NOW)
    assert "customer-evidence/remove:0" in shown and "customer-evidence/remove:1" not in shown


def test_a_withdrawn_case_offers_a_supervisor_its_reopening_to_restore_it():
    case = claim("delivered")
    case.withdraw(AGENT, "Yanlış müşterinin başvurusu.", NOW)
    assert "reopen" in offered(case, SUPERVISOR, Rules(), NOW + timedelta(hours=1))
    assert "reopen" not in offered(case, INVESTIGATOR, Rules(), NOW + timedelta(hours=1))
