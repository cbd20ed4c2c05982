"""Turning evidence into a recommendation, and acting on it, whenever a case's facts change.

The assessor visits disputes whose assessment is due (at opening, after new evidence, at the evidence
deadline, at the end of a third-party check), reads the customer's history, asks the pure policy, and
records the advice on the case — which may resolve it through the ordinary decision path."""

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from disputes.actors import SYSTEM
from disputes.lanes import Lanes, Place
from disputes.model import Dispute
from disputes.policy import CustomerHistory, PolicySettings, recommend
from disputes.ports import Clock
from disputes.service import DisputeService
from disputes.work import WorkKind


class AssessmentStore(Protocol):
    async def customer_history(self, dispute: Dispute, since: datetime) -> CustomerHistory:
        """The customer's claims opened since `since`, and how many accounts disputed this address."""


@dataclass
class Assessor:
    service: DisputeService
    store: AssessmentStore
    clock: Clock
    settings: PolicySettings
    batch: int = 50
    kind: WorkKind = WorkKind.ASSESS

    def lanes(self) -> Lanes:
        return Lanes(self.batch)

    async def handle(self, dispute_id: str, place: Place) -> None:
        current = await self.service.repository.get(dispute_id)
        if current is None:
            return
        history = await self.store.customer_history(current, self.clock.now() - self.settings.abuse_window)

        def change(dispute: Dispute) -> None:
            now = self.clock.now()
            if not dispute.is_active:
                dispute.assess_due = None
                return
            advice = recommend(dispute, history, now, self.settings)
            dispute.record_assessment(SYSTEM, advice, now, self.settings.third_party_wait)

        await self.service.apply(SYSTEM, dispute_id, change)
