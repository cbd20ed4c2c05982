"""Request ids: 32 hex digits, never the same twice, in one process or across processes forked from it."""

import os
import re
import select

import pytest

from prometheus_client import CollectorRegistry

from adapters.metrics import HttpMetrics
from adapters.observability import new_request_id

HEX32 = re.compile(r"^[0-9a-f]{32}$")


def _ids_of_a_forked_child() -> list[str]:
    """Fork; the child writes three ids to a pipe and exits at once (no thread, no lock of the parent used)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        os.write(write_end, " ".join(new_request_id() for _ in range(3)).encode())
        os._exit(0)
    os.close(write_end)
    try:
        ready, _, _ = select.select([read_end], [], [], 30)
        assert ready, "the forked child wrote nothing within 30 s"
        return os.read(read_end, 4096).decode().split()
    finally:
        os.close(read_end)
        os.waitpid(pid, 0)


def test_request_ids_are_32_hex_digits_and_never_repeat() -> None:
    ids = [new_request_id() for _ in range(10_000)]
    assert all(HEX32.match(value) for value in ids) and len(set(ids)) == len(ids)


# the child takes no lock another thread may hold: it writes to a pipe and exits
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_a_forked_process_makes_ids_of_its_own() -> None:
    made = [_ids_of_a_forked_child(), _ids_of_a_forked_child(), [new_request_id() for _ in range(3)]]
    every = [value for ids in made for value in ids]
    assert len(every) == 9 and all(HEX32.match(value) for value in every)
    assert len(set(every)) == len(every) and len({value[:16] for value in every}) == 3  # a prefix per process


def test_a_method_no_route_knows_is_counted_as_other() -> None:
    registry = CollectorRegistry()
    metrics = HttpMetrics(registry)
    for method in ("GET", "BREW", "PROPFIND-X"):
        metrics.observe(method, "/v1/disputes", 405 if method != "GET" else 200, 0.01)
    labels = {(s.labels["method"], s.labels["status"]) for m in registry.collect() for s in m.samples
              if s.name == "disputes_http_requests_total"}
    assert labels == {("GET", "200"), ("OTHER", "405")}
