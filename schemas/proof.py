"""Canonical proof of delivery: every carrier's evidence, pull or push, mapped to one shape.

Personal data (names, addresses, images) lives in these models, so their ``repr``/``str`` show only an
allow-listed set of harmless fields: a proof that ends up in a log line or a traceback leaks nothing.
Images may arrive inline (base64) but are stored by reference: ``inline_attachments`` lists what must
be moved to storage, ``with_attachment_refs`` returns the proof pointing at the stored copies.

These models refuse unknown fields where code or a carrier's reply builds them. Every stored case and pushed event
holds each field, so a field added here reaches storage at once; storage reads it back ignoring fields it does not know
(``adapters/mongo``), so the release before the one adding it reads the new cases, as long as the field is optional.
"""

import base64
import binascii
import functools
import re
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, ClassVar, Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from schemas.common import Id, ShortText, Stamp, Timestamp, TrackingNumber, one_spelling

CODE_CHARS = 64
StatusCode = Annotated[str, StringConstraints(min_length=1, max_length=CODE_CHARS)]
HttpUrl = Annotated[str, StringConstraints(max_length=2048, pattern=r"^https?://[^\s]+$")]
MAX_INLINE_CHARS = 16_000_000  # ~12 MB decoded: a multi-page signed POD still fits
MAX_NOTES = 100
MAX_EVENTS = 1000
"""The most tracking events a carrier's reply may hand over."""
KEPT_EVENTS = 100
"""The most a proof keeps: the latest. A case holds up to `MAX_EVIDENCE` proofs (`disputes/model.py`); at the
thousand events a reply may carry (about 200 bytes each as stored), 200 proofs would pass MongoDB's 16 MiB document
limit (manual, "MongoDB Limits and Thresholds": BSON Document Size), and a case could no longer be saved."""


class ProofStatus(StrEnum):
    DELIVERED = "delivered"
    IN_TRANSIT = "in_transit"
    PRE_TRANSIT = "pre_transit"
    FAILED_ATTEMPT = "failed_attempt"
    RETURNED = "returned"
    EXCEPTION = "exception"
    UNKNOWN = "unknown"
    NOT_FOUND = "not_found"


class RecipientRelation(StrEnum):
    RECIPIENT = "recipient"
    HOUSEHOLD_MEMBER = "household_member"
    NEIGHBOUR = "neighbour"
    DOORMAN = "doorman"  # also concierge, reception, mailroom, building security
    PARCEL_LOCKER = "parcel_locker"
    PICKUP_POINT = "pickup_point"
    SAFE_PLACE = "safe_place"
    UNKNOWN = "unknown"


class AttachmentKind(StrEnum):
    SIGNATURE = "signature"
    PHOTO = "photo"
    DOCUMENT = "document"


class ProofSource(StrEnum):
    PULL = "pull"
    PUSH = "push"


class NoteCode(StrEnum):
    ATTACHMENT_DROPPED = "attachment_dropped"  # an image or document that could not be used
    FIELD_UNREADABLE = "field_unreadable"  # an optional field the carrier filled with something unreadable
    STATUS_UNMAPPED = "status_unmapped"  # a status code the carrier's table does not know yet


class _Private(BaseModel):
    """Frozen, strict model whose repr shows only ``_shown`` fields (default: none)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    _shown: ClassVar[tuple[str, ...]] = ()

    def __repr_args__(self) -> Iterator[tuple[str, Any]]:
        return ((name, getattr(self, name)) for name in self._shown)

    @classmethod
    def of_checked(cls, **fields: Any) -> Self:
        """The model of values that are already what validation would make of them (the field's type, within
        its bounds), without validating them again: for a mapping that checked each value as it read it (its
        tests hold every result to ``model_validate``). Fields left out take their defaults, which are
        immutable. ``model_construct`` does the same with more generic work, slower than validating."""
        return _assembled(cls, _in_order(cls, fields), set(fields))


_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]+")


def _plain(value: str | None) -> str | None:
    """Each run of control characters (an escape sequence's, NUL, tabs and line breaks) a space; None if nothing else."""
    if value is None or value.isprintable():
        return value
    return _CONTROLS.sub(" ", value).strip() or None


def _plainly_written(proof: dict[str, Any]) -> dict[str, Any]:
    """The proof's words for people (the receiver, the place, the courier, the scans), as the console, the customer's
    thread and exports show them: without control characters, whichever carrier wrote them, and never failing the
    proof for one. Nearly always there is none, which one check over them all finds."""
    location, courier, events = proof["location"], proof["courier"], proof["events"]
    words: list[str | None] = [proof["received_by"]]
    if location is not None:
        words.extend((location.text, location.address))
    if courier is not None:
        words.extend((courier.name, courier.unit))
    for event in events:
        words.extend((event.description, event.location_text))
    if "".join(filter(None, words)).isprintable():
        return {}
    return {
        "received_by": _plain(proof["received_by"]),
        "location": location and location.model_copy(
            update={"text": _plain(location.text), "address": _plain(location.address)}),
        "courier": courier and courier.model_copy(update={"name": _plain(courier.name), "unit": _plain(courier.unit)}),
        "events": tuple(e.model_copy(update={"description": _plain(e.description), "location_text": _plain(e.location_text)})
                        for e in events),
    }


def _kept_to_the_millisecond(proof: dict[str, Any]) -> dict[str, Any]:
    """The proof's times as storage keeps them (MongoDB drops what is finer than a millisecond), so the same answer
    pulled again is the proof the case holds, compared field by field once stored (`schemas.dispute.Evidence.same_as`).
    Nearly always there is nothing finer, which one check over them all finds."""
    delivered_at, events = proof["delivered_at"], proof["events"]
    times = [e.at for e in events] if delivered_at is None else [delivered_at, *(e.at for e in events)]
    if not any(at.microsecond % 1000 for at in times):
        return {}
    return {
        "delivered_at": delivered_at and _to_the_millisecond(delivered_at),
        "events": tuple(e.model_copy(update={"at": _to_the_millisecond(e.at)}) for e in events),
    }


def _to_the_millisecond(at: datetime) -> datetime:
    return at.replace(microsecond=at.microsecond // 1000 * 1000)


def _assembled[M: BaseModel](model: type[M], state: dict[str, Any], fields_set: set[str]) -> M:
    made = model.__new__(model)
    object.__setattr__(made, "__dict__", state)
    object.__setattr__(made, "__pydantic_fields_set__", fields_set)
    object.__setattr__(made, "__pydantic_extra__", None)
    object.__setattr__(made, "__pydantic_private__", None)
    return made


def _in_order(model: type[BaseModel], fields: dict[str, Any]) -> dict[str, Any]:
    """Every field, in the model's order (which serialisation follows), with its default where not given."""
    state = _defaults(model).copy()
    state.update(fields)
    return state


@functools.cache
def _defaults(model: type[BaseModel]) -> dict[str, Any]:
    """Each field's default, in the model's order; a required field holds ``PydanticUndefined`` until given."""
    return {name: field.default for name, field in model.model_fields.items()}


class Attachment(_Private):
    """A signature, photo or document: exactly one of a link, inline content, or a storage reference."""

    _shown = ("kind", "media_type")
    kind: AttachmentKind
    url: HttpUrl | None = None
    content_b64: Annotated[str, StringConstraints(max_length=MAX_INLINE_CHARS)] | None = None
    media_type: Annotated[str, StringConstraints(pattern=r"^[\w.+-]+/[\w.+-]+$")] | None = None
    ref: Id | None = None

    @model_validator(mode="after")
    def _one_form(self) -> Self:
        if sum(v is not None for v in (self.url, self.content_b64, self.ref)) != 1:
            raise ValueError("exactly one of url, content_b64 or ref is required")
        if self.content_b64 is not None:
            if self.media_type is None:
                raise ValueError("inline content needs a media_type")
            self.content()  # rejects content that is not base64
        return self

    def content(self) -> bytes:
        """The decoded inline content (empty when the attachment is a link or a reference)."""
        if self.content_b64 is None:
            return b""
        try:
            return base64.b64decode(self.content_b64, validate=True)
        except binascii.Error:
            raise ValueError("content_b64 is not valid base64") from None


class DeletedAttachment(Attachment):
    """An attachment the proof held, by reference or by the carrier's link, once retention deleted the stored copy or
    let the link go: its kind and media type, no link, content or reference."""

    deleted: Literal[True] = Field(description="The stored copy was deleted, or the carrier's link let go, under "
                                               "retention.")

    @model_validator(mode="after")
    def _one_form(self) -> Self:  # in place of Attachment's: none of the forms
        if any(v is not None for v in (self.url, self.content_b64, self.ref)):
            raise ValueError("a deleted attachment holds no url, content_b64 or ref")
        return self


HeldAttachment = Annotated[Attachment | DeletedAttachment, Field(union_mode="left_to_right")]
"""A proof's attachment: as received or stored, or (what retention left of a stored one) deleted."""


class DeliveryLocation(_Private):
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    accuracy_m: float | None = Field(default=None, ge=0)
    text: ShortText | None = None  # the carrier's words for the spot, e.g. "Front Door"
    address: ShortText | None = None
    country: str | None = Field(
        default=None, pattern=r"^[A-Z]{2}$",
        description="The country of the place (ISO 3166-1 alpha-2), where the carrier names it.",
    )

    @model_validator(mode="after")
    def _coordinates_in_pairs(self) -> Self:
        if (self.lat is None) != (self.lon is None):
            raise ValueError("lat and lon come together")
        return self


class Courier(_Private):
    name: ShortText | None = None
    unit: ShortText | None = None


class TrackingEvent(_Private):
    _shown = ("at", "code")
    at: Stamp
    code: StatusCode
    description: ShortText | None = None
    location_text: ShortText | None = None


class ProofNote(_Private):
    """Something the mapping could not use, and why: carrier vocabulary and field paths, never values."""

    _shown = ("code", "field", "reason")
    code: NoteCode
    field: Annotated[str, StringConstraints(min_length=1, max_length=128)]
    reason: Annotated[str, StringConstraints(min_length=1, max_length=200)]


class PackageState(_Private):
    """Another package of the same shipment, as the carrier reported it: its number and state, no proof."""

    _shown = ("number", "status", "status_code")
    number: Id
    status: ProofStatus
    status_code: StatusCode | None = None


class ProofOffer(_Private):
    """Which pieces of proof a carrier can supply at all, so a missing one is told apart from one withheld."""

    _shown = ("signature", "photo", "gps", "place_text", "receiver_name", "masked_names")
    signature: bool
    photo: bool
    gps: bool  # coordinates of the delivery scan
    place_text: bool  # the carrier's words for where it was left ("Front Door", "KAPICI")
    receiver_name: bool
    masked_names: bool  # names arrive partly hidden ("GAYE Ü***")


# Fields that only describe a delivery: a proof whose status is not "delivered" never carries them.
_DELIVERY_ONLY = ("delivered_at", "received_by", "recipient_relation", "signature", "photo", "document", "location")


def _facts_of_its_status(data: dict[str, Any]) -> dict[str, Any]:
    if data.get("status") not in (ProofStatus.DELIVERED, ProofStatus.DELIVERED.value):
        return {key: value for key, value in data.items() if key not in _DELIVERY_ONLY}
    return data


def _latest(events: tuple[TrackingEvent, ...]) -> tuple[TrackingEvent, ...]:
    """The latest `KEPT_EVENTS` events, in time order (as they came when there are no more)."""
    return events if len(events) <= KEPT_EVENTS else tuple(sorted(events, key=lambda e: e.at)[-KEPT_EVENTS:])


class ProofOfDelivery(_Private):
    _shown = ("carrier", "tracking_number", "status", "status_code")
    _attachment_fields: ClassVar[dict[AttachmentKind, str]] = {k: k.value for k in AttachmentKind}

    carrier: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{1,31}$")]
    tracking_number: TrackingNumber
    status: ProofStatus
    status_code: StatusCode | None = None  # the carrier's own code or word for the status, as sent
    package_number: TrackingNumber | None = None  # the package this proof is about, when the carrier tells packages apart
    packages: tuple[PackageState, ...] = Field(default=(), max_length=200)  # the shipment's other packages
    delivered_at: Stamp | None = None
    received_by: ShortText | None = None
    recipient_relation: RecipientRelation = RecipientRelation.UNKNOWN
    signature: HeldAttachment | None = None
    photo: HeldAttachment | None = None
    document: HeldAttachment | None = None
    location: DeliveryLocation | None = None
    courier: Courier | None = None
    weight_grams: int | None = Field(
        default=None, ge=1, le=10_000_000,
        description="The package's weight as the carrier recorded it (at pickup), where its reply carries one: FedEx "
                    "(packageDetails.weightAndDimensions, in its samples). No other carrier's stored replies show a "
                    "weight value, so their mappings leave it empty.",
    )
    package_count: int | None = Field(
        default=None, ge=1, le=9_999,
        description="How many packages the shipment has, this one included, where the carrier weighs each package: "
                    "weight_grams is then this package's alone, the whole shipment's only when this is 1. FedEx: "
                    "packageDetails.count. Absent where the carrier states no package weight.",
    )
    source: ProofSource
    received_at: Timestamp
    raw_ref: Id | None = None
    events: tuple[TrackingEvent, ...] = Field(
        default=(), max_length=MAX_EVENTS,
        description=f"The parcel's tracking history in time order: the latest {KEPT_EVENTS} events the carrier sent.",
    )
    notes: tuple[ProofNote, ...] = Field(default=(), max_length=MAX_NOTES)
    offer: ProofOffer | None = None  # what the carrier can supply; set where the proof enters the service

    @model_validator(mode="before")
    @classmethod
    def _delivery_facts_need_a_delivery(cls, data: Any) -> Any:
        """A parcel that is not delivered has no delivery time, receiver, signature, photo or drop-off place,
        whatever a carrier's reply holds besides its status (some fill proof fields on every reply)."""
        return _facts_of_its_status(data) if isinstance(data, dict) else data

    @classmethod
    def of_checked(cls, **fields: Any) -> Self:
        """``_Private.of_checked``, keeping delivery facts only on a delivery and the numbers in their one spelling,
        as validation does."""
        fields = _facts_of_its_status(fields) | {
            name: one_spelling(fields[name]) for name in ("tracking_number", "package_number") if name in fields
        }
        if "events" in fields:
            fields["events"] = _latest(fields["events"])
        return _assembled(cls, _in_order(cls, fields), set(fields))

    @field_validator("events")
    @classmethod
    def _latest_events(cls, events: tuple[TrackingEvent, ...]) -> tuple[TrackingEvent, ...]:
        return _latest(events)

    @field_validator("signature", "photo", "document")
    @classmethod
    def _attachment_in_its_slot(cls, attachment: Attachment | None, info: ValidationInfo) -> Attachment | None:
        """Checked per field, so a proof handed on as an instance (into ``Evidence``…) is not checked again."""
        if attachment is not None and attachment.kind.value != info.field_name:
            raise ValueError(f"the {info.field_name} field holds a {attachment.kind} attachment")
        return attachment

    def as_received(self, at: datetime, raw_ref: str | None, offer: ProofOffer | None) -> Self:
        """This proof stamped where it enters the service: when, the stored raw answer it came in (``raw_ref``,
        an ``Id``) and what its carrier can supply, its times to the millisecond; what ``model_copy(update=…)`` makes,
        without its generic work."""
        received = {"received_at": at, "raw_ref": raw_ref, "offer": offer}
        state = self.__dict__.copy()
        state.update(received)
        state.update(_plainly_written(state))
        state.update(_kept_to_the_millisecond(state))
        return _assembled(type(self), state, self.__pydantic_fields_set__ | received.keys())

    def inline_attachments(self) -> dict[AttachmentKind, Attachment]:
        """The attachments whose bytes are carried inline and should be moved to storage."""
        return {
            kind: attachment
            for kind, field in self._attachment_fields.items()
            if (attachment := getattr(self, field)) is not None and attachment.content_b64 is not None
        }

    def with_inline_media_types(self, media_type: Callable[[AttachmentKind, bytes], str]) -> Self:
        """This proof with each inline attachment labelled ``media_type(kind, its bytes)``, whatever it was
        labelled before; one that ``media_type`` refuses (``ValueError``, saying why) is dropped, with a note."""
        update: dict[str, Any] = {}
        dropped: list[ProofNote] = []
        for kind, attachment in self.inline_attachments().items():
            try:
                media = media_type(kind, attachment.content())
            except ValueError as unusable:
                update[self._attachment_fields[kind]] = None
                dropped.append(ProofNote(code=NoteCode.ATTACHMENT_DROPPED, field=kind.value, reason=str(unusable)[:200]))
                continue
            if media != attachment.media_type:
                update[self._attachment_fields[kind]] = attachment.model_copy(update={"media_type": media})
        if not update:  # every inline attachment already labelled as its bytes are: nothing to copy
            return self
        notes = (*self.notes, *(note for note in dropped if note not in self.notes))
        return self.model_copy(update={**update, "notes": notes[:MAX_NOTES]})

    def stored_refs(self) -> set[str]:
        """The references this proof holds to the service's store: its images' and its raw reply's."""
        refs = {a.ref for a in (self.signature, self.photo, self.document) if a is not None and a.ref is not None}
        return refs | {self.raw_ref} if self.raw_ref else refs

    def with_stored_copies_deleted(self) -> Self:
        """This proof once retention deleted what the service stored of it: each attachment it held, by reference or
        by the carrier's link (the way to the same signature or photo), marked deleted (kind and media type kept), and
        no raw reply."""
        update: dict[str, Any] = {"raw_ref": None}
        for field in self._attachment_fields.values():
            if (attachment := getattr(self, field)) is not None and not isinstance(attachment, DeletedAttachment):
                update[field] = DeletedAttachment(kind=attachment.kind, media_type=attachment.media_type, deleted=True)
        return self.model_copy(update=update)

    def with_attachment_refs(self, refs: Mapping[AttachmentKind, str]) -> Self:
        """This proof with the given attachments replaced by storage references (media type kept)."""
        update: dict[str, Attachment] = {}
        for kind, ref in refs.items():
            current = getattr(self, self._attachment_fields[kind])
            if current is None:
                raise ValueError(f"no {kind} attachment to replace")
            update[self._attachment_fields[kind]] = Attachment(kind=kind, ref=ref, media_type=current.media_type)
        return self.model_copy(update=update)  # the new attachments are validated already
