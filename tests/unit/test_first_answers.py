"""Idempotency-Keys on POSTs (the use case): one run per key, its first answer for every retry, a retry during the
run told to come back, another request under the key refused, a failure that says "try again" not kept."""

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from adapters.memory import FixedClock, InMemoryIdempotencyKeys
from disputes.errors import IdempotencyKeyReused, KeyInFlight
from disputes.idempotency import Answered, FirstAnswers
from disputes.model import FirstAnswer

NOW = datetime(2024, 4, 23, 14, 0, tzinfo=UTC)
CREATED = FirstAnswer(status=201, headers=(("ETag", '"2"'),), body='{"version": 2}')
BUSY = FirstAnswer(status=503, headers=(), body='{"status": 503}')


class Runs:
    def __init__(self, *answers: tuple[FirstAnswer, bool]) -> None:
        self.answers = list(answers)
        self.count = 0

    async def __call__(self) -> tuple[FirstAnswer, bool]:
        self.count += 1
        return self.answers.pop(0)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def answers(clock) -> FirstAnswers:
    return FirstAnswers(InMemoryIdempotencyKeys(), clock, ttl=timedelta(hours=24), hold=timedelta(seconds=30))


async def test_a_retry_gets_the_first_answer_without_running_again(answers):
    run = Runs((CREATED, True))
    assert await answers.once("inv/1:k", "fp", run) == Answered(CREATED, replayed=False)
    assert await answers.once("inv/1:k", "fp", run) == Answered(CREATED, replayed=True)
    assert run.count == 1


async def test_the_same_key_with_another_request_is_refused(answers):
    await answers.once("inv/1:k", "fp", Runs((CREATED, True)))
    with pytest.raises(IdempotencyKeyReused):
        await answers.once("inv/1:k", "another", Runs((CREATED, True)))


async def test_a_retry_while_the_first_runs_is_told_to_come_back_in_a_second_not_at_the_end_of_the_hold(
    answers, clock
):
    started, finish = asyncio.Event(), asyncio.Event()

    async def slow() -> tuple[FirstAnswer, bool]:
        started.set()
        await finish.wait()
        return CREATED, True

    first = asyncio.create_task(answers.once("inv/1:k", "fp", slow))
    await asyncio.wait_for(started.wait(), 5)
    for _ in range(3):  # at once, mid-hold, and with the last moments of the first one's 30 s hold left
        with pytest.raises(KeyInFlight) as busy:
            await answers.once("inv/1:k", "fp", Runs((CREATED, True)))
        assert busy.value.retry_after_seconds == 1
        clock.advance(seconds=14.5)
    finish.set()
    assert (await first).answer == CREATED
    assert await answers.once("inv/1:k", "fp", Runs()) == Answered(CREATED, replayed=True)


async def test_an_answer_not_to_keep_lets_the_retry_run(answers):
    run = Runs((BUSY, False), (CREATED, True))
    assert (await answers.once("inv/1:k", "fp", run)).answer == BUSY
    assert await answers.once("inv/1:k", "fp", run) == Answered(CREATED, replayed=False)
    assert run.count == 2


async def test_a_run_that_raises_frees_the_key(answers):
    async def crash() -> tuple[FirstAnswer, bool]:
        raise ConnectionError("lost")

    with pytest.raises(ConnectionError):
        await answers.once("inv/1:k", "fp", crash)
    assert await answers.once("inv/1:k", "fp", Runs((CREATED, True))) == Answered(CREATED, replayed=False)


async def test_an_expired_key_runs_the_request_again(answers, clock):
    run = Runs((CREATED, True), (BUSY, True))
    await answers.once("inv/1:k", "fp", run)
    clock.advance(hours=24)
    assert await answers.once("inv/1:k", "other", run) == Answered(BUSY, replayed=False)


async def test_a_key_whose_holder_died_is_claimable_again_once_its_30_s_hold_has_passed(answers, clock):
    started = asyncio.Event()

    async def dies() -> tuple[FirstAnswer, bool]:
        started.set()
        never: asyncio.Future[tuple[FirstAnswer, bool]] = asyncio.get_running_loop().create_future()
        return await never  # never answers: its process is gone

    held = asyncio.create_task(answers.once("inv/1:k", "fp", dies))
    await asyncio.wait_for(started.wait(), 5)
    clock.advance(seconds=29)
    with pytest.raises(KeyInFlight):
        await answers.once("inv/1:k", "fp", Runs((CREATED, True)))
    clock.advance(seconds=1)
    assert await answers.once("inv/1:k", "fp", Runs((CREATED, True))) == Answered(CREATED, replayed=False)
    held.cancel()
    with pytest.raises(asyncio.CancelledError):
        await held


async def test_a_caller_that_goes_while_its_request_runs_leaves_its_answer_kept_for_the_retry(answers):
    saved, answered = asyncio.Event(), asyncio.Event()
    runs = 0

    async def saved_then_slow_to_answer() -> tuple[FirstAnswer, bool]:
        nonlocal runs
        runs += 1
        saved.set()  # the change is stored: running it again would apply it twice
        await answered.wait()
        return CREATED, True

    first = asyncio.ensure_future(answers.once("inv/1:k", "fp", saved_then_slow_to_answer))
    await saved.wait()
    first.cancel()  # the client hung up: its request is cancelled
    with pytest.raises(asyncio.CancelledError):
        await first
    answered.set()

    async def retried() -> Answered:
        while True:  # told to come back while the first is still being answered, as a client would be
            try:
                return await answers.once("inv/1:k", "fp", saved_then_slow_to_answer)
            except KeyInFlight:
                await asyncio.sleep(0)

    assert await asyncio.wait_for(retried(), timeout=5) == Answered(CREATED, replayed=True)
    assert runs == 1


async def test_a_run_whose_caller_went_is_waited_for_at_a_stop_and_its_failure_told(clock):
    told: list[BaseException] = []
    answers = FirstAnswers(InMemoryIdempotencyKeys(), clock, ttl=timedelta(hours=24), hold=timedelta(seconds=30),
                           abandoned=told.append)
    saved, go_on = asyncio.Event(), asyncio.Event()

    async def saved_then_failing() -> tuple[FirstAnswer, bool]:
        saved.set()
        await go_on.wait()
        raise ConnectionError("the database went away")  # keeping its answer failed, say

    first = asyncio.ensure_future(answers.once("inv/1:k", "fp", saved_then_failing))
    await saved.wait()
    first.cancel()  # the client hung up
    with pytest.raises(asyncio.CancelledError):
        await first
    stopping = asyncio.ensure_future(answers.drain(timeout=5))
    await asyncio.sleep(0)
    assert not stopping.done()  # the stop waits for the run
    go_on.set()
    await asyncio.wait_for(stopping, timeout=5)

    assert [type(error) for error in told] == [ConnectionError]  # told, as no caller is left to hear of it
