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
its images: a signature or photo that is not a valid image object, or whose bytes are no image (a
placeholder, an HTML page), is dropped with a note, and the rest of the proof stays. Inline images take the
media type their bytes show, whatever the partner claims.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from pydantic import ValidationError

from carriers.base import WebhookEvent
from carriers.errors import MalformedResponse
from carriers.parsing import ProofNotes, reading
from schemas.partner_webhook import PartnerEvent, PartnerImage
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
_IMAGES = (AttachmentKind.SIGNATURE, AttachmentKind.PHOTO)


@dataclass(frozen=True, slots=True)
class PushedEvent:
    """A partner's event: the strict part validated, its images as sent (read one by one, tolerantly)."""

    event: PartnerEvent
    images: dict[AttachmentKind, Any]


def read_event(raw_body: bytes, *, carrier: str, max_body_bytes: int) -> PushedEvent:
    """The body as a ``PartnerEvent``; ``MalformedResponse`` naming field paths only, never values."""
    if len(raw_body) > max_body_bytes:
        raise MalformedResponse(f"{WHAT} over {max_body_bytes} bytes", carrier=carrier)
    try:
        body = orjson.loads(raw_body)
    except orjson.JSONDecodeError:  # also invalid UTF-8 and nesting past orjson's depth limit
        raise MalformedResponse(f"{WHAT} is not JSON", carrier=carrier) from None
    if not isinstance(body, dict):
        raise MalformedResponse(f"{WHAT} is not a JSON object", carrier=carrier)
    images = {kind: body.pop(kind.value, None) for kind in _IMAGES}
    with reading(carrier, WHAT):
        event = PartnerEvent.model_validate_json(orjson.dumps(body))
    if event.carrier != carrier:
        raise MalformedResponse(f"{WHAT} names another carrier", carrier=carrier)
    return PushedEvent(event, images)


def event_proof(pushed: PushedEvent, received_at: datetime) -> WebhookEvent:
    event, notes = pushed.event, ProofNotes()
    status = ProofStatus(event.status.value)
    place, courier = event.location, event.courier
    proof = ProofOfDelivery(
        carrier=event.carrier,
        tracking_number=event.tracking_number,
        status=status,
        status_code=event.status.value,
        delivered_at=event.delivered_at,
        received_by=event.received_by,
        recipient_relation=event.recipient_relation,
        signature=_attachment(AttachmentKind.SIGNATURE, pushed.images[AttachmentKind.SIGNATURE], notes),
        photo=_attachment(AttachmentKind.PHOTO, pushed.images[AttachmentKind.PHOTO], notes),
        location=DeliveryLocation(lat=place.lat, lon=place.lon, accuracy_m=place.accuracy_m, text=place.text)
        if place
        else None,
        courier=Courier(name=courier.name, unit=courier.unit) if courier and (courier.name or courier.unit) else None,
        source=ProofSource.PUSH,
        received_at=received_at,
        events=(TrackingEvent(at=event.occurred_at, code=status.value),),
        notes=notes.items,
    )
    return WebhookEvent(event_id=event.event_id, tracking_number=event.tracking_number, proof=proof)


def _attachment(kind: AttachmentKind, raw: Any, notes: ProofNotes) -> Attachment | None:
    if raw is None:
        return None
    try:
        image = PartnerImage.model_validate_json(orjson.dumps(raw))
    except ValidationError:
        notes.add(NoteCode.ATTACHMENT_DROPPED, kind.value, "not a valid image: a url, or content_b64 and media_type")
        return None
    if image.url is not None:
        return notes.linked(kind, image.url, kind.value)
    return notes.inline(kind, image.content_b64, kind.value)
