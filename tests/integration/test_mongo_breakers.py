"""The shared breakers as two processes see them: a breaker known closed is not read again for a moment, and a
breaker another process opened is seen once that moment has passed."""

from datetime import UTC, datetime, timedelta

from prometheus_client import CollectorRegistry, generate_latest

from adapters.carrier_health import CarrierHealth
from adapters.mongo.breakers import MongoBreakerStore
from carriers.breaker import CLOSED, BreakerRecord, BreakerState

NOW = datetime(2024, 4, 23, 14, 0, tzinfo=UTC)
LATER = NOW + timedelta(seconds=30)
KNOWN = timedelta(seconds=1)


class Ticks:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


async def test_a_breaker_known_closed_is_not_read_again_until_the_moment_passes(mongo_db, query_audit):
    ticks = Ticks()
    worker, api = MongoBreakerStore(mongo_db, KNOWN, ticks), MongoBreakerStore(mongo_db, KNOWN, ticks)
    assert await worker.read("dhl") == CLOSED
    finds = _finds(query_audit)
    await api.failed("dhl", NOW, 1, LATER)  # another process opens it
    assert await worker.read("dhl") == CLOSED and _finds(query_audit) == finds  # known closed: no round trip
    ticks.now += KNOWN.total_seconds()
    assert (await worker.read("dhl")).state(NOW) is BreakerState.OPEN
    assert _finds(query_audit) == finds + 1


async def test_what_this_store_writes_replaces_what_it_knew(mongo_db):
    ticks = Ticks()
    store = MongoBreakerStore(mongo_db, KNOWN, ticks)
    assert await store.read("dhl") == CLOSED
    await store.failed("dhl", NOW, 1, LATER)
    assert (await store.read("dhl")).open_until == LATER  # at once, not a moment later
    await store.take_probe("dhl", LATER, LATER + timedelta(seconds=60))
    assert await store.succeeded("dhl") == BreakerRecord(last_failure_at=NOW)
    assert (await store.read("dhl")).clean


async def test_carrier_health_always_reads(mongo_db):
    ticks = Ticks()
    worker, api = MongoBreakerStore(mongo_db, KNOWN, ticks), MongoBreakerStore(mongo_db, KNOWN, ticks)
    assert await api.read("dhl") == CLOSED
    await worker.failed("dhl", NOW, 1, LATER)
    assert (await api.read_all(["dhl"]))["dhl"].open_until == LATER


class Fixed:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at


async def test_metrics_show_each_carriers_failures_as_counted_by_the_workers(mongo_db):
    worker, api = MongoBreakerStore(mongo_db, KNOWN, Ticks()), MongoBreakerStore(mongo_db, KNOWN, Ticks())
    registry = CollectorRegistry()
    health = CarrierHealth(api, ["dhl", "ups"], registry, Fixed(NOW))

    for _ in range(2):  # two unavailable answers, under a threshold of 3: still closed
        await worker.failed("dhl", NOW, 3, LATER)
    await health.refresh()
    scraped = generate_latest(registry).decode()
    assert 'disputes_carrier_consecutive_failures{carrier="dhl"} 2.0' in scraped
    assert 'disputes_carrier_consecutive_failures{carrier="ups"} 0.0' in scraped
    assert 'disputes_carrier_circuit_state{carrier="dhl"} 0.0' in scraped

    await worker.failed("dhl", NOW, 3, LATER)  # the third opens it
    await health.refresh()
    scraped = generate_latest(registry).decode()
    assert 'disputes_carrier_consecutive_failures{carrier="dhl"} 3.0' in scraped
    assert 'disputes_carrier_circuit_state{carrier="dhl"} 2.0' in scraped

    await worker.succeeded("dhl")  # it answered: the count starts again
    await health.refresh()
    assert 'disputes_carrier_consecutive_failures{carrier="dhl"} 0.0' in generate_latest(registry).decode()


def _finds(audit) -> int:
    return sum(1 for name, command in audit.commands if name == "find" and command["find"] == "carrier_breakers")
