"""W3C Trace Context (https://www.w3.org/TR/trace-context/): a `traceparent` accepted on every request (a
malformed one starts a new trace), a new span for the request, and a `traceparent` carrying that trace, with
a span of its own, on every call the process makes through its `aiohttp.ClientSession` (the marketplace's
services and the carriers). No tracer is needed: the ids tie log lines and downstream requests together."""

import re
from random import getrandbits
from types import SimpleNamespace

import aiohttp

from disputes import tracing

HEADER = "traceparent"
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


def incoming(traceparent: str | None) -> str:
    """The request's own span: a child of the caller's, or the root of a new trace."""
    return child_of(traceparent) or new_trace()


TRACE_ID, SPAN_ID = slice(3, 35), slice(36, 52)
"""Where a `traceparent` holds its trace id and its span id (what a log line says of the trace)."""


async def _propagate(
    session: aiohttp.ClientSession, context: SimpleNamespace, params: aiohttp.TraceRequestStartParams
) -> None:
    if (span := child_of(tracing.current())) is not None:
        params.headers[HEADER] = span


def propagation() -> aiohttp.TraceConfig:
    """For the process's `ClientSession`: each outgoing request continues the current trace in a new span."""
    config = aiohttp.TraceConfig()
    config.on_request_start.append(_propagate)
    return config
