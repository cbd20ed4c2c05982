"""An idle worker loop asks storage less and less often, down to its interval; work found makes it ask soon."""

import asyncio
from collections.abc import Awaitable, Callable, Collection
from datetime import datetime, timedelta
from itertools import pairwise

from structlog.testing import capture_logs

from adapters.memory import FixedClock
from adapters.workers import Pace, run_loop
from disputes.lanes import Lanes, Place
from disputes.ports import Claimed, Lease
from disputes.schedule import DueWork
from disputes.work import WorkKind
from tests.factories import NOW

SHORTEST, INTERVAL = 0.05, 1.0


class ScriptedSchedule:
    """Has one item due at each of the claims numbered in `due_at`; records when each claim was made."""

    def __init__(self, clock: FixedClock, due_at: set[int]) -> None:
        self.clock, self.due_at = clock, due_at
        self.claims: list[datetime] = []

    async def claim_due(
        self, kind: WorkKind, now: datetime, lease: timedelta, limit: int, holder: str,
        skip_lanes: frozenset[str] = frozenset(),
    ) -> list[Claimed]:
        self.claims.append(self.clock.now())
        return [Claimed(f"d-{len(self.claims)}", Lease(kind, holder))] if len(self.claims) in self.due_at else []

    async def renew(self, kind: WorkKind, subjects: Collection[str], holder: str, until: datetime) -> set[str]:
        return set(subjects)

    async def release(self, kind: WorkKind, subject: str, holder: str) -> None:
        return None


class NoWork:
    kind = WorkKind.ASSESS

    def lanes(self) -> Lanes:
        return Lanes(1)

    async def handle(self, claimed: Claimed, place: Place) -> None:
        return None


async def claim_gaps(due_at: set[int], claims: int) -> list[float]:
    """The seconds between one claim and the next over fake time: the loop's pauses advance the clock."""
    clock, stop, wake = FixedClock(NOW), asyncio.Event(), asyncio.Event()
    schedule = ScriptedSchedule(clock, due_at)
    work = DueWork(schedule, NoWork(), clock, "w-1")

    async def pause(seconds: float) -> None:
        clock.advance(seconds=seconds)
        if len(schedule.claims) >= claims:
            stop.set()

    await run_loop("assess", lambda: work.run_once(stop), Pace(SHORTEST, INTERVAL), stop, wake, pause)
    return [(b - a).total_seconds() for a, b in pairwise(schedule.claims)]


async def test_an_idle_loop_asks_at_its_interval():
    assert await claim_gaps(set(), 4) == [INTERVAL] * 3


async def test_after_work_the_loop_asks_soon_then_backs_off_to_its_interval():
    # claim 2 finds work and claim 3 (same pass) no more, which ends the pass; then the pauses double from the
    # shortest up to the interval
    gaps = await claim_gaps({2}, 10)
    assert gaps == [INTERVAL, 0.0, SHORTEST, 0.1, 0.2, 0.4, 0.8, INTERVAL, INTERVAL]


def test_work_a_wake_up_announced_does_not_shorten_the_pauses():
    pace = Pace(SHORTEST, INTERVAL)
    assert pace.after(1, woken=True) == INTERVAL  # made due in this process: nothing says others make work
    assert pace.after(1) == SHORTEST  # found by polling: other processes make work, ask again soon
    assert pace.after(1, woken=True) == SHORTEST * 2  # and the pauses grow back from there


async def test_a_wake_during_a_pass_starts_the_next_pass_without_a_pause():
    wake, stop, passes = asyncio.Event(), asyncio.Event(), list[int]()
    paused_after: list[int] = []  # the passes a pause followed

    async def step() -> int:
        passes.append(1)
        if len(passes) == 1:
            wake.set()  # work became due while this pass ran
        if len(passes) == 2:
            stop.set()
        return 0

    async def pause(seconds: float) -> None:
        paused_after.append(len(passes))

    await run_loop("assess", step, Pace(SHORTEST, INTERVAL), stop, wake, pause)
    assert paused_after == [2]


def scripted_passes(kind: str, outcomes: list[str]) -> tuple[asyncio.Event, Callable[[], Awaitable[int]]]:
    """A loop's passes as `outcomes` says: each "down" fails as a pass whose database is gone; the last stops the
    loop (the event returned)."""
    stop, passes = asyncio.Event(), list[str]()

    async def step() -> int:
        passes.append(outcome := outcomes[len(passes)])
        if len(passes) == len(outcomes):
            stop.set()
        if outcome == "down":
            raise ExceptionGroup(f"some {kind} work failed", [ConnectionRefusedError()])
        return 0

    return stop, step


async def no_pause(seconds: float) -> None:
    return None


async def test_a_loop_whose_passes_keep_failing_logs_when_they_start_and_stop_failing_not_at_every_pass():
    outcomes = ["down"] * 6 + ["up"] * 3 + ["down"] * 2 + ["up"]  # the database goes away, comes back, again
    stop, step = scripted_passes("assess", outcomes)

    with capture_logs() as logs:
        await run_loop("assess", step, Pace(SHORTEST, INTERVAL), stop, asyncio.Event(), no_pause)
    assert [(line["event"], line["worker"]) for line in logs] == [
        ("worker_pass_failed", "assess"), ("worker_pass_recovered", "assess"),
        ("worker_pass_failed", "assess"), ("worker_pass_recovered", "assess"),
    ]
    assert logs[0]["errors"] == ["ConnectionRefusedError"]
