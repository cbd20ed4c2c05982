"""Staff trace a parcel's pushes: every event carriers pushed for a tracking number that is still kept, newest first,
and what became of each (the cases that took it, waiting to be attached, or marked with no case taking it)."""

from dataclasses import dataclass
from datetime import datetime

from disputes.actors import Actor
from disputes.model import Dispute
from disputes.ports import DisputeQuery, DisputeRepository, PushedEvidence, StoredPush
from schemas.common import Role

CASES_READ = 50
"""The cases on one tracking number read to tell which took each event: one case holds a shipment at a time, so these
are it and the ones withdrawn before it."""


@dataclass(frozen=True, slots=True)
class PushTrace:
    push: StoredPush
    disputes: tuple[str, ...]
    """The cases on its carrier's shipment that took the event (whether they still hold it or a proof took its place
    on a full case since)."""


@dataclass(frozen=True, slots=True)
class PushTraces:
    items: list[PushTrace]
    next_after: tuple[datetime, str] | None = None


@dataclass
class PushRecords:
    pushed: PushedEvidence
    disputes: DisputeRepository
    max_page: int = 100

    async def for_tracking_number(
        self, actor: Actor, tracking_number: str, before: tuple[datetime, str] | None, limit: int
    ) -> PushTraces:
        """The tracking number's pushes, newest first, a page at a time (investigators and supervisors only), each with
        the cases that took it."""
        actor.require(Role.INVESTIGATOR, Role.SUPERVISOR)
        page = await self.pushed.pushed_for(tracking_number, before, min(limit, self.max_page))
        cases: list[Dispute] = []
        if page.items:
            cases = (await self.disputes.query(DisputeQuery(tracking_number=tracking_number, limit=CASES_READ))).items
        return PushTraces([PushTrace(push, _took(cases, push)) for push in page.items], page.next_after)


def _took(cases: list[Dispute], push: StoredPush) -> tuple[str, ...]:
    proof, key = push.evidence.proof, push.evidence.key
    return tuple(d.id for d in cases if d.order.carrier == proof.carrier and key in d.evidence_received)
