"""One item whose work always raises (a reply no parser foresaw) pauses that item alone: its kind goes on claiming
other due work while slow work of the same kind is in flight (a carrier taking its whole time budget). Only storage
failing stops the claims: a claim that raises, or work that failed for storage."""

import asyncio
from datetime import timedelta

import pytest

from adapters.memory import FixedClock
from disputes.lanes import Lanes, Place
from disputes.ports import Claimed, SilentWorkLog, StorageUnavailable
from disputes.schedule import DueWork
from disputes.work import WorkKind
from tests.factories import NOW
from tests.unit.test_due_work import Due

POLL = timedelta(milliseconds=20)


class FailingAndSlow:
    """`failing` raises `error` (if any), `slow` runs until the test lets it end, the rest end at once."""

    kind = WorkKind.PULL_EVIDENCE

    def __init__(self, error: Exception | None, lane: str = "yurtici") -> None:
        self.error = error
        self.lane = lane  # the carrier, read from the case
        self.started: list[str] = []
        self.slow_ends = asyncio.Event()

    def lanes(self) -> Lanes:
        return Lanes(per_lane=4)

    async def handle(self, claimed: Claimed, place: Place) -> None:
        self.started.append(claimed.subject)
        place.move_to(self.lane)
        if claimed.subject == "failing" and self.error is not None:
            raise self.error
        if claimed.subject == "slow":
            await self.slow_ends.wait()


async def until(condition, seconds: float = 5.0) -> None:
    """Wait until `condition` holds, `seconds` at most."""
    async with asyncio.timeout(seconds):
        while not condition():
            await asyncio.sleep(0.005)


async def test_work_falling_due_after_another_items_work_failed_is_claimed_while_slow_work_runs():
    schedule, job = Due(), FailingAndSlow(KeyError("a reply no parser foresaw"))
    work = DueWork(schedule, job, FixedClock(NOW), "w-1", poll=POLL)
    schedule.waiting += ["slow", "failing"]
    task = asyncio.create_task(work.run_once())
    try:
        await until(lambda: "failing" in job.started)
        schedule.waiting.append("fresh")  # another carrier's case, or a dead worker's lease run out
        await until(lambda: "fresh" in job.started, 2.0)  # a hundred polls at most
        assert not task.done()
    finally:
        job.slow_ends.set()
    with pytest.raises(ExceptionGroup) as raised:
        await asyncio.wait_for(task, 5)
    assert [type(e) for e in raised.value.exceptions] == [KeyError]  # the pass still reports the failure


async def test_work_that_failed_for_storage_stops_the_claims_until_the_work_in_flight_ends():
    schedule, job = Due(), FailingAndSlow(StorageUnavailable("the database is unavailable (AutoReconnect)"))
    work = DueWork(schedule, job, FixedClock(NOW), "w-1", poll=POLL)
    schedule.waiting += ["slow", "failing"]
    task = asyncio.create_task(work.run_once())
    try:
        await until(lambda: "failing" in job.started)
        schedule.waiting.append("fresh")
        await asyncio.wait({task}, timeout=0.2)  # ten polls
        assert job.started == ["slow", "failing"] and not task.done()
    finally:
        job.slow_ends.set()
    with pytest.raises(ExceptionGroup):
        await asyncio.wait_for(task, 5)
    assert job.started == ["slow", "failing"] and schedule.waiting == ["fresh"]


async def test_a_claim_that_raises_stops_the_claims_until_the_work_in_flight_ends():
    schedule, job = Due(), FailingAndSlow(KeyError("unused"))
    claim, claims = schedule.claim_due, []

    async def failing_once(*args, **kwargs):
        claims.append(args)
        if len(claims) == 2:
            raise StorageUnavailable("the database did not answer in time (NetworkTimeout)")
        return await claim(*args, **kwargs)

    schedule.claim_due = failing_once
    work = DueWork(schedule, job, FixedClock(NOW), "w-1", poll=POLL)
    schedule.waiting += ["slow"]
    task = asyncio.create_task(work.run_once())
    try:
        await until(lambda: len(claims) == 2)
        schedule.waiting.append("fresh")
        await asyncio.wait({task}, timeout=0.2)  # ten polls
        assert len(claims) == 2 and not task.done()
    finally:
        job.slow_ends.set()
    with pytest.raises(ExceptionGroup):
        await asyncio.wait_for(task, 5)
    assert job.started == ["slow"]


class Renewals(Due):
    """A schedule that records each lease renewed alone (a pause), as seconds from `NOW`."""

    def __init__(self) -> None:
        super().__init__()
        self.paused: list[float] = []

    async def renew(self, kind, subjects, holder, until):
        if list(subjects) == ["failing"]:
            self.paused.append((until - NOW).total_seconds())
        return set(subjects)


async def test_an_item_failing_again_and_again_is_paused_twice_as_long_each_time_up_to_the_longest_pause():
    schedule, job = Renewals(), FailingAndSlow(KeyError("a reply no parser foresaw"))
    work = DueWork(schedule, job, FixedClock(NOW), "w-1", lease=timedelta(seconds=10), heartbeat=timedelta(seconds=5),
                   longest_pause=timedelta(minutes=1))
    for _ in range(5):
        schedule.waiting.append("failing")
        with pytest.raises(ExceptionGroup):
            await asyncio.wait_for(work.run_once(), 5)
    # the first failure: its lease of 10 s is the pause; then 20, 40, and 60 s at most
    assert schedule.paused == [20, 40, 60, 60]


class Failures(SilentWorkLog):
    def __init__(self) -> None:
        self.told: list[tuple[str, str, str | None, str, int]] = []

    def failed(self, kind, subject, lane, error, failures):
        self.told.append((kind, subject, lane, error, failures))


async def test_an_item_s_failures_are_told_at_the_first_and_while_its_pause_grows_never_at_each_try_after():
    schedule, job, log = Renewals(), FailingAndSlow(KeyError("a field the mapping took for granted")), Failures()
    work = DueWork(schedule, job, FixedClock(NOW), "w-1", lease=timedelta(seconds=10), heartbeat=timedelta(seconds=5),
                   longest_pause=timedelta(minutes=1), log=log)
    for _ in range(6):
        schedule.waiting.append("failing")
        with pytest.raises(ExceptionGroup):
            await asyncio.wait_for(work.run_once(), 5)
    # paused 10, 20, 40, 60, 60, 60 s: told of the first failure and of the three that lengthened the pause
    assert log.told == [("pull_evidence", "failing", "yurtici", "KeyError", n) for n in (1, 2, 3, 4)]


async def test_an_item_that_succeeds_after_failing_starts_its_pauses_again_from_one_lease():
    schedule, job = Renewals(), FailingAndSlow(KeyError("a reply no parser foresaw"))
    work = DueWork(schedule, job, FixedClock(NOW), "w-1", lease=timedelta(seconds=10), heartbeat=timedelta(seconds=5))
    for _ in range(2):
        schedule.waiting.append("failing")
        with pytest.raises(ExceptionGroup):
            await asyncio.wait_for(work.run_once(), 5)
    job.error, error = None, job.error
    schedule.waiting.append("failing")
    await asyncio.wait_for(work.run_once(), 5)
    job.error = error
    schedule.waiting.append("failing")
    with pytest.raises(ExceptionGroup):
        await asyncio.wait_for(work.run_once(), 5)
    assert schedule.paused == [20]  # the second failure, then none: the failure after the success is a first again


async def test_work_that_failed_for_storage_is_not_paused_beyond_its_lease():
    schedule = Renewals()
    job = FailingAndSlow(StorageUnavailable("the database is unavailable (AutoReconnect)"))
    work = DueWork(schedule, job, FixedClock(NOW), "w-1", heartbeat=timedelta(seconds=5))
    for _ in range(3):
        schedule.waiting.append("failing")
        with pytest.raises(ExceptionGroup):
            await asyncio.wait_for(work.run_once(), 5)
    assert schedule.paused == []
