"""Logging: configured once, JSON when not on a terminal, request context first. One canonical line per
request. Bodies, names, phones, addresses and images are never logged; handlers bind ids only. Python's warnings
are logged here too, by class and place, never by their text."""

import asyncio
import atexit
import contextvars
import hashlib
import itertools
import logging
import os
import re
import sys
import threading
import time
import warnings
from collections.abc import Awaitable, Callable, Mapping
from contextvars import ContextVar
from datetime import UTC, datetime
from random import getrandbits
from typing import Any, BinaryIO, TextIO

import orjson
import structlog
from aiohttp import web
from aiohttp.typedefs import Handler, Middleware
from multidict import istr
from pydantic import ValidationError
from structlog.contextvars import STRUCTLOG_KEY_PREFIX, STRUCTLOG_KEY_PREFIX_LEN
from structlog.typing import EventDict, WrappedLogger

from adapters import tracing
from adapters.metrics import HTTP_METRICS
from adapters.web.keys import REQUEST_ID
from disputes import tracing as trace
from disputes.actors import Actor

SERVICE_NAME = "dispute-service"
_X_REQUEST_ID = istr("X-Request-ID")
_TRACEPARENT = istr(tracing.HEADER)
REQUEST_ID_FORMAT = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
UNMATCHED = "/{unmatched:.*}"
"""The route added last, for every method: what no other route takes (logged and counted as `unmatched`)."""
DISPUTE_ROUTE = "/disputes/{id}"  # the API's and the console's routes that name one dispute
DISPUTE_ID_FORMAT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")  # `schemas.common.Id`: a valid id only
_UNMATCHED_CANONICAL = "/{unmatched}"  # UNMATCHED as aiohttp names it
FLUSH_AT_BYTES = 64 * 1024
CLIENT_CLOSED = 499
"""The status logged and counted for a request whose client hung up before it was answered (nginx's "client closed
request"): nothing was sent, and it is the client's doing, not a server error."""
_format_exc_info = structlog.processors.format_exc_info


def new_request_id() -> str:
    """32 hex digits, like `uuid4().hex`: 64 random bits drawn once per process (again in a forked child), then
    a counter. Unique across processes and requests without a random draw per request; a correlation id, not
    a secret (it tells how many requests the process has answered)."""
    return _request_ids.prefix + next(_request_ids.counter).to_bytes(8).hex()


class _RequestIds:
    def __init__(self) -> None:
        self.prefix = ""
        self.counter = itertools.count()
        self.renew()

    def renew(self) -> None:
        self.prefix, self.counter = getrandbits(64).to_bytes(8).hex(), itertools.count()


_request_ids = _RequestIds()
os.register_at_fork(after_in_child=_request_ids.renew)  # `random` is reseeded in the child before this runs


def process_fields(component: str, worker_id: str | None = None) -> dict[str, str]:
    """What every line of a process says of it: the service, the process's role in it (api, worker or
    embedded), and a worker's id."""
    return {"service": SERVICE_NAME, "component": component} | ({"worker_id": worker_id} if worker_id else {})


def bind_actor(actor: Actor) -> None:
    """Name the caller on every line of the request: the token's subject (an id; one that looks like an e-mail
    address is logged as a digest) and role."""
    subject = actor.id if "@" not in actor.id else "sha256:" + hashlib.sha256(actor.id.encode()).hexdigest()[:16]
    if (fields := _REQUEST.get()) is not None:
        fields["actor_id"], fields["actor_role"] = subject, actor.role.value
    else:
        structlog.contextvars.bind_contextvars(actor_id=subject, actor_role=actor.role.value)


_REQUEST: ContextVar[dict[str, str] | None] = ContextVar("request_fields", default=None)
"""What `request_context` says of the request on every line logged while answering it (one context variable
set per request: cheaper than binding each field through structlog). aiohttp answers each request in a task
of its own, so a request's fields never reach another's lines."""


def _add_request(logger: WrappedLogger, method: str, event: EventDict) -> EventDict:
    """After `merge_contextvars`: what a handler bound through structlog (its `dispute_id`) wins."""
    if (fields := _REQUEST.get()) is not None:
        for name, value in fields.items():
            event.setdefault(name, value)
    return event


def _add_trace(logger: WrappedLogger, method: str, event: EventDict) -> EventDict:
    if (current := trace.current()) is not None:
        event["trace_id"], event["span_id"] = current[tracing.TRACE_ID], current[tracing.SPAN_ID]
    return event


class _Clock:
    """Now in UTC as orjson writes `datetime.now(UTC)` with `OPT_UTC_Z` (`2026-12-05T08:00:00.123456Z`, the
    fraction left out when it is zero): the date and time of day are formatted once per second, only the
    microseconds on every line."""

    def __init__(self) -> None:
        self._second: tuple[int, str] = (-1, "")  # one tuple, replaced whole: threads that log share it

    def stamp(self, nanoseconds: int) -> str:
        micro = nanoseconds // 1000
        second = micro // 1_000_000
        cached, prefix = self._second
        if second != cached:
            prefix = datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%S")
            self._second = (second, prefix)
        fraction = micro - second * 1_000_000
        return prefix + "." + str(1_000_000 + fraction)[1:] + "Z" if fraction else prefix + "Z"


utc_stamp = _Clock().stamp


def _render_json(logger: WrappedLogger, method: str, event: EventDict) -> str:
    """Level, time and JSON in one step, the time as structlog's ISO stamper writes it (`utc_stamp`). Keys
    that are not strings (rare) take orjson's slower path."""
    event["level"] = "warning" if method == "warn" else "critical" if method == "fatal" else method
    event["timestamp"] = utc_stamp(time.time_ns())
    try:
        return orjson.dumps(event, default=repr).decode()
    except TypeError:
        return orjson.dumps(event, default=repr, option=orjson.OPT_NON_STR_KEYS).decode()


class LineWriter:
    """The log's output, written as UTF-8 bytes (under a text stream, to the bytes beneath it). Unbuffered,
    every line is written and flushed at once. Buffered (a long-running process), the lines logged during one
    turn of the event loop are written out together early in the next turn (at once outside a running loop),
    and at once when `FLUSH_AT_BYTES` are waiting, at every warning or error, and at exit: a stopped process
    loses none, a crash at most the lines of the loop turn it dies in."""

    def __init__(self, stream: TextIO, buffered: bool) -> None:
        self._stream = stream
        self._bytes: BinaryIO | None = getattr(stream, "buffer", None)
        self._buffered = buffered
        self._waiting = bytearray()
        self._flush_on: asyncio.AbstractEventLoop | None = None  # the loop a flush is scheduled on
        self._lock = threading.Lock()
        if buffered:
            atexit.register(self.flush)

    def line(self, message: str) -> None:
        self.encoded(message.encode(errors="backslashreplace"))

    def encoded(self, line: bytes) -> None:
        if not self._buffered:
            self._write(line + b"\n")
            return
        with self._lock:
            waiting = self._waiting
            waiting += line
            waiting += b"\n"
            if len(waiting) < FLUSH_AT_BYTES:
                try:
                    loop = asyncio.get_running_loop()
                except RuntimeError:  # outside a loop: written at once
                    pass
                else:
                    if self._flush_on is not loop:
                        loop.call_soon(self.flush)
                        self._flush_on = loop
                    return
        self.flush()

    def urgent(self, message: str) -> None:
        self.line(message)
        self.flush()

    def flush(self) -> None:
        with self._lock:
            waiting, self._waiting, self._flush_on = self._waiting, bytearray(), None
            if waiting:
                self._write(waiting)

    def _write(self, data: bytes | bytearray) -> None:
        if self._bytes is None:
            self._stream.write(data.decode())
            self._stream.flush()
            return
        self._stream.flush()  # what was written to the text stream itself goes first
        self._bytes.write(data)
        self._bytes.flush()


class _Logger:
    """What structlog writes a rendered line to: info and debug may wait in the buffer, the rest may not."""

    def __init__(self, writer: LineWriter) -> None:
        self.debug = self.info = writer.line
        self.msg = self.warning = self.warn = self.error = self.exception = self.critical = self.fatal = writer.urgent


def configure_logging(
    level: str = "INFO",
    json: bool | None = None,
    stream: TextIO | None = None,
    once: bool = False,
    process: Mapping[str, str] | None = None,
) -> None:
    """`once=True` for a process that configures logging once and for all (the CLI): each logger then
    builds its pipeline on first use instead of on every line, and lines are buffered (`LineWriter`).
    Tests that reconfigure logging leave it off and read every line as soon as it is logged.
    `process`: fields every line of this process carries (a worker's id), whichever task logs it."""
    stream = stream or sys.stderr
    json = not stream.isatty() if json is None else json
    stamp_and_render: list[Any] = (
        [_render_json]
        if json
        else [structlog.processors.add_log_level, structlog.processors.TimeStamper(fmt="iso", utc=True),
              structlog.dev.ConsoleRenderer()]
    )
    line_writer = LineWriter(stream, buffered=once)
    writer = _Logger(line_writer)
    processors: list[Any] = [
        *([_add(dict(process))] if process else []),
        _add_trace,
        structlog.contextvars.merge_contextvars,
        _add_request,
        _format_exc_info,
        *stamp_and_render,
    ]
    threshold = logging.getLevelName(level.upper())
    structlog.configure(
        processors=processors,
        wrapper_class=structlog.make_filtering_bound_logger(threshold),
        logger_factory=lambda *_: writer,
        cache_logger_on_first_use=once,
    )
    warnings.showwarning = _log_warning
    global _request_line
    _request_line = (
        _json_request_line(processors, line_writer, dict(process or {}), enabled=threshold <= logging.INFO, once=once)
        if json
        else _structlog_line
    )


def _log_warning(
    message: Warning | str, category: type[Warning], filename: str, lineno: int, file: TextIO | None = None,
    line: str | None = None,
) -> None:
    """Stands in for `warnings.showwarning`: one structured line with the warning's class and where it was raised,
    never its text, which a library may fill with what a client sent (aiohttp's multipart parser quotes the whole
    Content-Disposition header of a part it cannot read, the customer's file name with it)."""
    structlog.get_logger("python").warning("python_warning", category=category.__name__,
                                           location=f"{os.path.basename(filename)}:{lineno}")


RequestLine = Callable[[str, str, int, float, str, dict[str, str]], None]
"""Writes the request's line: its method, route, status, seconds taken, its span (`traceparent`) and the
fields `request_context` keeps for it."""


def _json_request_line(
    processors: list[Any], writer: LineWriter, process: dict[str, str], enabled: bool, once: bool
) -> RequestLine:
    """The request line as JSON straight to the writer, its dict built in one go: field for field and in the
    same order the line `configure_logging`'s processors write for the same request, without their per-line
    work (a call per processor, the configuration read back, the time as a datetime), for the one line every
    request writes. Once logging is configured anew (tests), or its processors are changed in place
    (`capture_logs`), the line goes through structlog again; configured `once`, only the latter is looked
    for, as structlog's own loggers then do."""
    configured = processors.copy()

    def line(method: str, route: str, status: int, seconds: float, span: str, fields: dict[str, str]) -> None:
        if processors != configured or (not once and structlog.get_config()["processors"] is not processors):
            _structlog_line(method, route, status, seconds, span, fields)
            return
        if not enabled:
            return
        event: EventDict = {
            "method": method, "route": route, "status": status, "duration_ms": milliseconds(seconds),
            "event": "request", **process, "trace_id": span[tracing.TRACE_ID], "span_id": span[tracing.SPAN_ID],
        }
        for var, value in contextvars.copy_context().items():  # `merge_contextvars`: what was bound through structlog
            if var.name.startswith(STRUCTLOG_KEY_PREFIX) and value is not Ellipsis:
                event.setdefault(var.name[STRUCTLOG_KEY_PREFIX_LEN:], value)
        for name, value in fields.items():  # `_add_request`
            event.setdefault(name, value)
        event["level"], event["timestamp"] = "info", utc_stamp(time.time_ns())
        try:
            writer.encoded(orjson.dumps(event, default=repr))
        except TypeError:  # a key bound through structlog that is not a string
            writer.encoded(orjson.dumps(event, default=repr, option=orjson.OPT_NON_STR_KEYS))

    return line


def _structlog_line(method: str, route: str, status: int, seconds: float, span: str, fields: dict[str, str]) -> None:
    """The request line through structlog (before `configure_logging`, after another configuration, or when
    lines are not JSON): the span and the fields reach it through the context, as they reach every line. A
    logger of its own each time: one kept would keep to the configuration it was first used under."""
    structlog.get_logger("api").info("request", method=method, route=route, status=status,
                                     duration_ms=milliseconds(seconds))


_request_line: RequestLine = _structlog_line


def failure(error: BaseException) -> dict[str, Any]:
    """What a log line says of a failure: its class and, for a validation error, the paths of the fields it refused.
    Never its message: a validation error's quotes the values it read (names, addresses)."""
    invalid = error.errors() if isinstance(error, ValidationError) else []
    return {"error": type(error).__name__, "fields": sorted({".".join(map(str, e["loc"])) for e in invalid})}


def milliseconds(seconds: float) -> float:
    """To two decimals, halves up (integer arithmetic: several times cheaper than `round`)."""
    return int(seconds * 100_000 + 0.5) / 100


def _add(fields: dict[str, str]) -> structlog.types.Processor:
    def add(logger: Any, method: str, event: structlog.types.EventDict) -> structlog.types.EventDict:
        event.update(fields)
        return event

    return add


Answer = Callable[[web.Request, Handler], Awaitable[web.StreamResponse]]


def request_middleware(answer: Answer) -> Middleware:
    """The middleware that accepts a well-formed X-Request-ID or makes one, echoes it; continues the caller's
    trace (W3C `traceparent`, one header) in a span of the request's own; names both and the dispute the route
    names on every log line; counts the request and its duration and writes its line. `answer` runs the
    handler: what else the edge does per request (problem+json, the body's deadline) runs in the same
    layer, since each is a layer of calls on every request (`adapters.web.edge` puts it before each route)."""

    @web.middleware
    async def request_context(request: web.Request, handler: Handler) -> web.StreamResponse:
        given = request.headers.get(_X_REQUEST_ID)
        request_id = given if given and REQUEST_ID_FORMAT.match(given) else new_request_id()
        request[REQUEST_ID] = request_id
        fields = {"request_id": request_id}
        resource = request.match_info.route.resource
        route = resource.canonical if resource is not None else "unmatched"
        if route == _UNMATCHED_CANONICAL:
            route = "unmatched"
        if DISPUTE_ROUTE in route and DISPUTE_ID_FORMAT.match(dispute_id := request.match_info.get("id", "")):
            fields["dispute_id"] = dispute_id
        parents = request.headers.getall(_TRACEPARENT, ())
        span = tracing.incoming(parents, request.headers) if parents else tracing.new_trace()
        in_request = _REQUEST.set(fields)
        in_trace = trace.enter(span)
        started = time.perf_counter()
        status = 500
        try:
            response = await answer(request, handler)
            status = response.status
            response.headers[_X_REQUEST_ID] = request_id
            return response
        except web.HTTPException as error:
            status = error.status
            error.headers[_X_REQUEST_ID] = request_id
            raise
        except asyncio.CancelledError:
            if request.transport is None:  # cancelled as the connection was lost (`handler_cancellation`)
                status = CLIENT_CLOSED
            raise
        finally:
            seconds = time.perf_counter() - started
            if (metrics := request.app.get(HTTP_METRICS)) is not None:
                metrics.observe(request.method, route, status, seconds)
            _request_line(request.method, route, status, seconds, span, fields)
            trace.leave(in_trace)
            _REQUEST.reset(in_request)

    return request_context

