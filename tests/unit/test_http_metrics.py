"""The HTTP metrics are counted in plain numbers but exposed exactly as prometheus_client's own Counter and
Histogram would expose the same requests: names, labels, buckets, values and the order of the series."""

import re

import pytest
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

from adapters.metrics import HttpMetrics

REQUESTS = [  # (method, route, status, seconds): every bucket, its bounds exactly, past the last, a second status
    ("GET", "/v1/disputes/{id}", 200, 0.0),
    ("GET", "/v1/disputes/{id}", 200, 0.005),
    ("GET", "/v1/disputes/{id}", 200, 0.0051),
    ("POST", "/v1/disputes", 201, 0.25),
    ("GET", "/v1/disputes/{id}", 404, 0.1),
    ("GET", "unmatched", 404, 10.0),
    ("POST", "/v1/disputes", 201, 10.5),
    ("GET", "/v1/disputes/{id}", 200, 2.4999),
    ("POST", "/v1/disputes", 422, 0.075),
    *[("GET", "/v1/disputes", 200, seconds) for seconds in (0.001, 0.01, 0.025, 0.05, 0.5, 0.75, 1.0, 5.0, 7.5)],
]
CREATED = re.compile(r"^(\w+_created\{.*\}) \S+$", re.MULTILINE)


def prometheus_clients_own(registry: CollectorRegistry) -> None:
    requests = Counter("disputes_http_requests", "Requests answered, by method, route template and status",
                       ["method", "route", "status"], registry=registry)
    duration = Histogram("disputes_http_request_duration_seconds",
                         "Time to answer a request, by method and route template", ["method", "route"], registry=registry)
    for method, route, status, seconds in REQUESTS:
        requests.labels(method, route, str(status)).inc()
        duration.labels(method, route).observe(seconds)


def exposed(registry: CollectorRegistry) -> tuple[str, list[str]]:
    """The exposition without the creation times' values (when each series began), and the series that have one."""
    text = generate_latest(registry).decode()
    return CREATED.sub(r"\1 <created>", text), CREATED.findall(text)


def test_the_exposition_is_the_one_prometheus_client_gives_for_the_same_requests() -> None:
    ours, theirs = CollectorRegistry(), CollectorRegistry()
    metrics = HttpMetrics(ours)
    for request in REQUESTS:
        metrics.observe(*request)
    prometheus_clients_own(theirs)

    (text, created), (expected_text, expected_created) = exposed(ours), exposed(theirs)
    assert text == expected_text
    assert created == expected_created and len(created) == 6 + 4  # a series per (method, route, status) and (method, route)
    assert 'disputes_http_requests_total{method="GET",route="/v1/disputes/{id}",status="200"} 4.0' in text


def test_before_any_request_the_families_are_exposed_empty_as_prometheus_client_does() -> None:
    ours, theirs = CollectorRegistry(), CollectorRegistry()
    HttpMetrics(ours)
    Counter("disputes_http_requests", "Requests answered, by method, route template and status",
            ["method", "route", "status"], registry=theirs)
    Histogram("disputes_http_request_duration_seconds", "Time to answer a request, by method and route template",
              ["method", "route"], registry=theirs)
    assert generate_latest(ours) == generate_latest(theirs)


def test_the_names_are_kept_apart_from_other_collectors_in_the_registry() -> None:
    registry = CollectorRegistry()
    HttpMetrics(registry)
    with pytest.raises(ValueError, match="Duplicated timeseries"):
        Counter("disputes_http_requests", "again", registry=registry)
