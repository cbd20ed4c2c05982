"""The background workers: one loop runs every kind of due work (`disputes.schedule.DueWork`), each kind with
its own pause between passes that found nothing. Safe with many instances running: work is claimed with
short leases in the database, renewed while it runs, never by assuming a single process."""

import asyncio
import contextlib
import os
import socket
from collections.abc import Awaitable, Callable, Iterable
from functools import partial

import structlog

from disputes.relay import Attempt, Result
from disputes.schedule import DueWork

log = structlog.get_logger("worker")


def worker_id() -> str:
    """A worker's name when `worker_id` is not set: where to look for it, its host and process."""
    return f"{socket.gethostname()}-{os.getpid()}"


async def run_workers(kinds: Iterable[tuple[DueWork, float]], stop: asyncio.Event) -> None:
    """Run every kind of work (each with its interval, seconds) until `stop` is set."""
    await asyncio.gather(*(
        run_loop(work.job.kind.value, partial(work.run_once, stop), interval, stop) for work, interval in kinds
    ))


async def run_loop(name: str, step: Callable[[], Awaitable[int]], interval: float, stop: asyncio.Event) -> None:
    """Run `step` until `stop` is set; sleep only after a pass that found nothing to do."""
    while not stop.is_set():
        try:
            done = await step()
        except Exception as error:  # the database or a carrier may be away for a while; keep the loop alive
            errors = [type(e).__name__ for e in error.exceptions] if isinstance(error, ExceptionGroup) else []
            log.warning("worker_pass_failed", worker=name, error=type(error).__name__, errors=errors)
            done = 0
        if not done:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), interval)


def log_attempt(attempt: Attempt) -> None:
    level = log.info if attempt.result is Result.DELIVERED else log.warning
    level(
        "outbox_" + attempt.result.value,
        dispute_id=attempt.dispute_id,
        message_id=attempt.message_id,
        kind=attempt.kind.value,
        error=attempt.error,
    )
