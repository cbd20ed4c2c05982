"""The policy's rules on realistic cases: what it recommends, by which rule, and who may carry it out."""

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from disputes.model import Dispute
from disputes.policy import CustomerHistory, PastClaim, PolicySettings, engine, recommend
from disputes.policy.reading import WEIGHTS
from schemas.common import Resolution
from schemas.proof import DeliveryLocation, ProofStatus, RecipientRelation
from schemas.recommendation import PolicyRule, Recommendation
from schemas.recommendation import RecommendedAction as Act
from tests.factories import NOW
from schemas.dispute import Evidence, SubmissionKind
from tests.unit.policy.builders import HIGH_VALUE, OPENED_AT, RECEIVED_AT, SLA, customer_added, dispute, evidence

R = RecipientRelation
DEFAULTS = PolicySettings()
AUTO_REJECT = PolicySettings(auto_reject_enabled=True)
REPEAT_CLAIMER = CustomerHistory(tuple(PastClaim(OPENED_AT - timedelta(days=d), f"ord-{d}/shp-{d}", None) for d in (20, 60)))
LATE = SLA.evidence_due + timedelta(hours=1)


def located(lat: float, lon: float, accuracy: float | None = 10) -> Evidence:
    """The default strong proof (signed by the recipient, named exactly) with the scan at these coordinates."""
    e = evidence()
    return e.model_copy(update={"proof": e.proof.model_copy(update={"location": DeliveryLocation(
        lat=lat, lon=lon, accuracy_m=accuracy)})})


def geocoded_to_zero_zero(d: Dispute) -> Dispute:
    """The case with its order's address at 0, 0: a geocoder's "not found"."""
    d.order = d.order.model_copy(update={"address": d.order.address.model_copy(update={"lat": 0.0, "lon": 0.0})})
    return d


@dataclass(frozen=True)
class Case:
    dispute: Dispute
    action: Act
    rule: PolicyRule
    first: str
    liable: bool = False
    auto: bool = False
    now: datetime = NOW
    settings: PolicySettings = DEFAULTS
    history: CustomerHistory = field(default_factory=CustomerHistory)


CASES = {
    "strong signed proof": Case(dispute(evidence()), Act.REJECT, PolicyRule.STRONG_PROOF, "signature_present"),
    "strong proof, auto rejection allowed": Case(
        dispute(evidence(photo=True)), Act.REJECT, PolicyRule.STRONG_PROOF, "signature_present", auto=True,
        settings=AUTO_REJECT),
    "signature only is below the automatic confidence": Case(
        dispute(evidence()), Act.REJECT, PolicyRule.STRONG_PROOF, "signature_present", settings=AUTO_REJECT),
    "household member named on the order": Case(
        dispute(evidence(relation=R.HOUSEHOLD_MEMBER, received_by="Şükrü Güneş")), Act.REJECT,
        PolicyRule.STRONG_PROOF, "signature_present"),
    "neighbour": Case(
        dispute(evidence(relation=R.NEIGHBOUR, received_by="Mehmet Kaya")), Act.WAIT_FOR_CUSTOMER_CHECK,
        PolicyRule.THIRD_PARTY_CHECK, "receiver_not_on_order"),
    "neighbour, the customer's check window over": Case(
        dispute(evidence(relation=R.NEIGHBOUR, received_by="Mehmet Kaya")), Act.NEEDS_PERSON,
        PolicyRule.THIRD_PARTY_CHECK_OVER, "third_party_check_over", now=RECEIVED_AT + timedelta(hours=24)),
    "the recipient's own name coded as a neighbour": Case(
        dispute(evidence(relation=R.NEIGHBOUR, received_by="Ayşe Yılmaz")), Act.NEEDS_PERSON,
        PolicyRule.INCONCLUSIVE_PROOF, "received_by_neighbour"),
    "a pickup point holding the parcel in the recipient's name": Case(
        dispute(evidence(relation=R.PICKUP_POINT, received_by="Ayşe Yılmaz")), Act.WAIT_FOR_CUSTOMER_CHECK,
        PolicyRule.THIRD_PARTY_CHECK, "receiver_on_order_relation_differs"),
    "doorman": Case(
        dispute(evidence(relation=R.DOORMAN, received_by="Kapıcı Hasan")), Act.WAIT_FOR_CUSTOMER_CHECK,
        PolicyRule.THIRD_PARTY_CHECK, "receiver_not_on_order"),
    "parcel locker 800 m away, no signature or photo": Case(
        dispute(evidence(relation=R.PARCEL_LOCKER, received_by=None, signature=False, metres=800)),
        Act.WAIT_FOR_CUSTOMER_CHECK, PolicyRule.THIRD_PARTY_CHECK, "received_by_parcel_locker"),
    "parcel locker 40 km away, no signature or photo": Case(
        dispute(evidence(relation=R.PARCEL_LOCKER, received_by=None, signature=False, metres=40_000)),
        Act.REFUND, PolicyRule.WEAK_PROOF, "location_far", liable=True, auto=True),
    "pickup point": Case(
        dispute(evidence(relation=R.PICKUP_POINT, received_by=None, metres=700)), Act.WAIT_FOR_CUSTOMER_CHECK,
        PolicyRule.THIRD_PARTY_CHECK, "received_by_pickup_point"),
    "household member not named on the order": Case(
        dispute(evidence(relation=R.HOUSEHOLD_MEMBER, received_by="Mehmet Yılmaz")), Act.WAIT_FOR_CUSTOMER_CHECK,
        PolicyRule.THIRD_PARTY_CHECK, "receiver_not_on_order"),
    "neighbour without signature or photo": Case(
        dispute(evidence(relation=R.NEIGHBOUR, received_by="Mehmet Kaya", signature=False)), Act.REFUND,
        PolicyRule.WEAK_PROOF, "signature_missing", liable=True),
    "no proof by the deadline": Case(
        dispute(proof_missing=True), Act.REFUND, PolicyRule.NO_PROOF_BY_DEADLINE, "carrier_no_proof_by_deadline",
        liable=True, auto=True),
    "deadline passed, not yet recorded": Case(
        dispute(), Act.REFUND, PolicyRule.NO_PROOF_BY_DEADLINE, "carrier_no_proof_by_deadline", liable=True,
        auto=True, now=SLA.evidence_due),
    "carrier still says in transit at the deadline": Case(
        dispute(evidence(status=ProofStatus.IN_TRANSIT), proof_missing=True), Act.REFUND,
        PolicyRule.NO_PROOF_BY_DEADLINE, "carrier_no_proof_by_deadline", liable=True, auto=True),
    "no evidence yet": Case(
        dispute(), Act.NEEDS_PERSON, PolicyRule.AWAITING_CARRIER_EVIDENCE, "awaiting_carrier_evidence"),
    "carrier says in transit, deadline ahead": Case(
        dispute(evidence(status=ProofStatus.IN_TRANSIT)), Act.NEEDS_PERSON, PolicyRule.AWAITING_CARRIER_EVIDENCE,
        "awaiting_carrier_evidence"),
    "far GPS on a signed proof": Case(
        dispute(evidence(metres=1_800)), Act.REFUND, PolicyRule.WEAK_PROOF, "location_far", liable=True),
    "far GPS and nothing else": Case(
        dispute(evidence(metres=1_800, signature=False, received_by=None)), Act.REFUND, PolicyRule.WEAK_PROOF,
        "location_far", liable=True, auto=True),
    "name matches nobody on the order": Case(
        dispute(evidence(received_by="Mehmet Kaya")), Act.REFUND, PolicyRule.WEAK_PROOF, "recipient_name_mismatch",
        liable=True),
    "neither signature nor photo": Case(
        dispute(evidence(signature=False)), Act.REFUND, PolicyRule.WEAK_PROOF, "signature_missing", liable=True),
    "a document instead of a signature": Case(
        dispute(evidence(signature=False, document=True)), Act.NEEDS_PERSON, PolicyRule.INCONCLUSIVE_PROOF,
        "signature_missing"),
    "high value, signed": Case(
        dispute(evidence(photo=True), value_minor=HIGH_VALUE), Act.REJECT, PolicyRule.STRONG_PROOF,
        "signature_present", settings=AUTO_REJECT),
    "high value, photo without signature": Case(
        dispute(evidence(signature=False, photo=True), value_minor=HIGH_VALUE), Act.NEEDS_PERSON,
        PolicyRule.HIGH_VALUE_WITHOUT_SIGNATURE, "high_value_without_signature"),
    "high value, no proof": Case(
        dispute(proof_missing=True, value_minor=HIGH_VALUE), Act.REFUND, PolicyRule.NO_PROOF_BY_DEADLINE,
        "carrier_no_proof_by_deadline", liable=True),
    "repeat claimer with weak proof": Case(
        dispute(evidence(metres=1_800, signature=False, received_by=None)), Act.REFUND, PolicyRule.WEAK_PROOF,
        "location_far", liable=True, history=REPEAT_CLAIMER),
    "reship wanted and possible": Case(
        dispute(proof_missing=True, preference=Resolution.RESHIP), Act.RESHIP, PolicyRule.NO_PROOF_BY_DEADLINE,
        "carrier_no_proof_by_deadline", liable=True, auto=True),
    "reship wanted, not reshippable": Case(
        dispute(proof_missing=True, preference=Resolution.RESHIP, reshippable=False), Act.REFUND,
        PolicyRule.NO_PROOF_BY_DEADLINE, "carrier_no_proof_by_deadline", liable=True, auto=True),
    "left at a safe place with a photo": Case(
        dispute(evidence(relation=R.SAFE_PLACE, received_by=None, signature=False, photo=True)), Act.NEEDS_PERSON,
        PolicyRule.INCONCLUSIVE_PROOF, "received_by_safe_place"),
    "a nearly right surname": Case(
        dispute(evidence(received_by="Ayşe Yılmazer")), Act.NEEDS_PERSON, PolicyRule.INCONCLUSIVE_PROOF,
        "recipient_name_uncertain"),
    "GPS 0, 0 (no fix) on a signed proof with the recipient's name": Case(
        dispute(located(0, 0)), Act.NEEDS_PERSON, PolicyRule.INCONCLUSIVE_PROOF, "location_unusable"),
    "latitude and longitude swapped on a signed proof with the recipient's name": Case(
        dispute(located(29.0576, 40.9819)), Act.NEEDS_PERSON, PolicyRule.INCONCLUSIVE_PROOF, "location_unusable"),
    "a fix with 5 km accuracy, 5 km away": Case(
        dispute(evidence(metres=5_000, accuracy=5_000)), Act.NEEDS_PERSON, PolicyRule.INCONCLUSIVE_PROOF,
        "location_unusable"),
    "signed at the door, the order's address geocoded to 0, 0": Case(
        geocoded_to_zero_zero(dispute(evidence(photo=True))), Act.NEEDS_PERSON, PolicyRule.INCONCLUSIVE_PROOF,
        "location_unknown"),
    "scan 600 m away": Case(
        dispute(evidence(metres=600)), Act.NEEDS_PERSON, PolicyRule.INCONCLUSIVE_PROOF, "location_between"),
    "location in words only": Case(
        dispute(evidence(metres=None, place="Front Door")), Act.NEEDS_PERSON, PolicyRule.INCONCLUSIVE_PROOF,
        "location_words_only"),
    "delivered after the report": Case(
        dispute(evidence(delivered_at=OPENED_AT + timedelta(hours=1))), Act.NEEDS_PERSON,
        PolicyRule.INCONCLUSIVE_PROOF, "delivered_after_report"),
    "returned after the proof of delivery": Case(
        dispute(evidence("ev-1"), evidence("ev-2", status=ProofStatus.RETURNED, received_at=NOW)), Act.NEEDS_PERSON,
        PolicyRule.INCONCLUSIVE_PROOF, "carrier_status_not_delivered"),
    "strong proof after the deadline": Case(
        dispute(evidence(photo=True, received_at=LATE), proof_missing=True), Act.REJECT, PolicyRule.STRONG_PROOF,
        "signature_present", now=LATE, settings=AUTO_REJECT),
    "strong proof on an appealed case": Case(
        dispute(evidence(photo=True), decided_before=True), Act.REJECT, PolicyRule.STRONG_PROOF, "signature_present",
        settings=AUTO_REJECT),
    "strong proof, the customer added images": Case(
        dispute(evidence(photo=True), added=(customer_added(2),)), Act.NEEDS_PERSON, PolicyRule.CUSTOMER_EVIDENCE,
        "customer_evidence_added", settings=AUTO_REJECT),
    "strong proof, appealed with an image": Case(
        dispute(evidence(photo=True), decided_before=True, added=(customer_added(1, kind=SubmissionKind.APPEAL),)),
        Act.NEEDS_PERSON, PolicyRule.CUSTOMER_EVIDENCE, "customer_evidence_added", settings=AUTO_REJECT),
    "no proof by the deadline, the customer added an explanation": Case(
        dispute(proof_missing=True, added=(customer_added(0),)), Act.NEEDS_PERSON, PolicyRule.CUSTOMER_EVIDENCE,
        "customer_evidence_added", liable=True),
    "neighbour, the customer answered with a photo": Case(
        dispute(evidence(relation=R.NEIGHBOUR, received_by="Mehmet Kaya"), added=(customer_added(1),)),
        Act.NEEDS_PERSON, PolicyRule.CUSTOMER_EVIDENCE, "customer_evidence_added"),
    "no evidence yet, the customer added a photo": Case(
        dispute(added=(customer_added(1),)), Act.NEEDS_PERSON, PolicyRule.AWAITING_CARRIER_EVIDENCE,
        "awaiting_carrier_evidence"),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_each_case_gets_the_action_of_its_rule(case: Case) -> None:
    advice = recommend(case.dispute, case.history, case.now, case.settings)
    assert (advice.action, advice.rule) == (case.action, case.rule)
    assert advice.findings[0].code == case.first
    assert (advice.carrier_liable, advice.auto_resolve) == (case.liable, case.auto)


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_every_recommendation_lists_each_finding_once_and_is_stamped_with_now(case: Case) -> None:
    advice = recommend(case.dispute, case.history, case.now, case.settings)
    codes = [f.code for f in advice.findings]
    assert len(codes) == len(set(codes)) and advice.computed_at == case.now


def advise(d: Dispute, history: CustomerHistory = CustomerHistory(), now: datetime = NOW,
           settings: PolicySettings = DEFAULTS) -> Recommendation:
    return recommend(d, history, now, settings)


def test_the_customer_is_told_which_neighbour_took_it_and_when_in_istanbul_time() -> None:
    advice = advise(dispute(evidence(relation=R.NEIGHBOUR, received_by="Mehmet Kaya", place="Daire 5")))
    assert advice.customer_message is not None
    assert "komşunuz Mehmet Kaya tarafından teslim alındığını" in advice.customer_message
    assert "16.11.2026 12:30" in advice.customer_message  # 09:30 UTC
    assert "Teslimat yeri: Daire 5." in advice.customer_message
    assert "19.11.2026 11:30 tarihine kadar bulamazsanız" in advice.customer_message  # 24 h after the proof arrived


def test_the_customer_is_told_which_locker_holds_it() -> None:
    locker = evidence(relation=R.PARCEL_LOCKER, received_by=None, place="Moda Migros kargo dolabı")
    message = advise(dispute(locker)).customer_message
    assert message is not None and "bir kargo dolabına bırakıldığını" in message and "Moda Migros" in message


@pytest.mark.parametrize("relation", [R.UNKNOWN, R.RECIPIENT])
def test_a_company_that_took_a_persons_parcel_is_read_like_its_reception_not_as_a_stranger(
    relation: RecipientRelation,
) -> None:
    """Ayşe Yılmaz's parcel, taken at her workplace: the courier wrote the business (its stamp) as receiver. Couriers'
    RESEPSİYON, SEKRETER, İŞ ARKADAŞI are a hand-over at a workplace (disputes/policy/receivers.py); the business's
    own name is the same hand-over, not "a recipient name that does not match anyone on the order" (DESIGN §2 weak
    proof), so it is advised as the reception's word is, and the customer is told which business has it."""
    reception = advise(dispute(evidence(received_by="RESEPSİYON", relation=relation, photo=True)))
    company = advise(dispute(evidence(received_by="ABC ELEKTRONİK LTD. ŞTİ.", relation=relation, photo=True)))
    assert (company.action, company.rule, company.carrier_liable) == (
        reception.action, reception.rule, reception.carrier_liable
    )
    assert "recipient_name_mismatch" not in [f.code for f in company.findings]
    if relation is R.UNKNOWN:  # the carrier says nothing of who took it: the customer checks at her workplace
        assert company.action is Act.WAIT_FOR_CUSTOMER_CHECK and company.customer_message is not None
        assert "ABC ELEKTRONİK LTD. ŞTİ. tarafından teslim alındığını" in company.customer_message


@pytest.mark.parametrize("masked", ["MEHMET A*** Ş***", "KEMAL A••• Ş•••"])
def test_a_stranger_whose_masked_name_ends_in_a_and_s_is_a_stranger_not_a_workplace(masked: str) -> None:
    """HepsiJET masks a receiver's name ("GAYE Ü***", README): "MEHMET A*** Ş***" is a Mehmet A… Ş… (Mehmet Ali
    Şahin), a person, however like "A.Ş." the masked initials look; he is advised as the same stranger written
    "MEHMET Y***" is (DESIGN §2 weak proof), not as a company's hand-over at a workplace."""
    stranger = advise(dispute(evidence(received_by="MEHMET Y***", relation=R.UNKNOWN, photo=True)))
    advice = advise(dispute(evidence(received_by=masked, relation=R.UNKNOWN, photo=True)))
    assert (advice.action, advice.rule, advice.carrier_liable) == (stranger.action, stranger.rule, True)
    assert "receiver_not_on_order" not in [f.code for f in advice.findings]


def test_only_a_wait_for_the_customers_check_carries_a_message() -> None:
    assert advise(dispute(evidence())).customer_message is None


def test_abuse_signals_block_automation_raise_priority_and_need_a_supervisor() -> None:
    advice = advise(dispute(proof_missing=True), REPEAT_CLAIMER)
    assert advice.action is Act.REFUND and not advice.auto_resolve
    assert advice.needs_supervisor and advice.priority == 2 and advice.abuse_flags == ["repeat_claims"]
    assert [f.code for f in advice.findings[:2]] == ["carrier_no_proof_by_deadline", "repeat_claims"]


def test_a_high_value_order_is_priority_one_and_with_abuse_signals_urgent() -> None:
    assert advise(dispute(evidence(), value_minor=HIGH_VALUE)).priority == 1
    assert advise(dispute(evidence(), value_minor=HIGH_VALUE), REPEAT_CLAIMER).priority == 3
    assert advise(dispute(evidence())).priority == 0


def test_the_high_value_limit_itself_is_not_high_value() -> None:
    assert advise(dispute(proof_missing=True, value_minor=DEFAULTS.high_value_minor)).auto_resolve


def test_a_refund_instead_of_the_wanted_reship_is_explained() -> None:
    advice = advise(dispute(proof_missing=True, preference=Resolution.RESHIP, reshippable=False))
    assert "reship_not_possible" in [f.code for f in advice.findings]


def test_a_proof_after_the_deadline_and_an_earlier_decision_are_findings() -> None:
    late = advise(dispute(evidence(received_at=LATE), proof_missing=True), now=LATE)
    again = advise(dispute(evidence(), decided_before=True))
    assert "proof_after_deadline" in [f.code for f in late.findings]
    assert "decided_before" in [f.code for f in again.findings]


def test_the_latest_proof_of_delivery_is_the_one_read() -> None:
    signed = evidence("ev-1", received_at=NOW - timedelta(hours=3))
    far = evidence("ev-2", metres=1_800, received_at=NOW - timedelta(hours=2))
    advice = advise(dispute(signed, far))
    assert advice.rule is PolicyRule.WEAK_PROOF and advice.findings[0].evidence_keys == ["ev-2"]


def test_confidence_follows_the_documented_weights() -> None:
    assert advise(dispute(proof_missing=True)).confidence == 0.95
    assert advise(dispute(evidence())).confidence == 0.75  # signature, near, name, time
    assert advise(dispute(evidence(photo=True, document=True))).confidence == 0.95  # everything: capped
    assert advise(dispute(evidence(metres=1_800))).confidence == 0.5  # 1 - (signature, name, time)
    assert advise(dispute(evidence(metres=1_800, document=True))).confidence == 0.45  # 1 - 0.55, to two decimals
    assert advise(dispute()).confidence == 0.5  # waiting decides nothing


def test_the_policy_states_every_weight_of_the_proofs_strength_as_it_counts_it() -> None:
    stated = re.search(r"the findings supporting delivery:(.+?)A rejection's", engine.__doc__ or "", re.DOTALL)
    assert stated is not None
    assert sorted(map(float, re.findall(r"\b0\.\d+", stated[1]))) == sorted(WEIGHTS.values())


def test_a_delivery_before_the_order_was_placed_is_no_strong_proof_but_a_persons_question() -> None:
    ten_days_ago = NOW - timedelta(days=10)  # the order was placed five days before NOW
    signed = dispute(evidence(photo=True, delivered_at=ten_days_ago))
    tracked_so = signed.model_copy(update={"order": signed.order.model_copy(update={"delivered_at": ten_days_ago})})

    advice = recommend(tracked_so, CustomerHistory(), NOW, AUTO_REJECT)

    assert (advice.action, advice.rule, advice.auto_resolve) == (Act.NEEDS_PERSON, PolicyRule.INCONCLUSIVE_PROOF, False)
    assert advice.findings[0].code == "delivered_before_order"


def test_personal_data_stays_out_of_the_recommendations_repr() -> None:
    advice = advise(dispute(evidence(relation=R.NEIGHBOUR, received_by="Mehmet Kaya", place="Bağdat Cad. 12")))
    shown = repr(advice) + str(advice) + repr(advice.findings[0])
    assert "Mehmet" not in shown and "Bağdat" not in shown and "komşunuz" not in shown
    assert "wait_for_customer_check" in shown


@pytest.mark.parametrize(
    "overrides",
    [
        {"name_match_threshold": 50, "name_mismatch_threshold": 60},
        {"near_radius_m": 2_000},
        {"gps_accuracy_cap_m": -1},
        {"repeat_claims_threshold": 0},
        {"auto_resolve_confidence": 1.5},
    ],
)
def test_inconsistent_settings_are_refused(overrides: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        PolicySettings(**overrides)


def test_a_weak_proof_after_the_deadline_still_resolves_for_the_customer_automatically() -> None:
    late_and_weak = evidence(metres=1_800, signature=False, received_by=None, received_at=LATE)
    advice = advise(dispute(late_and_weak, proof_missing=True), now=LATE)
    assert advice.action is Act.REFUND and advice.auto_resolve


def test_what_the_customer_added_is_counted_in_the_finding_in_both_languages() -> None:
    advice = advise(dispute(evidence(photo=True), added=(customer_added(2), customer_added(1))), settings=AUTO_REJECT)
    added = advice.findings[0]
    assert added.facts == {"submissions": 2, "images": 3}
    assert "3 image(s)" in added.text and "3 görsel" in added.text_tr and "signature_present" in [
        f.code for f in advice.findings]


def test_what_the_customer_added_before_the_last_decision_is_not_new() -> None:
    earlier = customer_added(1, at=OPENED_AT - timedelta(minutes=1))  # the decision was taken at OPENED_AT
    advice = advise(dispute(evidence(photo=True), decided_before=True, added=(earlier,)), settings=AUTO_REJECT)
    assert (advice.action, advice.rule) == (Act.REJECT, PolicyRule.STRONG_PROOF)
    assert "customer_evidence_added" not in [f.code for f in advice.findings]


def test_waiting_for_the_carrier_with_the_customers_evidence_names_both() -> None:
    advice = advise(dispute(added=(customer_added(1),)))
    assert [f.code for f in advice.findings[:2]] == ["awaiting_carrier_evidence", "customer_evidence_added"]


def test_an_order_in_another_currency_is_weighed_by_a_person_whatever_its_amount() -> None:
    """The threshold is in kuruş: 9,000.00 USD (900,000 cents, under 1,000,000) was refunded automatically."""
    usd = dispute(proof_missing=True)
    usd.order = usd.order.model_copy(update={"currency": "USD", "value_minor": 900_000})
    advice = advise(usd)
    assert not advice.auto_resolve and advice.priority == 1
    [high] = [f for f in advice.findings if f.code == "high_value_order"]
    assert "Order in USD, not in lira" in high.text
    assert usd.is_high_value(DEFAULTS.high_value_minor) and not dispute().is_high_value(DEFAULTS.high_value_minor)


def test_the_evidence_deadline_waited_for_is_told_as_the_day_it_ends_in_istanbul() -> None:
    # Opened Wed 18.11.2026: the carrier's proof is due by the end of Fri 20.11 (2026-11-20T21:00Z).
    advice = recommend(dispute(), CustomerHistory(), NOW, DEFAULTS)

    [waiting] = [f for f in advice.findings if f.code == "awaiting_carrier_evidence"]
    assert waiting.text == "Waiting for the carrier's evidence (due 20.11.2026)"
    assert waiting.text_tr == "Kargo firmasının kanıtı bekleniyor (son: 20.11.2026)"


def test_an_evidence_deadline_on_a_half_day_eve_is_told_with_its_13_00() -> None:
    # 26.05.2026 is Kurban Bayramı's arife: business time ends at 13:00 (10:00 UTC)
    arife = dispute()
    arife.sla = arife.sla.model_copy(update={"evidence_due": datetime(2026, 5, 26, 10, 0, tzinfo=UTC)})
    advice = recommend(arife, CustomerHistory(), datetime(2026, 5, 25, 9, 0, tzinfo=UTC), DEFAULTS)

    [waiting] = [f for f in advice.findings if f.code == "awaiting_carrier_evidence"]
    assert waiting.text == "Waiting for the carrier's evidence (due 13:00 on 26.05.2026)"
    assert waiting.text_tr == "Kargo firmasının kanıtı bekleniyor (son: 26.05.2026 13:00)"


def test_a_confidence_exactly_at_the_threshold_resolves_automatically() -> None:
    # No signature, photo, location or delivery time; only the recipient's name matches (weight 0.20): a weak proof
    # whose refund is 1 - 0.20 = 0.80 sure, exactly the threshold.
    bare = evidence(signature=False, metres=None, delivered_at=None, events=[])
    advice = advise(dispute(bare), settings=PolicySettings(auto_resolve_confidence=0.8))
    assert (advice.action, advice.rule, advice.confidence, advice.auto_resolve) == (
        Act.REFUND, PolicyRule.WEAK_PROOF, 0.8, True)


def test_a_proof_received_exactly_at_the_evidence_deadline_is_in_time() -> None:
    on_time = advise(dispute(evidence(photo=True, received_at=SLA.evidence_due)), now=SLA.evidence_due,
                     settings=AUTO_REJECT)
    assert "proof_after_deadline" not in [f.code for f in on_time.findings]
    assert (on_time.action, on_time.auto_resolve) == (Act.REJECT, True)
