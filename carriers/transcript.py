"""What a carrier answered during one pull, kept for audit: a liability claim against a carrier must be able
to show exactly what it replied and when.

The pull's caller opens ``recording()``; every data reply the carrier's link hands to a mapping inside it is
appended (token replies are not: they hold credentials). ``transcript_bytes`` renders them as one JSON
document with each body as received (text when it is UTF-8, else base64), for the raw-payload store. The
document holds personal data (names, images): it is stored, never logged.
"""

import base64
import json
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from urllib.parse import urlsplit

from carriers.http import HttpRequest, HttpResponse


@dataclass(frozen=True, slots=True)
class Reply:
    method: str
    path: str  # scheme, host and path; never the query (some carriers take keys there)
    status: int
    content_type: str
    body: bytes


_CURRENT: ContextVar[list[Reply] | None] = ContextVar("carrier_transcript", default=None)


@contextmanager
def recording() -> Iterator[list[Reply]]:
    """Collect the carrier's replies made in this task (and the tasks it starts) until the block ends."""
    replies: list[Reply] = []
    token = _CURRENT.set(replies)
    try:
        yield replies
    finally:
        _CURRENT.reset(token)


def keep(request: HttpRequest, response: HttpResponse) -> None:
    """Add a data reply to the transcript being recorded, if any."""
    if (replies := _CURRENT.get()) is None:
        return
    url = urlsplit(request.url)
    content_type = next((v for k, v in response.headers.items() if k.lower() == "content-type"), "")
    replies.append(Reply(request.method, f"{url.scheme}://{url.netloc}{url.path}", response.status, content_type,
                         response.body))


def transcript_bytes(carrier: str, replies: list[Reply]) -> bytes:
    """The replies as one JSON document; equal replies give equal bytes, so the store keeps them once."""
    return json.dumps(
        {"carrier": carrier, "replies": [_rendered(reply) for reply in replies]}, ensure_ascii=False, sort_keys=True
    ).encode()


def _rendered(reply: Reply) -> dict[str, object]:
    rendered: dict[str, object] = {"method": reply.method, "url": reply.path, "status": reply.status,
                                   "content_type": reply.content_type}
    try:
        rendered["body"] = reply.body.decode()
    except UnicodeDecodeError:
        rendered["body_base64"] = base64.b64encode(reply.body).decode()
    return rendered
