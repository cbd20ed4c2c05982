"""What one client may hold: header sizes and idle time (enforced by aiohttp's HTTP layer, configured here) and
the time to send a body (enforced here, since aiohttp has no read timeout for request bodies).

aiohttp refuses an oversized request line, header field or header count in its protocol layer, before the
service's edge (`adapters/web/edge.py`) runs: a plain-text 400 and a closed connection. It logs the refusal with the offending bytes and
the client's address, so its logger is replaced by one that keeps the error class only.
"""

import asyncio
import logging
import traceback
from typing import Any

import structlog
from aiohttp import web
from aiohttp.typedefs import Handler
from aiohttp.http_exceptions import HttpProcessingError

from adapters.settings import Settings
from adapters.web.keys import BODY_TIMEOUT, REQUEST_ID
from adapters.web.problems import problem

log = structlog.get_logger("http")


UPLOAD_TOO_SLOW = (" On a slow connection, send fewer images at once (or smaller ones): the rest can be added to the"
                   " case afterwards with POST /v1/disputes/{id}/information.")


def server_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for `web.AppRunner`: the limits aiohttp enforces per connection. Bodies reach the service
    as sent: it undoes their Content-Encoding itself (`adapters.web.bodies`)."""
    return {
        "auto_decompress": False,
        "handler_cancellation": True,
        "keepalive_timeout": settings.keepalive_timeout_seconds,
        "max_line_size": settings.max_request_line_bytes,
        "max_field_size": settings.max_header_bytes,
        "max_headers": settings.max_headers,
        "lingering_time": settings.linger_seconds,
        "logger": ProtocolLog("aiohttp.server"),
    }


async def within_body_deadline(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Answer 408 when the body has not fully arrived in time. The clock starts once the headers are in and
    stops the moment the last byte is received, so what the handler does with the body is never cut short.
    For a request whose body is still arriving (`adapters.web.edge` calls the handler directly otherwise)."""
    finished = False
    deadline = asyncio.timeout(request.app[BODY_TIMEOUT])

    def received() -> None:
        if not finished and not deadline.expired():
            deadline.reschedule(None)

    try:
        async with deadline:
            request.content.on_eof(received)
            return await handler(request)
    except TimeoutError:
        if not deadline.expired():
            raise
    finally:
        finished = True
    # RFC 9110 §15.5.9: a 408 closes the connection (after at most `linger_seconds` draining what still comes).
    log.warning("body_timeout", timeout_seconds=request.app[BODY_TIMEOUT])
    detail = "The request body did not arrive in time."
    if request.content_type == "multipart/form-data":  # images, which only an appeal or added information take
        detail += UPLOAD_TOO_SLOW
    response = problem(408, "request-timeout", "Request Timeout", detail, request_id=request.get(REQUEST_ID))
    response.force_close()
    return response


class ProtocolLog(logging.Logger):
    """Stands in for aiohttp's server logger: one structured line with the error class, never the message (it
    quotes the refused request line or header) nor the client's address."""

    def __init__(self, name: str) -> None:
        super().__init__(name, logging.DEBUG)

    def handle(self, record: logging.LogRecord) -> None:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, web.RequestPayloadError):  # draining a body that does not decode, refused with a 400
            log.warning("http_protocol_error", error=type(error).__name__, status=400)
        elif isinstance(error, HttpProcessingError):
            level = logging.DEBUG if record.levelno <= logging.DEBUG else logging.WARNING
            log.log(level, "http_protocol_error", error=type(error).__name__, status=error.code)
        elif error is not None:
            log.error("http_server_error", error=type(error).__name__,
                      stack="".join(traceback.format_tb(error.__traceback__)))
        else:
            log.log(record.levelno, "http_server", message=str(record.msg))
