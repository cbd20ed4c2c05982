"""The OpenAPI 3.1 document, generated from the endpoint table and the pydantic schemas."""

import json
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from pydantic import BaseModel, TypeAdapter
from pydantic.json_schema import GenerateJsonSchema, models_json_schema
from pydantic_core import core_schema

from adapters.images import FORMATS
from adapters.web import examples
from adapters.web.conditional import PRIVATE
from adapters.web.endpoint import Endpoint
from adapters.web.idempotency import IDEMPOTENCY_KEY_PATTERN
from adapters.web.openapi_partners import with_partner_contract
from adapters.web.problems import ProblemType, problem_types
from adapters.images import MAX_IMAGE_BYTES
from adapters.web.uploads import IMAGES, MAX_IMAGES, STATEMENT
from disputes.idempotency import IN_FLIGHT_RETRY_SECONDS
from disputes.rules import Rules
from schemas.api import Problem
from schemas.common import Id, Role, Statement

REF = "#/components/schemas/{model}"
ID_SCHEMA = TypeAdapter(Id).json_schema()
STATUS_TEXT = {
    400: "Malformed request", 401: "Not authenticated", 403: "Not allowed for this role", 404: "Not found",
    408: "Body not received in time", 409: "Conflicts with the current state", 412: "Stale version",
    413: "Body too large", 415: "Unsupported media type", 416: "No part of the file is in the Range",
    417: "An expectation other than 100-continue",
    422: "Invalid request", 428: "If-Match required", 429: "Too many requests",
    500: "An unexpected error, logged with the request id", 503: "Temporarily unavailable",
}
HEADERS = {
    "Idempotency-Key": "Up to 128 printable ASCII characters, yours (an opening's: the customer's, or the opening "
                       "agent's; any other request's: your token's role and subject's). A retry with the same key "
                       "and request gets the first answer again (status, body, ETag, Location; "
                       "`Idempotent-Replayed: true`), whatever changed since (an opening keeps only its success: a "
                       "refused opening's retry is judged again); the same key with another request is a 422 "
                       "(`idempotency-key-reused`); a retry while the first is still running is a 409 "
                       f"(`idempotency-key-in-flight`) with `Retry-After: {IN_FLIGHT_RETRY_SECONDS}`. Keys expire after "
                       "`idempotency_ttl_hours` "
                       f"(default {Rules().idempotency_ttl // timedelta(hours=1)} hours).",
    "If-Match": 'The ETag of the dispute as you reviewed it (any of its views\' ETags names that version), a list of '
                'them, or "*" for any current version: the change is made only to that version. Optional unless a 428 '
                "is listed; a malformed value is refused with 400, one naming no current version with 412 (weak ETags "
                "never match).",
    "Range": "bytes=first-last, first- or -suffix: the part of the file to send (206). Of several ranges only the first "
             "satisfiable one is sent; a Range that cannot be read is ignored (the whole file, 200).",
    "If-Range": "The ETag of the copy you hold a part of: the Range applies only if it is still current.",
}
SUCCESS_HEADERS = {
    "ETag": 'The dispute\'s version (strong), on the customer\'s side suffixed by the view ("7-customer", '
            '"7-agent") and, once the time has passed the date its next step turns on (the end of the appeal window, '
            'the date to answer a question by, the decision deadline), by "-later" ("7-customer-later"), each being a '
            "representation of its own; quote it in If-Match to change only that version.",
    "Location": "Where the resource this request created is read.",
    "Link": 'The customer\'s other open disputes, one `<…>; rel="related"` each (none: no header); the accessibility '
            'need is recorded per case, so record it on each of them too.',
    "Idempotent-Replayed": '"true" when the answer is the first one given for this Idempotency-Key, not a new record.',
}
REQUEST_ID = ("Names the request in the service's logs: yours, when it is 1 to 64 of `A-Z a-z 0-9 . _ -`, else one "
              "made here; quote it when you ask for help.")
SHARED_PARAMETERS = {
    "IfNoneMatch": {"name": "If-None-Match", "in": "header", "required": False, "schema": {"type": "string"},
                    "description": 'The ETags of the copies you hold, as their answers\' ETag gave them, or "*": 304 '
                                   "(no body) when one is current."},
    "RequestId": {"name": "X-Request-ID", "in": "header", "required": False, "schema": {"type": "string"},
                  "description": REQUEST_ID},
}
"""Request headers taken by many operations, declared once (`components/parameters`): `X-Request-ID` by every one,
`If-None-Match` by every one that answers 304."""
SHARED_HEADERS = {"X-Request-ID": {"description": "The request's id: " + REQUEST_ID, "schema": {"type": "string"}}}
"""Headers on every answer, declared once (`components/headers`)."""
HEADER_SCHEMAS = {"Idempotency-Key": {"type": "string", "pattern": IDEMPOTENCY_KEY_PATTERN}}
PRIVATE_CACHE = f"{PRIVATE}: never kept by shared caches; a browser asks again (304) before each showing."
BODY_ETAG = ("The SHA-256 of the body (strong; a queue page's, of its cursor and its rows' own): named in If-None-Match "
             "while current, it is answered 304.")
ADDED = ("Created: added to the case. The answer is the case's updated view with its new version's ETag, not the "
         "addition itself (no Location: what was added is read in the case, its timeline and thread).")
IN_FLIGHT_RETRY_AFTER = (f"On `idempotency-key-in-flight` only: {IN_FLIGHT_RETRY_SECONDS}, the seconds to wait before "
                         "retrying with the same key (the first request is usually answered well within it; a key whose "
                         "request died is freed after `idempotency_hold_seconds`).")
PROBLEM_HEADERS = {
    401: {"WWW-Authenticate": 'Bearer realm="disputes": send a bearer token.'},
    503: {"Retry-After": "Seconds to wait before retrying."},
    416: {"Content-Range": "`bytes */<size>`: the file's length in bytes (RFC 9110 §14.4)."},
}
SUCCESS = {200: "", 201: "Created: ", 202: "Accepted, the work it starts runs in the background: "}
FILE_HEADERS = {
    "ETag": "The SHA-256 of the file's bytes (strong).",
    "Content-Disposition": '`inline; filename="<kind>-<reference>.<extension>"` (a carrier\'s raw reply: `attachment`)',
    "Cache-Control": PRIVATE_CACHE,
    "Accept-Ranges": "`bytes`: a part of the file may be asked for with Range.",
    "X-Content-Type-Options": "`nosniff`: the file is what its Content-Type says.",
    "Content-Security-Policy": "On a document (PDF, HTML, XML) only: `sandbox` (no scripts, no forms, not our origin).",
}


def submission_body(json_model: type[BaseModel]) -> dict[str, Any]:
    """A statement with images as a form, or the statement alone as JSON (`json_model`)."""
    images = {
        "type": "array", "maxItems": MAX_IMAGES,
        "items": {"type": "string", "format": "binary", "maxLength": MAX_IMAGE_BYTES},
        "description": f"Up to {MAX_IMAGES} images (JPEG, PNG or WebP, told by their content, not the part's Content-Type; "
                       f"{MAX_IMAGE_BYTES // 2**20} MiB each), one part each. EXIF (location included) and other "
                       "metadata are removed before the image is stored. A file refused (413 too large, 415 not an "
                       "accepted image, 422 unreadable) is named in the problem's `file`; nothing of the request is kept.",
    }
    form = {"type": "object", "required": [STATEMENT], "additionalProperties": False,
            "properties": {STATEMENT: TypeAdapter(Statement).json_schema(), IMAGES: images}}
    # Not `required` though it is (an empty body is refused, 400 or 415): openapi-python-client 0.29 writes a client
    # that cannot be imported for a required body of two media types (its issue #1451).
    return {"required": False, "description": "Required: the form, or the statement alone as JSON.", "content": {
        "multipart/form-data": {"schema": form, "encoding": {IMAGES: {"contentType": ", ".join(FORMATS)}}},
        "application/json": {"schema": _ref(json_model)},
    }}


class _Schemas(GenerateJsonSchema):
    """Requests in the validation schema (a field with a default may be left out); responses in the serialization
    schema with every field required: the service writes them all (null when empty), and a generated client then
    gives non-optional attributes."""

    def field_is_required(
        self, field: core_schema.ModelField | core_schema.DataclassField | core_schema.TypedDictField, total: bool,
    ) -> bool:
        if self.mode == "serialization":
            return not field.get("serialization_exclude", False)
        return super().field_is_required(field, total)


def _by_name(models: set[type[BaseModel]]) -> list[type[BaseModel]]:
    return sorted(models, key=lambda m: m.__name__)


def build_openapi(endpoints: tuple[Endpoint, ...], version: str) -> dict[str, Any]:
    requests = {m for e in endpoints for m in (e.body, e.extra.get("submission")) if m} | {Problem}
    responses = {m for e in endpoints for m in (e.response, *e.extra.get("other_responses", ())) if m}
    _, defs = models_json_schema([(m, "validation") for m in _by_name(requests)] +
                                 [(m, "serialization") for m in _by_name(responses)],
                                 ref_template=REF, schema_generator=_Schemas)
    _absent_not_null(defs["$defs"][Problem.__name__])
    paths: dict[str, dict[str, Any]] = {}
    for e in endpoints:
        operations = paths.setdefault(e.path, {})
        operations[e.method.lower()] = _operation(e)
        if e.method == "GET":
            operations["head"] = _head(operations["get"])
    _shared_query_schemas(paths, defs.setdefault("$defs", {}))
    document = with_partner_contract({
        "openapi": "3.1.0",
        "info": {"title": "Delivery-dispute investigation service", "version": version,
                 "description": "Opens, investigates and resolves 'shows delivered, never arrived' disputes. "
                                "Every `pattern` is an ECMA-262 regular expression (JSON Schema's dialect) that "
                                "names no character past U+FFFF, so engines with no Unicode mode (.NET, JavaScript "
                                "without `u`) compile it too; the service also refuses text with no written "
                                "character among those past U+FFFF (tag and private-use characters alone). Every "
                                "`date-time` in an answer is UTC with `Z` and milliseconds, always "
                                "(`2026-12-06T07:00:00.000Z`); one sent may carry any offset. Every "
                                "answer carries `X-Request-ID` (the caller's, when it is 1 to 64 of `A-Z a-z 0-9 . _ "
                                "-`, else one made here), which the service's logs name the request by."},
        "servers": [{"url": "/", "description": "This service: the document is served by the API it describes."}],
        "paths": paths,
        "components": {
            "schemas": defs.get("$defs", {}),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
            "examples": {_example_name(kind): _problem_example(kind) for kind in problem_types()},
        },
    })
    _shared_headers(document)
    examples.fill(document)
    used = set(re.findall(r'"#/components/examples/([^"]+)"', json.dumps(document["paths"])))
    document["components"]["examples"] = {name: e for name, e in document["components"]["examples"].items() if name in used}
    return document


def _shared_headers(document: dict[str, Any]) -> None:
    """Every operation (the partners' pushes too) takes `X-Request-ID` and names it on each answer; one that answers
    304 takes `If-None-Match`: each a reference to its one declaration."""
    components = document["components"]
    components["parameters"], components["headers"] = SHARED_PARAMETERS, SHARED_HEADERS
    echoed = {"X-Request-ID": {"$ref": "#/components/headers/X-Request-ID"}}
    for operation in (op for operations in document["paths"].values() for op in operations.values()):
        taken = ("IfNoneMatch", "RequestId") if "304" in operation["responses"] else ("RequestId",)
        operation["parameters"] = [p for p in operation.get("parameters", ()) if p.get("name") != "If-None-Match"] + [
            {"$ref": f"#/components/parameters/{name}"} for name in taken]
        for answer in operation["responses"].values():
            answer["headers"] = answer.get("headers", {}) | echoed


def _absent_not_null(schema: dict[str, Any]) -> None:
    """A problem is written without the fields it has no value for (never `null`): an optional field is its value's
    type alone, which a client generator can narrow (a `reason` to its codes)."""
    for name, field in schema["properties"].items():
        if name not in schema.get("required", ()) and (options := field.pop("anyOf", None)):
            field.pop("default", None)
            field.update(next(option for option in options if option.get("type") != "null"))


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": REF.format(model=model.__name__)}


def _operation(e: Endpoint) -> dict[str, Any]:
    op: dict[str, Any] = {"summary": e.summary, "operationId": e.handler.__name__, "tags": [e.tag]}
    path_names = re.findall(r"{(\w+)}", e.path)
    params: list[dict[str, Any]] = [{"name": name, "in": "path", "required": True, "schema": ID_SCHEMA}
                                    for name in path_names]
    keyed = ("Idempotency-Key",) if _keyed(e) and "Idempotency-Key" not in e.headers else ()
    described = HEADERS | e.extra.get("header_descriptions", {})
    params += [{"name": h, "in": "header", "required": h == "If-Match" and 428 in e.errors, "description": described[h],
                "schema": HEADER_SCHEMAS.get(h, {"type": "string", "maxLength": 128})} for h in e.headers + keyed]
    if e.query:
        query = e.query.model_json_schema(ref_template=REF)
        for name, field in query["properties"].items():
            params.append({"name": name, "in": "query", "required": name in query.get("required", ()), "schema": field,
                           "style": "form", "explode": True})  # a list: the key once per value, as the server reads it
    if params:
        op["parameters"] = params
    if e.body:
        op["requestBody"] = {"required": not e.body_optional, "content": {"application/json": {"schema": _ref(e.body)}}}
    if submission := e.extra.get("submission"):
        op["requestBody"] = submission_body(submission)
    ok: dict[str, Any] = {"description": _success(e)} | e.extra.get("ok", {})  # a response not JSON describes itself
    if e.response:
        schema: dict[str, Any] = _ref(e.response)
        if others := e.extra.get("other_responses"):
            schema = _role_views((e.response, *others))
        example = {"example": e.extra["example"]} if "example" in e.extra else {}  # else one written from the schema
        ok["content"] = {"application/json": {"schema": schema} | example}
    if headers := _success_headers(e):
        ok["headers"] = headers
    answers = _file_responses(media) if (media := e.extra.get("file")) else {str(e.status): ok}
    if e.extra.get("creates"):  # a PUT that makes a new record answers 201 (RFC 9110 §9.3.4)
        answers["201"] = ok | {"description": "Created: " + ok["description"]}
    op["responses"] = answers | {str(c): _problem_response(e, c) for c in _problem_statuses(e)} | {
        "default": _problem_response(e, 500)}
    _http_semantics(e, op["responses"])
    op["security"] = [{"bearer": []}] if e.roles else []  # no bearer token: public, or signed by the caller's own means
    if e.roles:
        op["description"] = "Roles: " + ", ".join(sorted(r.value for r in e.roles))
    return op


def _shared_query_schemas(paths: dict[str, dict[str, Any]], schemas: dict[str, Any]) -> None:
    """A query parameter whose schema names its values (`const`, `enum`), written once as a component its operations
    refer to: a client generator makes a class of such a schema written inline, numbering each repetition (the
    queue's `mine` on its GET and HEAD and on its export's: `Mine`...`Mine3`)."""
    for operation in (op for operations in paths.values() for op in operations.values()):
        for parameter in operation.get("parameters", ()):
            schema = parameter["schema"]
            if parameter["in"] != "query" or not any(
                    key in option for option in (schema, *schema.get("anyOf", ())) for key in ("const", "enum")):
                continue
            name = "".join(schema["title"].split()) + "Filter"
            component = schema | {"title": name}
            assert schemas.setdefault(name, component) == component, f"{name}: two parameters differ under one name"
            parameter["schema"] = {"$ref": REF.format(model=name)}


def _head(get: dict[str, Any]) -> dict[str, Any]:
    """HEAD on a GET: its answers' statuses and headers, without their bodies (RFC 9110 §9.3.2)."""
    answers = {status: {key: value for key, value in answer.items() if key != "content"}
               for status, answer in get["responses"].items()}
    return get | {"operationId": get["operationId"] + "_head", "summary": f"{get['summary']}: the headers only",
                  "responses": answers}


def _success(e: Endpoint) -> str:
    """What a success answer is: the response model's own description, else the operation's summary."""
    if e.status == 201 and not e.extra.get("location"):  # an addition to a case: the case answers, not the addition
        return ADDED
    if e.extra.get("other_responses"):
        what = "The dispute as the caller's role sees it, told apart by `view`."
    else:
        what = (e.response.__doc__ if e.response and e.response.__doc__ else e.summary).split("\n\n")[0]
    return SUCCESS.get(e.status, "") + " ".join(what.split())


def _role_views(views: tuple[type[BaseModel], ...]) -> dict[str, Any]:
    """One of the role-specific views of a dispute, named by its `view` field for a client to decode the right one."""
    mapping = {view.model_fields["view"].default: REF.format(model=view.__name__) for view in views}
    return {"oneOf": [_ref(view) for view in views], "discriminator": {"propertyName": "view", "mapping": mapping}}


def _success_headers(e: Endpoint) -> dict[str, Any]:
    """A dispute's version as its ETag; any other GET's answer (but the export's, never stored) the body's hash, and
    a signed-in caller's GET answer is private."""
    headers = {name: SUCCESS_HEADERS[name] for name in (
        *(["ETag"] if e.response and "view" in e.response.model_fields else []),
        *(["Location"] if e.extra.get("location") else []),
        *(["Link"] if e.extra.get("related") else []),
        *(["Idempotent-Replayed"] if _keyed(e) else []))}
    if etag := e.extra.get("etag"):  # a write answering with its record's own ETag
        headers["ETag"] = etag
    if e.method == "GET" and not e.extra.get("no_store"):
        headers.setdefault("ETag", BODY_ETAG)
        if e.roles:  # a signed-in caller's
            headers["Cache-Control"] = PRIVATE_CACHE
    return {name: {"description": text, "schema": {"type": "string"}} for name, text in headers.items()}


def _problem_statuses(e: Endpoint) -> list[int]:
    codes = set(e.errors) | ({401, 403} if e.roles else set()) | ({400, 413, 415} if e.body or e.refuses_body else set()) | {503}
    if e.headers:  # one that cannot be read (`malformed-header`)
        codes.add(400)
    if e.query or e.refuses_parameters or e.refuses_body or re.search(r"{\w+}", e.path):
        codes.add(422)
    if 413 in codes:  # a bounded body is also bounded in time
        codes.add(408)
    return sorted(codes)


def _problem_response(e: Endpoint, status: int) -> dict[str, Any]:
    named = {kind.code: {"$ref": f"#/components/examples/{_example_name(kind)}"} for kind in _answers(e, status)}
    content = {"application/problem+json": {"schema": _ref(Problem)} | ({"examples": named} if named else {})}
    answer: dict[str, Any] = {"description": STATUS_TEXT[status], "content": content}
    if headers := PROBLEM_HEADERS.get(status):
        answer["headers"] = {name: {"description": text, "schema": {"type": "string"}} for name, text in headers.items()}
    return answer


RATE_LIMIT_HEADERS = {
    "RateLimit-Policy": '`"client";q=<burst>;w=<seconds to refill>` (webhooks: `"webhook"`, and '
                        '`"webhook-unverified"` for a push refused before it proved to be the carrier\'s), '
                        "draft-ietf-httpapi-ratelimit-headers-10; a token bucket per client (per carrier on webhooks, "
                        "one for its verified pushes and one for the rest) in each API process.",
    "RateLimit": '`"client";r=<requests left now>;t=<seconds until the bucket is full>`.',
}


def _http_semantics(e: Endpoint, responses: dict[str, Any]) -> None:
    """304 on a GET (its ETag named in If-None-Match) but one never stored (no validator), 409 on a POST whose
    Idempotency-Key is in flight, 429 where a rate limit counts."""
    header = {"schema": {"type": "string"}}
    if e.method == "POST" and e.keys != "none" and "409" not in responses:
        responses["409"] = _problem_response(e, 409)
    if e.method == "POST" and e.keys == "kept":
        responses["409"]["headers"] = {"Retry-After": header | {"description": IN_FLIGHT_RETRY_AFTER}}
    if e.method == "GET" and "304" not in responses and not e.extra.get("no_store"):
        private = {"Cache-Control": header | {"description": PRIVATE_CACHE}} if e.roles else {}
        responses["304"] = {"description": "Not modified: the ETag named in If-None-Match is current (no body)",
                            "headers": {"ETag": header | {"description": "The current ETag."}} | private}
    if e.counts != "none":
        limits = {name: header | {"description": text} for name, text in RATE_LIMIT_HEADERS.items()}
        retry = {"Retry-After": header | {"description": "Seconds until the bucket lets a request through."}}
        responses["429"] = responses.get("429", _problem_response(e, 429))
        responses["429"]["headers"] = retry | limits


def _file_responses(media_types: dict[str, str]) -> dict[str, Any]:
    """A file's answers: all of it, a part, or "your copy is current". The bytes are described as
    `application/octet-stream`, which client generators read as bytes (given each served type, openapi-python-client
    reads an HTML file as text and a JSON one as a parsed value, whichever it finds first), and `*/*` with no schema:
    the answer carries the file's own Content-Type, any of those the description names (`media_types`: each type
    served, and what it is), and a JSON file is not a string."""
    content = {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}, "*/*": {}}
    kinds: dict[str, list[str]] = {}
    for media, what in media_types.items():
        kinds.setdefault(what, []).append(f"`{media}`")
    served = "".join(f"\n- {', '.join(types)}: {what}" for what, types in kinds.items())
    sent = ("Read the body as bytes, whatever its type: it is sent with the file's own Content-Type (`*/*` here, with "
            f"`application/octet-stream`, the type client generators read as bytes), one of{served}")
    headers = {name: {"description": text, "schema": {"type": "string"}} for name, text in FILE_HEADERS.items()}
    part = {"Content-Range": {"description": "bytes first-last/size", "schema": {"type": "string"}}}
    return {
        "200": {"description": f"The file. {sent}", "headers": headers, "content": content},
        "206": {"description": f"The part of the file the Range asked for. {sent}", "headers": headers | part,
                "content": content},
        "304": {"description": "The copy named in If-None-Match is current",
                "headers": {name: headers[name] for name in ("ETag", "Cache-Control")}},
    }


def _answers(e: Endpoint, status: int) -> list[ProblemType]:
    return [kind for kind in problem_types() if kind.status == status and _may_answer(e, kind)]


def _may_answer(e: Endpoint, kind: ProblemType) -> bool:
    """Whether the operation can refuse with this type: a business rule where the operation declares it (`rules`), a
    refusal of the edge or of an HTTP precondition where its declaration says the refusal applies."""
    if scope := EDGE_SCOPES.get(kind.code):
        return scope(e)
    if kind.status not in (403, 409, 412, 422) or kind.code == "validation-failed":
        return True
    return any(rule.code == kind.code for rule in e.rules)


def _keyed(e: Endpoint) -> bool:
    """A POST that takes an Idempotency-Key: the same key with another request is refused."""
    return e.method == "POST" and e.keys != "none"


def _takes_images(e: Endpoint) -> bool:
    return "submission" in e.extra


def _takes_pushes(e: Endpoint) -> bool:
    return e.tag == "carriers" and e.method == "POST"


def _reads_a_body(e: Endpoint) -> bool:
    return e.body is not None or e.read is not None or _takes_pushes(e) or e.refuses_body


def _staff_change(e: Endpoint) -> bool:
    """Changes staff make, each refused to one the staff directory does not let work cases (`disputes/duty.py`)."""
    return e.method != "GET" and bool(e.roles & {Role.INVESTIGATOR, Role.SUPERVISOR})


EDGE_SCOPES: dict[str, Callable[[Endpoint], bool]] = {
    "malformed-webhook": _takes_pushes, "expectation-failed": _takes_pushes, "webhook-unauthenticated": _takes_pushes, "webhook-forbidden": _takes_pushes,
    "unknown-carrier": lambda e: "{carrier}" in e.path,
    "range-not-satisfiable": lambda e: "file" in e.extra,
    "malformed-header": lambda e: bool(e.headers),
    "precondition-required": lambda e: "If-Match" in e.headers,
    "malformed-multipart": _takes_images, "image-too-large": _takes_images, "too-many-images": _takes_images,
    "unsupported-image-type": _takes_images, "unreadable-image": _takes_images,
    "unreadable-body": _reads_a_body,
    "unsupported-content-encoding": _reads_a_body, "unsupported-media-type": _reads_a_body,
    "malformed-json": lambda e: e.body is not None or e.refuses_body,  # a push is read in its carrier's format (`malformed-webhook`)
    "unauthenticated": lambda e: bool(e.roles), "forbidden": lambda e: bool(e.roles),  # a bearer token's refusals
    "validation-failed": lambda e: not _takes_pushes(e),
    "not-ready": lambda e: e.path == "/readyz",
    "authentication-unavailable": lambda e: bool(e.roles),  # the identity provider's keys cannot be fetched
    "staff-inactive": _staff_change,
    "stale-version": lambda e: "If-Match" in e.headers,
    "idempotency-key-reused": _keyed,
    "idempotency-key-in-flight": lambda e: _keyed(e) and e.keys == "kept",  # opening keeps its key in one write
}


def _example_name(kind: ProblemType) -> str:
    return f"problem-{kind.code}"


def _problem_example(kind: ProblemType) -> dict[str, Any]:
    value: dict[str, Any] = {"type": kind.uri, "title": kind.title, "status": kind.status}
    if kind.field:
        value["field"] = kind.field
    return {"summary": kind.title, "value": value,
            "description": f"`{kind.uri}`, answered with {kind.status}" + (f"; about `{kind.field}`." if kind.field else ".")}

