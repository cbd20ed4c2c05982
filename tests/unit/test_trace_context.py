"""W3C trace context: what a `traceparent` must look like to be continued, and the span a request makes of it."""

import pytest

from adapters import tracing
from adapters.tracing import child_of, incoming

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT_ID = "00f067aa0ba902b7"
VALID = f"00-{TRACE_ID}-{PARENT_ID}-01"


def test_a_valid_traceparent_is_continued_in_a_new_span_of_the_same_trace() -> None:
    child = child_of(VALID)
    assert child is not None and len(child) == 55
    version, trace_id, span_id, flags = child.split("-")
    assert (version, trace_id, flags) == ("00", TRACE_ID, "01")
    assert span_id != PARENT_ID and span_id != "0" * 16 and int(span_id, 16) >= 0
    assert (child[tracing.TRACE_ID], child[tracing.SPAN_ID]) == (TRACE_ID, span_id)  # what log lines show


@pytest.mark.parametrize(("flags", "passed_on"), [("00", "00"), ("01", "01"), ("03", "01"), ("fe", "00")])
def test_only_the_sampled_flag_is_passed_on(flags: str, passed_on: str) -> None:
    child = child_of(f"00-{TRACE_ID}-{PARENT_ID}-{flags}")
    assert child is not None and child.endswith("-" + passed_on)


def test_a_later_version_is_read_by_its_first_four_fields() -> None:
    for later in (f"01-{TRACE_ID}-{PARENT_ID}-01", f"01-{TRACE_ID}-{PARENT_ID}-01-what-comes-next"):
        child = child_of(later)
        assert child is not None and child.startswith(f"00-{TRACE_ID}-")


@pytest.mark.parametrize("value", [
    "",
    "garbage",
    VALID.upper(),
    f"00-{'0' * 32}-{PARENT_ID}-01",  # no trace
    f"00-{TRACE_ID}-{'0' * 16}-01",  # no parent
    f"ff-{TRACE_ID}-{PARENT_ID}-01",  # the forbidden version
    f"00-{TRACE_ID}-{PARENT_ID}-01-extra",  # version 00 has exactly four fields
    f"01-{TRACE_ID}-{PARENT_ID}-01x",  # a later version's extra fields follow a dash
    f"00-{TRACE_ID[:-1]}-{PARENT_ID}-01",
    f"00_{TRACE_ID}_{PARENT_ID}_01",
    f"0-{TRACE_ID}-{PARENT_ID}-01",
    f"00-{TRACE_ID}-{PARENT_ID}-1",
])
def test_an_invalid_traceparent_is_not_continued(value: str) -> None:
    assert child_of(value) is None
    fresh = incoming(value)
    assert fresh[3:35] != TRACE_ID and child_of(fresh) is not None  # a new, valid trace instead


def test_without_a_traceparent_a_request_starts_a_trace_of_its_own() -> None:
    first, second = incoming(None), incoming(None)
    assert first[3:35] != second[3:35] and child_of(first) is not None


def test_a_new_trace_never_has_an_all_zero_trace_or_span_id(monkeypatch: pytest.MonkeyPatch) -> None:
    draws = iter([0, 1, 1 << 64, (1 << 64) | 1])  # neither; a span, no trace; a trace, no span; both
    monkeypatch.setattr(tracing, "getrandbits", lambda bits: next(draws))
    assert tracing.new_trace() == f"00-{'0' * 31}1-{'0' * 15}1-01"
