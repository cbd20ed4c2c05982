"""Background loops. Each is safe with many instances running: work is claimed with leases in the
database, never by assuming a single process."""

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

import structlog

from disputes.relay import Relay, Result

log = structlog.get_logger("worker")


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


def relay_step(relay: Relay) -> Callable[[], Awaitable[int]]:
    async def step() -> int:
        attempts = await relay.run_once()
        for attempt in attempts:
            level = log.info if attempt.result is Result.DELIVERED else log.warning
            level(
                "outbox_" + attempt.result.value,
                dispute_id=attempt.dispute_id,
                message_id=attempt.message_id,
                kind=attempt.kind.value,
                error=attempt.error,
            )
        return len(attempts)

    return step
