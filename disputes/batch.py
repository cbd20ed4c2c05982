"""Working a claimed batch: every item gets its turn even when another fails; failures are raised together
afterwards, so the worker logs them and the items' leases let them be tried again later.

Items start one event-loop turn apart. They run concurrently all the same, but a batch whose steps never
wait (storage in memory, a CPU-heavy policy) would otherwise hold the loop, and with it the API and the
other workers' answers, for the whole batch instead of one item at a time."""

import asyncio
from collections.abc import Awaitable, Callable, Iterable


async def each[T](items: Iterable[T], work: Callable[[T], Awaitable[object]]) -> None:
    started: list[asyncio.Future[object]] = []
    try:
        for item in items:
            started.append(asyncio.ensure_future(work(item)))
            await asyncio.sleep(0)
    except asyncio.CancelledError:
        for future in started:
            future.cancel()
        await asyncio.gather(*started, return_exceptions=True)
        raise
    results = await asyncio.gather(*started, return_exceptions=True)
    if failures := [r for r in results if isinstance(r, Exception)]:
        raise ExceptionGroup("some items of the batch failed", failures)
