"""Who may decide a case, and what a rejection of a high-value order needs."""

from datetime import timedelta

import pytest

from adapters.web.problems import problem_types
from disputes.actors import SYSTEM
from disputes.errors import Forbidden, OverrideReasonRequired, SignatureRequired
from disputes.model import Dispute
from disputes.policy import CustomerHistory, PastClaim, PolicySettings, recommend
from schemas.common import Outcome, Role
from schemas.dispute import ReasonCode, Status
from schemas.recommendation import PolicyRule
from tests.factories import INVESTIGATOR, NOW, SUPERVISOR
from tests.unit.policy.builders import HIGH_VALUE, OPENED_AT, dispute, evidence

REPEAT_CLAIMER = CustomerHistory(tuple(PastClaim(OPENED_AT - timedelta(days=d), None) for d in (20, 60)))
UNSIGNED = evidence(signature=False, photo=True)
DEFAULTS = PolicySettings()


def assessed(d: Dispute, history: CustomerHistory = CustomerHistory(), settings: PolicySettings = DEFAULTS) -> Dispute:
    d.record_assessment(SYSTEM, recommend(d, history, NOW, settings), NOW, timedelta(hours=24), timedelta(hours=72))
    return d


def reject(d: Dispute, actor=INVESTIGATOR, override_reason: str | None = None) -> None:
    d.decide(actor, Outcome.REJECTED, ReasonCode.PROOF_OF_DELIVERY, "İmzalı teslim.", None, NOW, override_reason)


def refund(d: Dispute, actor=INVESTIGATOR, override_reason: str | None = None) -> None:
    d.decide(actor, Outcome.REFUND, ReasonCode.WEAK_PROOF, "Kargo kanıt sunamadı.", None, NOW, override_reason)


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
    flagged.clear_flags(SUPERVISOR, "Taşınma nedeniyle tekrarlanan talepler.", NOW)
    reject(flagged)
    assert flagged.status is Status.RESOLVED and flagged.decision.decided_by == INVESTIGATOR.id


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
        reject(assessed(dispute(UNSIGNED), settings=PolicySettings(high_value_minor=100_000)))
    ordinary = assessed(dispute(UNSIGNED))  # 1 299 TRY: under the default threshold
    reject(ordinary)
    assert ordinary.decision.outcome is Outcome.REJECTED


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
