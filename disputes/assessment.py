"""Turning evidence into a recommendation, and acting on it, whenever a case's facts change.

The assessor visits disputes whose assessment is due (at opening, after new evidence, at the evidence
deadline, at the end of a third-party check), reads the customer's history, asks the pure policy, and
records the advice on the case — which may resolve it through the ordinary decision path."""

from dataclasses import dataclass, field
from datetime import datetime

from disputes.actors import SYSTEM
from disputes.lanes import Lanes, Place
from disputes.model import Dispute
from disputes.policy import PolicySettings, recommend
from disputes.ports import AssessmentStore, Claimed, SilentWorkLog, WorkLog
from disputes.service import DisputeService
from disputes.work import WorkKind
from schemas.recommendation import Recommendation


@dataclass
class Assessor:
    service: DisputeService
    store: AssessmentStore
    settings: PolicySettings
    batch: int = 50
    log: WorkLog = field(default_factory=SilentWorkLog)
    kind: WorkKind = WorkKind.ASSESS

    def lanes(self) -> Lanes:
        return Lanes(self.batch)

    async def handle(self, claimed: Claimed, place: Place) -> None:
        dispute_id = claimed.subject
        current = claimed.dispute or await self.service.repository.get(dispute_id)
        if current is None:
            return
        # The abuse windows end at the opening (`disputes/policy/abuse.py`): a later assessment sees the same history.
        history = await self.store.customer_history(current, current.opened_at - self.settings.abuse_window)
        advised: list[Recommendation] = []

        def change(dispute: Dispute, now: datetime) -> None:
            advised.clear()  # a lost race is retried on fresh state: only the stored try counts
            if not dispute.is_active:
                dispute.assess_due = None
                return
            advice = recommend(dispute, history, now, self.settings)
            dispute.record_assessment(
                SYSTEM, advice, now, self.settings.restriction_review,
                self.service.rules.appeal_window,
            )
            advised.append(advice)

        assessed = await self.service.apply_timed(SYSTEM, dispute_id, change, loaded=current, ending=claimed.lease)
        for advice in advised:
            self.log.assessed(dispute_id, advice, assessed.status)
