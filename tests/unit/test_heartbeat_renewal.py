"""A heartbeat's renewal answers for the leases it named: work on the same subject that started again while the
renewal was in flight holds a lease of its own, which that answer says nothing about."""

import asyncio
from datetime import timedelta

from adapters.memory import FixedClock
from disputes.lanes import Lanes, Place
from disputes.ports import Claimed, Lease
from disputes.schedule import DueWork
from disputes.work import WorkKind
from tests.factories import NOW


class Gated:
    """Claims take what the test made due. The first renewal waits for the test and answers as storage does once
    the lease it named for "X" was ended by that work's last save: "X" not renewed."""

    def __init__(self) -> None:
        self.waiting: list[str] = ["X", "Y"]  # Y: other work in flight all along, so the heartbeat keeps renewing
        self.renewing = asyncio.Event()
        self.answer = asyncio.Event()
        self.renewed_again = asyncio.Event()
        self.renewals = 0

    async def claim_due(self, kind, now, lease, limit, holder, skip_lanes=frozenset()):
        taken, self.waiting = self.waiting[:limit], self.waiting[limit:]
        return [Claimed(subject, Lease(kind, holder)) for subject in taken]

    async def renew(self, kind, subjects, holder, until):
        self.renewals += 1
        if self.renewals == 1:
            self.renewing.set()
            await self.answer.wait()
            return set(subjects) - {"X"}
        self.renewed_again.set()  # the beat after the first answer: that answer has been applied
        return set(subjects)

    async def release(self, kind, subject, holder):
        return None


class Twice:
    """The first run on "X" ends its lease (as its last save does) while the first renewal is in flight, and makes
    "X" due again (its save queued more work, say); the second run lasts until the test ends it."""

    kind = WorkKind.RELAY

    def __init__(self, schedule: Gated) -> None:
        self.schedule = schedule
        self.runs = 0
        self.second = asyncio.Event()
        self.cancelled = False
        self.end = asyncio.Event()

    def lanes(self) -> Lanes:
        return Lanes(per_lane=4)

    async def handle(self, claimed: Claimed, place: Place) -> None:
        if claimed.subject == "Y":
            await self.end.wait()
            return
        self.runs += 1
        if self.runs == 1:
            await self.schedule.renewing.wait()
            claimed.lease.ended = True
            self.schedule.waiting.append("X")
            return
        self.second.set()
        try:
            await self.end.wait()
        except asyncio.CancelledError:
            self.cancelled = True
            raise


async def test_a_renewal_answered_for_an_ended_lease_leaves_the_next_claim_of_its_subject_running():
    schedule = Gated()
    job = Twice(schedule)
    work = DueWork(schedule, job, FixedClock(NOW), "w-1", heartbeat=timedelta(milliseconds=1),
                   poll=timedelta(milliseconds=1))
    task = asyncio.create_task(work.run_once())
    try:
        async with asyncio.timeout(5):
            await job.second.wait()  # "X" runs again, the first renewal still unanswered
        schedule.answer.set()
        async with asyncio.timeout(5):
            await schedule.renewed_again.wait()
        assert not job.cancelled
        assert not task.done()
    finally:
        job.end.set()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
