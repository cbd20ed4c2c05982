"""Leases are judged by each process's own clock, so the workers, as they start, compare this machine's clock with
the database server's (`hello`'s `localTime`; mongoeco answers it too) and warn when they differ by more than a
quarter of the lease less the heartbeat: a worker whose clock is ahead by the lease less the heartbeat takes over
work another worker still holds."""

import asyncio
from datetime import UTC, datetime, timedelta

from structlog.testing import capture_logs

from adapters.memory import FixedClock
from adapters.mongo.schedule import MongoSchedule
from adapters.wake import Wakeups
from adapters.workers import run_workers
from disputes.schedule import DueWork
from disputes.sla_sweeper import SlaSweeper
from tests.factories import NOW

AHEAD = timedelta(seconds=5)
"""How far ahead of the server's clock the skewed machine's is: beyond the default lease (10 s) less the heartbeat
(3 s), quartered (1.75 s)."""


def ahead() -> datetime:
    return datetime.now(UTC) + AHEAD


async def test_a_clock_in_step_with_the_database_servers_is_not_warned_of(mongo_db):
    with capture_logs() as captured:
        skew = await MongoSchedule(mongo_db).check_clock(timedelta(seconds=1))
    assert skew is not None and abs(skew) < timedelta(seconds=1)
    assert [e for e in captured if e["event"] == "clock_skew"] == []


async def test_a_clock_ahead_of_the_database_servers_is_warned_of_with_how_far(mongo_db):
    with capture_logs() as captured:
        skew = await MongoSchedule(mongo_db).check_clock(timedelta(seconds=1), wall=ahead)
    assert skew is not None and abs(skew + AHEAD) < timedelta(seconds=1)
    [warned] = [e for e in captured if e["event"] == "clock_skew"]
    assert warned["log_level"] == "warning" and -6 < warned["server_ahead_seconds"] < -4 and warned["bound_seconds"] == 1


class SkewedSchedule(MongoSchedule):
    """The schedule of a machine whose clock is `AHEAD` of the database server's."""

    async def check_clock(self, bound: timedelta, wall=ahead) -> timedelta | None:
        self.bound = bound
        return await super().check_clock(bound, wall)


async def test_workers_starting_on_a_machine_whose_clock_is_ahead_warn_of_it_once(mongo_db):
    schedule, stop = SkewedSchedule(mongo_db), asyncio.Event()
    clock = FixedClock(NOW)
    works = [(DueWork(schedule, SlaSweeper(service=None), clock, "w-1"), 1.0),  # type: ignore[arg-type]
             (DueWork(schedule, SlaSweeper(service=None), clock, "w-1", heartbeat=timedelta(seconds=5)), 1.0)]
    stop.set()  # the loops end at once: the check runs all the same
    with capture_logs() as captured:
        await asyncio.wait_for(run_workers(works, stop, Wakeups(), 0.05), 5)
    assert schedule.bound == timedelta(seconds=10 - 5) / 4  # the least lease less its heartbeat, quartered
    assert len([e for e in captured if e["event"] == "clock_skew"]) == 1
