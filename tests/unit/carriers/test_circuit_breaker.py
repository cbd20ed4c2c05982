import asyncio
from datetime import timedelta

import pytest

from carriers.breaker import BreakerRecord, BreakerSettings, BreakerState, CircuitBreaker, InMemoryBreakerStore
from carriers.errors import BadRequest, CarrierAuthError, CarrierError, CarrierUnavailable, CircuitOpen

SETTINGS = BreakerSettings(failure_threshold=3, cool_down_seconds=30, probe_lease_seconds=60, refused_retry_seconds=5)
COOL_DOWN = timedelta(seconds=30)


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
    assert (breaker.state, breaker.failures, breaker.open_until) == (BreakerState.CLOSED, 0, None)


async def test_it_opens_after_n_consecutive_failures_and_then_fails_fast(clock) -> None:
    breaker = CircuitBreaker("dhl", SETTINGS, clock)
    await trip(breaker, 3)
    assert (breaker.state, breaker.failures, breaker.open_until) == (BreakerState.OPEN, 3, clock.now() + COOL_DOWN)
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


async def refused() -> None:
    raise CarrierAuthError("HTTP 401", carrier="dhl", status=401)


async def repeated_refusal() -> None:
    """A refusal the token cache repeats without asking the carrier."""
    failure = CarrierAuthError("HTTP 401", carrier="dhl", status=401)
    failure.repeated = True
    raise failure


async def repeated_unavailable() -> None:
    """A Retry-After the token cache repeats without asking the carrier."""
    failure = CarrierUnavailable("HTTP 503", carrier="dhl", status=503, retry_after=20)
    failure.repeated = True
    raise failure


async def test_a_refusal_of_our_credentials_by_the_carrier_shows_it_is_up(clock) -> None:
    breaker = CircuitBreaker("dhl", SETTINGS, clock)
    await trip(breaker, 2)
    with pytest.raises(CarrierAuthError):
        await breaker.call(refused)
    assert (breaker.state, breaker.failures) == (BreakerState.CLOSED, 0)


@pytest.mark.parametrize("repeated", [repeated_refusal, repeated_unavailable])
async def test_a_failure_the_token_cache_repeats_reached_no_carrier_and_counts_as_nothing(clock, repeated) -> None:
    breaker = CircuitBreaker("dhl", SETTINGS, clock)
    await trip(breaker, 2)
    for _ in range(3):
        with pytest.raises(CarrierError):
            await breaker.call(repeated)
    assert (breaker.state, breaker.failures) == (BreakerState.CLOSED, 2)
    await trip(breaker, 1)
    assert breaker.state is BreakerState.OPEN


async def test_a_probe_the_carrier_answers_with_a_refusal_of_our_credentials_closes_the_breaker(clock) -> None:
    """A carrier back after an outage that refuses our credentials is up: its calls reach it and fail as refused,
    rather than being turned away while one probe after another is refused."""
    breaker = CircuitBreaker("dhl", SETTINGS, clock)
    await trip(breaker, 3)
    clock.advance(30)
    with pytest.raises(CarrierAuthError):
        await breaker.call(refused)
    assert (breaker.state, breaker.failures) == (BreakerState.CLOSED, 0)


async def test_a_probe_whose_failure_the_token_cache_repeated_leaves_the_next_call_to_probe(clock) -> None:
    breaker = CircuitBreaker("dhl", SETTINGS, clock)
    await trip(breaker, 3)
    clock.advance(30)
    with pytest.raises(CarrierAuthError):
        await breaker.call(repeated_refusal)
    assert breaker.state is BreakerState.HALF_OPEN
    assert await breaker.call(succeed) == "ok"
    assert breaker.state is BreakerState.CLOSED


async def test_it_half_opens_after_the_cool_down_and_closes_on_a_good_probe(clock) -> None:
    breaker = CircuitBreaker("dhl", SETTINGS, clock)
    await trip(breaker, 3)
    clock.advance(30)
    assert breaker.state is BreakerState.HALF_OPEN
    assert await breaker.call(succeed) == "ok"
    assert (breaker.state, breaker.failures, breaker.open_until) == (BreakerState.CLOSED, 0, None)


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
    with pytest.raises(CircuitOpen, match="probe in flight") as refused:
        await breaker.call(succeed)
    assert refused.value.retry_after == 5
    release.set()
    assert await probe == "ok"
    assert breaker.state is BreakerState.CLOSED


async def test_breakers_sharing_a_store_open_together(clock) -> None:
    """Two processes (two workers) stop calling a failing carrier after the threshold in all, not each."""
    store = InMemoryBreakerStore()
    first, second = (CircuitBreaker("dhl", SETTINGS, clock, store) for _ in range(2))
    await trip(first, 2)
    await trip(second, 1)
    calls: list[int] = []

    async def counted() -> None:
        calls.append(1)

    for breaker in (first, second):
        with pytest.raises(CircuitOpen, match="circuit open"):
            await breaker.call(counted)
    assert calls == [] and second.state is BreakerState.OPEN


async def test_only_one_process_probes_a_shared_breaker_and_its_success_closes_it_for_all(clock) -> None:
    store = InMemoryBreakerStore()
    first, second = (CircuitBreaker("dhl", SETTINGS, clock, store) for _ in range(2))
    await trip(first, 3)
    clock.advance(30)
    release = asyncio.Event()

    async def slow_probe() -> str:
        await release.wait()
        return "ok"

    probe = asyncio.create_task(first.call(slow_probe))
    await asyncio.sleep(0)
    with pytest.raises(CircuitOpen, match="probe in flight"):
        await second.call(succeed)
    release.set()
    assert await probe == "ok"
    assert await second.call(succeed) == "ok" and second.state is BreakerState.CLOSED


async def test_a_probe_whose_process_died_frees_the_breaker_after_its_lease(clock) -> None:
    store = InMemoryBreakerStore()
    dead, alive = (CircuitBreaker("dhl", SETTINGS, clock, store) for _ in range(2))
    await trip(dead, 3)
    clock.advance(30)
    now = clock.now()
    assert await store.take_probe("dhl", now, now + timedelta(seconds=60)) is not None  # its process is killed
    with pytest.raises(CircuitOpen, match="probe in flight"):
        await alive.call(succeed)
    clock.advance(60)
    assert await alive.call(succeed) == "ok" and alive.state is BreakerState.CLOSED


class ResetsCounted(InMemoryBreakerStore):
    def __init__(self) -> None:
        super().__init__()
        self.resets: list[str] = []

    async def succeeded(self, carrier: str) -> BreakerRecord:
        self.resets.append(carrier)
        return await super().succeeded(carrier)


async def test_a_healthy_carriers_calls_write_nothing(clock) -> None:
    store = ResetsCounted()
    breaker = CircuitBreaker("dhl", SETTINGS, clock, store)
    for _ in range(3):
        await breaker.call(succeed)
    assert store.resets == []
    await trip(breaker, 1)
    await breaker.call(succeed)
    assert store.resets == ["dhl"] and breaker.failures == 0
