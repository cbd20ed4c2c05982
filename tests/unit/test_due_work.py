"""The one loop for due work keeps looking for more while work is in flight, so work that falls due meanwhile
(a dead worker's lease running out) is taken without waiting for the work in flight to end."""

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from adapters.memory import FixedClock
from disputes.lanes import Lanes, Place
from disputes.ports import Claimed, Lease
from disputes.schedule import DueWork, Wake
from disputes.work import WorkKind
from tests.factories import NOW


class Due:
    """A schedule whose due subjects the test adds; every claim takes what is due, up to the room."""

    def __init__(self) -> None:
        self.waiting: list[str] = []

    async def claim_due(self, kind, now, lease, limit, holder, skip_lanes=frozenset()):
        taken, self.waiting = self.waiting[:limit], self.waiting[limit:]
        return [Claimed(subject, Lease(kind, holder)) for subject in taken]

    async def renew(self, kind, subjects, holder, until):
        return set(subjects)

    async def release(self, kind, subject, holder):
        return None


class Held:
    """Work that runs until the test lets it end."""

    kind = WorkKind.ASSESS

    def __init__(self) -> None:
        self.started: list[str] = []
        self.end = asyncio.Event()

    def lanes(self) -> Lanes:
        return Lanes(per_lane=4)

    async def handle(self, claimed: Claimed, place: Place) -> None:
        self.started.append(claimed.subject)
        await self.end.wait()


async def test_work_falling_due_while_other_work_runs_is_taken_within_the_poll():
    schedule, job = Due(), Held()
    work = DueWork(schedule, job, FixedClock(NOW), "w-1", poll=timedelta(milliseconds=20))
    schedule.waiting.append("first")
    async with running(work, job, 2) as task:
        await until(lambda: job.started == ["first"])
        schedule.waiting.append("taken-over")  # e.g. a dead worker's lease ran out
        await until(lambda: "taken-over" in job.started, 0.01)
        assert not task.done()  # the first is still running: nothing ended to prompt the claim


async def test_work_woken_while_other_work_runs_starts_at_once_without_waiting_for_the_poll():
    schedule, job = Due(), Held()
    work = DueWork(schedule, job, FixedClock(NOW), "w-1", poll=timedelta(hours=1))
    wake = Wake()
    schedule.waiting.append("first")
    async with running(work, job, 2, wake=wake) as task:
        await until(lambda: job.started == ["first"])
        schedule.waiting.append("woken")  # e.g. a save in this process made it due
        wake.set()
        await until(lambda: "woken" in job.started)
        assert not task.done() and not wake.is_set()  # the claim it prompted consumed the wake-up


async def until(condition: Callable[[], bool], pause: float = 0.0) -> None:
    """Let the loop under test run until `condition` holds (at most 5 s)."""
    async with asyncio.timeout(5):
        while not condition():
            await asyncio.sleep(pause)


@asynccontextmanager
async def running(work: DueWork, job: "Held", passes: int, **run: Any) -> AsyncIterator[asyncio.Task[int]]:
    """A pass of `work` running in the background; on leaving, its work may end and the pass must have run
    `passes` items."""
    task = asyncio.create_task(work.run_once(**run))
    try:
        yield task
    finally:
        job.end.set()
    assert await asyncio.wait_for(task, 5) == passes


def claim_limits(schedule) -> list[int]:
    """The limit of every claim the schedule is asked for, in order, from now on."""
    limits: list[int] = []
    claim = schedule.claim_due

    async def counted(kind, now, lease, limit, holder, skip_lanes=frozenset()):
        limits.append(limit)
        return await claim(kind, now, lease, limit, holder, skip_lanes)

    schedule.claim_due = counted
    return limits


async def test_a_run_claims_one_item_first_so_the_first_due_item_starts_after_one_claim():
    schedule, job = Due(), Held()
    sizes = claim_limits(schedule)
    schedule.waiting += ["a", "b", "c"]
    job.end.set()
    assert await DueWork(schedule, job, FixedClock(NOW), "w-1").run_once() == 3
    assert sizes[0] == 1 and sizes[1] > 1 and sorted(job.started) == ["a", "b", "c"]


async def test_a_claim_prompted_by_announcements_asks_for_those_and_not_again_for_room_alone():
    schedule, job = Due(), Held()
    sizes = claim_limits(schedule)
    wake = Wake()
    schedule.waiting += ["a", "b", "c"]
    for subject in ("a", "b", "c"):
        wake.announce(subject)
    job.end.set()
    assert await DueWork(schedule, job, FixedClock(NOW), "w-1").run_once(wake=wake) == 3
    assert sizes == [1, 2] and sorted(job.started) == ["a", "b", "c"]


async def test_work_nobody_announced_is_still_found_by_the_poll_after_announced_work_was_claimed():
    schedule, job = Due(), Held()
    sizes = claim_limits(schedule)
    wake = Wake()
    work = DueWork(schedule, job, FixedClock(NOW), "w-1", poll=timedelta(milliseconds=20))
    schedule.waiting += ["announced", "made-due-elsewhere"]
    wake.announce("announced")
    async with running(work, job, 2, wake=wake):
        await until(lambda: "made-due-elsewhere" in job.started, 0.01)
        assert sizes[0] == 1 and sizes[1] > 1  # the second claim came with the poll, not right after the first


async def test_an_announced_subject_whose_place_earlier_due_work_took_is_claimed_without_waiting_for_the_poll():
    schedule, job = Due(), Held()
    sizes = claim_limits(schedule)
    wake = Wake()
    schedule.waiting += ["due-earlier", "announced"]  # e.g. a retry that fell due before the new case
    wake.announce("announced")
    job.end.set()
    work = DueWork(schedule, job, FixedClock(NOW), "w-1", poll=timedelta(hours=1))
    assert await asyncio.wait_for(work.run_once(wake=wake), 5) == 2
    assert sizes == [1, 1] and job.started == ["due-earlier", "announced"]


class Released(Due):
    """A schedule that records the renewals and releases it is asked for."""

    def __init__(self) -> None:
        super().__init__()
        self.renewed: list[str] = []
        self.released: list[str] = []

    async def renew(self, kind, subjects, holder, until):
        self.renewed += subjects
        return set(subjects)

    async def release(self, kind, subject, holder):
        self.released.append(subject)


def handed(subject: str) -> Claimed:
    return Claimed(subject, Lease(WorkKind.ASSESS, "w-1"))


async def test_work_handed_over_runs_as_claimed_without_asking_storage_for_a_claim():
    schedule, job = Released(), Held()
    sizes = claim_limits(schedule)
    wake, claim = Wake(), handed("handed")
    wake.hand_over(claim, NOW + timedelta(seconds=10))
    job.end.set()

    assert await DueWork(schedule, job, FixedClock(NOW), "w-1").run_once(wake=wake) == 1

    assert job.started == ["handed"] and sizes == [] and schedule.released == ["handed"]
    assert not wake.is_set()


async def test_work_handed_over_while_other_work_runs_starts_at_once_without_a_claim():
    schedule, job = Due(), Held()
    sizes = claim_limits(schedule)
    work = DueWork(schedule, job, FixedClock(NOW), "w-1", poll=timedelta(hours=1))
    wake = Wake()
    schedule.waiting.append("first")
    async with running(work, job, 2, wake=wake) as task:
        await until(lambda: job.started == ["first"])
        claims_before = len(sizes)
        wake.hand_over(handed("handed"), NOW + timedelta(seconds=10))
        await until(lambda: "handed" in job.started)
        assert not task.done() and len(sizes) == claims_before


async def test_the_lease_of_work_handed_over_is_renewed_while_it_runs():
    schedule, job = Released(), Held()
    wake = Wake()
    wake.hand_over(handed("handed"), NOW + timedelta(seconds=10))
    work = DueWork(schedule, job, FixedClock(NOW), "w-1", heartbeat=timedelta(milliseconds=10))
    async with running(work, job, 1, wake=wake):
        await until(lambda: "handed" in schedule.renewed, 0.005)


async def test_work_announced_alongside_work_handed_over_is_still_claimed():
    schedule, job = Due(), Held()
    sizes = claim_limits(schedule)
    wake = Wake()
    schedule.waiting.append("announced")
    wake.announce("announced")
    wake.hand_over(handed("handed"), NOW + timedelta(seconds=10))
    job.end.set()

    assert await DueWork(schedule, job, FixedClock(NOW), "w-1").run_once(wake=wake) == 2

    assert sorted(job.started) == ["announced", "handed"] and sizes == [1]


async def test_work_handed_over_once_stopping_is_left_to_its_lease():
    schedule, job = Due(), Held()
    wake, stop = Wake(), asyncio.Event()
    wake.hand_over(handed("handed"), NOW + timedelta(seconds=10))
    stop.set()

    assert await DueWork(schedule, job, FixedClock(NOW), "w-1").run_once(stop, wake) == 0

    assert job.started == []


class Lane(Held):
    """Work that moves to its lane (which makes room for more claims), then runs until the test lets it end."""

    async def handle(self, claimed: Claimed, place: Place) -> None:
        place.move_to("yurtici")
        await super().handle(claimed, place)


async def test_after_a_claim_found_nothing_more_room_growing_alone_asks_storage_nothing():
    schedule, job = Due(), Lane()
    claims = claim_limits(schedule)
    schedule.waiting.append("first")
    async with running(DueWork(schedule, job, FixedClock(NOW), "w-1", poll=timedelta(hours=1)), job, 1):
        await until(lambda: job.started == ["first"])
        for _ in range(10):
            await asyncio.sleep(0)  # the loop sees its room grow (the item moved to its lane)
        assert len(claims) == 2  # the one that found it and the one that found nothing more
    assert len(claims) == 2  # the item ended done: nothing was made due by it


class GivingBack:
    """The first time, leaves its item undone (its carrier had no room): due again, as storage has it."""

    kind = WorkKind.PULL_EVIDENCE

    def __init__(self, schedule: Due) -> None:
        self.schedule, self.started = schedule, list[str]()

    def lanes(self) -> Lanes:
        return Lanes(per_lane=4)

    async def handle(self, claimed: Claimed, place: Place) -> None:
        self.started.append(claimed.subject)
        if len(self.started) == 1:
            self.schedule.waiting.append(claimed.subject)
            place.give_back()


async def test_work_given_back_is_claimed_again_in_the_same_run():
    schedule = Due()
    job = GivingBack(schedule)
    schedule.waiting.append("case")
    work = DueWork(schedule, job, FixedClock(NOW), "w-1", poll=timedelta(hours=1))
    assert await asyncio.wait_for(work.run_once(), 5) == 2
    assert job.started == ["case", "case"]


class Ledger(Due):
    """A schedule that keeps only the leases no save ended, and records renewals and releases."""

    def __init__(self) -> None:
        super().__init__()
        self.renewed: list[set[str]] = []
        self.released: list[str] = []

    async def renew(self, kind, subjects, holder, until):
        self.renewed.append(set(subjects))
        return set(subjects)

    async def release(self, kind, subject, holder):
        self.released.append(subject)


class EndingEarly(Held):
    """Work on "ended" stores its outcome (ending its lease, as a save told to does) and goes on a little longer."""

    async def handle(self, claimed: Claimed, place: Place) -> None:
        if claimed.subject == "ended":
            claimed.lease.ended = True
        await super().handle(claimed, place)


async def test_a_lease_the_works_last_save_ended_is_neither_renewed_nor_given_back():
    schedule, job = Ledger(), EndingEarly()
    schedule.waiting += ["ended", "running"]
    work = DueWork(schedule, job, FixedClock(NOW), "w-1", heartbeat=timedelta(milliseconds=1), poll=timedelta(hours=1))
    async with running(work, job, 2):  # no work abandoned for a lease it ended itself
        await until(lambda: len(schedule.renewed) >= 3, 0.001)
    assert all(renewed == {"running"} for renewed in schedule.renewed)
    assert schedule.released == ["running"]
