"""UPS Track API: request builders and the response → canonical proof mapping (pure).

Field mapping (``package`` = ``trackResponse.shipment[0].package[0]``):

    currentStatus.type (else activity[0].status.type) → status, through STATUS
    deliveryInformation.receivedBy                    → received_by
    deliveryInformation.location ("Front Door")       → location.text, and recipient_relation by keyword
    deliveryInformation.signature.image (base64)      → signature
    deliveryInformation.deliveryPhoto.photo (base64)  → photo
    deliveryInformation.pod.content (base64)          → document
    deliveryDate[type=DEL].date + deliveryTime[type=DEL].endTime, in the delivery activity's gmtOffset
                                                      → delivered_at (else that activity's own instant)
    delivery activity location.address               → location.address
    activity[]                                        → events
"""

from datetime import datetime
from urllib.parse import quote

from carriers.auth import client_credentials_request
from carriers.http import HttpRequest, HttpResponse
from carriers.parsing import inline_attachment, join_text, not_found, read_wire, reading, text, timeline
from carriers.status import status_table
from carriers.ups.settings import UpsSettings
from carriers.ups.times import compact, gmt_offset, instant
from carriers.ups.wire import Activity, Address, DeliveryInformation, Package, Status, TrackApiResponse
from schemas.proof import (
    AttachmentKind,
    DeliveryLocation,
    ProofOfDelivery,
    ProofSource,
    ProofStatus,
    RecipientRelation,
    TrackingEvent,
)

CODE = "ups"
TRACK_PATH = "/api/track/v1/details/"
TOKEN_PATH = "/security/v1/oauth/token"

# Activity status types. D, I, M, MV, U, X are listed in the Track Alert spec; P (pickup), O (out for
# delivery) and RS (returned to shipper) come from UPS's public tracking appendix.
STATUS = status_table(
    CODE,
    "activity status type",
    {
        "D": ProofStatus.DELIVERED,
        "I": ProofStatus.IN_TRANSIT,
        "P": ProofStatus.IN_TRANSIT,
        "O": ProofStatus.IN_TRANSIT,
        "U": ProofStatus.IN_TRANSIT,
        "M": ProofStatus.PRE_TRANSIT,
        "MV": ProofStatus.EXCEPTION,  # label voided
        "X": ProofStatus.EXCEPTION,
        "RS": ProofStatus.RETURNED,
    },
)

# ``deliveryInformation.location`` is free text; the first keyword found decides (so DOORMAN before DOOR).
_PLACE_WORDS: tuple[tuple[str, RecipientRelation], ...] = (
    ("NEIGHBO", RecipientRelation.NEIGHBOUR),
    ("ACCESS POINT", RecipientRelation.PICKUP_POINT),
    ("LOCKER", RecipientRelation.PARCEL_LOCKER),
    *(
        (word, RecipientRelation.DOORMAN)
        for word in (
            "DOORMAN",
            "CONCIERGE",
            "RECEPTION",
            "FRONT DESK",
            "MAIL ROOM",
            "MAILROOM",
            "GUARD",
            "SECURITY",
            "OFFICE",
        )
    ),
    *((word, RecipientRelation.SAFE_PLACE) for word in ("DOOR", "PORCH", "GARAGE", "PATIO", "DECK", "MAILBOX")),
    ("RECEIVER", RecipientRelation.RECIPIENT),
)


def build_token_request(settings: UpsSettings) -> HttpRequest:
    return client_credentials_request(settings.url(TOKEN_PATH), settings.credentials, secret_in_body=False)


def build_track_request(settings: UpsSettings, tracking_number: str, *, token: str, trans_id: str) -> HttpRequest:
    return HttpRequest(
        "GET",
        settings.url(TRACK_PATH + quote(tracking_number, safe="")),
        headers={
            "Authorization": f"Bearer {token}",
            "transId": trans_id,
            "transactionSrc": settings.transaction_src,
            "Accept": "application/json",
        },
        params={"locale": settings.locale, "returnSignature": "true", "returnPOD": "true"},
    )


def parse_track_response(response: HttpResponse, tracking_number: str, received_at: datetime) -> ProofOfDelivery:
    if response.status == 404:
        return not_found(CODE, tracking_number, received_at)
    data = read_wire(TrackApiResponse, response.body, carrier=CODE, what="track response")
    shipments = (data.track_response.shipment if data.track_response else None) or []
    package = next((p for s in shipments for p in s.package or ()), None)
    if package is None:
        return not_found(CODE, tracking_number, received_at)
    with reading(CODE, "track response"):
        return _proof(package, tracking_number, received_at)


def _proof(package: Package, tracking_number: str, received_at: datetime) -> ProofOfDelivery:
    activities = package.activity or []
    latest = package.current_status or (activities[0].status if activities else None)
    delivery = next((a for a in activities if a.status and STATUS(a.status.type) is ProofStatus.DELIVERED), None)
    info = package.delivery_information or DeliveryInformation()
    place = text(info.location)
    address = place_text(delivery.location.address if delivery and delivery.location else None)
    signature = info.signature.image if info.signature else None
    photo = info.delivery_photo.photo if info.delivery_photo else None
    pod = info.pod.content if info.pod else None
    return ProofOfDelivery(
        carrier=CODE,
        tracking_number=tracking_number,
        status=STATUS(latest.type if latest else None),
        delivered_at=_delivered_at(package, delivery),
        received_by=text(info.received_by),
        recipient_relation=relation_from_place(place),
        signature=inline_attachment(AttachmentKind.SIGNATURE, signature),
        photo=inline_attachment(AttachmentKind.PHOTO, photo),
        document=inline_attachment(AttachmentKind.DOCUMENT, pod),
        location=DeliveryLocation(text=place, address=address) if place or address else None,
        source=ProofSource.PULL,
        received_at=received_at,
        events=timeline(map(_event, activities)),
    )


def _delivered_at(package: Package, delivery: Activity | None) -> datetime | None:
    if delivery is None:
        return None
    date = next((d.date for d in package.delivery_date or () if (d.type or "").upper() == "DEL"), None)
    time = package.delivery_time.end_time if package.delivery_time and package.delivery_time.type == "DEL" else None
    return compact(date, time, gmt_offset(delivery.gmt_offset)) or activity_instant(delivery)


def activity_instant(activity: Activity) -> datetime | None:
    return instant(activity.date, activity.time, activity.gmt_offset, activity.gmt_date, activity.gmt_time)


def _event(activity: Activity) -> TrackingEvent | None:
    status = activity.status or Status()
    at, code = activity_instant(activity), text(status.code) or text(status.type)
    if at is None or code is None:
        return None
    place = place_text(activity.location.address if activity.location else None)
    return TrackingEvent(at=at, code=code, description=text(status.description), location_text=place)


def place_text(address: Address | None) -> str | None:
    if address is None:
        return None
    return join_text(address.city, address.state_province, address.postal_code, address.country_code or address.country)


def relation_from_place(place: str | None) -> RecipientRelation:
    words = (place or "").upper()
    return next((relation for word, relation in _PLACE_WORDS if word in words), RecipientRelation.UNKNOWN)
