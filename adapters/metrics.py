"""The service's Prometheus metrics, all named `disputes_*`: HTTP requests by route template, method and status
with their duration; what storage holds right now (open cases by state, deadlines at risk or passed, the
outbox backlog and its oldest message, the pushed events waiting to be attached and the oldest of them), read when
/metrics is scraped; outbox deliveries by kind and result; when the business calendar stops counting.
Carrier metrics live with the carriers (`adapters/carrier_gateway.py`, `adapters/carrier_health.py`)."""

import asyncio
import math
import time
from bisect import bisect_left
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import accumulate

import structlog
from aiohttp import hdrs, web
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector
from prometheus_client.samples import Sample
from prometheus_client.utils import floatToGoString

from adapters.workers import PASS_FAILURES, PASSES
from disputes.calendar import COVERED_YEARS
from disputes.ports import Clock, Workload, WorkloadReader
from disputes.relay import Attempt, Result
from disputes.work import WorkKind
from schemas.dispute import EffectKind

log = structlog.get_logger("metrics")
Refresh = Callable[[], Awaitable[None]]


_REQUESTS = "disputes_http_requests"
_DURATION = "disputes_http_request_duration_seconds"
_BOUNDS = tuple(Histogram.DEFAULT_BUCKETS)
_LE = tuple(floatToGoString(bound) for bound in _BOUNDS)  # type: ignore[no-untyped-call]  # as Histogram labels `le`


@dataclass(slots=True)
class _Count:
    value: float = 0.0
    created: float = field(default_factory=time.time)


@dataclass(slots=True)
class _Durations:
    """One histogram series: observations per bucket (not yet summed up to `le`), their sum, when it began."""

    per_bucket: list[float] = field(default_factory=lambda: [0.0] * len(_BOUNDS))
    sum: float = 0.0
    created: float = field(default_factory=time.time)


class HttpMetrics(Collector):
    """Requests answered by method, route template and status, and their duration by method and route: exposed as
    a prometheus_client Counter and Histogram (default buckets) would be, counted in plain numbers. Theirs take a
    lock and half a dozen calls per observation, on every request; these are only counted on the event loop."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self._series: dict[tuple[str, str, int], tuple[_Count, _Durations]] = {}
        self._durations: dict[tuple[str, str], _Durations] = {}
        registry.register(self)

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        """`route`: the route's template ("unmatched" when none matched)."""
        key = (method if method in hdrs.METH_ALL else "OTHER", route, status)  # a client names any method
        if (series := self._series.get(key)) is None:
            series = self._series[key] = self._new_series(key)
        count, durations = series
        count.value += 1
        durations.per_bucket[bisect_left(_BOUNDS, seconds)] += 1  # the first bucket whose bound is >= seconds
        durations.sum += seconds

    def _new_series(self, key: tuple[str, str, int]) -> tuple[_Count, _Durations]:
        if (durations := self._durations.get(key[:2])) is None:
            durations = self._durations[key[:2]] = _Durations()
        return _Count(), durations

    def describe(self) -> Iterator[Metric]:
        """The families without samples: the names the registry keeps apart from other collectors'."""
        return iter(self._families())

    def collect(self) -> Iterator[Metric]:
        requests, durations = self._families()
        for (method, route, status), (count, _) in list(self._series.items()):  # a copy: a scrape may run elsewhere
            requests.add_metric((method, route, str(status)), count.value, created=count.created)
        for (method, route), series in list(self._durations.items()):
            durations.add_metric((method, route), list(zip(_LE, accumulate(series.per_bucket), strict=True)), series.sum)
            durations.samples.append(Sample(f"{_DURATION}_created", {"method": method, "route": route}, series.created))
        return iter((requests, durations))

    @staticmethod
    def _families() -> tuple[CounterMetricFamily, HistogramMetricFamily]:
        return (
            CounterMetricFamily(_REQUESTS, "Requests answered, by method, route template and status",
                                labels=("method", "route", "status")),
            HistogramMetricFamily(_DURATION, "Time to answer a request, by method and route template",
                                  labels=("method", "route")),
        )


HTTP_METRICS = web.AppKey("http_metrics", HttpMetrics)
SCRAPE: web.AppKey[list[Refresh]] = web.AppKey("scrape")
"""What /metrics reads before it renders (a collector cannot wait on the database)."""


READING_SECONDS = 60.0
"""How long one reading of the storage figures may wait for the database, its calls together: longer than an API
request's bound (3 s), as the reading's cost follows the open cases (README, Metrics, alerts and logs)."""


SCRAPE_WAIT = 2.0
"""How long a scrape waits for a reading of storage: one not done by then goes on for the next scrape, and this one
serves the last figures read (their age on `disputes_storage_figures_age_seconds`), so /metrics answers well within
Prometheus' `scrape_timeout` (10 s by default) whatever the database does, and the alerts on those figures can fire."""


class WorkloadGauges(Collector):
    """Storage's workload as gauges; serves what `refresh` last read (with the database away, the last reading, and
    how old it is: the alerts on these figures cannot fire while they are frozen).

    A reading walks the open cases' index, so it is taken at most once per `max_age` seconds (measured on the
    `monotonic` clock: a test clock's jumps do not count), however many scrapers ask, and a failed one is not tried
    again sooner either. Until a reading succeeds, the figures' age counts from when these gauges were made (at the
    process's start), so the alert on it fires for a process that never could read them.

    A reading outlives the scrape that began it: a scraper that gives up (Prometheus' `scrape_timeout`, 10 s by
    default) does not cut it, and the next scrape serves what it read; the next reading is `max_age` after it ended.
    How long a reading may wait for storage is its own bound (`READING_SECONDS`, set by the composition root), not
    an API request's."""

    def __init__(
        self, reader: WorkloadReader, clock: Clock, due_within: timedelta, registry: CollectorRegistry, max_age: float,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._reader = reader
        self._clock = clock
        self._due_within = due_within
        self._max_age = max_age
        self._monotonic = monotonic
        self._last: Workload | None = None
        self._read_at = monotonic()  # nothing read yet: the figures are as old as the process
        self._tried_at = -math.inf
        self._reading: asyncio.Task[None] | None = None
        registry.register(self)

    async def refresh(self) -> None:
        """Waits, `SCRAPE_WAIT` at most, for a reading when one is due or under way (a scrape arriving during one
        shares it); the reading goes on past the wait, and past a cancelled one."""
        if self._reading is None:
            if self._monotonic() - self._tried_at < self._max_age:
                return
            self._reading = asyncio.create_task(self._read())
        await asyncio.wait([self._reading], timeout=SCRAPE_WAIT)

    async def _read(self) -> None:
        try:
            self._last = await self._reader.workload(self._clock.now(), self._due_within)
            self._read_at = self._monotonic()
        except Exception as error:
            log.warning("workload_unread", error=type(error).__name__)
        finally:
            self._tried_at = self._monotonic()
            self._reading = None

    def collect(self) -> Iterator[Metric]:
        if (last := self._last) is not None:
            yield from self._figures(last)
        yield GaugeMetricFamily(
            "disputes_storage_figures_age_seconds",
            "Seconds since the figures above were read from storage (since the process started while none was): it "
            "grows while the database cannot be read",
            value=self._monotonic() - self._read_at,
        )

    def _figures(self, last: Workload) -> Iterator[Metric]:
        states = GaugeMetricFamily("disputes_cases_open", "Open disputes by state", labels=["state"])
        for state, count in sorted(last.open_by_state.items()):
            states.add_metric([state.value], count)
        yield states
        yield GaugeMetricFamily(
            "disputes_sla_at_risk", "Open disputes whose decision is due within the escalation window",
            value=last.decision_due_soon,
        )
        yield GaugeMetricFamily(
            "disputes_sla_breached",
            "Open disputes whose decision deadline has passed and that the deadline rule has not acted on",
            value=last.decision_overdue,
        )
        yield GaugeMetricFamily(
            "disputes_sla_with_supervisor",
            "Open disputes past their decision deadline that the deadline rule handed to a supervisor",
            value=last.decision_with_supervisor,
        )
        yield GaugeMetricFamily("disputes_outbox_pending", "Outbox messages waiting for delivery", value=last.outbox_pending)
        yield GaugeMetricFamily(
            "disputes_outbox_oldest_age_seconds", "Age of the oldest outbox message waiting (0 when none waits)",
            value=self._age(last.outbox_oldest),
        )
        yield GaugeMetricFamily(
            "disputes_pushed_events_waiting", "Events carriers pushed, stored and waiting to be attached to cases",
            value=last.pushed_waiting,
        )
        yield GaugeMetricFamily(
            "disputes_pushed_events_oldest_age_seconds",
            "Age of the oldest pushed event waiting to be attached (0 when none waits)", value=self._age(last.pushed_oldest),
        )

    def _age(self, since: datetime | None) -> float:
        """Seconds from `since` to now (0 when there is nothing, or it lies ahead)."""
        return max((self._clock.now() - since).total_seconds(), 0.0) if since else 0.0


def calendar_end(registry: CollectorRegistry) -> None:
    """When the business calendar stops counting deadlines (`disputes.calendar.COVERED_YEARS`): its alert asks for a
    `holidays` release that confirms the next years' religious holidays months before cases need them."""
    gauge = Gauge(
        "disputes_calendar_counts_until_timestamp_seconds",
        "Start (UTC) of the first year the business calendar does not count: deadlines past it cannot be given",
        registry=registry,
    )
    gauge.set(datetime(COVERED_YEARS.stop, 1, 1, tzinfo=UTC).timestamp())


def storage_set_up(registry: CollectorRegistry, done: Callable[[], bool]) -> None:
    """Whether storage is set up (`adapters/mongo/setup.py`): a process whose set-up keeps failing with the database
    up answers its scrapes and reads fresh figures, but serves no request and runs no worker."""
    gauge = Gauge(
        "disputes_storage_set_up",
        "1 once storage is set up (indexes, migrations); 0 until then: requests answer 503 and the workers wait",
        registry=registry,
    )
    gauge.set_function(lambda: float(done()))


class WorkerPasses(Collector):
    """The passes of each kind of background work this process ran, and those that failed
    (`adapters.workers.run_loop`): every kind from 0, in the processes that run the workers."""

    def __init__(self, registry: CollectorRegistry) -> None:
        registry.register(self)

    def collect(self) -> Iterator[Metric]:
        kinds = sorted({kind.value for kind in WorkKind} | set(PASSES) | set(PASS_FAILURES))
        passes = CounterMetricFamily("disputes_worker_passes", "Passes of background work by kind", labels=["kind"])
        failures = CounterMetricFamily(
            "disputes_worker_pass_failures", "Passes of background work that failed, by kind", labels=["kind"]
        )
        for kind in kinds:
            passes.add_metric([kind], PASSES[kind])
            failures.add_metric([kind], PASS_FAILURES[kind])
        return iter((passes, failures))


class RelayMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self._attempts = Counter(
            "disputes_outbox_deliveries", "Outbox delivery attempts by effect kind and result", ["kind", "result"],
            registry=registry,
        )
        for kind in EffectKind:  # from 0: a rate or increase over a process's first messages counts them all
            for result in Result:
                self._attempts.labels(kind.value, result.value)

    def observe(self, attempt: Attempt) -> None:
        self._attempts.labels(attempt.kind.value, attempt.result.value).inc()
