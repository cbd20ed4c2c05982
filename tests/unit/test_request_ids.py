"""Request ids: 32 hex digits, never the same twice, in one process or across processes forked from it."""

import multiprocessing
import re

from prometheus_client import CollectorRegistry

from adapters.metrics import HttpMetrics
from adapters.observability import new_request_id

HEX32 = re.compile(r"^[0-9a-f]{32}$")


def _ids_in_child(queue: "multiprocessing.Queue[list[str]]") -> None:
    queue.put([new_request_id() for _ in range(3)])


def test_request_ids_are_32_hex_digits_and_never_repeat() -> None:
    ids = [new_request_id() for _ in range(10_000)]
    assert all(HEX32.match(value) for value in ids) and len(set(ids)) == len(ids)


def test_a_forked_process_makes_ids_of_its_own() -> None:
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    children = [context.Process(target=_ids_in_child, args=(queue,)) for _ in range(2)]
    for child in children:
        child.start()
    made = [queue.get(timeout=30) for _ in children] + [[new_request_id() for _ in range(3)]]
    for child in children:
        child.join(timeout=30)
    every = [value for ids in made for value in ids]
    assert len(set(every)) == len(every) and len({value[:16] for value in every}) == 3  # a prefix per process


def test_a_method_no_route_knows_is_counted_as_other() -> None:
    registry = CollectorRegistry()
    metrics = HttpMetrics(registry)
    for method in ("GET", "BREW", "PROPFIND-X"):
        metrics.observe(method, "/v1/disputes", 405 if method != "GET" else 200, 0.01)
    labels = {(s.labels["method"], s.labels["status"]) for m in registry.collect() for s in m.samples
              if s.name == "disputes_http_requests_total"}
    assert labels == {("GET", "200"), ("OTHER", "405")}
