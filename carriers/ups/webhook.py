"""UPS Track Alert ``TrackingEvent`` webhook → canonical proof (pure).

Fields read (samples ``alert-*.json`` in ``tests/fixtures/carriers/ups/``: UPSTrackAlert.yaml's two examples
and an enhanced delivery built from its schema; see ``PROVENANCE.md``):

    trackingNumber                                    tracking_number (and the package: UPS pushes per package)
    activityStatus{type, code, descriptionCode}       status, through the Track API's ``read_status``
    localActivityDate/Time + gmtOffset ("-04.00"),    the event's instant (``reading.instant``): the examples
      else gmtActivityDate/Time as UTC                carry no gmtOffset, only the GMT pair
    actualDeliveryDate/Time, when delivered           delivered_at, local at the same offset (else the event's
                                                      instant)
    receivedBy, when delivered                        received_by ("Clarified signature", enhanced only)
    deliveryPhoto (base64), when delivered            photo (enhanced only); placeholders dropped with a note
    activityLocation{city, stateProvince,             the event's place; when delivered, the delivery address
      postalCode, country}

UPS sends no event identifier: ``event_id`` is derived from tracking number, status type and code and the
activity time, so a redelivered webhook maps to the same id; and from a digest of ``deliveryPhoto``, when there is
one: the photo "is blank until the delivery photo is made available" (UPSTrackAlert.yaml), so the update that brings
it for an activity already sent is a new event, not a redelivery. An event without a photo keeps the id it always
had (``receivedBy`` is not part of it: UPS's own delivery example carries it, and stored ids must not change).
"""

import hashlib
from datetime import datetime

from carriers.base import WebhookEvent, derive_event_id
from carriers.errors import MalformedResponse
from carriers.parsing import reading, text
from carriers.ups.mapping import place_text, read_status
from carriers.ups.reading import CODE, Notes, Stamp, decode, delivered_times, instant, short
from carriers.ups.wire import Status, TrackingEvent
from schemas.proof import CODE_CHARS, AttachmentKind, DeliveryLocation, ProofOfDelivery, ProofSource, ProofStatus
from schemas.proof import TrackingEvent as CanonicalEvent

WHAT = "Track Alert event"


def parse_tracking_event(raw_body: bytes, received_at: datetime) -> WebhookEvent:
    event, ignored = decode(TrackingEvent, raw_body, WHAT)
    notes = Notes()
    notes.ignored(ignored, "TrackingEvent")
    with reading(CODE, WHAT):  # an attachment past the canonical bounds
        proof = _proof(event, notes, received_at)
    event_id = derive_event_id(
        CODE,
        event.tracking_number,
        event.activity_status.type,
        event.activity_status.code,
        event.gmt_activity_date or event.local_activity_date,
        event.gmt_activity_time or event.local_activity_time,
        *_carried_proof(event),
    )
    # Validated: for three fields, quicker than assembling them (the proof, an instance, is taken as it is).
    return WebhookEvent(event_id=event_id, tracking_number=event.tracking_number, proof=proof)


def _carried_proof(event: TrackingEvent) -> tuple[str, ...]:
    """The delivery photo as a part of the event's id, by a digest of its base64 (line breaks aside, so one resent
    is the same); nothing without one, so such an event keeps its id."""
    if photo := "".join((event.delivery_photo or "").split()):
        return (f"deliveryPhoto:{hashlib.sha256(photo.encode()).hexdigest()}",)
    return ()


def _proof(event: TrackingEvent, notes: Notes, received_at: datetime) -> ProofOfDelivery:
    activity = event.activity_status
    status, code = read_status(activity, notes, "activityStatus")
    if code is not None and len(code) > CODE_CHARS:  # the one value read here that the canonical model may refuse
        raise MalformedResponse(f"{WHAT} has a status code over {CODE_CHARS} characters", carrier=CODE)
    scanned = Stamp(
        event.local_activity_date,
        event.local_activity_time,
        event.gmt_offset,
        event.gmt_activity_date,
        event.gmt_activity_time,
        event.activity_location.country if event.activity_location else None,
    )
    delivered = status is ProofStatus.DELIVERED
    if delivered:  # the delivery's own date and time are in the scan's zone
        actual = Stamp(event.actual_delivery_date, event.actual_delivery_time)
        at, delivered_at = delivered_times(scanned, actual, notes, "localActivityDate", "actualDeliveryDate")
    else:
        at, delivered_at = instant(scanned, notes, "localActivityDate"), None
    place = place_text(event.activity_location)
    # Each value is checked as it is read (the number by the wire model, texts by ``short``, times made aware,
    # attachments and notes validated where they are made): assembled without validating again.
    return ProofOfDelivery.of_checked(
        carrier=CODE,
        tracking_number=event.tracking_number,
        status=status,
        status_code=code,
        package_number=event.tracking_number,
        delivered_at=delivered_at,
        received_by=short(event.received_by) if delivered else None,
        photo=notes.inline(AttachmentKind.PHOTO, event.delivery_photo, "deliveryPhoto") if delivered else None,
        location=DeliveryLocation.of_checked(address=place) if delivered and place else None,
        source=ProofSource.PUSH,
        received_at=received_at,
        events=_scan(activity, at, place),
        notes=notes.items,
    )


def _scan(activity: Status, at: datetime | None, place: str | None) -> tuple[CanonicalEvent, ...]:
    if at is None or not (code := text(activity.code) or text(activity.type)):
        return ()
    return (
        CanonicalEvent.of_checked(
            at=at, code=code[:CODE_CHARS], description=short(activity.description), location_text=place
        ),
    )
