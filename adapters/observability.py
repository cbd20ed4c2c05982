"""Logging: configured once, JSON when not on a terminal, request context first. One canonical line per
request. Bodies, names, phones, addresses and images are never logged; handlers bind ids only."""

import logging
import re
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TextIO

import orjson
import structlog
from aiohttp import web

from adapters.web.keys import REQUEST_ID, ROLE

REQUEST_ID_FORMAT = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
log = structlog.get_logger("api")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _dumps(value: Any, **options: Any) -> str:
    return orjson.dumps(value, default=options.get("default")).decode()


def configure_logging(
    level: str = "INFO",
    json: bool | None = None,
    stream: TextIO | None = None,
    once: bool = False,
    process: Mapping[str, str] | None = None,
) -> None:
    """`once=True` for a process that configures logging once and for all (the CLI): each logger then
    builds its pipeline on first use instead of on every line. Tests that reconfigure logging leave it off.
    `process`: fields every line of this process carries (a worker's id), whichever task logs it."""
    stream = stream or sys.stderr
    json = not stream.isatty() if json is None else json
    renderer: Any = structlog.processors.JSONRenderer(serializer=_dumps) if json else structlog.dev.ConsoleRenderer()
    structlog.configure(
        processors=[
            *([_add(dict(process))] if process else []),
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.WriteLoggerFactory(stream),
        cache_logger_on_first_use=once,
    )


def _add(fields: dict[str, str]) -> structlog.types.Processor:
    def add(logger: Any, method: str, event: structlog.types.EventDict) -> structlog.types.EventDict:
        event.update(fields)
        return event

    return add


@web.middleware
async def request_context(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Accept a well-formed X-Request-ID or make one, echo it, and bind it to every log line."""
    given = request.headers.get("X-Request-ID", "")
    request_id = given if REQUEST_ID_FORMAT.match(given) else uuid.uuid4().hex
    request[REQUEST_ID] = request_id
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(request_id=request_id)
    started = time.perf_counter()
    status = 500
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
        route = request.match_info.route.resource
        log.info(
            "request",
            method=request.method,
            route=route.canonical if route is not None else "unmatched",
            status=status,
            duration_ms=round((time.perf_counter() - started) * 1000, 2),
            role=request.get(ROLE),
        )
