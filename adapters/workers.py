"""The background workers: one loop runs every kind of due work (`disputes.schedule.DueWork`), each kind with
its own pause between passes that found nothing. Safe with many instances running: work is claimed with
short leases in the database, renewed while it runs, never by assuming a single process."""

import asyncio
import os
import socket
import traceback
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Protocol, runtime_checkable

import structlog

from adapters import tracing
from adapters.wake import Wakeups
from carriers.retry import waits_end_on
from disputes import tracing as trace
from disputes.relay import Attempt, Result
from disputes.schedule import DueWork, until_set

log = structlog.get_logger("worker")

PASSES: Counter[str] = Counter()
"""Passes of each kind of work this process ran (by `run_loop`'s name: the kind), failed or not."""
PASS_FAILURES: Counter[str] = Counter()
"""Passes of each kind of work that failed (an exception out of the pass: `worker_pass_failed` lines)."""


def worker_id() -> str:
    """A worker's name when `worker_id` is not set: where to look for it, its host and process."""
    return f"{socket.gethostname()}-{os.getpid()}"


@dataclass
class Pace:
    """The pauses of a loop between passes: `shortest` right after polling found work, twice as long after
    every further pass, up to `longest` (the configured interval) while idle. Work that keeps arriving (made
    due by other processes, which cannot wake this one) is found soon; an idle loop asks storage rarely. Work a
    wake-up announced (made due in this process) says nothing about other processes: the pauses go on
    growing, so a loop its own process keeps waking does not also poll at its shortest pause."""

    shortest: float
    longest: float

    def __post_init__(self) -> None:
        self._next = self.longest

    def after(self, found: int, woken: bool = False) -> float:
        """The pause after a pass that found `found` items (a pass ends on a claim that found nothing more);
        `woken`: the pass was started by a wake-up."""
        if found and not woken:
            self._next = min(self.shortest, self.longest)
        pause, self._next = self._next, min(self._next * 2, self.longest)
        return pause


type Pause = Callable[[float], Awaitable[None]]
"""Wait up to so many seconds (less when woken or stopped)."""


async def run_workers(
    kinds: Iterable[tuple[DueWork, float]], stop: asyncio.Event, wakeups: Wakeups, shortest: float
) -> None:
    """Run every kind of work (each with its interval, seconds) until `stop` is set; a kind's loop starts a
    pass at once when `wakeups` says its work became due. Work handed over to a loop that had stopped (by a save
    of work that was finishing) is given back once every loop has stopped. Once `stop` is set, the work in flight
    finishes its calls but not its waits between retries of a carrier or a downstream service: that work ends
    there and gives its lease back, for another worker to take at once (`carriers.retry.waits_end_on`); a refund,
    reshipment or other effect whose attempt may have been applied ends as that attempt's failure instead, which the
    relay records (`adapters.downstream.DownstreamClient.applies`)."""
    waits_end_on(stop)
    kinds = list(kinds)
    await asyncio.gather(
        _check_clocks([work for work, _ in kinds]),
        *(_loop(work, Pace(shortest, interval), stop, wakeups) for work, interval in kinds),
    )
    for work, _ in kinds:
        try:
            await work.give_back_handed(wakeups.event(work.job.kind))
        except Exception as error:  # the database may be away: the leases run out instead
            log.warning("worker_give_back_failed", worker=work.job.kind.value, error=type(error).__name__)


@runtime_checkable
class ClockChecked(Protocol):
    async def check_clock(self, bound: timedelta) -> timedelta | None:
        """How far storage's clock is ahead of this machine's; a warning is logged beyond `bound`."""


async def _check_clocks(works: list[DueWork]) -> None:
    """Warn when storage's clock and this machine's differ by more than a quarter of the least lease less its
    heartbeat: leases are judged by each process's own clock, so processes whose clocks differ by that margin may
    take over each other's work (README, Background work). Alongside the loops, so a slow answer delays none."""
    if not works:
        return
    bound = min(work.lease - work.heartbeat for work in works) / 4
    for schedule in {id(work.schedule): work.schedule for work in works}.values():
        if isinstance(schedule, ClockChecked):
            try:
                await schedule.check_clock(bound)
            except Exception as error:  # the database may be away: the loops report that
                log.info("clock_check_failed", error=type(error).__name__)


def _loop(work: DueWork, pace: Pace, stop: asyncio.Event, wakeups: Wakeups) -> Awaitable[None]:
    wake = wakeups.event(work.job.kind)
    return run_loop(
        work.job.kind.value, partial(work.run_once, stop, wake), pace, stop, wake, partial(until_set, (stop, wake))
    )


async def run_loop(
    name: str, step: Callable[[], Awaitable[int]], pace: Pace, stop: asyncio.Event, wake: asyncio.Event,
    pause: Pause,
) -> None:
    """Run `step` until `stop` is set, at once again when `wake` was set meanwhile, otherwise after the pause
    `pace` gives (told whether the pass was started by a wake-up). Each pass is a trace of its own. Passes that
    keep failing the same way (the database away for an hour) are logged when they start failing and when they
    stop, not at every pass; every pass, and every failed one, is counted (`PASSES`, `PASS_FAILURES`)."""
    failing: set[str] = set()  # the errors of the last pass, while passes fail
    while not stop.is_set():
        woken = wake.is_set()
        wake.clear()  # a wake during the pass starts the next one at once
        with trace.within(tracing.new_trace()):
            try:
                PASSES[name] += 1
                done = await step()
            except Exception as error:  # the database or a carrier may be away for a while; keep the loop alive
                PASS_FAILURES[name] += 1
                errors = [type(e).__name__ for e in error.exceptions] if isinstance(error, ExceptionGroup) else []
                if (names := {type(error).__name__, *errors}) != failing:
                    log.warning("worker_pass_failed", worker=name, error=type(error).__name__, errors=errors,
                                stack=_frames(error))
                failing, done = names, 0
            else:
                if failing:
                    log.info("worker_pass_recovered", worker=name)
                failing = set()
        if (seconds := pace.after(done, woken)) and not wake.is_set():
            await pause(seconds)


def log_attempt(attempt: Attempt) -> None:
    """One line per attempt: a failed one says whether it may have reached its service (`reached`), a parked message
    why it was parked (`reason`; `never_reached`: it did not happen)."""
    level = log.info if attempt.result is Result.DELIVERED else log.warning
    level(
        "outbox_" + attempt.result.value,
        dispute_id=attempt.dispute_id,
        message_id=attempt.message_id,
        kind=attempt.kind.value,
        error=attempt.error,
        reached=attempt.reached,
        reason=None if attempt.parked is None else attempt.parked.value,
    )


def _frames(error: BaseException) -> str:
    """Where `error` (and each error of a group) was raised: the stack's frames, without the message or locals, which
    can carry a case's data (names, addresses), as the API logs an unhandled error."""
    inner = error.exceptions if isinstance(error, BaseExceptionGroup) else ()
    return "".join(frame for e in (error, *inner) for frame in traceback.format_tb(e.__traceback__))
