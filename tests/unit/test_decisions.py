"""Who may decide a case."""

from datetime import timedelta

import pytest

from disputes.actors import SYSTEM
from disputes.errors import Forbidden
from disputes.model import Dispute
from disputes.policy import CustomerHistory, PastClaim, PolicySettings, recommend
from schemas.common import Outcome, Role
from schemas.dispute import ReasonCode, Status
from tests.factories import INVESTIGATOR, NOW, SUPERVISOR
from tests.unit.policy.builders import OPENED_AT, dispute, evidence

REPEAT_CLAIMER = CustomerHistory(tuple(PastClaim(OPENED_AT - timedelta(days=d), None) for d in (20, 60)))
DEFAULTS = PolicySettings()


def assessed(d: Dispute, history: CustomerHistory = CustomerHistory(), settings: PolicySettings = DEFAULTS) -> Dispute:
    d.record_assessment(SYSTEM, recommend(d, history, NOW, settings), NOW, timedelta(hours=24), timedelta(hours=72))
    return d


def reject(d: Dispute, actor=INVESTIGATOR) -> None:
    d.decide(actor, Outcome.REJECTED, ReasonCode.PROOF_OF_DELIVERY, "İmzalı teslim.", None, NOW)


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
