"""What one client may hold: header sizes and idle time, enforced by aiohttp's HTTP layer, configured here.

aiohttp refuses an oversized request line, header field or header count in its protocol layer, before any
middleware runs: a plain-text 400 and a closed connection. It logs the refusal with the offending bytes and
the client's address, so its logger is replaced by one that keeps the error class only.
"""

import logging
import traceback
from typing import Any

import structlog
from aiohttp.http_exceptions import HttpProcessingError

from adapters.settings import Settings

log = structlog.get_logger("http")


def server_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for `web.AppRunner`: the limits aiohttp enforces per connection."""
    return {
        "handler_cancellation": True,
        "keepalive_timeout": settings.keepalive_timeout_seconds,
        "max_line_size": settings.max_request_line_bytes,
        "max_field_size": settings.max_header_bytes,
        "max_headers": settings.max_headers,
        "lingering_time": settings.linger_seconds,
        "logger": ProtocolLog("aiohttp.server"),
    }


class ProtocolLog(logging.Logger):
    """Stands in for aiohttp's server logger: one structured line with the error class, never the message (it
    quotes the refused request line or header) nor the client's address."""

    def __init__(self, name: str) -> None:
        super().__init__(name, logging.DEBUG)

    def handle(self, record: logging.LogRecord) -> None:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, HttpProcessingError):
            level = logging.DEBUG if record.levelno <= logging.DEBUG else logging.WARNING
            log.log(level, "http_protocol_error", error=type(error).__name__, status=error.code)
        elif error is not None:
            log.error("http_server_error", error=type(error).__name__,
                      stack="".join(traceback.format_tb(error.__traceback__)))
        else:
            log.log(record.levelno, "http_server", message=str(record.msg))
