"""Waking the worker loops of this process when a save makes work due now, so it starts at once instead of at
the loop's next poll. Only saves made in this process wake its loops; work made due by another process is
found by polling (`adapters.workers.run_loop`), which stays correct on its own."""

from collections.abc import Sequence
from datetime import datetime
from itertools import compress

from disputes.model import Dispute
from disputes.ports import Clock, DisputePage, DisputeQuery, DisputeRepository, EvidenceInbox, Lease, Taking
from disputes.schedule import Wake
from disputes.work import WorkKind
from schemas.dispute import Evidence


class Wakeups:
    """One event per kind of work, set when work of that kind became due; its loop clears it before a pass."""

    def __init__(self) -> None:
        self._events = {kind: Wake() for kind in WorkKind}

    def event(self, kind: WorkKind) -> Wake:
        return self._events[kind]

    def wake(self, kinds: set[WorkKind], subject: str) -> None:
        """Announce `subject` due for each of `kinds`, in the order `WorkKind` declares them: the loops resume,
        and send their claims to the database, in that order (a case's pull before its notification)."""
        for kind in WorkKind:
            if kind in kinds:
                self._events[kind].announce(subject)


def due_now(dispute: Dispute, now: datetime, new_messages: bool) -> set[WorkKind]:
    """The kinds of work a stored dispute has due at `now` (new outbox messages are due for the relay)."""
    due = {kind for kind, at in dispute.due_work().items() if at is not None and at <= now}
    return due | ({WorkKind.RELAY} if new_messages else set())


class WakingRepository:
    """A `DisputeRepository` that wakes the loops of the work an add or a save made due now."""

    def __init__(self, inner: DisputeRepository, wakeups: Wakeups, clock: Clock) -> None:
        self.inner, self.wakeups, self.clock = inner, wakeups, clock

    async def add(self, dispute: Dispute, now: datetime) -> None:
        new_messages = bool(dispute.new_messages)
        await self.inner.add(dispute, now)
        self.wakeups.wake(due_now(dispute, self.clock.now(), new_messages), dispute.id)

    async def save(self, dispute: Dispute, ending: Lease | None = None, taking: Taking | None = None) -> None:
        """A lease the save took is for work its caller goes on with: that kind's loop is not woken to claim it."""
        new_messages = bool(dispute.new_messages)  # the save clears them
        await self.inner.save(dispute, ending, taking)
        due = due_now(dispute, self.clock.now(), new_messages)
        self.wakeups.wake(due - {taking.lease.kind} if taking is not None and taking.taken else due, dispute.id)

    async def get(self, dispute_id: str, owner: str | None = None) -> Dispute | None:
        return await self.inner.get(dispute_id, owner)

    async def read(self, dispute_id: str, owner: str | None = None) -> Dispute | None:
        return await self.inner.read(dispute_id, owner)

    async def find_by_idempotency_key(self, key: str, now: datetime) -> Dispute | None:
        return await self.inner.find_by_idempotency_key(key, now)

    async def query(self, query: DisputeQuery) -> DisputePage:
        return await self.inner.query(query)


class WakingInbox:
    """An `EvidenceInbox` that wakes the attacher when a pushed event is stored."""

    def __init__(self, inner: EvidenceInbox, wakeups: Wakeups) -> None:
        self.inner, self.wakeups = inner, wakeups

    async def record_many(self, events: Sequence[Evidence], at: datetime) -> list[bool]:
        recorded = await self.inner.record_many(events, at)
        for evidence in compress(events, recorded):
            self.wakeups.wake({WorkKind.ATTACH_PUSHED}, evidence.key)
        return recorded
