"""A failing item of a claimed batch does not stop the others; the failures surface together. Items run
concurrently, start one loop turn apart (a batch that never waits does not hold the loop), and a cancelled
batch cancels its items."""

import asyncio

import pytest

from disputes.batch import each


async def test_every_item_is_worked_even_when_one_fails():
    done = []

    async def work(item: int) -> None:
        if item == 2:
            raise ValueError("poisoned case")
        done.append(item)

    with pytest.raises(ExceptionGroup) as raised:
        await each([1, 2, 3], work)
    assert sorted(done) == [1, 3] and [type(e) for e in raised.value.exceptions] == [ValueError]
    await each([], work)


async def test_items_run_concurrently():
    second_started = asyncio.Event()
    done = []

    async def work(item: int) -> None:
        if item == 1:
            await second_started.wait()  # would never end if the items ran one after the other
        else:
            second_started.set()
        done.append(item)

    await each([1, 2], work)
    assert done == [2, 1]


async def test_other_work_runs_between_the_items_of_a_batch_that_never_waits():
    log: list[str] = []

    async def elsewhere() -> None:
        while True:
            log.append("other")
            await asyncio.sleep(0)

    async def work(item: str) -> None:
        log.append(item)  # no await: like an in-memory store

    other = asyncio.create_task(elsewhere())
    await asyncio.sleep(0)
    await each(["a", "b", "c"], work)
    other.cancel()
    items = [i for i, entry in enumerate(log) if entry != "other"]
    assert [log[i] for i in items] == ["a", "b", "c"] and all(b - a > 1 for a, b in zip(items, items[1:], strict=False))


async def test_cancelling_a_batch_cancels_its_items():
    started: list[int] = []
    never = asyncio.Event()

    async def work(item: int) -> None:
        started.append(item)
        await never.wait()

    for cancel_after in (1, 3):  # while it is still starting items, and once all are running
        started.clear()
        batch = asyncio.create_task(each([1, 2, 3], work))
        for _ in range(100):
            if len(started) == cancel_after:
                break
            await asyncio.sleep(0)
        batch.cancel()
        with pytest.raises(asyncio.CancelledError):
            await batch
        assert started and not [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
