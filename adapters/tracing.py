"""W3C Trace Context (https://www.w3.org/TR/trace-context/): a `traceparent` accepted on every request (a
malformed one starts a new trace), a new span for the request, and a `traceparent` carrying that trace, with
a span of its own, on every call the process makes through its `aiohttp.ClientSession` (the marketplace's
services and the carriers). No tracer is needed: the ids tie log lines and downstream requests together.

The caller's `tracestate` (its tracing vendors' entries) goes with the trace it continues: read only then, it is
passed on as received (header lines combined, optional whitespace and empty members left out; no entry of ours)
on every call that carries the trace. Rules of https://www.w3.org/TR/trace-context-2/ (whose keys include every
key of Level 1's): a malformed one (a member outside the grammar, a key twice, more than 32 members) is dropped
whole, as the spec allows and its test suite expects. Its size limit, documented as the spec asks: `MAX_STATE`,
the 512 characters every participant should carry, since it goes as the caller wrote it to every service and
carrier we call; a longer one is cut by the spec's rule (whole members, those over 128 characters first, then
from the right)."""

import re
from collections.abc import Sequence
from random import getrandbits
from types import SimpleNamespace

import aiohttp
from multidict import MultiMapping, istr

from disputes import tracing

HEADER = "traceparent"
STATE_HEADER = istr("tracestate")
MAX_STATE, _MEMBERS, _LONG_MEMBER = 512, 32, 128
_VALUE_CHARS = r"\x21-\x2b\x2d-\x3c\x3e-\x7e"  # printable ASCII but space, `,` and `=`
_MEMBER = re.compile(rf"([a-z0-9][a-z0-9_\-*/@]{{0,255}})=[ {_VALUE_CHARS}]{{0,255}}[{_VALUE_CHARS}]")
_FIELDS = re.compile(r"([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})")
_NO_TRACE, _NO_SPAN = "0" * 32, "0" * 16
SAMPLED = "01"


def _span_id() -> str:
    """64 random bits, never all zero (drawn from `random`, as request ids are: an id, not a secret), in hex
    (`bytes.hex` formats several times faster than a format spec)."""
    return (getrandbits(64) or 1).to_bytes(8).hex()


def new_trace() -> str:
    return "00-" + (getrandbits(128) or 1).to_bytes(16).hex() + "-" + _span_id() + "-" + SAMPLED


def child_of(traceparent: str | None) -> str | None:
    """A new span in the caller's trace, or None when `traceparent` is not valid (W3C: version `00` is exactly
    four lowercase-hex fields; a later version may append fields after a dash; `ff`, all-zero ids and
    uppercase are invalid)."""
    if traceparent is None:
        return None
    value = traceparent.strip(" \t")
    fields = _FIELDS.match(value)
    if fields is None:
        return None
    version, trace_id, parent_id, flags = fields.groups()
    if version == "ff" or trace_id == _NO_TRACE or parent_id == _NO_SPAN:
        return None
    if len(value) != 55 and (version == "00" or value[55] != "-"):
        return None
    # Only the sampled bit is defined in version 00: the others are not passed on.
    return f"00-{trace_id}-{_span_id()}-{int(flags, 16) & 1:02x}"


def incoming(parents: Sequence[str], headers: MultiMapping[str]) -> str:
    """The request's own span, given its `traceparent` header lines: a child of the caller's span when there is
    one line and it is valid, the caller's `tracestate` carried with it (`disputes.tracing.carry`); otherwise the
    root of a new trace, with no `tracestate` (whose header is then not even read, as the spec says)."""
    span = child_of(parents[0]) if len(parents) == 1 else None
    if span is None:
        return new_trace()
    if (state := accepted_state(headers.getall(STATE_HEADER, ()))) is not None:
        tracing.carry(span, state)
    return span


def accepted_state(lines: Sequence[str]) -> str | None:
    """The `tracestate` to pass on, from the caller's header lines: None when it has no member or is malformed."""
    members = [member for part in ",".join(lines).split(",") if (member := part.strip(" \t"))]
    if not members or len(members) > _MEMBERS:
        return None
    keys = set()
    for member in members:
        if (fields := _MEMBER.fullmatch(member)) is None:
            return None
        keys.add(fields[1])
    if len(keys) < len(members):  # a key twice
        return None
    while len(state := ",".join(members)) > MAX_STATE:
        longer = [n for n, member in enumerate(members) if len(member) > _LONG_MEMBER]
        members.pop(longer[-1] if longer else -1)
    return state or None


TRACE_ID, SPAN_ID = slice(3, 35), slice(36, 52)
"""Where a `traceparent` holds its trace id and its span id (what a log line says of the trace)."""


async def _propagate(
    session: aiohttp.ClientSession, context: SimpleNamespace, params: aiohttp.TraceRequestStartParams
) -> None:
    if (span := child_of(tracing.current())) is not None:
        params.headers[HEADER] = span
        if (state := tracing.state()) is not None:
            params.headers[STATE_HEADER] = state


def propagation() -> aiohttp.TraceConfig:
    """For the process's `ClientSession`: each outgoing request continues the current trace in a new span, with
    the trace's `tracestate`."""
    config = aiohttp.TraceConfig()
    config.on_request_start.append(_propagate)
    return config
