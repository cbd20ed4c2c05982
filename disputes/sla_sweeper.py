"""No case passes its deadline unnoticed: a sweeper looks at each active case twice — when its deadline
is near (escalate) and when it arrives (apply the deadline rule). It only visits due cases, through an
index on `sla_check_due`, so its cost grows with the number of due cases, not with the total."""

from dataclasses import dataclass
from datetime import timedelta

from disputes.actors import SYSTEM
from disputes.batch import each
from disputes.model import Dispute
from disputes.ports import Clock, SlaClaims
from disputes.service import DisputeService


@dataclass
class SlaSweeper:
    service: DisputeService
    claims: SlaClaims
    clock: Clock
    lease: timedelta = timedelta(seconds=60)
    batch: int = 100

    async def run_once(self) -> int:
        now = self.clock.now()
        ids = await self.claims.claim_sla(now, now + self.lease, self.batch)
        await each(ids, lambda dispute_id: self.service.apply(SYSTEM, dispute_id, self._check))
        return len(ids)

    def _check(self, dispute: Dispute) -> bool:
        now = self.clock.now()
        if not dispute.is_active:
            dispute.sla_check_due = None
            return True
        if now >= dispute.sla.decision_due:
            dispute.deadline_reached(SYSTEM, now)
        elif not dispute.escalated:
            dispute.escalate(SYSTEM, now)
        else:
            dispute.sla_check_due = dispute.sla.decision_due
        return True
