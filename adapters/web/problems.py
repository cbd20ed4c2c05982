"""RFC 9457 problem+json for every error the API returns, including the framework's own (404, 405, 413)
and unexpected ones (logged with the request id, answered without internals)."""

import traceback
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import structlog
from aiohttp import web
from pydantic import ValidationError

from adapters.orders import OrdersUnavailable
from adapters.web.keys import REQUEST_ID
from disputes import errors as domain
from disputes.calendar import BeyondCalendar
from disputes.ports import StorageUnavailable
from schemas.api import FieldError, Problem

PROBLEM_JSON = "application/problem+json"
PROBLEM_TYPE = "urn:dispute-service:problem:{code}"
RETRY_AFTER_SECONDS = "2"
MAX_FIELD_ERRORS = 20
BEARER_CHALLENGE = 'Bearer realm="disputes"'
UNREADABLE_BODY, UNREADABLE_BODY_TITLE = "unreadable-body", "The body cannot be decoded"
"""A body that does not decode as its Content-Encoding or chunked framing says: the connection closes with it."""
"""The challenge of a 401 (RFC 9110 §11.6.1) unless the refusal names another: the API's callers send a bearer token."""
UNSUPPORTED_ENCODING, UNSUPPORTED_ENCODING_TITLE = "unsupported-content-encoding", "Unsupported content coding"
log = structlog.get_logger("api")

DOMAIN_STATUS: list[tuple[type[domain.DomainError], int]] = [
    (domain.NotFound, 404),
    (domain.Forbidden, 403),
    (domain.StaleVersion, 412),
    (domain.Conflict, 409),
    (domain.Unprocessable, 422),
]


@dataclass(frozen=True)
class ProblemType:
    """One kind of refusal: a stable `type` a client can branch on, and the request field it names, if any."""

    code: str
    status: int
    title: str
    field: str | None = None

    @property
    def uri(self) -> str:
        return PROBLEM_TYPE.format(code=self.code)


EDGE_PROBLEMS = tuple(ProblemType(*fields) for fields in (
    ("malformed-json", 400, "Malformed JSON"),
    ("malformed-header", 400, "A header's value cannot be read"),
    ("malformed-multipart", 400, "Malformed multipart body"),
    (UNREADABLE_BODY, 400, UNREADABLE_BODY_TITLE),
    ("unauthenticated", 401, "Authentication required"),
    ("webhook-unauthenticated", 401, "The webhook is not authenticated"),
    ("forbidden", 403, "Not allowed for this role"),
    ("webhook-forbidden", 403, "The carrier may not push this"),
    ("not-found", 404, "Not found"),
    ("unknown-carrier", 404, "No such carrier"),
    ("method-not-allowed", 405, "Method Not Allowed"),
    ("request-timeout", 408, "Request Timeout"),
    ("content-too-large", 413, "Content Too Large"),
    ("image-too-large", 413, "An image is too large"),
    ("too-many-images", 413, "Too many images"),
    ("unsupported-media-type", 415, "Unsupported media type"),
    (UNSUPPORTED_ENCODING, 415, UNSUPPORTED_ENCODING_TITLE),
    ("unsupported-image-type", 415, "Not an accepted image"),
    ("range-not-satisfiable", 416, "Range not satisfiable"),
    ("expectation-failed", 417, "Expectation Failed"),
    ("validation-failed", 422, "The request is not valid"),
    ("malformed-webhook", 422, "The push cannot be read"),
    ("unreadable-image", 422, "An image cannot be read"),
    ("precondition-required", 428, "If-Match required"),
    ("rate-limited", 429, "Too many requests"),
    ("internal-error", 500, "Internal error"),
    ("unavailable", 503, "Temporarily unavailable"),
    ("authentication-unavailable", 503, "Authentication is unavailable"),
    ("not-ready", 503, "Not ready"),
))
"""The refusals of the HTTP edge (the domain's are its exception classes); `problem_types` lists both."""
_EDGE = {kind.code: kind for kind in EDGE_PROBLEMS}


def edge_problem(code: str) -> ProblemType:
    return _EDGE[code]


def problem_types() -> list[ProblemType]:
    """Every problem type the API answers with, by status then code; one code, one meaning."""
    found = {kind.code: ProblemType(kind.code, domain_status(kind), kind.title, kind.field)
             for kind in _subclasses(domain.DomainError)}
    found.update({kind.code: kind for kind in EDGE_PROBLEMS})
    return sorted(found.values(), key=lambda kind: (kind.status, kind.code))


def domain_status(kind: type[domain.DomainError]) -> int:
    return next(code for branch, code in DOMAIN_STATUS if issubclass(kind, branch))


def _subclasses(kind: type[domain.DomainError]) -> Iterator[type[domain.DomainError]]:
    for sub in kind.__subclasses__():
        yield sub
        yield from _subclasses(sub)


class ProblemError(Exception):
    """Raised by handlers for errors at the HTTP edge (bad JSON, wrong media type, auth): a type of
    `EDGE_PROBLEMS`, whose status and title it answers with. A 401's `challenge` is the bearer token's unless it
    names another (a carrier's push)."""

    def __init__(self, code: str, detail: str | None = None, *, challenge: str | None = None,
                 headers: Mapping[str, str] | None = None, **extra: Any) -> None:
        kind = edge_problem(code)
        super().__init__(detail or kind.title)
        self.status, self.code, self.title, self.detail, self.extra = kind.status, code, kind.title, detail, extra
        self.challenge, self.headers = challenge, headers


def problem(status: int, code: str, title: str, detail: str | None = None, **extra: Any) -> web.Response:
    body = Problem(type=PROBLEM_TYPE.format(code=code), title=title, status=status, detail=detail, **extra)
    headers = {"Retry-After": RETRY_AFTER_SECONDS} if status == 503 else None  # every 503 says when to come back
    return web.Response(status=status, text=body.model_dump_json(exclude_none=True), content_type=PROBLEM_JSON,
                        headers=headers)


def validation_problem(error: ValidationError, where: str) -> ProblemError:
    """The first `MAX_FIELD_ERRORS` errors, enough to fix the request: one each for a body wrong in thousands of
    places would make the answer many times the body's size."""
    count = error.error_count()
    fields = [
        FieldError(field=".".join(str(p) for p in e["loc"]) or where, message=e["msg"])
        for e in error.errors(include_input=False, include_url=False)[:MAX_FIELD_ERRORS]
    ]
    detail = f"Invalid {where}." if count <= MAX_FIELD_ERRORS else f"Invalid {where}: {count} errors, the first {MAX_FIELD_ERRORS} listed."
    return ProblemError("validation-failed", detail, errors=fields)


def error_response(request: web.Request, error: Exception) -> web.Response:
    """The problem answer to an error a handler raised (an HTTP exception below 400 is re-raised: a redirect)."""
    request_id = request.get(REQUEST_ID)
    if isinstance(error, ProblemError):
        response = problem(error.status, error.code, error.title, error.detail, request_id=request_id, **error.extra)
        response.headers.update(error.headers or {})
        if error.status == 401:
            response.headers["WWW-Authenticate"] = error.challenge or BEARER_CHALLENGE
        elif error.code == UNREADABLE_BODY:  # a body refused as one (adapters/web/bodies.py)
            response.force_close()
        return response
    if isinstance(error, domain.DomainError):
        status = domain_status(type(error))
        extra = {name: error.facts[name] for name in ("dispute_id", "field") if name in error.facts}
        response = problem(status, error.code, error.title, error.detail, request_id=request_id, **extra)
        if isinstance(error, domain.KeyInFlight):
            response.headers["Retry-After"] = str(error.retry_after_seconds)
        return response
    if isinstance(error, web.HTTPException):
        if error.status < 400:
            raise error
        code = error.reason.lower().replace(" ", "-")
        title = kind.title if (kind := _EDGE.get(code)) else error.reason  # one title per type: the table's
        response = problem(error.status, code, title, error.text if error.status != 404 else None, request_id=request_id)
        if allow := error.headers.get("Allow"):
            response.headers["Allow"] = allow
        return response
    if isinstance(error, web.RequestPayloadError):  # aiohttp could not undo the body's chunking
        response = problem(400, UNREADABLE_BODY, UNREADABLE_BODY_TITLE, "The body does not follow its chunked framing.",
                           request_id=request_id)
        response.force_close()  # the rest of the body cannot be read either: nothing more comes on this connection
        return response
    if isinstance(error, BeyondCalendar):  # the service's own limit, warned of months ahead: no request's fault
        log.error("calendar_exhausted", error=str(error))
        return problem(503, "unavailable", "Temporarily unavailable", "Please retry later.", request_id=request_id)
    if isinstance(error, StorageUnavailable | OrdersUnavailable):
        # the edge's own words (which fault: a timeout, an HTTP status, an invalid body's field paths), never a
        # driver's message or an answer's contents
        log.warning("dependency_unavailable", error=type(error).__name__, reason=str(error))
        return problem(503, "unavailable", "Temporarily unavailable", "Please retry shortly.", request_id=request_id)
    # The stack and a numeric error code (a database's), without the message or locals: those can carry request data
    # (names, addresses).
    number = getattr(error, "code", None)
    log.error("unhandled_error", error=type(error).__name__, code=number if type(number) is int else None,
              stack="".join(traceback.format_tb(error.__traceback__)))
    return problem(500, "internal-error", "Internal error", "The error was logged.", request_id=request_id)
