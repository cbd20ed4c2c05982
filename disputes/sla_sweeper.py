"""No case passes its deadline unnoticed: a sweeper looks at each active case twice — when its decision
deadline is near (escalate) and when it arrives (apply the deadline rule) —, twice for its first response while
none was given (escalate near it; at it, record the miss and alert staff: the case goes on), and when a question
to the customer goes unanswered past its time (the case goes on). At a decision deadline that is also the carrier's
evidence deadline (a customer with an accessibility need), it lets the evidence puller record the carrier's deadline
first (`Dispute.wait_for_carrier_deadline`): whether the carrier is billed must not depend on which came first. It only visits due cases (the schedule
finds them through an index), so its cost grows with the number of due cases, not with the total."""

from dataclasses import dataclass
from datetime import datetime

from disputes.actors import SYSTEM
from disputes.lanes import Lanes, Place
from disputes.model import Dispute
from disputes.ports import Claimed
from disputes.service import DisputeService
from disputes.work import WorkKind


@dataclass
class SlaSweeper:
    service: DisputeService
    batch: int = 100
    kind: WorkKind = WorkKind.SLA_CHECK

    def lanes(self) -> Lanes:
        return Lanes(self.batch)

    async def handle(self, claimed: Claimed, place: Place) -> None:
        await self.service.apply_timed(SYSTEM, claimed.subject, self._check, claimed.dispute, claimed.lease)

    def _check(self, dispute: Dispute, now: datetime) -> bool:
        if not dispute.is_active:
            dispute.sla_check_due = None
            return True
        escalate_before = self.service.rules.escalate_before_deadline
        if dispute.information_request_expired(SYSTEM, now, escalate_before):
            return True
        if now >= dispute.sla.decision_due:
            if not dispute.wait_for_carrier_deadline(now):
                dispute.deadline_reached(SYSTEM, now, self.service.rules.appeal_window)
        elif not dispute.escalated and now >= dispute.sla.decision_due - escalate_before:
            dispute.escalate(SYSTEM, now, escalate_before)
        elif not dispute.watch_first_response(SYSTEM, now, escalate_before):
            dispute.sla_check_found_nothing(now, escalate_before)
        return True
