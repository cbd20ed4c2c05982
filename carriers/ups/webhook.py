"""UPS Track Alert ``TrackingEvent`` webhook → canonical proof (pure).

    trackingNumber                                    → tracking_number
    activityStatus.type                               → status, through STATUS
    localActivityDate/Time + gmtOffset (else gmtActivityDate/Time as UTC)
                                                      → the event's time
    actualDeliveryDate/Time + gmtOffset (else the event's time), when delivered
                                                      → delivered_at
    receivedBy                                        → received_by
    deliveryPhoto (base64)                            → photo
    activityLocation, when delivered                  → location.address

UPS sends no event identifier: ``event_id`` is derived from tracking number, status type and code and the
activity time, so a redelivered webhook maps to the same id.
"""

from datetime import datetime

from carriers.base import WebhookEvent, derive_event_id
from carriers.parsing import inline_attachment, read_wire, reading, text
from carriers.ups.mapping import CODE, STATUS, place_text
from carriers.ups.times import compact, gmt_offset, instant
from carriers.ups.wire import TrackingEvent
from schemas.proof import AttachmentKind, DeliveryLocation, ProofOfDelivery, ProofSource, ProofStatus
from schemas.proof import TrackingEvent as CanonicalEvent

WHAT = "Track Alert event"


def parse_tracking_event(raw_body: bytes, received_at: datetime) -> WebhookEvent:
    event = read_wire(TrackingEvent, raw_body, carrier=CODE, what=WHAT)
    activity = event.activity_status
    with reading(CODE, WHAT):
        status = STATUS(activity.type)
        at = instant(
            event.local_activity_date,
            event.local_activity_time,
            event.gmt_offset,
            event.gmt_activity_date,
            event.gmt_activity_time,
        )
        code = text(activity.code) or text(activity.type)
        place = place_text(event.activity_location)
        delivered = status is ProofStatus.DELIVERED
        delivered_at = compact(event.actual_delivery_date, event.actual_delivery_time, gmt_offset(event.gmt_offset))
        proof = ProofOfDelivery(
            carrier=CODE,
            tracking_number=event.tracking_number,
            status=status,
            delivered_at=(delivered_at or at) if delivered else None,
            received_by=text(event.received_by),
            photo=inline_attachment(AttachmentKind.PHOTO, event.delivery_photo),
            location=DeliveryLocation(address=place) if delivered and place else None,
            source=ProofSource.PUSH,
            received_at=received_at,
            events=(CanonicalEvent(at=at, code=code, description=text(activity.description), location_text=place),)
            if at and code
            else (),
        )
        event_id = derive_event_id(
            CODE,
            event.tracking_number,
            activity.type,
            activity.code,
            event.gmt_activity_date or event.local_activity_date,
            event.gmt_activity_time or event.local_activity_time,
        )
        return WebhookEvent(event_id=event_id, tracking_number=event.tracking_number, proof=proof)
