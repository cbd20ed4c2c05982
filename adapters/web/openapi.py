"""The OpenAPI 3.1 document, generated from the endpoint table and the pydantic schemas."""

import re
from typing import Any

from pydantic import BaseModel, TypeAdapter
from pydantic.json_schema import models_json_schema

from adapters.images import FORMATS
from adapters.web.endpoint import Endpoint
from adapters.web.uploads import IMAGES, MAX_IMAGE_BYTES, MAX_IMAGES, STATEMENT
from schemas.api import Problem
from schemas.common import Id, Statement

REF = "#/components/schemas/{model}"
ID_SCHEMA = TypeAdapter(Id).json_schema()
STATUS_TEXT = {
    400: "Malformed request", 401: "Not authenticated", 403: "Not allowed for this role", 404: "Not found",
    408: "Body not received in time", 409: "Conflicts with the dispute's state", 412: "Stale version",
    413: "Body too large", 415: "Unsupported media type", 416: "No part of the file is in the Range",
    422: "Invalid request", 428: "If-Match required",
    503: "Temporarily unavailable",
}
HEADERS = {
    "Idempotency-Key": "Retries with the same key and body return the first answer; another body is a 422.",
    "If-Match": 'The ETag (version) of the dispute you reviewed, a list of them, or "*" for any current version; '
                "a malformed value is refused with 400, one naming no current version with 412 (weak ETags never match).",
    "If-None-Match": "ETags of the copy you hold (the file's SHA-256, as its ETag gives it), or \"*\": 304 when current.",
    "Range": "bytes=first-last, first- or -suffix: the part of the file to send (206). Of several ranges only the first "
             "satisfiable one is sent; a Range that cannot be read is ignored (the whole file, 200).",
    "If-Range": "The ETag of the copy you hold a part of: the Range applies only if it is still current.",
}
FILE_HEADERS = {
    "ETag": "The SHA-256 of the file's bytes (strong).",
    "Content-Disposition": 'inline; filename="<kind>-<reference>.<extension>"',
    "Cache-Control": "private, no-cache: never kept by shared caches; a browser asks again (304) before each showing.",
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
    return {"required": True, "content": {
        "multipart/form-data": {"schema": form, "encoding": {IMAGES: {"contentType": ", ".join(FORMATS)}}},
        "application/json": {"schema": _ref(json_model)},
    }}


def build_openapi(endpoints: tuple[Endpoint, ...], version: str) -> dict[str, Any]:
    models = {m for e in endpoints
              for m in (e.body, e.response, e.extra.get("submission"), *e.extra.get("other_responses", ())) if m}
    _, defs = models_json_schema([(m, "validation") for m in sorted(models, key=lambda m: m.__name__)] +
                                 [(Problem, "validation")], ref_template=REF)
    paths: dict[str, dict[str, Any]] = {}
    for e in endpoints:
        paths.setdefault(e.path, {})[e.method.lower()] = _operation(e)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Delivery-dispute investigation service", "version": version,
                 "description": "Opens, investigates and resolves 'shows delivered, never arrived' disputes."},
        "paths": paths,
        "components": {
            "schemas": defs.get("$defs", {}),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
    }


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": REF.format(model=model.__name__)}


def _operation(e: Endpoint) -> dict[str, Any]:
    op: dict[str, Any] = {"summary": e.summary, "operationId": e.handler.__name__, "tags": [e.tag]}
    path_names = re.findall(r"{(\w+)}", e.path)
    params: list[dict[str, Any]] = [{"name": name, "in": "path", "required": True, "schema": ID_SCHEMA}
                                    for name in path_names]
    params += [{"name": h, "in": "header", "required": h == "If-Match", "description": HEADERS[h],
                "schema": {"type": "string", "maxLength": 128}} for h in e.headers]
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
    ok: dict[str, Any] = {"description": "OK"} | e.extra.get("ok", {})  # a response that is not JSON describes itself
    if e.response:
        schema: dict[str, Any] = _ref(e.response)
        if others := e.extra.get("other_responses"):  # the view depends on the caller's role
            schema = {"anyOf": [_ref(e.response), *map(_ref, others)]}
        ok["content"] = {"application/json": {"schema": schema}}
    problem = {"application/problem+json": {"schema": _ref(Problem)}}
    codes = set(e.errors) | ({401, 403} if e.roles else set()) | ({400, 413, 415} if e.body else set()) | {503}
    if e.query or path_names:
        codes.add(422)
    if 413 in codes:  # a bounded body is also bounded in time
        codes.add(408)
    answers = _file_responses(media) if (media := e.extra.get("file")) else {str(e.status): ok}
    if e.extra.get("creates"):  # a PUT that makes a new record answers 201 (RFC 9110 §9.3.4)
        answers["201"] = ok | {"description": "Created"}
    op["responses"] = answers | {str(c): {"description": STATUS_TEXT[c], "content": problem} for c in sorted(codes)}
    if e.roles:
        op["security"] = [{"bearer": []}]
        op["description"] = "Roles: " + ", ".join(sorted(r.value for r in e.roles))
    return op


def _file_responses(media_types: tuple[str, ...]) -> dict[str, Any]:
    """A file's answers: all of it, a part, or "your copy is current"."""
    content = {media: {"schema": {"type": "string", "format": "binary"}} for media in media_types}
    headers = {name: {"description": text, "schema": {"type": "string"}} for name, text in FILE_HEADERS.items()}
    part = {"Content-Range": {"description": "bytes first-last/size", "schema": {"type": "string"}}}
    return {
        "200": {"description": "The file", "headers": headers, "content": content},
        "206": {"description": "The part of the file the Range asked for", "headers": headers | part, "content": content},
        "304": {"description": "The copy named in If-None-Match is current",
                "headers": {name: headers[name] for name in ("ETag", "Cache-Control")}},
    }
