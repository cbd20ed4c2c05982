"""A per-carrier circuit breaker: stop hammering a carrier that is down, probe it again after a pause.

    closed ──(N consecutive unavailable calls)──► open ──(cool-down over)──► half_open
       ▲                                                                       │
       └───────────────(probe succeeds)──────────┴──(probe fails: open again)──┘

Only ``CarrierUnavailable`` counts as a failure: a carrier that answers "bad request" or "no such
shipment" is up, and so is one that refuses our credentials (its breaker closes; the call fails as the refusal).
A failure the token cache repeats (``repeated``) counts as neither: it reached no carrier at all, and one fetch's
failure shared with many calls would otherwise count once for each.
In half-open state a single probe is let through; other calls fail fast meanwhile.

The state lives in a ``BreakerStore``, so every process that calls a carrier (the API and each worker) shares
one breaker per carrier: N workers stop calling a failing carrier after about N failed calls, not N × the
threshold, and the carriers status endpoint shows what the workers see. Each store operation is one atomic
change of one record; times are wall-clock (``Clock.now``), the only scale processes share. A probe holds
the half-open breaker for ``probe_lease_seconds`` at most, so a process that dies mid-probe does not keep
it half-open. ``InMemoryBreakerStore`` is the default, for a carrier adapter used on its own.

A refused call raises ``CircuitOpen`` with ``retry_after``: the rest of the cool-down, or
``refused_retry_seconds`` while another call probes (it will soon have closed or reopened the breaker).
"""

from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field

from carriers.clock import Clock
from carriers.errors import CarrierError, CarrierUnavailable, CircuitOpen


class BreakerSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    failure_threshold: int = Field(
        default=5, ge=1, description="Consecutive calls the carrier could not answer that open its circuit breaker."
    )
    cool_down_seconds: float = Field(
        default=30, gt=0, description="How long an open breaker refuses calls before one probe is let through."
    )
    probe_lease_seconds: float = Field(
        default=60, gt=0, description="How long a probe holds the half-open breaker at most (a process that dies "
                                      "mid-probe does not keep it half-open)."
    )
    refused_retry_seconds: float = Field(
        default=5, gt=0, description="When a case refused while another call probes the carrier is pulled again."
    )


class BreakerState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


@dataclass(frozen=True, slots=True)
class BreakerRecord:
    """One carrier's shared breaker: consecutive failures, open until when, probed until when."""

    failures: int = 0
    open_until: datetime | None = None
    probe_until: datetime | None = None
    last_failure_at: datetime | None = None

    @property
    def clean(self) -> bool:
        """Closed with nothing counted and no probe: a success has nothing to reset."""
        return self.failures == 0 and self.open_until is None and self.probe_until is None

    def state(self, now: datetime) -> BreakerState:
        if self.open_until is None:
            return BreakerState.CLOSED
        return BreakerState.OPEN if now < self.open_until else BreakerState.HALF_OPEN


CLOSED = BreakerRecord()


class BreakerStore(Protocol):
    """Where breakers live. Every method is one atomic change of one carrier's record."""

    async def read(self, carrier: str) -> BreakerRecord: ...

    async def read_all(self, carriers: Collection[str]) -> dict[str, BreakerRecord]:
        """The records of `carriers` (a carrier never called is closed)."""
        ...

    async def take_probe(self, carrier: str, now: datetime, until: datetime) -> BreakerRecord | None:
        """Become the half-open probe until `until`: only when the cool-down is over (`open_until` ≤ `now`)
        and no probe holds the breaker past `now`. None when another call is probing (or it closed meanwhile)."""
        ...

    async def failed(self, carrier: str, now: datetime, threshold: int, open_until: datetime) -> BreakerRecord:
        """Count a failure and free the probe; open (or reopen) until `open_until` when the breaker was open
        already or the count reaches `threshold`."""
        ...

    async def succeeded(self, carrier: str) -> BreakerRecord:
        """The carrier answered: closed, no failures counted, no probe (`last_failure_at` stays)."""
        ...

    async def release_probe(self, carrier: str) -> None:
        """A probe ended without telling whether the carrier is up: let another call probe."""
        ...


class InMemoryBreakerStore:
    """Breakers of one process (no ``await`` inside a change: each is atomic on the event loop)."""

    def __init__(self) -> None:
        self._records: dict[str, BreakerRecord] = {}

    async def read(self, carrier: str) -> BreakerRecord:
        return self._records.get(carrier, CLOSED)

    async def read_all(self, carriers: Collection[str]) -> dict[str, BreakerRecord]:
        return {carrier: self._records.get(carrier, CLOSED) for carrier in carriers}

    async def take_probe(self, carrier: str, now: datetime, until: datetime) -> BreakerRecord | None:
        record = self._records.get(carrier, CLOSED)
        if record.open_until is None or record.open_until > now or (record.probe_until or now) > now:
            return None
        return self._put(carrier, replace(record, probe_until=until))

    async def failed(self, carrier: str, now: datetime, threshold: int, open_until: datetime) -> BreakerRecord:
        record = self._records.get(carrier, CLOSED)
        failures = record.failures + 1
        opens = record.open_until is not None or failures >= threshold
        return self._put(carrier, BreakerRecord(failures, open_until if opens else None, None, now))

    async def succeeded(self, carrier: str) -> BreakerRecord:
        record = self._records.get(carrier, CLOSED)
        return self._put(carrier, BreakerRecord(last_failure_at=record.last_failure_at))

    async def release_probe(self, carrier: str) -> None:
        if (record := self._records.get(carrier)) is not None:
            self._records[carrier] = replace(record, probe_until=None)

    def _put(self, carrier: str, record: BreakerRecord) -> BreakerRecord:
        self._records[carrier] = record
        return record


class CircuitBreaker:
    """One carrier's breaker over a shared store. ``state`` and ``failures`` are what this process last saw
    (for tests and logs); the carriers status endpoint reads the store."""

    def __init__(
        self, carrier: str, settings: BreakerSettings, clock: Clock, store: BreakerStore | None = None
    ) -> None:
        self.carrier = carrier
        self._settings = settings
        self._clock = clock
        self._store: BreakerStore = store if store is not None else InMemoryBreakerStore()
        self._seen = CLOSED

    @property
    def state(self) -> BreakerState:
        return self._seen.state(self._clock.now())

    @property
    def failures(self) -> int:
        return self._seen.failures

    @property
    def open_until(self) -> datetime | None:
        return self._seen.open_until

    async def call[T](self, attempt: Callable[[], Awaitable[T]]) -> T:
        probe = await self._admit()
        try:
            result = await attempt()
        except CarrierError as failed:
            if failed.repeated:
                await self._release(probe)
            elif isinstance(failed, CarrierUnavailable):
                await self._record_failure()
            else:
                await self._record_success(probe)
            raise
        except Exception:
            await self._release(probe)
            raise
        await self._record_success(probe)
        return result

    async def _admit(self) -> bool:
        """Let a call through or raise ``CircuitOpen``; True when the call is the half-open probe."""
        self._seen = record = await self._store.read(self.carrier)
        now = self._clock.now()
        if record.open_until is None:
            return False
        if now < record.open_until:
            left = (record.open_until - now).total_seconds()
            raise CircuitOpen("circuit open", carrier=self.carrier, retry_after=left)
        until = now + timedelta(seconds=self._settings.probe_lease_seconds)
        if (probing := await self._store.take_probe(self.carrier, now, until)) is None:
            retry = self._settings.refused_retry_seconds
            raise CircuitOpen("circuit half-open, probe in flight", carrier=self.carrier, retry_after=retry)
        self._seen = probing
        return True

    async def _release(self, probe: bool) -> None:
        """The call ended without telling whether the carrier is up: if it was the probe, another call probes."""
        if probe:
            await self._store.release_probe(self.carrier)

    async def _record_failure(self) -> None:
        now = self._clock.now()
        open_until = now + timedelta(seconds=self._settings.cool_down_seconds)
        self._seen = await self._store.failed(self.carrier, now, self._settings.failure_threshold, open_until)

    async def _record_success(self, probe: bool) -> None:
        if probe or not self._seen.clean:  # a healthy carrier's calls write nothing
            self._seen = await self._store.succeeded(self.carrier)
