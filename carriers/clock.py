"""The one time seam of the carrier layer: retries, the breaker and the token cache read time here.

Tests pass a fake whose ``sleep`` advances ``monotonic`` and ``now`` instantly, so a 20-second retry
budget or a 30-second breaker cool-down is exercised without waiting.
"""

import asyncio
import time
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def monotonic(self) -> float: ...

    def now(self) -> datetime:
        """Aware UTC wall-clock time (for ``received_at`` and HTTP dates)."""
        ...

    async def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def monotonic(self) -> float:
        return time.monotonic()

    def now(self) -> datetime:
        return datetime.now(UTC)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


SYSTEM_CLOCK = SystemClock()
