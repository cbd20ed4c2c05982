"""Idempotency-Key on the API's POSTs (draft-ietf-httpapi-idempotency-key-header): a retry with the same key and
request gets the first answer again (status, body, ETag, Location, with `Idempotent-Replayed: true`), keys are the
caller's (scoped to the token's role and subject: `disputes.service.stored_key`), and last `idempotency_ttl_hours`.
See `disputes.idempotency`."""

import hashlib
import re
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from pydantic import BaseModel

from adapters.web.problems import ProblemError, error_response
from disputes.actors import Actor
from disputes.errors import Contended
from disputes.idempotency import FirstAnswers
from disputes.model import FirstAnswer
from disputes.service import Upload, stored_key
from schemas.api import FieldError

FIRST_ANSWERS = web.AppKey("first_answers", FirstAnswers)
IDEMPOTENCY_KEY_MAX = 128
IDEMPOTENCY_KEY_PATTERN = f"^[ -~]{{1,{IDEMPOTENCY_KEY_MAX}}}$"
"""The draft's key is a Structured Field String: printable ASCII (space to tilde)."""
IDEMPOTENCY_KEY_FORMAT = re.compile(IDEMPOTENCY_KEY_PATTERN)
KEPT_HEADERS = ("Content-Type", "ETag", "Location")
"""What a replay repeats besides status and body: what describes the answer (not the moment, such as Date)."""
REPLAYED = {"Idempotent-Replayed": "true"}


def idempotency_key(request: web.Request) -> str | None:
    keys = request.headers.getall("Idempotency-Key", ())
    if len(keys) > 1:
        raise _invalid_key("Send one Idempotency-Key, not several.")
    key = keys[0] if keys else None
    if key is not None and not IDEMPOTENCY_KEY_FORMAT.fullmatch(key):
        raise _invalid_key(f"Idempotency-Key must be 1-{IDEMPOTENCY_KEY_MAX} printable ASCII characters.")
    return key


def _invalid_key(detail: str) -> ProblemError:
    return ProblemError("validation-failed", detail,
                        errors=[FieldError(field="Idempotency-Key", message=detail)])


def key_scope(actor: Actor) -> str:
    return f"{actor.role.value}/{actor.id}"


def first_answer(response: web.Response) -> FirstAnswer:
    body = response.body
    assert isinstance(body, bytes), "a POST answers with bytes (JSON)"
    headers = tuple((name, response.headers[name]) for name in KEPT_HEADERS if name in response.headers)
    return FirstAnswer(status=response.status, headers=headers, body=body.decode())


def answered(answer: FirstAnswer) -> web.Response:
    """The answer as it was first given."""
    return web.Response(status=answer.status, body=answer.body.encode(), headers=dict(answer.headers))


def replayed(answer: FirstAnswer) -> web.Response:
    return web.Response(status=answer.status, body=answer.body.encode(), headers=dict(answer.headers) | REPLAYED)


def fingerprint(request: web.Request, body: Any) -> str:
    """The request as the key was used with: method, path and query, the precondition, and the body as read (JSON
    as validated, so spacing and key order do not count; a form's statement and its files' bytes)."""
    digest = hashlib.sha256()
    for part in (request.method, request.rel_url.raw_path_qs, ", ".join(request.headers.getall("If-Match", []))):
        digest.update(part.encode() + b"\x1f")
    if isinstance(body, BaseModel):
        digest.update(body.model_dump_json().encode())
    elif body is not None:
        statement, uploads = body
        digest.update(statement.encode())
        for upload in uploads:
            assert isinstance(upload, Upload)
            digest.update(b"\x1f" + upload.media_type.encode() + b"\x1e" + hashlib.sha256(upload.content).digest())
    return digest.hexdigest()


async def answer_once(
    request: web.Request, actor: Actor, body: Any, run: Callable[[], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """`run` once per key: its first answer for every retry with the same key and request."""
    key = idempotency_key(request)
    if key is None:
        return await run()
    ran: list[web.Response] = []

    async def kept() -> tuple[FirstAnswer, bool]:
        try:
            response = await run()
            transient = False
        except Exception as error:
            response, transient = error_response(request, error), isinstance(error, Contended)
        assert isinstance(response, web.Response)
        ran.append(response)
        # An answer that says "try again" (busy, overloaded, failed) is not one to repeat: the retry runs.
        return first_answer(response), not (transient or response.status >= 500 or response.status == 429)

    answered = await request.app[FIRST_ANSWERS].once(stored_key(key_scope(actor), key), fingerprint(request, body), kept)
    return replayed(answered.answer) if answered.replayed else ran[0]
