"""One item whose work always raises (a reply no parser foresaw) pauses that item alone: its kind goes on claiming
other due work while slow work of the same kind is in flight (a carrier taking its whole time budget). Only storage
failing stops the claims: a claim that raises, or work that failed for storage."""

import asyncio
from datetime import timedelta

import pytest

from adapters.memory import FixedClock
from disputes.lanes import Lanes, Place
from disputes.ports import Claimed, StorageUnavailable
from disputes.schedule import DueWork
from disputes.work import WorkKind
from tests.factories import NOW
from tests.unit.test_due_work import Due

POLL = timedelta(milliseconds=20)


class FailingAndSlow:
    """`failing` raises `error`, `slow` runs until the test lets it end, the rest end at once."""

    kind = WorkKind.PULL_EVIDENCE

    def __init__(self, error: Exception) -> None:
        self.error = error
        self.started: list[str] = []
        self.slow_ends = asyncio.Event()

    def lanes(self) -> Lanes:
        return Lanes(per_lane=4)

    async def handle(self, claimed: Claimed, place: Place) -> None:
        self.started.append(claimed.subject)
        if claimed.subject == "failing":
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
