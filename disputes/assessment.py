"""Turning evidence into a recommendation, and acting on it, whenever a case's facts change.

The assessor visits disputes whose `assess_due` has come (at opening, after new evidence, at the evidence
deadline, at the end of a third-party check), reads the customer's history, asks the pure policy, and
records the advice on the case — which may resolve it through the ordinary decision path."""

from dataclasses import dataclass, field
from datetime import timedelta

from disputes.actors import SYSTEM
from disputes.batch import each
from disputes.model import Dispute
from disputes.policy import PolicySettings, recommend
from disputes.ports import AssessmentStore, Clock, SilentWorkLog, WorkLog
from disputes.service import DisputeService
from schemas.recommendation import Recommendation


@dataclass
class Assessor:
    service: DisputeService
    store: AssessmentStore
    clock: Clock
    settings: PolicySettings
    lease: timedelta = timedelta(seconds=60)
    batch: int = 50
    log: WorkLog = field(default_factory=SilentWorkLog)

    async def run_once(self) -> int:
        now = self.clock.now()
        ids = await self.store.claim_assessment(now, now + self.lease, self.batch)
        await each(ids, self._assess)
        return len(ids)

    async def _assess(self, dispute_id: str) -> None:
        current = await self.service.repository.get(dispute_id)
        if current is None:
            return
        history = await self.store.customer_history(current, self.clock.now() - self.settings.abuse_window)
        advised: list[Recommendation] = []

        def change(dispute: Dispute) -> None:
            advised.clear()  # a lost race is retried on fresh state: only the stored try counts
            now = self.clock.now()
            if not dispute.is_active:
                dispute.assess_due = None
                return
            advice = recommend(dispute, history, now, self.settings)
            dispute.record_assessment(SYSTEM, advice, now, self.settings.third_party_wait)
            advised.append(advice)

        assessed = await self.service.apply(SYSTEM, dispute_id, change)
        for advice in advised:
            self.log.assessed(dispute_id, advice, assessed.status)
