"""DHL unified tracking: request builder and shipment → canonical proof mapping (pure).

    shipments[].status.statusCode               → status, through STATUS
    details.proofOfDelivery.timestamp           → delivered_at (else status.timestamp when delivered)
    details.proofOfDelivery.signed              → received_by ("givenName familyName", else name)
    details.receiver                            → recipient_relation = recipient when the signer is the
                                                  receiver (same name, ignoring case); else unknown
    details.proofOfDelivery.signatureUrl        → signature (link; ignored unless an http(s) URL)
    details.proofOfDelivery.documentUrl         → document (link)
    status.location.address, when delivered     → location.address
    events[]                                    → events

Timestamps without an offset (the published example has some) are read as UTC.
"""

from datetime import datetime

from carriers.auth import api_key_headers
from carriers.dhl.settings import DhlSettings
from carriers.dhl.wire import Address, Person, Shipment, Shipments, Status
from carriers.http import HttpRequest, HttpResponse
from carriers.parsing import (
    join_text,
    linked_attachment,
    not_found,
    parse_timestamp,
    read_wire,
    reading,
    text,
    timeline,
)
from carriers.status import status_table
from schemas.proof import (
    AttachmentKind,
    DeliveryLocation,
    ProofOfDelivery,
    ProofSource,
    ProofStatus,
    RecipientRelation,
    TrackingEvent,
)

CODE = "dhl"
TRACK_PATH = "/track/shipments"
API_KEY_HEADER = "DHL-API-Key"

STATUS = status_table(
    CODE,
    "statusCode",
    {
        "pre-transit": ProofStatus.PRE_TRANSIT,
        "transit": ProofStatus.IN_TRANSIT,
        "delivered": ProofStatus.DELIVERED,
        "failure": ProofStatus.FAILED_ATTEMPT,
        "unknown": ProofStatus.UNKNOWN,
    },
)


def build_track_request(settings: DhlSettings, tracking_number: str) -> HttpRequest:
    return HttpRequest(
        "GET",
        settings.url(TRACK_PATH),
        headers={**api_key_headers(API_KEY_HEADER, settings.api_key), "Accept": "application/json"},
        params={"trackingNumber": tracking_number},
    )


def parse_track_response(response: HttpResponse, tracking_number: str, received_at: datetime) -> ProofOfDelivery:
    """404 or no shipments: DHL does not know the number. Several shipments (one per DHL service) may
    answer; the one whose id is the number asked for wins, else the first."""
    if response.status == 404:
        return not_found(CODE, tracking_number, received_at)
    shipments = read_wire(Shipments, response.body, carrier=CODE, what="track response").shipments or []
    shipment = next((s for s in shipments if str(s.id) == tracking_number), shipments[0] if shipments else None)
    if shipment is None:
        return not_found(CODE, tracking_number, received_at)
    with reading(CODE, "track response"):
        return shipment_proof(shipment, tracking_number, ProofSource.PULL, received_at)


def shipment_proof(
    shipment: Shipment, tracking_number: str, source: ProofSource, received_at: datetime
) -> ProofOfDelivery:
    """Call inside ``reading(CODE, ...)``: invalid carrier values surface as ``MalformedResponse``."""
    status = shipment.status
    details = shipment.details
    pod = details.proof_of_delivery if details else None
    normalised = STATUS(status.status_code if status else None)
    delivered = normalised is ProofStatus.DELIVERED
    signer = _full_name(pod.signed if pod else None)
    receiver = _full_name(details.receiver if details else None)
    place = _place(status.location.address if status and status.location else None) if delivered else None
    pod_time = parse_timestamp(pod.timestamp if pod else None, carrier=CODE, what="proofOfDelivery.timestamp")
    return ProofOfDelivery(
        carrier=CODE,
        tracking_number=tracking_number,
        status=normalised,
        delivered_at=pod_time or (_time(status) if delivered and status else None),
        received_by=signer,
        recipient_relation=RecipientRelation.RECIPIENT
        if signer and receiver and signer.casefold() == receiver.casefold()
        else RecipientRelation.UNKNOWN,
        signature=linked_attachment(AttachmentKind.SIGNATURE, pod.signature_url if pod else None),
        document=linked_attachment(AttachmentKind.DOCUMENT, pod.document_url if pod else None),
        location=DeliveryLocation(address=place) if place else None,
        source=source,
        received_at=received_at,
        events=timeline(map(_event, shipment.events or ())),
    )


def _event(event: Status) -> TrackingEvent | None:
    at, code = _time(event), text(event.status_code) or text(event.status)
    if at is None or code is None:
        return None
    place = _place(event.location.address if event.location else None)
    return TrackingEvent(at=at, code=code, description=text(event.description), location_text=place)


def _time(status: Status) -> datetime | None:
    return parse_timestamp(status.timestamp, carrier=CODE, what="status timestamp")


def _full_name(person: Person | None) -> str | None:
    if person is None:
        return None
    return join_text(person.given_name, person.family_name, sep=" ") or text(person.name)


def _place(address: Address | None) -> str | None:
    if address is None:
        return None
    return join_text(address.address_locality, address.postal_code, address.country_code)
