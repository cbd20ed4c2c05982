"""Partner webhook body → canonical proof (pure). The format is ours, so the mapping is one to one:

    event_id                                  → WebhookEvent.event_id
    carrier, tracking_number, status          → the same fields (status values are canonical already)
    delivered_at, received_by, recipient_relation → the same fields
    signature / photo {url | content_b64 + media_type} → signature / photo (link, or inline bytes)
    location {lat, lon, accuracy_m, text}     → location
    courier {name, unit}                      → courier
    occurred_at + status                      → the proof's one event
"""

from datetime import datetime

from carriers.base import WebhookEvent
from carriers.errors import MalformedResponse
from carriers.parsing import reading
from schemas.partner_webhook import PartnerEvent, PartnerImage
from schemas.proof import (
    Attachment,
    AttachmentKind,
    Courier,
    DeliveryLocation,
    ProofOfDelivery,
    ProofSource,
    ProofStatus,
    TrackingEvent,
)

WHAT = "partner webhook body"


def read_event(raw_body: bytes, *, carrier: str, max_body_bytes: int) -> PartnerEvent:
    """The body as a ``PartnerEvent``; ``MalformedResponse`` naming field paths only, never values."""
    if len(raw_body) > max_body_bytes:
        raise MalformedResponse(f"{WHAT} over {max_body_bytes} bytes", carrier=carrier)
    with reading(carrier, WHAT):
        event = PartnerEvent.model_validate_json(raw_body)
    if event.carrier != carrier:
        raise MalformedResponse(f"{WHAT} names another carrier", carrier=carrier)
    return event


def event_proof(event: PartnerEvent, received_at: datetime) -> WebhookEvent:
    status = ProofStatus(event.status.value)
    place, courier = event.location, event.courier
    proof = ProofOfDelivery(
        carrier=event.carrier,
        tracking_number=event.tracking_number,
        status=status,
        delivered_at=event.delivered_at,
        received_by=event.received_by,
        recipient_relation=event.recipient_relation,
        signature=_attachment(AttachmentKind.SIGNATURE, event.signature),
        photo=_attachment(AttachmentKind.PHOTO, event.photo),
        location=DeliveryLocation(lat=place.lat, lon=place.lon, accuracy_m=place.accuracy_m, text=place.text)
        if place
        else None,
        courier=Courier(name=courier.name, unit=courier.unit) if courier and (courier.name or courier.unit) else None,
        source=ProofSource.PUSH,
        received_at=received_at,
        events=(TrackingEvent(at=event.occurred_at, code=status.value),),
    )
    return WebhookEvent(event_id=event.event_id, tracking_number=event.tracking_number, proof=proof)


def _attachment(kind: AttachmentKind, image: PartnerImage | None) -> Attachment | None:
    if image is None:
        return None
    return Attachment(kind=kind, url=image.url, content_b64=image.content_b64, media_type=image.media_type)
