"""A /metrics scrape answers within Prometheus' default scrape_timeout (10 s) while the database hangs or is gone.

A reading of the storage figures may wait for the database 60 s (READING_SECONDS), and with the database refusing
connections PyMongo's operation timeout replaces server selection's 5 s, so a reading takes the full 60 s. Had each
scrape waited for it, Prometheus would see `up` 0 through the outage: the last figures, their age
(DisputesStorageFiguresStale) and the pass counters would vanish exactly then, and `absent()`/`for:` alerts would
reset at each rare scrape that got through. A scrape waits a short bound, then serves what was last read."""

import asyncio
from datetime import UTC, datetime, timedelta

from prometheus_client import CollectorRegistry, generate_latest

from adapters.carrier_health import CarrierHealth
from adapters.metrics import WorkloadGauges
from carriers.breaker import BreakerRecord
from disputes.ports import Workload
from disputes.states import Status

SCRAPE_TIMEOUT = 10.0  # Prometheus' default scrape_timeout
NOW = datetime(2026, 12, 4, 9, tzinfo=UTC)


class DatabaseGoesAway:
    """Answers the first reading; afterwards the database hangs (every later reading waits for ever)."""

    def __init__(self) -> None:
        self.reads = 0
        self.hang = asyncio.Event()

    async def workload(self, now: datetime, due_within: timedelta) -> Workload:
        self.reads += 1
        if self.reads > 1:
            await self.hang.wait()
        return Workload({Status.UNDER_REVIEW: 7 * self.reads}, 0, 0, 0, None, 0, None)

    async def read_all(self, carriers):
        self.reads += 1
        if self.reads > 1:
            await self.hang.wait()
        return {carrier: BreakerRecord(failures=self.reads) for carrier in carriers}


class FixedClock:
    def now(self) -> datetime:
        return NOW


class Monotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_a_scrape_after_the_database_went_away_answers_with_the_last_figures_and_their_age_in_time():
    reader, monotonic = DatabaseGoesAway(), Monotonic()
    registry = CollectorRegistry()
    gauges = WorkloadGauges(reader, FixedClock(), timedelta(hours=12), registry, 15.0, monotonic=monotonic)
    await gauges.refresh()  # the database answered once
    monotonic.now += 16  # the figures are due again; the database is gone now

    async def scrape() -> bytes:
        await gauges.refresh()
        return generate_latest(registry)

    scraped = await asyncio.wait_for(scrape(), timeout=SCRAPE_TIMEOUT)  # TimeoutError: Prometheus would see nothing
    assert b'disputes_cases_open{state="under_review"} 7.0' in scraped
    assert b"disputes_storage_figures_age_seconds 16.0" in scraped

    reader.hang.set()  # the database is back: the reading that went on past the scrape is served by the next one
    await asyncio.wait_for(scrape(), timeout=SCRAPE_TIMEOUT)
    assert b'disputes_cases_open{state="under_review"} 14.0' in generate_latest(registry)
    assert reader.reads == 2  # the second scrape shared the reading under way; it started none of its own


async def test_a_scrape_serves_the_breakers_last_read_while_their_store_hangs():
    store, registry = DatabaseGoesAway(), CollectorRegistry()
    health = CarrierHealth(store, ["ups"], registry, FixedClock())
    await health.refresh()

    await asyncio.wait_for(health.refresh(), timeout=SCRAPE_TIMEOUT)
    await asyncio.wait_for(health.refresh(), timeout=SCRAPE_TIMEOUT)  # shares the hung reading

    assert b'disputes_carrier_consecutive_failures{carrier="ups"} 1.0' in generate_latest(registry)
    assert store.reads == 2
    store.hang.set()
    await asyncio.wait_for(health.refresh(), timeout=SCRAPE_TIMEOUT)
    assert b'disputes_carrier_consecutive_failures{carrier="ups"} 2.0' in generate_latest(registry)
