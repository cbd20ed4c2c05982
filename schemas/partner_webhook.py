"""The partner webhook: the marketplace's own evidence-push format, open to any carrier partner.

One request carries one event, as JSON (UTF-8), signed by the partner::

    POST /v1/carriers/{carrier}/webhooks
    Content-Type: application/json
    X-Partner-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>[,v1=<…>]

    {"event_id": "…", "carrier": "yurtici", "tracking_number": "…", "status": "delivered",
     "delivered_at": "2024-04-22T14:31:05+03:00", "received_by": "…", "recipient_relation": "neighbour",
     "signature": {"url": "https://…"}, "photo": {"content_b64": "…", "media_type": "image/jpeg"},
     "location": {"lat": 41.0, "lon": 29.0, "accuracy_m": 12, "text": "…"},
     "courier": {"name": "…", "unit": "…"}, "occurred_at": "2024-04-22T14:31:09+03:00"}

The schema is strict: unknown fields, naive datetimes, values of the wrong JSON type and strings over
their bound are refused. ``event_id`` is the partner's identity for the event; a retried delivery must
reuse it. Personal data (names, places, images) stays out of ``repr``.
"""

import base64
import binascii
from collections.abc import Iterator
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, ClassVar, Self

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from schemas.common import Instant, TrackingNumber, Written
from schemas.proof import RecipientRelation

MAX_IMAGE_B64_CHARS = 5_500_000  # ~4 MB decoded per image; a signature and a photo fit in one body
MAX_TEXT_CHARS = 3 * 200 + 500  # received_by, courier name and unit (Name), location text (Place)
MAX_CHAR_BYTES = 12  # a character outside the BMP written as a JSON-escaped surrogate pair, "\ud83d\ude00"
FRAME_BYTES = 4096  # ids, times, coordinates, media types, keys and punctuation (705 bytes compact), and indentation
MAX_BODY_BYTES = 2 * MAX_IMAGE_B64_CHARS + MAX_TEXT_CHARS * MAX_CHAR_BYTES + FRAME_BYTES
"""The largest push the schema allows, 11,017,296 bytes: an inline signature and photo at their bound
(2 x 5,500,000), every text at its bound in the longest JSON spelling (1,100 x 12 = 13,200) and the rest (4,096)."""

def _absent_if_blank(value: object) -> object:
    """Empty or white space alone, which Java's and .NET's serialisers write for "no value": read as left out, so the
    rest of the event (its images, its times) is stored rather than the push refused for a name it does not have."""
    return None if isinstance(value, str) and not value.strip() else value


Name = Annotated[
    Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), Written] | None,
    BeforeValidator(_absent_if_blank),
]
Place = Annotated[
    Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500), Written] | None,
    BeforeValidator(_absent_if_blank),
]
"""A name and a place are optional: blank, they are none."""
HttpsUrl = Annotated[str, StringConstraints(max_length=2048, pattern=r"^https://[^\s]+$")]
_ASCII_WHITESPACE = b" \t\n\r\v\f"


def _unwrapped(value: object) -> object:
    """Base64 as MIME encoders write it (lines of 76 characters, RFC 2045 §6.8: Java's `getMimeEncoder`, .NET's
    `InsertLineBreaks`, `openssl base64`) read as one line: ASCII whitespace taken out, so the bound counts the
    base64 itself and the image kept is the same as unwrapped."""
    if isinstance(value, str) and value.isascii():
        return value.encode().translate(None, _ASCII_WHITESPACE).decode()
    return value


ImageContent = Annotated[
    str, StringConstraints(min_length=4, max_length=MAX_IMAGE_B64_CHARS), BeforeValidator(_unwrapped),
]


def _of_any_case(pattern: str) -> str:
    """`pattern`, its letters matched in either case (`[Ii]`): ECMA-262 patterns, as JSON Schema reads them, have
    no inline flag for it."""
    return "".join(f"[{c.upper()}{c}]" if c.isalpha() else c for c in pattern)


ImageType = Annotated[
    str,
    StringConstraints(pattern=_of_any_case(r"^(image/(png|jpeg|gif|webp|tiff)|application/pdf)$")),
    BeforeValidator(lambda value: value.lower() if isinstance(value, str) else value),  # RFC 6838: of any case
]


class PartnerStatus(StrEnum):
    """What a partner may report: the canonical statuses a carrier knows first-hand."""

    DELIVERED = "delivered"
    IN_TRANSIT = "in_transit"
    PRE_TRANSIT = "pre_transit"
    FAILED_ATTEMPT = "failed_attempt"
    RETURNED = "returned"
    EXCEPTION = "exception"


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)
    _shown: ClassVar[tuple[str, ...]] = ()

    def __repr_args__(self) -> Iterator[tuple[str, Any]]:
        return ((name, getattr(self, name)) for name in self._shown)


class PartnerImage(_Strict):
    """A signature or photo: an https link, or inline base64 content with its media type.

    A bad image does not refuse the push. One that is not valid here (a link that is not https, content over
    5,500,000 base64 characters or not base64, no media_type, another media type, an unknown field, both forms or
    neither), or whose bytes are not an image, is dropped: the push is answered 202, the rest of the event is
    stored, and the proof's notes name the dropped image (`attachment_dropped`). Base64 wrapped into lines is
    read, and counted, without its line breaks."""

    _shown = ("media_type",)
    url: HttpsUrl | None = None
    content_b64: ImageContent | None = None
    media_type: ImageType | None = None

    @model_validator(mode="after")
    def _one_form(self) -> Self:
        if (self.url is None) == (self.content_b64 is None):
            raise ValueError("exactly one of url or content_b64 is required")
        if self.content_b64 is not None:
            if self.media_type is None:
                raise ValueError("content_b64 needs a media_type")
            try:
                base64.b64decode(self.content_b64, validate=True)
            except binascii.Error:
                raise ValueError("content_b64 is not valid base64") from None
        return self


class PartnerLocation(_Strict):
    """Where the parcel was handed over: coordinates (`lat` and `lon` together, `accuracy_m` with them) and/or the
    courier's words (`text`).

    A bad location does not refuse the push. One with nothing to place (no coordinates and no text: a device
    without a position fix yet) reads as no location. One that is not valid here (a coordinate without the other,
    a value out of range or of another type, an unknown field) is dropped: the push is answered 202, the rest of the
    event is stored, and the proof's notes name the location (`field_unreadable`)."""

    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    accuracy_m: float | None = Field(default=None, ge=0, le=100_000)
    text: Place = None

    @model_validator(mode="after")
    def _coordinates_in_pairs(self) -> Self:
        if (self.lat is None) != (self.lon is None):
            raise ValueError("lat and lon come together")
        return self

    @property
    def places(self) -> bool:
        """Whether it gives coordinates or text."""
        return self.lat is not None or self.text is not None


class PartnerCourier(_Strict):
    name: Name = None
    unit: Name = None


class PartnerEvent(_Strict):
    _shown = ("event_id", "carrier", "status")

    event_id: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")]
    carrier: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{1,31}$")]
    tracking_number: TrackingNumber
    status: PartnerStatus
    delivered_at: Instant | None = Field(default=None, validate_default=True)
    received_by: Name = None
    recipient_relation: RecipientRelation = RecipientRelation.UNKNOWN
    signature: PartnerImage | None = None
    photo: PartnerImage | None = None
    location: PartnerLocation | None = None
    courier: PartnerCourier | None = None
    occurred_at: Instant

    @field_validator("delivered_at")
    @classmethod
    def _delivered_at_with_delivery(cls, delivered_at: datetime | None, info: ValidationInfo) -> datetime | None:
        """Checked on the field (the status is read before it), so a refusal names `delivered_at`."""
        if "status" in info.data and (info.data["status"] is PartnerStatus.DELIVERED) != (delivered_at is not None):
            raise ValueError("delivered_at is required with status delivered, and only then")
        return delivered_at
