"""Carrier health as every process sees it: each carrier's circuit breaker, shared in storage, read for
``GET /v1/carriers`` and for ``/metrics``. The API calls no carrier when the workers run elsewhere, yet it
shows what they see."""

import asyncio
from collections.abc import Collection, Iterator

import structlog
from prometheus_client import CollectorRegistry
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from adapters.metrics import SCRAPE_WAIT
from carriers.breaker import BreakerRecord, BreakerState, BreakerStore
from carriers.clock import SYSTEM_CLOCK, Clock

log = structlog.get_logger("carriers")
CIRCUIT_LEVEL = {BreakerState.CLOSED: 0, BreakerState.HALF_OPEN: 1, BreakerState.OPEN: 2}


class CarrierHealth(Collector):
    """Reads the breakers of `carriers`; as a Prometheus collector it serves what `refresh` last read (a
    collector cannot wait on the database, so the /metrics handler refreshes first)."""

    def __init__(
        self, store: BreakerStore, carriers: Collection[str], registry: CollectorRegistry, clock: Clock = SYSTEM_CLOCK
    ) -> None:
        self._store = store
        self._carriers = sorted(carriers)
        self._clock = clock  # the carriers' clock: breaker times are on it
        self._last: dict[str, BreakerRecord] = {}
        self._reading: asyncio.Task[None] | None = None
        registry.register(self)

    async def read(self) -> dict[str, tuple[BreakerState, BreakerRecord]]:
        records = await self._store.read_all(self._carriers)
        now = self._clock.now()
        return {code: (record.state(now), record) for code, record in records.items()}

    async def refresh(self) -> None:
        """Read the breakers for the next scrape, waiting `SCRAPE_WAIT` at most (a scrape arriving during a reading
        shares it, and it goes on past the wait); with the database away or slow, the last reading is served."""
        if self._reading is None:
            self._reading = asyncio.create_task(self._read())
        await asyncio.wait([self._reading], timeout=SCRAPE_WAIT)

    async def _read(self) -> None:
        try:
            self._last = await self._store.read_all(self._carriers)
        except Exception as error:
            log.warning("carrier_health_unread", error=type(error).__name__)
        finally:
            self._reading = None

    def collect(self) -> Iterator[Metric]:
        now = self._clock.now()
        circuit = GaugeMetricFamily(
            "disputes_carrier_circuit_state", "Circuit breaker: 0 closed, 1 half-open, 2 open", labels=["carrier"]
        )
        failures = GaugeMetricFamily(
            "disputes_carrier_consecutive_failures", "Unavailable answers since the carrier last answered", labels=["carrier"]
        )
        for code, record in sorted(self._last.items()):
            circuit.add_metric([code], CIRCUIT_LEVEL[record.state(now)])
            failures.add_metric([code], record.failures)
        yield circuit
        yield failures
