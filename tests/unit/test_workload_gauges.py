"""The storage figures behind /metrics are read at most once per `max_age`, however many scrapers ask."""

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from prometheus_client import CollectorRegistry, generate_latest

from adapters.metrics import WorkloadGauges
from disputes.ports import Workload
from disputes.states import Status


class CountingReader:
    def __init__(self) -> None:
        self.reads = 0
        self.gate = asyncio.Event()

    async def workload(self, now: datetime, due_within: timedelta) -> Workload:
        self.reads += 1
        await self.gate.wait()
        return Workload({Status.UNDER_REVIEW: self.reads}, 0, 0, 0, None, 0, None)


class FixedClock:
    def now(self) -> datetime:
        return datetime(2026, 12, 4, 9, tzinfo=UTC)


def gauges(reader: CountingReader, max_age: float) -> tuple[WorkloadGauges, CollectorRegistry]:
    registry = CollectorRegistry()
    return WorkloadGauges(reader, FixedClock(), timedelta(hours=12), registry, max_age), registry


async def test_scrapes_at_the_same_moment_share_one_reading_and_later_ones_reuse_it():
    reader = CountingReader()
    workload, registry = gauges(reader, max_age=3600)
    scrapes = [asyncio.create_task(workload.refresh()) for _ in range(5)]
    await asyncio.sleep(0)  # let every scrape reach the reading
    reader.gate.set()
    await asyncio.gather(*scrapes)
    await workload.refresh()
    assert reader.reads == 1
    assert b'disputes_cases_open{state="under_review"} 1.0' in generate_latest(registry)


async def test_with_no_max_age_every_scrape_reads_storage_again():
    reader = CountingReader()
    reader.gate.set()
    workload, registry = gauges(reader, max_age=0)
    for _ in range(3):
        await workload.refresh()
    assert reader.reads == 3
    assert b'disputes_cases_open{state="under_review"} 3.0' in generate_latest(registry)


class BacklogReader:
    """Two pushed events wait, the oldest received 90 seconds before the clock's now; the outbox is empty."""

    async def workload(self, now: datetime, due_within: timedelta) -> Workload:
        return Workload({}, 0, 0, 0, None, 2, FixedClock().now() - timedelta(seconds=90))


async def test_pushed_events_waiting_show_with_the_oldest_ones_age_as_the_outbox_does():
    registry = CollectorRegistry()
    workload = WorkloadGauges(BacklogReader(), FixedClock(), timedelta(hours=12), registry, 0)
    await workload.refresh()
    scraped = generate_latest(registry)
    assert b"disputes_pushed_events_waiting 2.0" in scraped
    assert b"disputes_pushed_events_oldest_age_seconds 90.0" in scraped
    assert b"disputes_outbox_pending 0.0" in scraped and b"disputes_outbox_oldest_age_seconds 0.0" in scraped


class OutboxBacklogReader:
    """Three outbox messages wait, the oldest queued 120 seconds before the clock's now (a future one counts as 0)."""

    def __init__(self, oldest: timedelta) -> None:
        self.oldest = oldest

    async def workload(self, now: datetime, due_within: timedelta) -> Workload:
        return Workload({}, 0, 0, 3, FixedClock().now() - self.oldest, 0, None)


async def test_the_oldest_waiting_outbox_messages_age_is_exported_and_never_negative():
    registry = CollectorRegistry()
    workload = WorkloadGauges(OutboxBacklogReader(timedelta(seconds=120)), FixedClock(), timedelta(hours=12), registry, 0)
    await workload.refresh()
    scraped = generate_latest(registry)
    assert b"disputes_outbox_pending 3.0" in scraped and b"disputes_outbox_oldest_age_seconds 120.0" in scraped

    registry = CollectorRegistry()  # queued by a process whose clock runs ahead of this one's
    workload = WorkloadGauges(OutboxBacklogReader(timedelta(seconds=-5)), FixedClock(), timedelta(hours=12), registry, 0)
    await workload.refresh()
    assert b"disputes_outbox_oldest_age_seconds 0.0" in generate_latest(registry)


class FailingAfterFirst:
    """Answers once, then the database is away."""

    def __init__(self) -> None:
        self.reads = 0

    async def workload(self, now: datetime, due_within: timedelta) -> Workload:
        self.reads += 1
        if self.reads > 1:
            raise ConnectionError("database away")
        return Workload({Status.UNDER_REVIEW: 4}, 0, 0, 0, None, 0, None)


async def test_while_storage_cannot_be_read_the_last_figures_are_served_with_how_old_they_are():
    registry, now = CollectorRegistry(), [100.0]
    workload = WorkloadGauges(FailingAfterFirst(), FixedClock(), timedelta(hours=12), registry, 15, lambda: now[0])
    await workload.refresh()
    now[0] += 5
    assert b"disputes_storage_figures_age_seconds 5.0" in generate_latest(registry)
    now[0] += 295
    await workload.refresh()  # the database is away: nothing new
    scraped = generate_latest(registry)
    assert b'disputes_cases_open{state="under_review"} 4.0' in scraped
    assert b"disputes_storage_figures_age_seconds 300.0" in scraped


class NeverReadable:
    """Storage cannot be read from the process's first scrape on (a read that always times out, a role without the
    privilege)."""

    def __init__(self) -> None:
        self.reads = 0

    async def workload(self, now: datetime, due_within: timedelta) -> Workload:
        self.reads += 1
        raise TimeoutError("the database did not answer in time")


async def test_a_process_that_never_read_its_storage_figures_exports_their_age_from_its_start():
    registry, now = CollectorRegistry(), [100.0]
    workload = WorkloadGauges(NeverReadable(), FixedClock(), timedelta(hours=12), registry, 15, lambda: now[0])
    for _ in range(40):  # ten minutes of scrapes every 15 s, storage never answering
        await workload.refresh()
        now[0] += 15
    scraped = generate_latest(registry).decode()
    assert "disputes_storage_figures_age_seconds 600.0" in scraped, scraped
    assert "disputes_cases_open" not in scraped and "disputes_sla_breached" not in scraped  # nothing was read


async def test_a_failed_reading_is_not_tried_again_before_max_age_however_many_scrapes_come():
    reader, now = NeverReadable(), [100.0]
    workload = WorkloadGauges(reader, FixedClock(), timedelta(hours=12), CollectorRegistry(), 15, lambda: now[0])
    for _ in range(15):  # a scrape every second for 15 s, from several scrapers
        await workload.refresh()
        await workload.refresh()
        now[0] += 1
    assert reader.reads == 1
    await workload.refresh()  # 15 s after the failed one
    assert reader.reads == 2


async def test_a_scrape_that_gives_up_leaves_the_reading_running_and_the_next_scrape_serves_it():
    reader, now = CountingReader(), [100.0]
    registry = CollectorRegistry()
    workload = WorkloadGauges(reader, FixedClock(), timedelta(hours=12), registry, 15, lambda: now[0])
    with pytest.raises(TimeoutError):  # the scraper's timeout: the reading has not answered yet
        async with asyncio.timeout(0.01):
            await workload.refresh()
    reader.gate.set()  # storage answers after the scraper left
    now[0] += 15  # the next scrape, one interval later
    await workload.refresh()
    assert reader.reads == 1
    assert b'disputes_cases_open{state="under_review"} 1.0' in generate_latest(registry)
