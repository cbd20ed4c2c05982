"""Tolerant reading of carrier payloads, shared by every carrier's mapping.

Wire models (subclasses of ``WireModel``) describe only the fields we use: unknown fields are ignored,
every field is optional. A payload that does not fit, or that maps to an invalid canonical proof, becomes
``MalformedResponse`` naming the field paths and error kinds only: pydantic's own message would quote the
offending value, which may be a name, an address or image bytes.
"""

import base64
import binascii
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic.alias_generators import to_camel

from carriers.errors import MalformedResponse
from schemas.proof import Attachment, AttachmentKind, ProofOfDelivery, ProofSource, ProofStatus, TrackingEvent

_MAGIC = (
    (b"\x89PNG", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF8", "image/gif"),
    (b"%PDF", "application/pdf"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
    (b"<", "text/html"),
)


class WireModel(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, alias_generator=to_camel, populate_by_name=True)


@contextmanager
def reading(carrier: str, what: str) -> Iterator[None]:
    """Turn validation errors raised inside the block into a ``MalformedResponse`` without values."""
    try:
        yield
    except ValidationError as exc:
        where = "; ".join(f"{'.'.join(map(str, e['loc'])) or '<root>'}: {e['type']}" for e in exc.errors()[:5])
        # Not chained: the ValidationError carries the offending input values.
        raise MalformedResponse(f"{what} does not match the expected shape ({where})", carrier=carrier) from None


def read_wire[M: WireModel](model: type[M], body: bytes, *, carrier: str, what: str) -> M:
    """Decode a JSON body and validate it against a wire model."""
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise MalformedResponse(f"{what} is not JSON", carrier=carrier) from None
    with reading(carrier, what):
        return model.model_validate(data)


def text(value: str | None) -> str | None:
    """The carrier's string, stripped; None for missing or blank."""
    return (value.strip() or None) if value is not None else None


def text_of(value: str | int | None) -> str | None:
    """``text`` for a field the carrier sends as a string or as a number."""
    return text(str(value)) if value is not None else None


def join_text(*parts: str | None, sep: str = ", ") -> str | None:
    return sep.join(p for p in map(text, parts) if p) or None


def parse_timestamp(value: str | None, *, carrier: str, what: str) -> datetime | None:
    """ISO 8601 timestamp; one without an offset is taken as UTC (see the carrier's mapping notes)."""
    if not (value := text(value)):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise MalformedResponse(f"unreadable timestamp in {what}", carrier=carrier) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def media_type_of(content_b64: str) -> str:
    """Media type sniffed from the first bytes, for carriers that send images without saying which kind."""
    try:
        head = base64.b64decode(content_b64[:16], validate=True)
    except (binascii.Error, ValueError):
        return "application/octet-stream"
    return next((media for magic, media in _MAGIC if head.startswith(magic)), "application/octet-stream")


def inline_attachment(
    kind: AttachmentKind, content_b64: str | None, media_type: str | None = None
) -> Attachment | None:
    """An attachment from base64 content (line breaks tolerated); None when the carrier sent nothing."""
    if not (content := "".join((content_b64 or "").split())):
        return None
    return Attachment(kind=kind, content_b64=content, media_type=media_type or media_type_of(content))


def linked_attachment(kind: AttachmentKind, url: str | None) -> Attachment | None:
    """An attachment from a link; None unless it is an absolute http(s) URL."""
    if not (url := text(url)) or not url.lower().startswith(("https://", "http://")):
        return None
    return Attachment(kind=kind, url=url)


def timeline(events: Iterable[TrackingEvent | None]) -> tuple[TrackingEvent, ...]:
    """A proof's events in time order; None (an entry without a readable time or code) is left out."""
    return tuple(sorted(filter(None, events), key=lambda event: event.at))


def not_found(carrier: str, tracking_number: str, received_at: datetime) -> ProofOfDelivery:
    """The answer for a number the carrier does not know: a result, not an error."""
    return ProofOfDelivery(
        carrier=carrier,
        tracking_number=tracking_number,
        status=ProofStatus.NOT_FOUND,
        source=ProofSource.PULL,
        received_at=received_at,
    )
