"""A per-carrier circuit breaker: stop hammering a carrier that is down, probe it again after a pause.

    closed ──(N consecutive unavailable calls)──► open ──(cool-down over)──► half_open
       ▲                                                                       │
       └───────────────(probe succeeds)──────────┴──(probe fails: open again)──┘

Only ``CarrierUnavailable`` counts as a failure: a carrier that answers "bad request" or "no such
shipment" is up. In half-open state a single probe is let through; other calls fail fast meanwhile.
State is readable (``state``, ``failures``, ``opened_at``) for the carriers status endpoint.
"""

from collections.abc import Awaitable, Callable
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from carriers.clock import Clock
from carriers.errors import CarrierRejected, CarrierUnavailable, CircuitOpen


class BreakerSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    failure_threshold: int = Field(default=5, ge=1)
    cool_down_seconds: float = Field(default=30, gt=0)


class BreakerState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitBreaker:
    def __init__(self, carrier: str, settings: BreakerSettings, clock: Clock) -> None:
        self.carrier = carrier
        self._settings = settings
        self._clock = clock
        self.failures = 0
        self.opened_at: float | None = None  # on the clock's monotonic scale
        self._probing = False

    @property
    def state(self) -> BreakerState:
        if self.opened_at is None:
            return BreakerState.CLOSED
        if self._cool_down_left() > 0:
            return BreakerState.OPEN
        return BreakerState.HALF_OPEN

    async def call[T](self, attempt: Callable[[], Awaitable[T]]) -> T:
        probe = self._admit()
        try:
            result = await attempt()
        except CarrierUnavailable:
            self._record_failure()
            raise
        except CarrierRejected:
            self._record_success()
            raise
        finally:
            if probe:
                self._probing = False
        self._record_success()
        return result

    def _admit(self) -> bool:
        """Let a call through or raise ``CircuitOpen``; True when the call is the half-open probe."""
        state = self.state
        if state is BreakerState.OPEN:
            raise CircuitOpen("circuit open", carrier=self.carrier, retry_after=self._cool_down_left())
        if state is BreakerState.CLOSED:
            return False
        if self._probing:
            raise CircuitOpen("circuit half-open, probe in flight", carrier=self.carrier)
        self._probing = True
        return True

    def _record_failure(self) -> None:
        self.failures += 1
        if self.opened_at is not None or self.failures >= self._settings.failure_threshold:
            self.opened_at = self._clock.monotonic()

    def _record_success(self) -> None:
        self.failures = 0
        self.opened_at = None

    def _cool_down_left(self) -> float:
        if self.opened_at is None:
            return 0.0
        return max(0.0, self.opened_at + self._settings.cool_down_seconds - self._clock.monotonic())
