"""Partner webhook body → canonical proof (pure). The format is ours (``schemas.partner_webhook``), so the
mapping is one to one; its samples are ``tests/fixtures/carriers/partner/`` (constructed from that schema):

    event_id                                  → WebhookEvent.event_id
    carrier, tracking_number, status          → the same fields (status values are canonical already);
                                                status also as status_code, the partner's own word
    delivered_at, received_by, recipient_relation → the same fields
    signature / photo {url | content_b64 + media_type} → signature / photo (link, or inline bytes)
    location {lat, lon, accuracy_m, text}     → location
    courier {name, unit}                      → courier
    occurred_at + status                      → the proof's one event

The event is strict (unknown fields, wrong types, a delivery without its time: ``MalformedResponse``), except
its images and its location: a signature or photo that is not a valid image object, or whose bytes are no image (a
placeholder, an HTML page), and a location that is not a valid location object, are dropped with a note, and the
rest of the proof stays; a location with nothing to place (no coordinates, no text) is no location. Inline images
take the media type their bytes show, whatever the partner claims.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

import orjson
from pydantic import ValidationError

from carriers.base import WebhookEvent
from carriers.errors import MalformedResponse
from carriers.parsing import LENIENT, ProofNotes, from_json, misshapen, why_not_json
from schemas.partner_webhook import PartnerEvent, PartnerImage, PartnerLocation, PartnerStatus
from schemas.proof import (
    Attachment,
    AttachmentKind,
    Courier,
    DeliveryLocation,
    NoteCode,
    ProofOfDelivery,
    ProofSource,
    ProofStatus,
    TrackingEvent,
)

WHAT = "partner webhook body"
LOCATION = "location"
_STATUS = {status.value: ProofStatus(status.value) for status in PartnerStatus}


class _Received(PartnerEvent):
    """The event as it arrives: a signature or photo that is no valid image object, or a location that is no valid
    location object, reads as absent, its field named in the validation context, so the body is parsed and checked
    in one pass and the rest stands."""

    signature: Annotated[PartnerImage | None, LENIENT] = None
    photo: Annotated[PartnerImage | None, LENIENT] = None
    location: Annotated[PartnerLocation | None, LENIENT] = None


@dataclass(frozen=True, slots=True)
class PushedEvent:
    """A partner's event, validated, and the images it sent that were no valid image object."""

    event: PartnerEvent
    unreadable: frozenset[str]


def read_event(raw_body: bytes, *, carrier: str, max_body_bytes: int) -> PushedEvent:
    """The body as a ``PartnerEvent``; ``MalformedResponse`` naming field paths only, never values."""
    if len(raw_body) > max_body_bytes:
        raise MalformedResponse(f"{WHAT} over {max_body_bytes} bytes", carrier=carrier)
    unreadable: list[str] = []
    try:
        event = from_json(_Received, raw_body, unreadable)
    except ValidationError as error:
        raise _refusal(raw_body, error, carrier) from None  # not chained: the error quotes the input
    if event.carrier != carrier:
        raise MalformedResponse(f"{WHAT} names another carrier", carrier=carrier)
    return PushedEvent(event, frozenset(unreadable))


def _refusal(raw_body: bytes, error: ValidationError, carrier: str) -> MalformedResponse:
    try:
        body = orjson.loads(raw_body)
    except orjson.JSONDecodeError:  # also invalid UTF-8 and nesting past orjson's depth limit
        return MalformedResponse(f"{WHAT} {why_not_json(raw_body)}", carrier=carrier)
    if not isinstance(body, dict):
        return MalformedResponse(f"{WHAT} is not a JSON object", carrier=carrier)
    return misshapen(error, carrier=carrier, what=WHAT)


def event_proof(pushed: PushedEvent, received_at: datetime) -> WebhookEvent:
    event, notes = pushed.event, ProofNotes()
    code = event.status.value
    place, courier = event.location, event.courier
    signature = _attachment(AttachmentKind.SIGNATURE, event.signature, pushed.unreadable, notes)
    photo = _attachment(AttachmentKind.PHOTO, event.photo, pushed.unreadable, notes)
    if LOCATION in pushed.unreadable:
        notes.unreadable(LOCATION, "not a valid location: lat and lon together, and/or text")
    # Every value comes from the validated event, within the canonical bounds: assembled without validating again.
    proof = ProofOfDelivery.of_checked(
        carrier=event.carrier,
        tracking_number=event.tracking_number,
        status=_STATUS[code],
        status_code=code,
        delivered_at=event.delivered_at,
        received_by=event.received_by,
        recipient_relation=event.recipient_relation,
        signature=signature,
        photo=photo,
        location=DeliveryLocation.of_checked(lat=place.lat, lon=place.lon, accuracy_m=place.accuracy_m, text=place.text)
        if place and place.places
        else None,
        courier=Courier.of_checked(name=courier.name, unit=courier.unit)
        if courier and (courier.name or courier.unit)
        else None,
        source=ProofSource.PUSH,
        received_at=received_at,
        events=(TrackingEvent.of_checked(at=event.occurred_at, code=code),),
        notes=notes.items,
    )
    return WebhookEvent(event_id=event.event_id, tracking_number=event.tracking_number, proof=proof)


def _attachment(
    kind: AttachmentKind, image: PartnerImage | None, unreadable: frozenset[str], notes: ProofNotes
) -> Attachment | None:
    if kind.value in unreadable:
        notes.add(NoteCode.ATTACHMENT_DROPPED, kind.value, "not a valid image: a url, or content_b64 and media_type")
        return None
    if image is None:
        return None
    if image.url is not None:
        return notes.linked(kind, image.url, kind.value)
    return notes.inline(kind, image.content_b64, kind.value)
