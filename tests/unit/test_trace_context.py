"""W3C trace context: what a `traceparent` must look like to be continued, the span a request makes of it, and
the caller's `tracestate` that goes with it."""

import pytest
from multidict import CIMultiDict

from adapters import tracing
from adapters.tracing import accepted_state, child_of, incoming
from disputes import tracing as trace

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
    fresh = incoming([value], CIMultiDict())
    assert fresh[3:35] != TRACE_ID and child_of(fresh) is not None  # a new, valid trace instead


def test_without_a_traceparent_a_request_starts_a_trace_of_its_own() -> None:
    first, second = incoming([], CIMultiDict()), incoming([], CIMultiDict())
    assert first[3:35] != second[3:35] and child_of(first) is not None


def test_a_new_trace_never_has_an_all_zero_trace_or_span_id(monkeypatch: pytest.MonkeyPatch) -> None:
    draws = iter([0, 1, 1 << 64, (1 << 64) | 1])  # neither; a span, no trace; a trace, no span; both
    monkeypatch.setattr(tracing, "getrandbits", lambda bits: next(draws))
    assert tracing.new_trace() == f"00-{'0' * 31}1-{'0' * 15}1-01"


def entered(span: str) -> str | None:
    """The `tracestate` work has once `span` is entered, as the request path enters it."""
    token = trace.enter(span)
    try:
        return trace.state()
    finally:
        trace.leave(token)


def test_a_continued_trace_keeps_the_callers_tracestate_as_received() -> None:
    span = incoming([VALID], CIMultiDict(tracestate="rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"))
    assert span[3:35] == TRACE_ID and entered(span) == "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"
    assert entered(incoming([VALID], CIMultiDict())) is None  # none in, none kept
    assert entered(tracing.new_trace()) is None  # another span: not its tracestate


class Unread(CIMultiDict[str]):
    """Headers whose `tracestate` must not be read (W3C: not when the `traceparent` could not be parsed)."""

    def getall(self, *args: object) -> list[str]:
        raise AssertionError("read")


@pytest.mark.parametrize("parents", [["00-not-a-trace"], [VALID, VALID], [VALID.upper()]])
def test_a_new_trace_has_no_tracestate_even_when_one_was_sent(parents: list[str]) -> None:
    span = incoming(parents, Unread(tracestate="rojo=00f067aa0ba902b7"))
    assert span[3:35] != TRACE_ID and entered(span) is None


def test_work_within_a_trace_has_its_tracestate_and_the_enclosing_trace_has_its_own() -> None:
    outer, inner = tracing.new_trace(), tracing.new_trace()
    with trace.within(outer):
        with trace.within(inner, "rojo=1"):
            assert (trace.current(), trace.state()) == (inner, "rojo=1")
            with trace.within(None):  # no trace of its own: the enclosing one, with its tracestate
                assert (trace.current(), trace.state()) == (inner, "rojo=1")
        assert (trace.current(), trace.state()) == (outer, None)


@pytest.mark.parametrize(("lines", "passed_on"), [
    (["rojo=00f067aa0ba902b7"], "rojo=00f067aa0ba902b7"),
    (["foo=1,bar=2", "rojo=1,congo=2", "baz=3"], "foo=1,bar=2,rojo=1,congo=2,baz=3"),  # lines combined, in order
    (["foo=1 \t , \t bar=2, \t baz=3"], "foo=1,bar=2,baz=3"),  # optional whitespace around members
    (["\t foo=1 \t"], "foo=1"),
    (["foo=1", ""], "foo=1"),  # empty lines and members
    (["", "foo=1,,bar=2"], "foo=1,bar=2"),
    (["foo= 1"], "foo= 1"),  # a value's leading space is part of it
    (["foo@=1,foo@@bar=2,tenant@vendor=3,0-9_*/@x=4"], "foo@=1,foo@@bar=2,tenant@vendor=3,0-9_*/@x=4"),
    (["k=" + "".join(chr(c) for c in range(0x20, 0x7F) if chr(c) not in ",=")],
     "k=" + "".join(chr(c) for c in range(0x20, 0x7F) if chr(c) not in ",=")),  # every character a value may hold
    ([",".join(f"bar{n:02}={n:02}" for n in range(1, 33))], ",".join(f"bar{n:02}={n:02}" for n in range(1, 33))),
    (["foo=1", "z" * 256 + "=1"], "foo=1," + "z" * 256 + "=1"),  # the longest key
    (["foo=1,bar=" + "v" * 256], "foo=1,bar=" + "v" * 256),  # the longest value
])
def test_a_well_formed_tracestate_is_passed_on_whole(lines: list[str], passed_on: str) -> None:
    assert accepted_state(lines) == passed_on


@pytest.mark.parametrize("lines", [
    [],
    [""],
    [" \t , ,"],
    ["foo=1,foo=2"],  # a key twice
    ["foo=1", "foo=1"],
    [",".join(f"bar{n:02}={n:02}" for n in range(1, 34))],  # 33 members
    ["foo=1", "z" * 257 + "=1"],  # a key too long
    ["foo=1,bar=" + "v" * 257],  # a value too long
    ["FOO=1"], ["foo =1"], ["foo.bar=1"], ["@foo=1,bar=2"], ["-foo=1"],  # keys outside the grammar
    ["foo=bar=baz"], ["foo=,bar=3"], ["foo=a\tb"], ["foo=ü"], ["foo=\udcff"],  # values outside it
    ["no-equals-sign"],
])
def test_a_tracestate_without_members_or_malformed_is_dropped_whole(lines: list[str]) -> None:
    assert accepted_state(lines) is None


def test_a_tracestate_over_512_characters_loses_whole_members_the_long_ones_first_then_from_the_right() -> None:
    short = [f"s{n:02}=" + "v" * 60 for n in range(7)]  # 64 characters each
    long = ["long1=" + "x" * 130, "long2=" + "y" * 130]  # 136 each, over 128
    state = accepted_state([",".join([short[0], long[0], short[1], long[1], *short[2:]])])
    # 7 * 64 + 2 * 136 + 8 commas = 728: without long2 (136 + a comma), 591; without long1 too, 454
    assert state == ",".join(short)

    many = [f"k{n:02}=" + "v" * 60 for n in range(10)]  # 10 * 64 + 9 commas = 649: the last three go
    assert accepted_state([",".join(many)]) == ",".join(many[:7])

    assert accepted_state(["k" * 256 + "=" + "v" * 256]) is None  # nothing fits
