import asyncio
from collections.abc import Awaitable, Callable

import pytest
from structlog.testing import capture_logs

from carriers.errors import BadRequest, CarrierAuthError, CarrierError, CarrierUnavailable, CircuitOpen
from carriers.clock import SystemClock
from carriers.retry import RetryBudget, call_with_retry, waiting_outside, waits_end_on

BUDGET = RetryBudget(attempts=4, total_seconds=20, initial_backoff=0.2, max_backoff=5)


def scripted(*outcomes: CarrierError | str) -> tuple[Callable[[], Awaitable[str]], list[int]]:
    """An attempt that raises or returns the given outcomes in turn, counting its calls."""
    calls: list[int] = []

    async def attempt() -> str:
        calls.append(1)
        outcome = outcomes[min(len(calls), len(outcomes)) - 1]
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    return attempt, calls


def unavailable(retry_after: float | None = None) -> CarrierUnavailable:
    return CarrierUnavailable("HTTP 503", carrier="ups", status=503, retry_after=retry_after)


async def test_transient_faults_recover(clock) -> None:
    attempt, calls = scripted(unavailable(), unavailable(), "proof")
    assert await call_with_retry(attempt, carrier="ups", budget=BUDGET, clock=clock) == "proof"
    assert len(calls) == 3


@pytest.mark.parametrize(
    "error",
    [
        BadRequest("HTTP 400", carrier="ups", status=400),
        CarrierAuthError("HTTP 401", carrier="ups", status=401),
        CircuitOpen("circuit open", carrier="ups", retry_after=3),
    ],
)
async def test_permanent_faults_stop_at_once(clock, error: CarrierError) -> None:
    attempt, calls = scripted(error)
    with pytest.raises(type(error)):
        await call_with_retry(attempt, carrier="ups", budget=BUDGET, clock=clock)
    assert len(calls) == 1
    assert clock.sleeps == []


@pytest.mark.parametrize("asked", [None, 40])
async def test_a_call_the_breaker_stops_after_failed_tries_ends_with_the_carriers_failure(
    clock, asked: float | None
) -> None:
    """It called the carrier, unlike a call refused at its first try: it is asked again when the breaker allows
    (a carrier's Retry-After was waited out before the try the breaker refused)."""
    attempt, calls = scripted(unavailable(retry_after=asked), CircuitOpen("circuit open", carrier="ups", retry_after=25))
    budget = RetryBudget(attempts=4, total_seconds=300)
    with pytest.raises(CarrierUnavailable) as ended:
        await call_with_retry(attempt, carrier="ups", budget=budget, clock=clock)
    assert type(ended.value) is CarrierUnavailable and ended.value.status == 503 and len(calls) == 2
    assert ended.value.retry_after == 25 and len(clock.sleeps) == 1
    assert asked is None or clock.sleeps == [asked]


async def test_attempts_are_bounded_and_the_last_error_is_raised(clock) -> None:
    attempt, calls = scripted(unavailable())
    with pytest.raises(CarrierUnavailable):
        await call_with_retry(attempt, carrier="ups", budget=BUDGET, clock=clock)
    assert len(calls) == 4


async def test_backoff_grows_exponentially_within_its_bounds(clock) -> None:
    attempt, _ = scripted(unavailable())
    budget = RetryBudget(attempts=6, total_seconds=300, initial_backoff=0.2, max_backoff=1)
    with pytest.raises(CarrierUnavailable):
        await call_with_retry(attempt, carrier="ups", budget=budget, clock=clock)
    floors = [0.2, 0.4, 0.8, 1.0, 1.0]  # initial * 2**n, capped; jitter adds up to initial_backoff
    assert all(floor <= wait <= min(floor + 0.2, 1.0) for floor, wait in zip(floors, clock.sleeps, strict=True))


async def test_retry_after_is_honoured(clock) -> None:
    attempt, _ = scripted(unavailable(retry_after=7), "proof")
    await call_with_retry(attempt, carrier="ups", budget=BUDGET, clock=clock)
    assert clock.sleeps == [7]


async def test_a_retry_after_longer_than_what_is_left_of_the_budget_ends_the_call_at_once(clock) -> None:
    attempt, calls = scripted(unavailable(retry_after=15), unavailable(retry_after=15), "proof")
    with pytest.raises(CarrierUnavailable) as failed:
        await call_with_retry(attempt, carrier="ups", budget=BUDGET, clock=clock)
    assert clock.sleeps == [15]  # 5 s were left for the second 15: the carrier is not called before it allows
    assert len(calls) == 2 and failed.value.retry_after == 15  # the caller learns when to ask again


async def test_a_retry_after_beyond_the_whole_budget_is_neither_waited_nor_cut(clock) -> None:
    attempt, calls = scripted(unavailable(retry_after=30), "proof")
    with capture_logs() as logs, pytest.raises(CarrierUnavailable) as failed:
        await call_with_retry(attempt, carrier="ups", budget=BUDGET, clock=clock)
    assert (len(calls), clock.sleeps, failed.value.retry_after) == (1, [], 30)
    assert logs == []  # no retry: nothing announces one


async def test_a_retry_after_that_uses_up_exactly_the_budget_is_waited(clock) -> None:
    attempt, calls = scripted(unavailable(retry_after=20), "proof")
    assert await call_with_retry(attempt, carrier="ups", budget=BUDGET, clock=clock) == "proof"
    assert (len(calls), clock.sleeps) == (2, [20])


async def test_a_backoff_that_would_take_what_is_left_of_the_budget_ends_the_call(clock) -> None:
    attempt, calls = scripted(unavailable(retry_after=19.9), unavailable())
    with pytest.raises(CarrierUnavailable):
        await call_with_retry(attempt, carrier="ups", budget=BUDGET, clock=clock)
    assert clock.sleeps == [19.9] and len(calls) == 2  # 0.1 s left: no backoff and try after it


async def test_a_retry_is_logged_before_sleeping_without_personal_data(clock) -> None:
    attempt, _ = scripted(unavailable(retry_after=2), "proof")
    with capture_logs() as logs:
        await call_with_retry(attempt, carrier="ups", budget=BUDGET, clock=clock)
    assert logs == [
        {
            "event": "carrier_call_retry",
            "log_level": "warning",
            "carrier": "ups",
            "attempt": 1,
            "wait_seconds": 2,
            "reason": "ups: HTTP 503",
        }
    ]


def test_the_default_budget_is_four_attempts_in_twenty_seconds() -> None:
    assert RetryBudget() == BUDGET


class Slot:
    """A carrier slot that records when it was given up and taken back."""

    def __init__(self, clock) -> None:
        self.clock = clock
        self.held = True
        self.log: list[tuple[str, float]] = []

    def release(self) -> None:
        assert self.held
        self.held = False
        self.log.append(("release", self.clock.monotonic()))

    async def acquire(self) -> None:
        assert not self.held
        self.held = True
        self.log.append(("acquire", self.clock.monotonic()))


async def test_a_retry_waits_without_holding_the_callers_carrier_slot(clock) -> None:
    slot = Slot(clock)
    held_at_attempts: list[bool] = []
    outcomes = iter([unavailable(retry_after=3), unavailable(retry_after=4), "proof"])

    async def attempt() -> str:
        held_at_attempts.append(slot.held)
        outcome = next(outcomes)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    with waiting_outside(slot):
        assert await call_with_retry(attempt, carrier="ups", budget=BUDGET, clock=clock) == "proof"
    assert held_at_attempts == [True, True, True]  # every try runs inside the slot
    start = 1_000.0
    assert slot.log == [("release", start), ("acquire", start + 3), ("release", start + 3), ("acquire", start + 7)]


async def test_without_a_slot_a_retry_simply_waits(clock) -> None:
    attempt, calls = scripted(unavailable(retry_after=1), "proof")
    assert await call_with_retry(attempt, carrier="ups", budget=BUDGET, clock=clock) == "proof"
    assert (len(calls), clock.sleeps) == (2, [1])


class WaitingClock(SystemClock):
    """A clock whose waits last until the test is over: the retry is still waiting when the worker stops."""

    def __init__(self) -> None:
        self.waiting = asyncio.Event()

    async def sleep(self, seconds: float) -> None:
        self.waiting.set()
        await asyncio.Event().wait()


async def test_a_worker_told_to_stop_does_not_wait_out_a_retry() -> None:
    attempt, calls = scripted(unavailable(retry_after=15), "proof")
    clock, stop = WaitingClock(), asyncio.Event()

    async def in_a_worker() -> str:
        waits_end_on(stop)
        return await call_with_retry(attempt, carrier="ups", budget=BUDGET, clock=clock)

    call = asyncio.create_task(in_a_worker())
    async with asyncio.timeout(5):
        await clock.waiting.wait()
        stop.set()
        with pytest.raises(asyncio.CancelledError):
            await call
    assert len(calls) == 1
