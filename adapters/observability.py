"""Logging: configured once, JSON when not on a terminal, request context first. One canonical line per
request. Bodies, names, phones, addresses and images are never logged; handlers bind ids only."""

import asyncio
import atexit
import hashlib
import logging
import re
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from random import getrandbits
from typing import Any, TextIO

import orjson
import structlog
from aiohttp import web
from structlog.typing import EventDict, WrappedLogger

from adapters import tracing
from adapters.metrics import HTTP_METRICS
from adapters.web.keys import REQUEST_ID
from disputes import tracing as trace
from disputes.actors import Actor

SERVICE_NAME = "dispute-service"
REQUEST_ID_FORMAT = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
DISPUTE_ROUTE = "/disputes/{id}"  # the API's and the console's routes that name one dispute
DISPUTE_ID_FORMAT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")  # `schemas.common.Id`: a valid id only
FLUSH_AFTER_SECONDS = 0.2
FLUSH_AT_BYTES = 64 * 1024
log = structlog.get_logger("api")
Emit = Callable[[EventDict], None]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
_format_exc_info = structlog.processors.format_exc_info


def new_request_id() -> str:
    """128 random bits in hex, like `uuid4().hex`. A correlation id, not a secret: drawn from `random` (reseeded
    in a forked child), which costs a fraction of a system call for `os.urandom` per request."""
    return f"{getrandbits(128):032x}"


def process_fields(component: str, worker_id: str | None = None) -> dict[str, str]:
    """What every line of a process says of it: the service, the process's role in it (api, worker or
    embedded), and a worker's id."""
    return {"service": SERVICE_NAME, "component": component} | ({"worker_id": worker_id} if worker_id else {})


def bind_actor(actor: Actor) -> None:
    """Name the caller on every line of the request: the token's subject (an id; one that looks like an e-mail
    address is logged as a digest) and role."""
    subject = actor.id if "@" not in actor.id else "sha256:" + hashlib.sha256(actor.id.encode()).hexdigest()[:16]
    structlog.contextvars.bind_contextvars(actor_id=subject, actor_role=actor.role.value)


def _add_trace(logger: WrappedLogger, method: str, event: EventDict) -> EventDict:
    if (current := trace.current()) is not None:
        event.update(tracing.trace_fields(current))
    return event


def _render_json(logger: WrappedLogger, method: str, event: EventDict) -> str:
    """Level, time and JSON in one step: orjson writes the timestamp as structlog's ISO stamper would."""
    event["level"] = "warning" if method == "warn" else "critical" if method == "fatal" else method
    event["timestamp"] = datetime.now(UTC)
    return orjson.dumps(event, default=repr, option=orjson.OPT_UTC_Z | orjson.OPT_NON_STR_KEYS).decode()


class LineWriter:
    """The log's output. Unbuffered, every line is written and flushed at once. Buffered (a long-running
    process), lines are written out together: `FLUSH_AFTER_SECONDS` after the first line waiting (on the
    running event loop; at once outside one), when `FLUSH_AT_BYTES` are waiting, at every warning or error,
    and at exit, so a stopped process loses none (a SIGKILL loses at most the last moment's lines)."""

    def __init__(self, stream: TextIO, buffered: bool) -> None:
        self._stream = stream
        self._buffered = buffered
        self._lines: list[str] = []
        self._size = 0
        self._flush_on: asyncio.AbstractEventLoop | None = None  # the loop a flush is scheduled on
        self._lock = threading.Lock()
        if buffered:
            atexit.register(self.flush)

    def line(self, message: str) -> None:
        if not self._buffered:
            self._stream.write(message + "\n")
            self._stream.flush()
            return
        with self._lock:
            self._lines.append(message)
            self._size += len(message)
            if self._size < FLUSH_AT_BYTES and self._scheduled():
                return
        self.flush()

    def urgent(self, message: str) -> None:
        self.line(message)
        self.flush()

    def flush(self) -> None:
        with self._lock:
            lines, self._lines, self._size, self._flush_on = self._lines, [], 0, None
            if lines:
                self._stream.write("\n".join(lines) + "\n")
                self._stream.flush()

    def _scheduled(self) -> bool:
        """A flush is scheduled on the running loop (False outside one: then the caller flushes)."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return False
        if self._flush_on is not loop:
            loop.call_later(FLUSH_AFTER_SECONDS, self.flush)
            self._flush_on = loop
        return True


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
    writer = _Logger(LineWriter(stream, buffered=once))
    processors: list[Any] = [
        *([_add(dict(process))] if process else []),
        _add_trace,
        structlog.contextvars.merge_contextvars,
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
    global _request_line
    _request_line = _info_line(processors, writer, enabled=threshold <= logging.INFO)


def _info_line(processors: list[Any], writer: _Logger, enabled: bool) -> Emit:
    """An info line through the configured processors straight to the writer: what `log.info` does without
    the bound logger's layers around it (a context copy, the level filter, the lazy proxy), for the one line
    every request writes. Once logging is configured anew (tests), the line goes through structlog again."""

    def emit(event: EventDict) -> None:
        if structlog.get_config()["processors"] is not processors:
            _structlog_line(event)
            return
        if not enabled:
            return
        rendered: Any = event
        try:
            for processor in processors:
                if processor is not _format_exc_info:  # the request line never carries an exception
                    rendered = processor(writer, "info", rendered)
        except structlog.DropEvent:
            return
        writer.info(rendered)

    return emit


def _structlog_line(event: EventDict) -> None:
    """The request line through structlog (before `configure_logging`, or after another configuration)."""
    log.info(event.pop("event"), **event)


_request_line: Emit = _structlog_line


def _add(fields: dict[str, str]) -> structlog.types.Processor:
    def add(logger: Any, method: str, event: structlog.types.EventDict) -> structlog.types.EventDict:
        event.update(fields)
        return event

    return add


@web.middleware
async def request_context(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Accept a well-formed X-Request-ID or make one, echo it; continue the caller's trace (W3C `traceparent`,
    one header) in a span of the request's own; bind both and the dispute the route names to every log line;
    count the request and its duration."""
    given = request.headers.get("X-Request-ID")
    request_id = given if given and REQUEST_ID_FORMAT.match(given) else new_request_id()
    request[REQUEST_ID] = request_id
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(request_id=request_id)
    resource = request.match_info.route.resource
    route = resource.canonical if resource is not None else "unmatched"
    if DISPUTE_ROUTE in route and DISPUTE_ID_FORMAT.match(dispute_id := request.match_info.get("id", "")):
        structlog.contextvars.bind_contextvars(dispute_id=dispute_id)
    parents = request.headers.getall(tracing.HEADER, ())
    started = time.perf_counter()
    status = 500
    with trace.within(tracing.incoming(parents[0] if len(parents) == 1 else None)):
        try:
            response = await handler(request)
            status = response.status
            response.headers["X-Request-ID"] = request_id
            return response
        except web.HTTPException as error:
            status = error.status
            error.headers["X-Request-ID"] = request_id
            raise
        finally:
            seconds = time.perf_counter() - started
            if (metrics := request.app.get(HTTP_METRICS)) is not None:
                metrics.observe(request, status, seconds)
            _request_line({
                "method": request.method,
                "route": route,
                "status": status,
                "duration_ms": round(seconds * 1000, 2),
                "event": "request",
            })
