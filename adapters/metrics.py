"""The service's Prometheus metrics, all named `disputes_*`: HTTP requests by route template, method and status
with their duration; what storage holds right now (open cases by state, deadlines at risk or passed, the
outbox backlog and its oldest message), read when /metrics is scraped; outbox deliveries by kind and result.
Carrier metrics live with the carriers (`adapters/carrier_gateway.py`, `adapters/carrier_health.py`)."""

import asyncio
import math
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import timedelta

import structlog
from aiohttp import hdrs, web
from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from disputes.ports import Clock, Workload, WorkloadReader
from disputes.relay import Attempt

log = structlog.get_logger("metrics")
Refresh = Callable[[], Awaitable[None]]


class HttpMetrics:
    """Each (method, route, status) child is looked up once: on the request path a dictionary hit remains."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self._requests = Counter(
            "disputes_http_requests", "Requests answered, by method, route template and status",
            ["method", "route", "status"], registry=registry,
        )
        self._duration = Histogram(
            "disputes_http_request_duration_seconds", "Time to answer a request, by method and route template",
            ["method", "route"], registry=registry,
        )
        self._children: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        """`route`: the route's template ("unmatched" when none matched)."""
        key = (method if method in hdrs.METH_ALL else "OTHER", route, status)  # a client names any method
        if (children := self._children.get(key)) is None:
            children = self._children[key] = (self._requests.labels(*key[:2], str(status)), self._duration.labels(*key[:2]))
        children[0].inc()
        children[1].observe(seconds)


HTTP_METRICS = web.AppKey("http_metrics", HttpMetrics)
SCRAPE: web.AppKey[list[Refresh]] = web.AppKey("scrape")
"""What /metrics reads before it renders (a collector cannot wait on the database)."""


class WorkloadGauges(Collector):
    """Storage's workload as gauges; serves what `refresh` last read (with the database away, the last reading).

    A reading walks the open cases' index, so it is taken at most once per `max_age` seconds (measured on the
    monotonic clock: a test clock's jumps do not count), however many scrapers ask."""

    def __init__(
        self, reader: WorkloadReader, clock: Clock, due_within: timedelta, registry: CollectorRegistry, max_age: float
    ) -> None:
        self._reader = reader
        self._clock = clock
        self._due_within = due_within
        self._max_age = max_age
        self._last: Workload | None = None
        self._read_at = -math.inf
        self._reading = asyncio.Lock()
        registry.register(self)

    async def refresh(self) -> None:
        async with self._reading:  # a scrape arriving during a reading waits for it instead of starting another
            if time.monotonic() - self._read_at < self._max_age:
                return
            try:
                self._last = await self._reader.workload(self._clock.now(), self._due_within)
                self._read_at = time.monotonic()
            except Exception as error:
                log.warning("workload_unread", error=type(error).__name__)

    def collect(self) -> Iterator[Metric]:
        if (last := self._last) is None:
            return
        states = GaugeMetricFamily("disputes_cases_open", "Open disputes by state", labels=["state"])
        for state, count in sorted(last.open_by_state.items()):
            states.add_metric([state.value], count)
        yield states
        yield GaugeMetricFamily(
            "disputes_sla_at_risk", "Open disputes whose decision is due within the escalation window",
            value=last.decision_due_soon,
        )
        yield GaugeMetricFamily(
            "disputes_sla_breached", "Open disputes whose decision deadline has passed", value=last.decision_overdue
        )
        yield GaugeMetricFamily("disputes_outbox_pending", "Outbox messages waiting for delivery", value=last.outbox_pending)
        oldest = (self._clock.now() - last.outbox_oldest).total_seconds() if last.outbox_oldest else 0.0
        yield GaugeMetricFamily(
            "disputes_outbox_oldest_age_seconds", "Age of the oldest outbox message waiting (0 when none waits)",
            value=max(oldest, 0.0),
        )


class RelayMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self._attempts = Counter(
            "disputes_outbox_deliveries", "Outbox delivery attempts by effect kind and result", ["kind", "result"],
            registry=registry,
        )

    def observe(self, attempt: Attempt) -> None:
        self._attempts.labels(attempt.kind.value, attempt.result.value).inc()
