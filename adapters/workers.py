"""Background loops. Each is safe with many instances running: work is claimed with leases in the
database, never by assuming a single process."""

import asyncio
import contextlib

import structlog

from disputes.relay import Relay, Result

log = structlog.get_logger("worker")


async def run_relay(relay: Relay, interval: float, stop: asyncio.Event) -> None:
    """Deliver due outbox messages until `stop` is set; sleep only when there was nothing to do."""
    while not stop.is_set():
        try:
            attempts = await relay.run_once()
        except Exception as error:  # the database may be away for a while; keep the loop alive
            log.warning("relay_pass_failed", error=type(error).__name__)
            attempts = []
        for attempt in attempts:
            level = log.info if attempt.result is Result.DELIVERED else log.warning
            level(
                "outbox_" + attempt.result.value,
                dispute_id=attempt.dispute_id,
                message_id=attempt.message_id,
                kind=attempt.kind.value,
                error=attempt.error,
            )
        if not attempts:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), interval)
