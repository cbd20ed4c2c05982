"""Decoding customers' images is bounded per process: a few at once, a few more waiting, any beyond told to come
back; a caller that goes away does not free its decode's turn before the decode ends."""

import asyncio
import threading

import pytest

from adapters.images import DecodersBusy, DecodeTurns

BOUND = 10.0
"""Seconds a test waits for a condition at most (a failure, not a pace)."""


class Decodes:
    """Decodes that start, are counted, and end only when let go."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.started = threading.Semaphore(0)
        self.let_go = threading.Event()
        self.running = self.most = 0

    def decode(self) -> str:
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
        self.started.release()
        assert self.let_go.wait(BOUND)
        with self.lock:
            self.running -= 1
        return "clean"

    async def have_started(self, count: int) -> None:
        for _ in range(count):
            assert await asyncio.to_thread(self.started.acquire, timeout=BOUND)


async def test_no_more_than_the_bound_decode_at_once_and_the_next_waits_its_turn() -> None:
    turns, decodes = DecodeTurns(at_once=2, may_wait=1), Decodes()
    runs = [asyncio.create_task(turns.run(decodes.decode)) for _ in range(3)]
    await decodes.have_started(2)

    with pytest.raises(DecodersBusy):  # two decoding, one waiting: the fourth is refused, not queued
        await turns.run(decodes.decode)
    assert not decodes.started.acquire(blocking=False)  # the third has not started

    decodes.let_go.set()
    assert await asyncio.wait_for(asyncio.gather(*runs), BOUND) == ["clean"] * 3
    assert decodes.most == 2


async def test_a_caller_that_goes_away_keeps_the_turn_until_its_decode_ends() -> None:
    turns, decodes = DecodeTurns(at_once=1, may_wait=0), Decodes()
    gone = asyncio.create_task(turns.run(decodes.decode))
    await decodes.have_started(1)
    gone.cancel()

    with pytest.raises(asyncio.CancelledError):
        await gone

    with pytest.raises(DecodersBusy):  # its thread still decodes: no turn is free, and none may wait
        await turns.run(decodes.decode)
    turns.may_wait = 1
    later = asyncio.create_task(turns.run(decodes.decode))  # waits for the turn: the thread's end gives it back
    decodes.let_go.set()
    assert await asyncio.wait_for(later, BOUND) == "clean"
    assert decodes.most == 1
