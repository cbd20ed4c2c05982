"""Who may decide a case, what a rejection of a high-value order needs, and the audit trail of every decision."""

from datetime import datetime, timedelta

import pytest

from adapters.web.problems import problem_types
from disputes.actors import SYSTEM
from disputes.errors import AwaitsSupervisor, Forbidden, OverrideReasonRequired, SignatureRequired
from disputes.model import Dispute
from disputes.policy import CustomerHistory, PastClaim, PolicySettings, recommend
from schemas.common import Outcome, Role
from schemas.dispute import Claim, MissingItem, ReasonCode, Status
from schemas.orders import DigitalKind, OrderItem
from schemas.recommendation import PolicyRule
from tests.factories import CUSTOMER, INVESTIGATOR, KETTLE, NOW, OTHER_INVESTIGATOR, SUPERVISOR
from tests.unit.policy.builders import HIGH_VALUE, OPENED_AT, dispute, evidence

REPEAT_CLAIMER = CustomerHistory(tuple(PastClaim(OPENED_AT - timedelta(days=d), f"ord-{d}/shp-{d}", None) for d in (20, 60)))
UNSIGNED = evidence(signature=False, photo=True)
DEFAULTS = PolicySettings()


def assessed(d: Dispute, history: CustomerHistory = CustomerHistory(), settings: PolicySettings = DEFAULTS) -> Dispute:
    d.record_assessment(SYSTEM, recommend(d, history, NOW, settings), NOW, timedelta(hours=72))
    return d


def reject(d: Dispute, actor=INVESTIGATOR, override_reason: str | None = None, high_value_minor: int | None = None,
           reason: ReasonCode = ReasonCode.PROOF_OF_DELIVERY) -> None:
    """As the service rejects: holding the policy's threshold of a high-value order (its default unless given)."""
    d.decide(actor, Outcome.REJECTED, reason, "İmzalı teslim.", None, NOW, override_reason,
             high_value_minor=high_value_minor or DEFAULTS.high_value_minor)


def refund(d: Dispute, actor=INVESTIGATOR, note: str = "Kargo kanıt sunamadı.", override_reason: str | None = None) -> None:
    d.decide(actor, Outcome.REFUND, ReasonCode.WEAK_PROOF, note, None, NOW, override_reason)


def appeal(d: Dispute, at: datetime = NOW + timedelta(hours=1)) -> Dispute:
    d.file_appeal(CUSTOMER, "İmza benim değil; o gün evde değildim.", at, at + timedelta(days=14))
    return d


def rejected_by_a_supervisor() -> Dispute:
    """A high-value order without a signature in its proof, rejected by a supervisor who said why (README)."""
    d = assessed(dispute(UNSIGNED, value_minor=HIGH_VALUE))
    reject(d, SUPERVISOR, override_reason="Kamera kaydı teslimi gösteriyor.")
    return d


def decided_entries(d: Dispute) -> list[dict[str, object]]:
    return [entry.details for entry in d.timeline if entry.action == "decided"]


def test_a_case_flagged_for_abuse_is_decided_by_a_supervisor_not_an_investigator() -> None:
    flagged = assessed(dispute(evidence()), REPEAT_CLAIMER)
    assert flagged.abuse_flags == ["repeat_claims"] and flagged.needs_supervisor
    with pytest.raises(Forbidden, match="supervisor's decision \\(abuse signals: repeat_claims\\)"):
        reject(flagged)
    flagged.deadline_reached(SYSTEM, NOW)  # handed to a supervisor at the deadline: still not an investigator's
    assert flagged.timeline[-1].details == {"rule": "supervisor"}
    with pytest.raises(Forbidden):
        refund(flagged, override_reason="Müşteri haklı.")
    assert flagged.status is Status.UNDER_REVIEW and flagged.decision is None
    reject(flagged, SUPERVISOR)
    assert flagged.status is Status.RESOLVED and flagged.decision.decided_by_role is Role.SUPERVISOR


def test_once_a_supervisor_clears_the_flags_an_investigator_decides_again() -> None:
    flagged = assessed(dispute(evidence()), REPEAT_CLAIMER)
    flagged.clear_flags(SUPERVISOR, "Taşınma nedeniyle tekrarlanan talepler.", NOW, timedelta(hours=4))
    reject(flagged)
    assert flagged.status is Status.RESOLVED and flagged.decision.decided_by == INVESTIGATOR.id


def test_advice_to_resolve_automatically_does_not_resolve_a_case_that_holds_abuse_flags() -> None:
    flagged = assessed(dispute(evidence(metres=1_800, signature=False, received_by=None)), REPEAT_CLAIMER)
    assert flagged.abuse_flags == ["repeat_claims"] and flagged.decision is None

    assessed(flagged)  # advice without the signals (an empty history), which alone would refund automatically

    assert flagged.recommendation.auto_resolve and flagged.recommendation.abuse_flags == []
    assert flagged.status is Status.UNDER_REVIEW and flagged.decision is None and flagged.needs_supervisor


def test_rejecting_a_high_value_order_without_a_signature_is_refused_to_an_investigator() -> None:
    case = assessed(dispute(UNSIGNED, value_minor=HIGH_VALUE))
    assert case.recommendation.rule is PolicyRule.HIGH_VALUE_WITHOUT_SIGNATURE
    with pytest.raises(SignatureRequired, match="needs a signature"):
        reject(case)
    assert case.decision is None
    assert {kind.code: kind.status for kind in problem_types()}["signature-required"] == 422
    refund(case)  # deciding for the customer needs no signature
    assert case.decision.outcome is Outcome.REFUND


def test_the_high_value_threshold_is_the_policy_s_configured_one() -> None:
    with pytest.raises(SignatureRequired):
        reject(dispute(UNSIGNED), high_value_minor=100_000)
    ordinary = assessed(dispute(UNSIGNED))  # 1 299 TRY: under the default threshold
    reject(ordinary)
    assert ordinary.decision.outcome is Outcome.REJECTED


@pytest.mark.parametrize("claim", ["digital", "missing_items"])
def test_a_high_value_claim_no_signature_speaks_to_can_be_rejected_by_an_investigator(claim: str) -> None:
    case = dispute(UNSIGNED, value_minor=HIGH_VALUE)
    if claim == "digital":
        code = OrderItem(sku="sku-code", name="Oyun kodu", quantity=1, unit_price_minor=HIGH_VALUE,
                         digital=DigitalKind.GAME_CODE)
        case.order = case.order.model_copy(update={"items": [code], "reshippable": False})
    else:
        case.claim, case.missing_items = Claim.MISSING_ITEMS, [MissingItem(sku="sku-kettle", quantity=1)]
        case.order = case.order.model_copy(update={"items": [KETTLE.model_copy(update={"unit_price_minor": HIGH_VALUE})]})
    assert "high_value_order" in {finding.code for finding in assessed(case).recommendation.findings}
    fits = ReasonCode.DIGITAL_DELIVERED if claim == "digital" else ReasonCode.CONTENTS_CONFIRMED
    reject(case, override_reason="Teslim kaydı var.", reason=fits)
    assert case.decision.outcome is Outcome.REJECTED


def test_a_signed_high_value_order_can_be_rejected_by_an_investigator() -> None:
    case = assessed(dispute(evidence(), value_minor=HIGH_VALUE))
    reject(case)
    assert case.decision.outcome is Outcome.REJECTED and not case.decision.overridden


def test_a_supervisor_rejects_an_unsigned_high_value_order_only_with_an_override_reason() -> None:
    case = assessed(dispute(UNSIGNED, value_minor=HIGH_VALUE))
    with pytest.raises(OverrideReasonRequired, match="without a signature"):
        reject(case, SUPERVISOR)
    reject(case, SUPERVISOR, override_reason="Kamera kaydı teslimi gösteriyor.")
    decision = case.decision
    assert (decision.overridden, decision.override_reason) == (True, "Kamera kaydı teslimi gösteriyor.")


def test_an_override_reason_given_is_kept_when_the_policy_left_the_decision_to_a_person() -> None:
    case = assessed(dispute(UNSIGNED, value_minor=HIGH_VALUE))  # the policy recommends a person decides
    refund(case, SUPERVISOR, override_reason="Müşteri kapıcıyla konuştu.")
    assert case.decision.override_reason == "Müşteri kapıcıyla konuştu." and not case.decision.overridden


def test_every_decision_is_kept_in_full_on_the_timeline_when_a_later_one_replaces_it() -> None:
    case = assessed(dispute(UNSIGNED, value_minor=HIGH_VALUE))
    refund(case, note="Kargo imza alamadı.")
    case.reopen(SUPERVISOR, "Kamera kaydı geldi.", NOW + timedelta(hours=1))
    later = NOW + timedelta(hours=2)
    case.decide(SUPERVISOR, Outcome.REJECTED, ReasonCode.SUSPECTED_ABUSE, "Kayıtta teslim görülüyor.", None, later,
                "Kamera kaydı teslimi gösteriyor.", high_value_minor=DEFAULTS.high_value_minor)  # unsigned: overridden
    assert case.decision.note == "Kayıtta teslim görülüyor."
    assert decided_entries(case) == [
        {"outcome": "refund", "reason_code": "weak_proof", "note": "Kargo imza alamadı.",
         "refund_to": "original_payment", "decided_by": "inv-ayse", "decided_by_role": "investigator",
         "decided_at": "2026-11-18T09:30:00.000Z", "sequence": 1, "recommended": "needs_person", "lines": [],
         "overridden": False, "decision_due": "2026-11-23T21:00:00.000Z",  # opened Wednesday: due as Monday ends
         "appeal_ends": "2026-12-02T09:30:00.000Z"},
        {"outcome": "rejected", "reason_code": "suspected_abuse", "note": "Kayıtta teslim görülüyor.",
         "decided_by": "sup-zeynep", "decided_by_role": "supervisor", "decided_at": "2026-11-18T11:30:00.000Z",
         "sequence": 2, "recommended": "needs_person", "lines": [], "overridden": True,
         "override_reason": "Kamera kaydı teslimi gösteriyor.", "decision_due": "2026-11-23T21:00:00.000Z",
         "appeal_ends": "2026-12-02T11:30:00.000Z"},
    ]


def test_a_threshold_given_is_held_to_before_the_policy_has_assessed_the_case() -> None:
    unassessed = dispute(UNSIGNED, value_minor=HIGH_VALUE)  # the seconds after opening: no advice yet
    assert unassessed.recommendation is None
    with pytest.raises(SignatureRequired):
        unassessed.decide(INVESTIGATOR, Outcome.REJECTED, ReasonCode.PROOF_OF_DELIVERY, "İmzalı teslim.", None, NOW,
                          high_value_minor=DEFAULTS.high_value_minor)
    below = dispute(UNSIGNED)  # 1 299 TRY: under it
    below.decide(INVESTIGATOR, Outcome.REJECTED, ReasonCode.PROOF_OF_DELIVERY, "İmzalı teslim.", None, NOW,
                 high_value_minor=DEFAULTS.high_value_minor)
    assert below.decision is not None and below.decision.outcome is Outcome.REJECTED


def test_the_appeal_of_a_supervisor_s_rejection_is_in_the_supervisors_queue_and_no_investigator_grants_it() -> None:
    d = appeal(rejected_by_a_supervisor())
    assert d.needs_supervisor  # GET /v1/disputes?needs_supervisor=true lists it
    d.assign(SUPERVISOR, OTHER_INVESTIGATOR.id, NOW + timedelta(hours=2))

    with pytest.raises(Forbidden) as refused:
        refund(d, OTHER_INVESTIGATOR, override_reason="İtiraz ikna edici.")
    assert str(refused.value) == "This case needs a supervisor's decision; a supervisor decides it."
    assert not d.decidable_by(OTHER_INVESTIGATOR) and d.decidable_by(SUPERVISOR)
    refund(d, SUPERVISOR, override_reason="İtiraz ikna edici.")
    assert d.decision.outcome is Outcome.REFUND and d.decision.decided_by == SUPERVISOR.id


def test_at_its_deadline_the_appeal_of_a_supervisor_s_rejection_is_handed_to_a_supervisor_not_granted() -> None:
    d = appeal(rejected_by_a_supervisor())
    d.assign(SUPERVISOR, OTHER_INVESTIGATOR.id, NOW + timedelta(hours=2))

    d.deadline_reached(SYSTEM, d.sla.decision_due)

    assert d.decision.sequence == 1 and d.decision.outcome is Outcome.REJECTED
    assert d.needs_supervisor and d.priority == 3
    assert (d.timeline[-1].action, d.timeline[-1].details) == ("sla_deadline_reached", {"rule": "supervisor"})


def test_an_appeal_of_an_investigator_s_rejection_goes_to_a_supervisor_once_a_colleague_holds_it() -> None:
    """Its decider may grant it (README: a decided case keeps its assignee, who then has its appeal); a colleague who
    takes it over may not, so a supervisor's queue shows it."""
    d = dispute(evidence())
    d.assign(INVESTIGATOR, INVESTIGATOR.id, NOW)
    reject(d)
    appeal(d)
    assert not d.needs_supervisor and d.decidable_by(INVESTIGATOR)

    d.release(INVESTIGATOR, NOW + timedelta(hours=2))
    d.assign(SUPERVISOR, OTHER_INVESTIGATOR.id, NOW + timedelta(hours=3))

    assert d.needs_supervisor and d.timeline[-1].details["needs_supervisor"] is True
    with pytest.raises(Forbidden):
        refund(d, OTHER_INVESTIGATOR, override_reason="İtiraz ikna edici.")
    d.deadline_reached(SYSTEM, d.sla.decision_due)
    assert d.decision.outcome is Outcome.REJECTED and d.timeline[-1].action == "sla_deadline_reached"


def test_the_investigator_who_held_a_case_before_its_appeal_went_to_a_supervisor_cannot_start_its_review() -> None:
    d = assessed(dispute(UNSIGNED, value_minor=HIGH_VALUE))
    d.assign(INVESTIGATOR, INVESTIGATOR.id, NOW)
    reject(d, SUPERVISOR, override_reason="Kamera kaydı teslimi gösteriyor.")
    appeal(d)
    assert (d.status, d.needs_supervisor, d.assignee) == (Status.APPEALED, True, INVESTIGATOR.id)
    version = d.version

    with pytest.raises(AwaitsSupervisor):
        d.assign(INVESTIGATOR, INVESTIGATOR.id, NOW + timedelta(hours=2))

    assert (d.status, d.version) == (Status.APPEALED, version)
    assert d.assign(SUPERVISOR, SUPERVISOR.id, NOW + timedelta(hours=3))


def test_a_take_that_changes_nothing_stays_a_no_op_for_an_investigator_holding_a_case_handed_to_a_supervisor() -> None:
    d = assessed(dispute(evidence()))
    d.assign(INVESTIGATOR, INVESTIGATOR.id, NOW)  # under review in their hands
    d.needs_supervisor = True  # handed over at its deadline, say

    assert d.assign(INVESTIGATOR, INVESTIGATOR.id, NOW + timedelta(hours=1)) is False


def test_overturning_a_supervisor_s_rejection_is_refused_in_those_words() -> None:
    d = appeal(rejected_by_a_supervisor())
    d.needs_supervisor = False  # as an appeal filed before such appeals went to a supervisor was stored
    with pytest.raises(Forbidden, match="^Overriding a supervisor's rejection needs a supervisor.$"):
        refund(d, OTHER_INVESTIGATOR, override_reason="İtiraz ikna edici.")


def test_the_appeal_of_a_supervisor_s_rejection_stored_out_of_their_queue_is_handed_over_at_its_deadline() -> None:
    d = appeal(rejected_by_a_supervisor())
    d.needs_supervisor = False  # as an appeal filed before such appeals went to a supervisor was stored

    d.deadline_reached(SYSTEM, d.sla.decision_due)

    assert d.decision.sequence == 1 and d.needs_supervisor


def reopened_refund_handed_over_flagged() -> Dispute:
    """A flagged case a supervisor refunded and reopened, handed to a supervisor at its new deadline."""
    d = assessed(dispute(evidence()), REPEAT_CLAIMER)
    refund(d, SUPERVISOR, override_reason="Müşteri kapıcıyla konuştu.")
    d.reopen(SUPERVISOR, "Kargo yeni kanıt gönderdi.", NOW + timedelta(hours=1))
    d.deadline_reached(SYSTEM, d.sla.decision_due)
    assert d.needs_supervisor and d.is_active and d.abuse_flags == ["repeat_claims"]
    return d


def test_clearing_the_flags_of_a_reopened_refunded_case_keeps_it_with_a_supervisor() -> None:
    """Refunded before its reopening, it can only be rejected now, and a supervisor decides it (README, decision
    policy), flags or not: clearing them leaves it in the supervisors' queue, and the sweeper's next visit too."""
    d = reopened_refund_handed_over_flagged()
    due = d.sla.decision_due

    d.clear_flags(SUPERVISOR, "Taşınma nedeniyle tekrarlanan talepler.", due + timedelta(hours=1), timedelta(hours=12))
    assert d.needs_supervisor and d.abuse_flags == []
    d.deadline_reached(SYSTEM, d.sla_check_due or due + timedelta(hours=1))

    assert d.is_active and d.needs_supervisor and d.decision.sequence == 1
    assert [e.action for e in d.timeline].count("sla_deadline_reached") == 1  # handed over once


def test_a_case_handed_over_at_its_deadline_is_put_back_in_the_supervisors_queue_when_swept_again() -> None:
    d = reopened_refund_handed_over_flagged()
    d.needs_supervisor = False  # as a flag clearing stored it before it kept the other reasons
    d.sla_check_due = d.sla.decision_due + timedelta(hours=1)

    d.deadline_reached(SYSTEM, d.sla_check_due)

    assert d.needs_supervisor and d.sla_check_due is None and d.is_active


def test_clearing_the_flags_of_an_appeal_of_a_supervisor_s_rejection_keeps_it_with_a_supervisor() -> None:
    d = assessed(dispute(evidence()), REPEAT_CLAIMER)
    reject(d, SUPERVISOR)
    appeal(d)

    d.clear_flags(SUPERVISOR, "Taşınma nedeniyle tekrarlanan talepler.", NOW + timedelta(hours=2), timedelta(hours=12))

    assert d.needs_supervisor and not d.decidable_by(INVESTIGATOR)


def test_clearing_the_flags_of_a_case_handed_over_for_them_alone_resolves_it_by_the_deadline_rule() -> None:
    d = assessed(dispute(evidence()), REPEAT_CLAIMER)
    d.deadline_reached(SYSTEM, d.sla.decision_due)
    assert d.needs_supervisor and d.decision is None

    d.clear_flags(SUPERVISOR, "Taşınma nedeniyle tekrarlanan talepler.", d.sla.decision_due, timedelta(hours=12))
    assert not d.needs_supervisor
    d.deadline_reached(SYSTEM, d.sla.decision_due + timedelta(minutes=1))

    assert d.decision.outcome is Outcome.REFUND and d.decision.reason_code is ReasonCode.DEADLINE_REACHED
