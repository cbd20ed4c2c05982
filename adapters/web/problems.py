"""RFC 9457 problem+json for every error the API returns, including the framework's own (404, 405, 413)
and unexpected ones (logged with the request id, answered without internals)."""

import traceback
from typing import Any

import structlog
from aiohttp import web
from pydantic import ValidationError

from adapters.observability import Handler
from adapters.orders import OrdersUnavailable
from adapters.web.keys import REQUEST_ID
from disputes import errors as domain
from disputes.ports import StorageUnavailable
from schemas.api import FieldError, Problem

PROBLEM_JSON = "application/problem+json"
log = structlog.get_logger("api")

DOMAIN_STATUS: list[tuple[type[domain.DomainError], int]] = [
    (domain.NotFound, 404),
    (domain.Forbidden, 403),
    (domain.StaleVersion, 412),
    (domain.Conflict, 409),
    (domain.Unprocessable, 422),
]


class ProblemError(Exception):
    """Raised by handlers for errors at the HTTP edge (bad JSON, wrong media type, auth)."""

    def __init__(self, status: int, code: str, title: str, detail: str | None = None, **extra: Any) -> None:
        super().__init__(detail or title)
        self.status, self.code, self.title, self.detail, self.extra = status, code, title, detail, extra


def problem(status: int, code: str, title: str, detail: str | None = None, **extra: Any) -> web.Response:
    body = Problem(type=f"urn:dispute-service:problem:{code}", title=title, status=status, detail=detail, **extra)
    return web.Response(status=status, text=body.model_dump_json(exclude_none=True), content_type=PROBLEM_JSON)


def validation_problem(error: ValidationError, where: str) -> ProblemError:
    fields = [
        FieldError(field=".".join(str(p) for p in e["loc"]) or where, message=e["msg"])
        for e in error.errors(include_input=False, include_url=False)
    ]
    return ProblemError(422, "validation-failed", "The request is not valid", f"Invalid {where}.", errors=fields)


@web.middleware
async def problem_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except Exception as error:
        return error_response(request, error)


def error_response(request: web.Request, error: Exception) -> web.Response:
    """The problem answer to an error a handler raised (an HTTP exception below 400 is re-raised: a redirect)."""
    request_id = request.get(REQUEST_ID)
    if isinstance(error, ProblemError):
        response = problem(error.status, error.code, error.title, error.detail, request_id=request_id, **error.extra)
        if error.status == 401:
            response.headers["WWW-Authenticate"] = 'Bearer realm="disputes"'
        return response
    if isinstance(error, domain.DomainError):
        status = next(code for kind, code in DOMAIN_STATUS if isinstance(error, kind))
        extra = {name: error.facts[name] for name in ("dispute_id", "field") if name in error.facts}
        response = problem(status, error.code, error.title, error.detail, request_id=request_id, **extra)
        if isinstance(error, domain.KeyInFlight):
            response.headers["Retry-After"] = str(error.retry_after_seconds)
        return response
    if isinstance(error, web.HTTPException):
        if error.status < 400:
            raise error
        code = error.reason.lower().replace(" ", "-")
        response = problem(error.status, code, error.reason, error.text if error.status != 404 else None, request_id=request_id)
        if allow := error.headers.get("Allow"):
            response.headers["Allow"] = allow
        return response
    if isinstance(error, StorageUnavailable | OrdersUnavailable):
        log.warning("dependency_unavailable", error=type(error).__name__)
        response = problem(503, "unavailable", "Temporarily unavailable", "Please retry shortly.", request_id=request_id)
        response.headers["Retry-After"] = "2"
        return response
    # The stack without the message or locals: those can carry request data (names, addresses).
    log.error("unhandled_error", error=type(error).__name__, stack="".join(traceback.format_tb(error.__traceback__)))
    return problem(500, "internal-error", "Internal error", "The error was logged.", request_id=request_id)
