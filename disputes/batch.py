"""Working a claimed batch: every item gets its turn even when another fails; failures are raised together
afterwards, so the worker logs them and the items' leases let them be tried again later."""

import asyncio
from collections.abc import Awaitable, Callable, Iterable


async def each[T](items: Iterable[T], work: Callable[[T], Awaitable[object]]) -> None:
    results = await asyncio.gather(*(work(item) for item in items), return_exceptions=True)
    if failures := [r for r in results if isinstance(r, Exception)]:
        raise ExceptionGroup("some items of the batch failed", failures)
