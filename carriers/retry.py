"""The retry policy for every carrier call: bounded attempts and bounded total time.

Only ``CarrierUnavailable`` is retried (never ``CircuitOpen``: the breaker already says "not now").
A call the breaker refuses at its first try raises ``CircuitOpen``: it called no carrier. One whose failed tries
opened the breaker (or met it opened by other calls) ends with the carrier's last failure, as when its tries are
spent, whose ``retry_after`` is then when the breaker lets calls through.
A reply that cannot be read (``MalformedResponse``) is not retried here: carriers read their data replies once
the call is over, and the evidence puller asks again on its backoff.
Waits back off exponentially with jitter; one that would take what is left of the time budget ends the call instead
(its next try would have no time); a carrier's ``Retry-After``
wins and is never cut: when it is longer than what is left, the call ends at once with the carrier's error,
whose ``retry_after`` tells the caller when to ask again, rather than calling before the carrier allows.
A caller that holds a place in a carrier's concurrency limit names it with ``waiting_outside``: the place is
given up for each wait and taken back before the next try.
Time is read from the injected ``Clock`` rather than tenacity's own ``stop_after_delay`` (which reads
``time.monotonic`` directly), so tests run a whole budget without sleeping.
In a background worker (``waits_end_on``), a wait between tries ends when the worker is told to stop, cancelling
the call: a stopping worker does not wait out a backoff, and the work stays leased until its lease runs out.
No try runs past the budget either: a request sent within a call waits for its answer at most what is left of it
(``budget_left``, read by ``carriers.http``), so a call takes ``total_seconds`` at most, its last try included;
but for a request whose answer other calls wait for too (a token fetch, ``outside_budget``), which waits its own
time limit.
"""

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Protocol

import structlog
from pydantic import BaseModel, ConfigDict, Field
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt
from tenacity.stop import stop_base
from tenacity.wait import wait_exponential_jitter

from carriers.clock import Clock
from carriers.errors import CarrierUnavailable, CircuitOpen

log = structlog.get_logger("carriers.retry")
RETRIES: Counter[str] = Counter()
"""Retries per carrier since the process started; read by the service's metrics endpoint."""


class Slot(Protocol):
    def release(self) -> None: ...

    async def acquire(self) -> None: ...


_HELD: ContextVar[Slot | None] = ContextVar("carrier_slot_held", default=None)
_STOP: ContextVar[asyncio.Event | None] = ContextVar("retry_waits_end_on", default=None)
_BUDGET: ContextVar["_Deadline | None"] = ContextVar("carrier_call_budget", default=None)


def budget_left() -> float | None:
    """Seconds left of the time budget of the carrier call running in this context; None outside one."""
    deadline = _BUDGET.get()
    return None if deadline is None else deadline.remaining()


@contextmanager
def outside_budget() -> Iterator[None]:
    """Within the block, no call's time budget applies (``budget_left`` is None): for a request whose answer is
    shared with calls that have budgets of their own."""
    token = _BUDGET.set(None)
    try:
        yield
    finally:
        _BUDGET.reset(token)


def waits_end_on(stop: asyncio.Event) -> None:
    """From now on in this context, and in the tasks it starts, a wait between retries ends when `stop` is set."""
    _STOP.set(stop)


async def wait_unless_stopped(wait: Awaitable[None]) -> None:
    """`wait` (a wait between retries); when the `waits_end_on` event is set first, the call is cancelled."""
    stop = _STOP.get()
    if stop is None:
        return await wait
    waiting, stopped = asyncio.ensure_future(wait), asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait((waiting, stopped), return_when=asyncio.FIRST_COMPLETED)
    finally:
        waiting.cancel()
        stopped.cancel()
    if stop.is_set():
        raise asyncio.CancelledError("stopping: the wait between retries is not waited out")
    return waiting.result()


@contextmanager
def waiting_outside(slot: Slot | None) -> Iterator[None]:
    """Within the block, retry waits give ``slot`` up and take it back before the next try."""
    token = _HELD.set(slot)
    try:
        yield
    finally:
        _HELD.reset(token)


def _sleeper(clock: Clock) -> Callable[[float], Awaitable[None]]:
    async def sleep(seconds: float) -> None:
        if (slot := _HELD.get()) is None:
            return await wait_unless_stopped(clock.sleep(seconds))
        slot.release()
        try:
            await wait_unless_stopped(clock.sleep(seconds))
        finally:
            await slot.acquire()

    return sleep


class RetryBudget(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    attempts: int = Field(default=4, ge=1, le=10, description="Tries of one call, the first included.")
    total_seconds: float = Field(
        default=20, gt=0, le=300,
        description="Time one call may take, its waits between tries included; a carrier's Retry-After longer than "
                    "what is left ends the call, and the case is pulled again once it has passed.",
    )
    initial_backoff: float = Field(
        default=0.2, gt=0, description="First wait between tries, seconds; it doubles with each try, with jitter."
    )
    max_backoff: float = Field(default=5, gt=0, description="Longest wait between tries, seconds.")


class _Deadline(stop_base):
    def __init__(self, clock: Clock, total_seconds: float) -> None:
        self._clock = clock
        self._ends = clock.monotonic() + total_seconds

    def remaining(self) -> float:
        return max(0.0, self._ends - self._clock.monotonic())

    def __call__(self, retry_state: RetryCallState) -> bool:
        """Spent, shorter than the wait the carrier asked for, or all taken by the wait before the next try (tenacity
        computes the wait first), which would leave that try no time."""
        left, asked = self.remaining(), _asked(retry_state)
        return left <= 0 or (asked is not None and asked > left) or (asked is None and retry_state.upcoming_sleep >= left)


def _asked(state: RetryCallState) -> float | None:
    """The carrier's ``Retry-After`` on the failure just seen, in seconds."""
    exc = state.outcome.exception() if state.outcome else None
    return exc.retry_after if isinstance(exc, CarrierUnavailable) else None


def _retryable(exc: BaseException) -> bool:
    return isinstance(exc, CarrierUnavailable) and not isinstance(exc, CircuitOpen)


def _policy(carrier: str, budget: RetryBudget, clock: Clock, deadline: _Deadline) -> AsyncRetrying:
    backoff = wait_exponential_jitter(
        multiplier=budget.initial_backoff, max=budget.max_backoff, jitter=budget.initial_backoff
    )

    def wait(state: RetryCallState) -> float:
        asked = _asked(state)  # within the budget, or `deadline` has stopped the retries
        return backoff(state) if asked is None else asked

    def before_sleep(state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        sleep = state.next_action.sleep if state.next_action else 0.0
        RETRIES[carrier] += 1
        # The message of our own errors names carrier and status only; no payload reaches the log.
        log.warning(
            "carrier_call_retry",
            carrier=carrier,
            attempt=state.attempt_number,
            wait_seconds=round(sleep, 3),
            reason=str(exc),
        )

    return AsyncRetrying(
        stop=stop_after_attempt(budget.attempts) | deadline,
        wait=wait,
        retry=retry_if_exception(_retryable),
        before_sleep=before_sleep,
        sleep=_sleeper(clock),
        reraise=True,
    )


def _stopped_by_breaker(failure: CarrierUnavailable, refused: CircuitOpen) -> CarrierUnavailable:
    """The carrier's last failure, to be asked again when the breaker that refused the next try allows (the
    carrier's own ``Retry-After`` was waited out before that try)."""
    failure.retry_after = refused.retry_after
    return failure


async def call_with_retry[T](
    attempt: Callable[[], Awaitable[T]], *, carrier: str, budget: RetryBudget, clock: Clock
) -> T:
    """Run ``attempt`` until it succeeds, fails permanently, or the budget is spent (then re-raise)."""
    failures: list[CarrierUnavailable] = []

    async def once() -> T:  # tenacity awaits only what it can see is a coroutine function
        try:
            return await attempt()
        except CircuitOpen:
            raise
        except CarrierUnavailable as failure:
            failures.append(failure)
            raise

    deadline = _Deadline(clock, budget.total_seconds)
    token = _BUDGET.set(deadline)
    try:
        return await _policy(carrier, budget, clock, deadline)(once)
    except CircuitOpen as refused:
        if not failures:
            raise
        raise _stopped_by_breaker(failures[-1], refused) from refused
    finally:
        _BUDGET.reset(token)
