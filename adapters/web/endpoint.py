"""One declaration per endpoint: roles, inputs and outputs. The same table drives routing, input
validation, authorization and the OpenAPI document, so they cannot drift apart."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import cache, cached_property
from typing import Any, Literal

import structlog
from aiohttp import web
from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from adapters.observability import bind_actor
from adapters.web.auth import InvalidToken, Reason
from adapters.web.bodies import read_json_bytes
from adapters.web.conditional import conditional
from adapters.web.idempotency import answer_once, key_scope
from adapters.web.in_flight import at_work
from adapters.web.json_text import parse_json
from adapters.web.keys import TOKENS
from adapters.web.problems import ProblemError, validation_problem
from adapters.web.rate_limit import RATE_LIMITS, add_headers, client_key, limit
from disputes.actors import Actor
from disputes.errors import DomainError
from schemas.common import Id, Role

_ID = TypeAdapter(Id)
log = structlog.get_logger("api")
JSON = {"Content-Type": "application/json; charset=utf-8"}
JSON_TYPES = frozenset({"application/json", JSON["Content-Type"]})
"""Content-Type values read as JSON without parsing them (aiohttp parses with the email package: microseconds)."""
UTF8_ONLY = "Send JSON in UTF-8: charset=utf-8, or no charset (RFC 8259 §8.1)."


def utf8_or_unsaid(request: web.Request) -> bool:
    """Whether the body's declared charset, if any, is UTF-8: JSON's only one (RFC 8259 §8.1), so a body in another
    (windows-1254, iso-8859-9) is refused for its charset rather than read as bytes that are not JSON."""
    return request.headers.get("Content-Type") in JSON_TYPES or (request.charset or "utf-8").lower() in ("utf-8", "utf8")


@dataclass(slots=True)
class Call:
    """Not frozen, as one is made per request: a frozen dataclass sets each field through `object.__setattr__`."""

    request: web.Request
    actor: Actor
    body: Any = None
    query: Any = None

    def path_id(self, name: str = "id") -> str:
        value = self.request.match_info[name]
        try:
            checked: str = _ID.validator.validate_python(value)  # the validator itself: the adapter's wrapper costs more
        except ValidationError as error:
            raise validation_problem(error, f"path parameter '{name}'") from None
        return checked

    def header(self, name: str) -> str | None:
        return self.request.headers.get(name)


Handler = Callable[[Call], Awaitable[web.StreamResponse]]
Reader = Callable[[web.Request, Actor], Awaitable[Any]]
Keys = Literal["kept", "own", "none"]
"""A POST's Idempotency-Key: first answers kept by the edge (`adapters.web.idempotency`), kept by the use case
itself (opening a dispute: in the dispute, one write), or none (carrier webhooks: deduplicated by event id)."""
Limit = Literal["client", "carrier", "none"]
"""Whose rate limit a request counts against: the caller's, the carrier's (webhooks: taken by the handler, which
alone knows whether the push is the carrier's), or none (operations)."""


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    handler: Handler
    summary: str
    roles: frozenset[Role] = frozenset()
    body: type[BaseModel] | None = None
    body_optional: bool = False
    query: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    status: int = 200
    headers: tuple[str, ...] = ()
    errors: tuple[int, ...] = ()
    rules: tuple[type[DomainError], ...] = ()
    """The business rules (the 403, 409 and 422 types of `disputes/errors.py`) the operation can refuse with, as its handler
    and the use case it calls raise them: the document lists these and no others (`adapters/web/openapi.py`)."""
    tag: str = "disputes"
    extra: dict[str, Any] = field(default_factory=dict)
    read: Reader | None = None
    """Reads the body itself (a form with files) instead of `body`'s JSON, for the authenticated caller."""
    body_in_handler: bool = False
    """The handler reads the body itself (a push, verified as it arrives) and turns to its work once it is in
    (`in_flight.at_work`); every other handler's request turns to it once `body`, `read` or the body refused are read."""
    keys: Keys = "kept"
    limit: Limit | None = None
    """None: the caller's, but none for the operations endpoints (probes and scrapers)."""

    @cached_property
    def counts(self) -> Limit:
        """Whose rate limit a request counts against."""
        return self.limit or ("none" if self.tag == "operations" else "client")

    @cached_property
    def refuses_parameters(self) -> bool:
        """Whether every query parameter is refused: on the API's operations that read none, but not on a carrier's
        webhook (it calls the address it was given, which may carry parameters of its own) nor on the operations
        endpoints (probes and scrapers may add theirs)."""
        return self.query is None and self.path.startswith("/v1/") and self.counts != "carrier"

    @cached_property
    def refuses_body(self) -> bool:
        """Whether a body that says anything is refused, on the same operations, when they read none (`_read_no_body`):
        a caller whose body asks for something (`{"accessibility_need": false}`) is told it is not read, rather than
        answered as if it had been."""
        return self.method != "GET" and self.body is None and self.read is None and self.refuses_parameters

    @cached_property
    def reads_body(self) -> bool:
        """Whether a request's body is read before its work, which then starts once it is in (`Admission.admitting`)."""
        return self.body is not None or self.read is not None or self.refuses_body or self.body_in_handler

    def aiohttp_handler(self) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        limited, refuses_parameters, private = self.counts != "none", self.refuses_parameters, bool(self.roles)
        refuses_body, body_in_handler = self.refuses_body, self.body_in_handler

        async def handle(request: web.Request) -> web.StreamResponse:
            actor = await self._caller(request)
            if refuses_parameters and request.query_string:  # most requests have none: nothing more to do
                _read_query(request, _NoParameters)
            body = await read_json_body(request, self.body, self.body_optional) if self.body else None
            if refuses_body and request.body_exists:
                await _read_no_body(request)
            if self.read is not None:
                body = await self.read(request, actor)
            query = _read_query(request, self.query) if self.query else None
            if not body_in_handler:
                at_work()
            call = Call(request, actor, body, query)
            response: web.StreamResponse
            if self.method == "GET":
                response = conditional(request, await self.handler(call), private)
            elif self.method == "POST" and self.keys == "kept":
                response = await answer_once(request, actor, body, lambda: self.handler(call))
            else:
                response = await self.handler(call)
            if limited and not response.prepared:  # a stream's handler put them on before it sent its headers
                add_headers(request, response)
            return response

        handle.__name__ = self.handler.__name__
        return handle

    async def _caller(self, request: web.Request) -> Actor:
        """The caller, once the request is within its rate limit (a refused token counts against its address)."""
        app, counts = request.app, self.counts
        try:
            actor = await _authenticate(request, app, self.roles)
        except ProblemError:
            if counts == "client":
                limit(request, app[RATE_LIMITS].clients, client_key(request, None))
            raise
        if counts == "client":
            limit(request, app[RATE_LIMITS].clients, client_key(request, None if actor is PUBLIC else key_scope(actor)))
        return actor


PUBLIC = Actor("anonymous", Role.SERVICE)


def json_response(model: BaseModel, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    """The model serialised straight to UTF-8 JSON bytes, with no str in between."""
    return json_body(model.__pydantic_serializer__.to_json(model), status, headers)


def json_body(body: bytes, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    # The header as written: aiohttp's content_type and charset arguments parse and rebuild it on every response.
    return web.Response(status=status, body=body, headers={**headers, **JSON} if headers else JSON)


def remembered_caller(request: web.Request) -> Actor | None:
    """The caller, when the request's one bearer token is one already verified (known without an await); None for any
    other (`_authenticate` then says what is wrong with it)."""
    fields = request.headers.getall("Authorization", ())
    scheme, _, token = (fields[0] if len(fields) == 1 else "").partition(" ")
    return request.app[TOKENS].remembered(token.strip()) if scheme.lower() == "bearer" else None


async def _authenticate(request: web.Request, app: web.Application, roles: frozenset[Role]) -> Actor:
    if not roles:
        return PUBLIC
    fields = request.headers.getall("Authorization", ())
    scheme, _, token = (fields[0] if fields else "").partition(" ")
    token = token.strip()
    try:
        if len(fields) > 1:  # a proxy in front may have read the other one: whose request this is stays unsaid
            raise InvalidToken(Reason.TOKEN_MALFORMED)
        if not token or scheme.lower() != "bearer":
            raise InvalidToken(Reason.TOKEN_MISSING)
        if not token.isascii():  # a JWT is base64url and dots; bytes not UTF-8 reach us as surrogates
            raise InvalidToken(Reason.TOKEN_MALFORMED)
        tokens = app[TOKENS]
        if (actor := tokens.remembered(token)) is None:  # most requests: a token already verified, no await
            actor = await tokens.verify(token)
    except InvalidToken as refused:
        log.info("token_rejected", reason=refused.reason.value)  # never the token
        raise ProblemError(refused.code, refused.detail, reason=refused.reason.value) from None
    bind_actor(actor)
    if actor.role not in roles:
        raise ProblemError("forbidden", f"Role '{actor.role.value}' may not do this.")
    return actor


async def read_json_body(request: web.Request, model: type[BaseModel], optional: bool) -> BaseModel:
    raw = await read_json_bytes(request)
    if not raw and optional:
        return model()
    if request.headers.get("Content-Type") not in JSON_TYPES and request.content_type != "application/json":
        raise ProblemError("unsupported-media-type", "Send application/json.")
    if not utf8_or_unsaid(request):
        raise ProblemError("unsupported-media-type", UTF8_ONLY)
    value = parse_json(raw)  # parsed once, refused if an object names a member twice
    try:  # the validator itself: `model_validate` passes it six keyword arguments, which cost as much as the parse
        validated: BaseModel = model.__pydantic_validator__.validate_python(value)
        return validated
    except ValidationError:
        pass
    # Refused: validated again from its text, so that the problem speaks of JSON's objects and arrays (not Python's
    # dictionaries and tuples), and a strict field reads JSON's text as JSON does (a string for a date or an enum).
    try:
        return model.model_validate_json(raw)
    except ValidationError as error:
        raise validation_problem(error, "body") from None


@cache
def _parameters(model: type[BaseModel]) -> tuple[frozenset[str], frozenset[str]]:
    """The parameters the model takes (by name or alias), and those that take a list: the key repeated once per
    value (`explode: true`, as the document says and generated clients send), each value possibly itself
    comma-separated (as people type it)."""
    properties = model.model_json_schema()["properties"]
    names = model.model_fields.keys() | {field.alias for field in model.model_fields.values() if field.alias}
    return frozenset(names), frozenset(name for name, field in properties.items() if _is_array(field))


def _is_array(field: dict[str, Any]) -> bool:
    return field.get("type") == "array" or any(option.get("type") == "array" for option in field.get("anyOf", ()))


class _NoParameters(BaseModel):
    """The query of an operation that reads none: any parameter is refused as a query model refuses one it does not
    name (422, each in `errors`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


async def _read_no_body(request: web.Request) -> None:
    """A body that asks for nothing is taken, whatever its type says: none, white space, `{}` or `null` (what clients
    send when told to send nothing, or `{}` without a JSON type: `curl -d '{}'`). Other JSON is refused as `_NoBody`
    refuses it (422, each member in `errors`); what is no JSON is malformed JSON when its type is JSON, else 415."""
    raw = await read_json_bytes(request)
    if not raw.strip():
        return
    try:
        value = parse_json(raw)
    except ProblemError:
        if request.headers.get("Content-Type") in JSON_TYPES or request.content_type == "application/json":
            raise
        raise ProblemError("unsupported-media-type", "Send application/json, or no body.") from None
    if value is not None:
        try:
            _NoBody.__pydantic_validator__.validate_python(value)
        except ValidationError as error:
            raise validation_problem(error, "body") from None


class _NoBody(BaseModel):
    """The body of an operation that reads none: any member is refused (422, each in `errors`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def _read_query(request: web.Request, model: type[BaseModel]) -> BaseModel:
    data: dict[str, Any] = {}
    names, lists = _parameters(model)
    for key in dict.fromkeys(request.query):
        values = request.query.getall(key)
        if key in lists:
            data[key] = [item for value in values for item in value.split(",")]
        elif len(values) > 1 and key in names:  # one it does not take is refused as such, however often given
            raise ProblemError("validation-failed", f"'{key}' is given twice.",
                               parameters=[key])
        else:
            data[key] = values[0]
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise validation_problem(error, "query") from None
