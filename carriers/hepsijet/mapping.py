"""HepsiJET: request builders and tracking reply → canonical proof (pure).

Field mapping (``delivery`` = the ``data[]`` entry whose ``customerDeliveryNo`` is the number asked for;
"assumed" fields are our design, see the package docstring):

    deliveryStatus                             → status, through STATUS (values confirmed)
    deliveredDate (assumed; else the DELIVERED transaction's date), when delivered → delivered_at
    deliveredTo (assumed)                      → received_by
    deliveredToRelation (assumed)              → recipient_relation, through RELATION
    signatureUrl / podImageUrl (assumed)       → signature / photo (links)
    deliveryLocation{latitude, longitude, accuracy, address} (assumed) → location
    courierName / deliveryBranchName (assumed) → courier.name / courier.unit
    transactions[] (assumed)                   → events; undeliveredReason (values confirmed) → description
"""

from datetime import datetime

from carriers.auth import TokenGrant, basic_auth
from carriers.errors import BadRequest, CarrierAuthError
from carriers.hepsijet.settings import HepsijetSettings
from carriers.hepsijet.wire import Delivery, Location, TokenReply, TrackingReply, Transaction
from carriers.http import HttpRequest, HttpResponse
from carriers.parsing import join_text, linked_attachment, not_found, read_wire, reading, text, timeline
from carriers.status import relation_table, status_table
from carriers.turkish import fold, local_timestamp
from schemas.proof import AttachmentKind, Courier, DeliveryLocation, ProofOfDelivery, ProofSource, ProofStatus
from schemas.proof import RecipientRelation as R
from schemas.proof import TrackingEvent

CODE = "hepsijet"
TOKEN_PATH = "/auth/getToken"
TRACKING_PATH = "/deliveryTransaction/getDeliveryTracking"
TOKEN_HEADER = "X-Auth-Token"
WHAT = "tracking reply"
_OK = frozenset({"OK", "SUCCESS"})

STATUS = status_table(CODE, "deliveryStatus", {
    "COLLECTED": ProofStatus.IN_TRANSIT,  # taken over from the seller
    "READY": ProofStatus.IN_TRANSIT,  # at the delivery hub, ready to go out
    "DELIVERING": ProofStatus.IN_TRANSIT,  # out for delivery
    "DELIVERED": ProofStatus.DELIVERED,
    "UNDELIVERED": ProofStatus.FAILED_ATTEMPT,
    "RETURNED": ProofStatus.RETURNED,
    "CANCELLED": ProofStatus.EXCEPTION,
})

# Assumed codes: HepsiJET's own words for who took the parcel, including its lockers and pickup points.
RELATION = relation_table(CODE, "deliveredToRelation", {
    "SELF": R.RECIPIENT,
    "RECIPIENT": R.RECIPIENT,
    "FAMILY_MEMBER": R.HOUSEHOLD_MEMBER,
    "NEIGHBOUR": R.NEIGHBOUR,
    "NEIGHBOR": R.NEIGHBOUR,
    "DOORMAN": R.DOORMAN,
    "SECURITY": R.DOORMAN,
    "RECEPTION": R.DOORMAN,
    "HEPSIJET_BOX": R.PARCEL_LOCKER,
    "LOCKER": R.PARCEL_LOCKER,
    "PICKUP_POINT": R.PICKUP_POINT,
})


def build_token_request(settings: HepsijetSettings) -> HttpRequest:
    headers = {"Authorization": basic_auth(settings.username, settings.password), "Accept": "application/json"}
    return HttpRequest("GET", settings.url(TOKEN_PATH), headers=headers)


def read_token(response: HttpResponse, lifetime_seconds: float) -> TokenGrant:
    reply = read_wire(TokenReply, response.body, carrier=CODE, what="token reply")
    token = text(reply.data.token if reply.data else None) or text(reply.token)
    if token is None:
        raise CarrierAuthError("token reply carries no token", carrier=CODE, status=response.status)
    return TokenGrant(access_token=token, expires_in=lifetime_seconds)


def build_tracking_request(settings: HepsijetSettings, tracking_number: str, *, token: str) -> HttpRequest:
    return HttpRequest(
        "POST",
        settings.url(TRACKING_PATH),
        headers={TOKEN_HEADER: token, "Accept": "application/json"},
        json={"deliveries": [{"customerDeliveryNo": tracking_number}]},
    )


def parse_tracking_response(response: HttpResponse, tracking_number: str, received_at: datetime) -> ProofOfDelivery:
    if response.status == 404:
        return not_found(CODE, tracking_number, received_at)
    reply = read_wire(TrackingReply, response.body, carrier=CODE, what=WHAT)
    if reply.status is not None and fold(reply.status) not in _OK:
        raise BadRequest(f"{WHAT} status {fold(reply.status)[:32]}", carrier=CODE)
    deliveries = reply.data or []
    wanted = tracking_number.strip().upper()
    delivery = next((d for d in deliveries if (d.customer_delivery_no or "").strip().upper() == wanted), None)
    if delivery is None and len(deliveries) == 1 and deliveries[0].customer_delivery_no is None:
        delivery = deliveries[0]
    if delivery is None:
        return not_found(CODE, tracking_number, received_at)
    with reading(CODE, WHAT):
        return _proof(delivery, tracking_number, received_at)


def _proof(delivery: Delivery, tracking_number: str, received_at: datetime) -> ProofOfDelivery:
    status = STATUS(delivery.delivery_status)
    events = timeline(map(_event, delivery.transactions or ()))
    courier = Courier(name=text(delivery.courier_name), unit=text(delivery.delivery_branch_name))
    return ProofOfDelivery(
        carrier=CODE,
        tracking_number=tracking_number,
        status=status,
        delivered_at=_delivered_at(delivery, events) if status is ProofStatus.DELIVERED else None,
        received_by=text(delivery.delivered_to),
        recipient_relation=RELATION(delivery.delivered_to_relation),
        signature=linked_attachment(AttachmentKind.SIGNATURE, delivery.signature_url),
        photo=linked_attachment(AttachmentKind.PHOTO, delivery.pod_image_url),
        location=_location(delivery.delivery_location),
        courier=courier if courier.name or courier.unit else None,
        source=ProofSource.PULL,
        received_at=received_at,
        events=events,
    )


def _delivered_at(delivery: Delivery, events: tuple[TrackingEvent, ...]) -> datetime | None:
    stated = _time(delivery.delivered_date)
    return stated or next((e.at for e in reversed(events) if STATUS(e.code) is ProofStatus.DELIVERED), None)


def _event(transaction: Transaction) -> TrackingEvent | None:
    at, code = _time(transaction.transaction_date), text(transaction.delivery_status)
    if at is None or code is None:
        return None
    description = join_text(transaction.description, transaction.undelivered_reason, sep=" — ")
    place = join_text(transaction.town, transaction.city)
    return TrackingEvent(at=at, code=code[:64], description=description, location_text=place)


def _location(location: Location | None) -> DeliveryLocation | None:
    if location is None:
        return None
    lat, lon, address = location.latitude, location.longitude, text(location.address)
    if (lat is None or lon is None) and address is None:
        return None
    pair = lat is not None and lon is not None
    return DeliveryLocation(
        lat=lat if pair else None,
        lon=lon if pair else None,
        accuracy_m=location.accuracy if pair else None,
        address=address,
    )


def _time(value: str | None) -> datetime | None:
    return local_timestamp(value, carrier=CODE, what="a HepsiJET date")
