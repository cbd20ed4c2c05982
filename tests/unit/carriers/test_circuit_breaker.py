import asyncio

import pytest

from carriers.breaker import BreakerSettings, BreakerState, CircuitBreaker
from carriers.errors import BadRequest, CarrierUnavailable, CircuitOpen

SETTINGS = BreakerSettings(failure_threshold=3, cool_down_seconds=30)


async def fail() -> None:
    raise CarrierUnavailable("HTTP 503", carrier="dhl", status=503)


async def succeed() -> str:
    return "ok"


async def trip(breaker: CircuitBreaker, times: int) -> None:
    for _ in range(times):
        with pytest.raises(CarrierUnavailable):
            await breaker.call(fail)


async def test_a_new_breaker_is_closed(clock) -> None:
    breaker = CircuitBreaker("dhl", SETTINGS, clock)
    assert (breaker.state, breaker.failures, breaker.opened_at) == (BreakerState.CLOSED, 0, None)


async def test_it_opens_after_n_consecutive_failures_and_then_fails_fast(clock) -> None:
    breaker = CircuitBreaker("dhl", SETTINGS, clock)
    await trip(breaker, 3)
    assert (breaker.state, breaker.failures, breaker.opened_at) == (BreakerState.OPEN, 3, clock.monotonic())
    calls: list[int] = []

    async def counted() -> None:
        calls.append(1)

    clock.advance(10)
    with pytest.raises(CircuitOpen) as caught:
        await breaker.call(counted)
    assert calls == [] and caught.value.retry_after == 20


async def test_a_success_resets_the_count_of_consecutive_failures(clock) -> None:
    breaker = CircuitBreaker("dhl", SETTINGS, clock)
    await trip(breaker, 2)
    assert await breaker.call(succeed) == "ok"
    await trip(breaker, 2)
    assert breaker.state is BreakerState.CLOSED


async def test_a_rejected_request_shows_the_carrier_is_up(clock) -> None:
    breaker = CircuitBreaker("dhl", SETTINGS, clock)
    await trip(breaker, 2)

    async def rejected() -> None:
        raise BadRequest("HTTP 400", carrier="dhl", status=400)

    with pytest.raises(BadRequest):
        await breaker.call(rejected)
    assert breaker.failures == 0


async def test_it_half_opens_after_the_cool_down_and_closes_on_a_good_probe(clock) -> None:
    breaker = CircuitBreaker("dhl", SETTINGS, clock)
    await trip(breaker, 3)
    clock.advance(30)
    assert breaker.state is BreakerState.HALF_OPEN
    assert await breaker.call(succeed) == "ok"
    assert (breaker.state, breaker.failures, breaker.opened_at) == (BreakerState.CLOSED, 0, None)


async def test_a_failed_probe_opens_it_again_for_a_full_cool_down(clock) -> None:
    breaker = CircuitBreaker("dhl", SETTINGS, clock)
    await trip(breaker, 3)
    clock.advance(31)
    await trip(breaker, 1)
    assert breaker.state is BreakerState.OPEN
    clock.advance(29)
    assert breaker.state is BreakerState.OPEN
    clock.advance(1)
    assert breaker.state is BreakerState.HALF_OPEN


async def test_only_one_probe_is_in_flight_while_half_open(clock) -> None:
    breaker = CircuitBreaker("dhl", SETTINGS, clock)
    await trip(breaker, 3)
    clock.advance(30)
    release = asyncio.Event()

    async def slow_probe() -> str:
        await release.wait()
        return "ok"

    probe = asyncio.create_task(breaker.call(slow_probe))
    await asyncio.sleep(0)
    with pytest.raises(CircuitOpen, match="probe in flight"):
        await breaker.call(succeed)
    release.set()
    assert await probe == "ok"
    assert breaker.state is BreakerState.CLOSED
