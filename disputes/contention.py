"""Changes sent without a precondition that lose a compare-and-set race are tried again on fresh state.

Each retry waits a random share of a pause that doubles up to a cap ("full jitter"), so many writers on one
dispute spread out instead of colliding again in step. The number of attempts is bounded: a change that keeps
losing ends in `Contended` (the dispute is busy), never in `StaleVersion`, which only a caller who quoted a
version can get.

Writers to one dispute within this process take turns (`Turns`), so they do not race each other at all;
the compare-and-set and the retries are for writers in other processes (workers, other API instances)."""

import asyncio
import random
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TypeVar

from disputes.errors import Contended, StaleVersion

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Backoff:
    attempts: int = 16
    first_pause: float = 0.01  # seconds
    max_pause: float = 1.0
    jitter: Callable[[], float] = random.random  # a share in [0, 1)
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep

    def pause(self, retry: int) -> float:
        """How long to wait before retry number `retry` (1 for the first retry)."""
        return self.jitter() * min(self.max_pause, self.first_pause * 2.0 ** (retry - 1))

    async def run(self, attempt: Callable[[], Awaitable[T]]) -> T:
        """`attempt`'s result, trying it again after each StaleVersion, `attempts` times at most."""
        for retry in range(self.attempts):
            if retry:
                await self.sleep(self.pause(retry))
            try:
                return await attempt()
            except StaleVersion:
                continue
        raise Contended(f"The dispute kept changing during {self.attempts} attempts; try again shortly.")


@dataclass
class Turns:
    """One lock per key, held only while someone holds or awaits it."""

    _locks: dict[str, asyncio.Lock] = field(default_factory=dict)
    _users: Counter[str] = field(default_factory=Counter)

    @asynccontextmanager
    async def of(self, key: str) -> AsyncIterator[None]:
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._users[key] += 1
        try:
            async with lock:
                yield
        finally:
            self._users[key] -= 1
            if not self._users[key]:
                del self._users[key], self._locks[key]

    def __len__(self) -> int:
        return len(self._locks)
