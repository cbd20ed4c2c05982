"""Tolerant reading of carrier payloads, shared by every carrier's mapping.

Wire models (subclasses of ``WireModel``) describe only the fields we use: unknown fields are ignored,
every field is optional. A payload that does not fit, or that maps to an invalid canonical proof, becomes
``MalformedResponse`` naming the field paths and error kinds only: pydantic's own message would quote the
offending value, which may be a name, an address or image bytes.
"""

import base64
import binascii
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import orjson
from pydantic import BaseModel, ConfigDict, GetCoreSchemaHandler, ValidationError, ValidationInfo
from pydantic.alias_generators import to_camel
from pydantic_core import CoreSchema, core_schema

from carriers.errors import MalformedResponse
from schemas.common import plausible
from schemas.proof import (
    MAX_NOTES,
    Attachment,
    AttachmentKind,
    NoteCode,
    ProofNote,
    ProofOfDelivery,
    ProofSource,
    ProofStatus,
    TrackingEvent,
)

if TYPE_CHECKING:  # carriers.status logs through structlog and imports nothing from here
    from carriers.status import CodeTable

_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"%PDF-", "application/pdf"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
)
_MIN_IMAGE_BYTES = 32  # below this no real signature, photo or document fits: a placeholder
_HTML = ("<!doctype html", "<html")


class WireModel(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, alias_generator=to_camel, populate_by_name=True)


def _ignored(value: Any, info: ValidationInfo) -> None:
    if isinstance(info.context, list) and info.field_name:
        info.context.append(to_camel(info.field_name))


@dataclass(frozen=True, slots=True)
class _Lenient:
    """The value as its type reads it, else (only then, so a payload that fits costs no Python call) None,
    with the field's name (camelCase) appended to the validation context, when that is a list."""

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        ignored = core_schema.with_info_plain_validator_function(_ignored)
        return core_schema.union_schema([handler(source), ignored], mode="left_to_right")


LENIENT = _Lenient()
"""Annotate an optional field with this: a value of the wrong shape reads as absent and is named, not refused."""


@dataclass(slots=True)
class reading:  # noqa: N801 - used as a function: ``with reading(carrier, what):``
    """Turn validation errors raised inside the block into a ``MalformedResponse`` without values. A class
    rather than a generator-based context manager: it is entered on every push, and this costs a fraction."""

    carrier: str
    what: str

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, traceback: object) -> None:
        if isinstance(error, ValidationError):
            # Not chained: the ValidationError carries the offending input values.
            raise misshapen(error, carrier=self.carrier, what=self.what) from None


def misshapen(error: ValidationError, *, carrier: str, what: str) -> MalformedResponse:
    """The refusal of a payload that does not fit: field paths and error kinds, never a value."""
    where = "; ".join(f"{'.'.join(map(str, e['loc'])) or '<root>'}: {e['type']}" for e in error.errors()[:5])
    return MalformedResponse(f"{what} does not match the expected shape ({where})", carrier=carrier)


BOM = b"\xef\xbb\xbf"


def why_not_json(body: bytes) -> str:
    """Why a body JSON parsers refuse is no JSON text, in words that quote none of it: a UTF-8 byte-order mark first
    (RFC 8259 §8.1: never sent with JSON), bytes that are not UTF-8 (another charset, such as windows-1254), or its
    syntax."""
    if body.startswith(BOM):
        return "starts with a byte-order mark (send UTF-8 without one)"
    try:
        body.decode()
    except UnicodeDecodeError as error:
        return f"is not UTF-8 (first bad byte at offset {error.start}; send it as UTF-8)"
    return "is not JSON"


def read_wire[M: WireModel](model: type[M], body: bytes, *, carrier: str, what: str) -> M:
    """Decode a JSON body and validate it against a wire model."""
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise MalformedResponse(f"{what} {why_not_json(body)}", carrier=carrier) from None
    with reading(carrier, what):
        return model.model_validate(data)


def from_json[M: BaseModel](model: type[M], body: bytes, context: list[str]) -> M:
    """``model.model_validate_json(body, context=context)``, straight from the model's validator: without the
    wrapper's checks of arguments not passed here, on every push."""
    made: M = model.__pydantic_validator__.validate_json(body, context=context)
    return made


def read_json[M: WireModel](model: type[M], body: bytes, *, carrier: str, what: str) -> tuple[M, list[str]]:
    """A JSON body validated as ``model`` in one pass (parsed and checked together), and the names of the
    ``LENIENT`` fields it read as absent; ``MalformedResponse`` naming field paths only, never values. It
    reads what ``orjson`` reads, as ``read_wire`` does, deep nesting in fields it ignores included."""
    lenient: list[str] = []
    try:
        return from_json(model, body, lenient), lenient
    except ValidationError as error:
        refused = error  # not chained below: the error quotes the input
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:  # also invalid UTF-8 and nesting past orjson's depth limit
        raise MalformedResponse(f"{what} {why_not_json(body)}", carrier=carrier) from None
    if refused.errors()[0]["type"] != "json_invalid":
        raise misshapen(refused, carrier=carrier, what=what) from None
    lenient.clear()  # JSON that pydantic's parser refuses (nested deeper than it goes) and orjson reads
    with reading(carrier, what):
        return model.model_validate(data, context=lenient), lenient


def text(value: str | None) -> str | None:
    """The carrier's string, stripped; None for missing or blank."""
    return (value.strip() or None) if value is not None else None


SHORT_TEXT = 500  # schemas.common.ShortText


def short(value: str | None) -> str | None:
    """``text`` cut to a ``ShortText``: blanks around it, before or after the cut, never count."""
    return (text(value) or "")[:SHORT_TEXT].strip() or None


def number_key(number: str) -> str:
    """A tracking or reference number as compared: the carriers' numbers are ASCII letters and digits, which they
    write in either case (``hj…`` and ``HJ…``) and sometimes with blanks around them."""
    return number.strip().casefold()


def same_number(value: str | None, number: str) -> bool:
    """Whether a number in a carrier's reply is ``number`` (``number_key``)."""
    return number_key(value or "") == number_key(number)


def digits(value: str | None) -> int | None:
    """A whole number written in ASCII digits only (``str.isdigit`` also takes ``²`` and ``٣``, which ``int`` may
    refuse or read as another number); None for anything else."""
    return int(value) if value and value.isascii() and value.isdigit() else None


def text_of(value: str | int | None) -> str | None:
    """``text`` for a field the carrier sends as a string or as a number."""
    return text(str(value)) if value is not None else None


def join_text(*parts: str | None, sep: str = ", ") -> str | None:
    return sep.join([found for part in parts if (found := text(part))]) or None


def parse_timestamp(value: str | None, *, carrier: str, what: str, zone: tzinfo = UTC) -> datetime | None:
    """ISO 8601 timestamp; one without an offset is taken to be in ``zone`` (see the carrier's mapping notes)."""
    if not (value := text(value)):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise MalformedResponse(f"unreadable timestamp in {what}", carrier=carrier) from None
    return instant(parsed if parsed.tzinfo else parsed.replace(tzinfo=zone), carrier=carrier, what=what)


def instant(at: datetime, *, carrier: str, what: str) -> datetime:
    """``at`` (aware), or unreadable (``MalformedResponse``, which an optional field turns into a note) when it names
    no instant a parcel could have been scanned at: before 1970 or in the year 9999, a placeholder
    (`schemas.common.EARLIEST`, `LATEST`)."""
    if not plausible(at):
        raise MalformedResponse(f"a placeholder time, not an instant, in {what}", carrier=carrier)
    return at


def sniff(content: bytes) -> str | None:
    """The media type the bytes themselves show (PNG, JPEG, GIF, WebP, TIFF, PDF, HTML); None for anything else."""
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    if media := next((media for magic, media in _MAGIC if content.startswith(magic)), None):
        return media
    head = content[:64].lstrip().lower()
    return "text/html" if head.startswith(tuple(h.encode() for h in _HTML)) else None


class UnusableContent(ValueError):
    """Bytes that make no usable signature, photo or document; the message says why (never the bytes)."""


def attachment_media_type(kind: AttachmentKind, content: bytes) -> str:
    """The media type ``content`` itself shows, when it is a usable attachment of this kind; else
    ``UnusableContent``. HTML is accepted for documents only (UPS sends its proof-of-delivery letter as HTML)."""
    if len(content) < _MIN_IMAGE_BYTES:
        raise UnusableContent(f"only {len(content)} bytes: a placeholder, not an image")
    sniffed = sniff(content)
    if sniffed is None or (sniffed == "text/html" and kind is not AttachmentKind.DOCUMENT):
        raise UnusableContent("the content is not a recognised image or document")
    return sniffed


class ProofNotes:
    """What one reply's mapping could not use, gathered while it reads, for the proof's ``notes``.

    The readers below never raise for one bad optional part: they answer None and note why, so a placeholder
    signature or an unreadable time costs that piece of proof only, never the whole proof.
    """

    def __init__(self) -> None:
        self._items: list[ProofNote] = []

    @property
    def items(self) -> tuple[ProofNote, ...]:
        return tuple(self._items)

    def add(self, code: NoteCode, field: str, reason: str) -> None:
        """Note it once; past the proof's limit of notes, further ones are left out (never the proof)."""
        note = ProofNote(code=code, field=field[:128], reason=reason[:200])
        if note not in self._items and len(self._items) < MAX_NOTES:
            self._items.append(note)

    def unreadable(self, field: str, reason: str) -> None:
        self.add(NoteCode.FIELD_UNREADABLE, field, reason)

    def optional[T](self, field: str, read: Callable[[], T]) -> T | None:
        """``read()``, or None with a note when it finds the field malformed (``MalformedResponse``)."""
        try:
            return read()
        except MalformedResponse:
            self.unreadable(field, "the value could not be read")
            return None

    def status[V: StrEnum](self, table: "CodeTable[V]", code: str | None, field: str) -> V:
        """``table(code)``; a code the table does not know is noted (the proof keeps it as ``status_code``)."""
        value, known = table.lookup(code)
        if not known and code and not code.isspace():  # a blank code is no code, not an unmapped one
            self.add(NoteCode.STATUS_UNMAPPED, field, "the carrier's status code is not mapped yet")
        return value

    def inline(self, kind: AttachmentKind, content_b64: str | None, field: str) -> Attachment | None:
        """An attachment from base64 content (line breaks tolerated); None when the carrier sent nothing or
        sent something that is no usable image or document (noted). The bytes decide the media type; HTML
        is accepted for documents only (UPS sends its proof-of-delivery letter as HTML)."""
        if not (content := "".join((content_b64 or "").split())):
            return None
        try:
            raw = base64.b64decode(content, validate=True)
        except (binascii.Error, ValueError):
            reason = "not valid base64"
        else:
            try:  # the bytes decide the media type, whatever the carrier claims
                return Attachment(kind=kind, content_b64=content, media_type=attachment_media_type(kind, raw))
            except UnusableContent as unusable:
                reason = str(unusable)
        self.add(NoteCode.ATTACHMENT_DROPPED, field, reason)
        return None

    def linked(self, kind: AttachmentKind, url: str | None, field: str) -> Attachment | None:
        """An attachment from a link; None when there is none, or (noted) when it is no absolute http(s) URL."""
        if not (url := text(url)):
            return None
        try:
            return Attachment(kind=kind, url=url)
        except ValidationError:
            self.add(NoteCode.ATTACHMENT_DROPPED, field, "the link is not an absolute http(s) URL")
            return None


def timeline(events: Iterable[TrackingEvent | None]) -> tuple[TrackingEvent, ...]:
    """A proof's events in time order; None (an entry without a readable time or code) is left out."""
    return tuple(sorted(filter(None, events), key=lambda event: event.at))


def json_object(body: bytes) -> dict[str, Any] | None:
    """The body as a JSON object, or None when it is none (HTML, text, a list, cut short)."""
    try:
        decoded = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return None
    return decoded if isinstance(decoded, dict) else None


def unanswered_404(carrier: str) -> MalformedResponse:
    """A 404 whose body is not the carrier's own "no such shipment" answer (a gateway's or a web server's page
    not found, a path moved): it says nothing of the shipment, so the case is pulled again, never not found."""
    return MalformedResponse("HTTP 404 that is not the carrier's not-found answer", carrier=carrier, status=404)


def not_found(carrier: str, tracking_number: str, received_at: datetime) -> ProofOfDelivery:
    """The answer for a number the carrier does not know: a result, not an error."""
    return ProofOfDelivery(
        carrier=carrier,
        tracking_number=tracking_number,
        status=ProofStatus.NOT_FOUND,
        source=ProofSource.PULL,
        received_at=received_at,
    )
