"""Account restrictions are reviewed within their window: one no supervisor confirmed is lifted at its end, the
customer told and the account service informed (both through the case's outbox; a case on a test clock keeps its
restriction within the clock and tells neither, see `Dispute._restriction_changed`)."""

from dataclasses import dataclass

from disputes.actors import SYSTEM
from disputes.lanes import Lanes, Place
from disputes.ports import Claimed
from disputes.service import DisputeService
from disputes.work import WorkKind


@dataclass
class RestrictionReviewer:
    service: DisputeService
    batch: int = 50
    kind: WorkKind = WorkKind.RESTRICTION_REVIEW

    def lanes(self) -> Lanes:
        return Lanes(self.batch)

    async def handle(self, claimed: Claimed, place: Place) -> None:
        await self.service.apply_timed(
            SYSTEM, claimed.subject, lambda d, now: d.restriction_review_ended(SYSTEM, now), claimed.dispute, claimed.lease
        )
