"""FedEx Track API: request builders and track result → canonical proof mapping (pure).

Field mapping (``result`` = ``output.completeTrackResults[0].trackResults[0]``):

    latestStatusDetail.code (else derivedCode)      → status, through STATUS
    deliveryDetails.receivedByName (else signedByName) → received_by
    deliveryDetails.locationType                    → recipient_relation, through RELATION
    deliveryDetails.locationDescription             → location.text
    deliveryDetails.actualDeliveryAddress           → location.address
    the DL scan event's date (else dateAndTimes[type=ACTUAL_DELIVERY].dateTime) → delivered_at
    scanEvents[]                                    → events
    error.code *NOTFOUND*                           → status not_found; any other error code → BadRequest
    SPOD document (see ``documents``)               → document
"""

from datetime import datetime

from carriers.auth import client_credentials_request
from carriers.errors import BadRequest
from carriers.fedex.settings import FedexSettings
from carriers.fedex.wire import Address, ScanEvent, TrackResponse, TrackResult
from carriers.http import HttpRequest, HttpResponse
from carriers.parsing import join_text, parse_timestamp, read_wire, text, timeline
from carriers.status import relation_table, status_table
from schemas.proof import Attachment, DeliveryLocation, ProofOfDelivery, ProofSource, ProofStatus, TrackingEvent
from schemas.proof import RecipientRelation as R

CODE = "fedex"
TOKEN_PATH = "/oauth/token"
TRACK_PATH = "/track/v1/trackingnumbers"

# PU, DE, DP, HL, OC are the spec's examples; the rest are FedEx's published track status codes.
STATUS = status_table(
    CODE,
    "status code",
    {
        "OC": ProofStatus.PRE_TRANSIT,
        **dict.fromkeys(("PU", "AR", "AF", "DP", "IT", "FD", "OD", "HL"), ProofStatus.IN_TRANSIT),
        "DL": ProofStatus.DELIVERED,
        "DE": ProofStatus.FAILED_ATTEMPT,
        **dict.fromkeys(("SE", "DY", "DD", "CA"), ProofStatus.EXCEPTION),
        "RS": ProofStatus.RETURNED,
    },
)

# Every value of the spec's deliveryDetails.locationType enum.
RELATION = relation_table(
    CODE,
    "deliveryDetails.locationType",
    {
        "RESIDENCE": R.RECIPIENT,
        **dict.fromkeys(
            (
                "RECEPTIONIST_OR_FRONT_DESK",
                "SHIPPING_RECEIVING",
                "MAILROOM",
                "GUARD_OR_SECURITY_STATION",
                "GATE_HOUSE",
                "MANAGER_OFFICE",
                "MAIN_OFFICE",
                "LEASING_OFFICE",
                "RENTAL_OFFICE",
                "APARTMENT_OFFICE",
            ),
            R.DOORMAN,
        ),
        "FEDEX_LOCATION": R.PICKUP_POINT,
        "PHARMACY": R.PICKUP_POINT,
        "IN_BOND_OR_CAGE": R.SAFE_PLACE,
        "OTHER": R.UNKNOWN,
    },
)


def build_token_request(settings: FedexSettings) -> HttpRequest:
    return client_credentials_request(settings.url(TOKEN_PATH), settings.credentials, secret_in_body=True)


def api_headers(settings: FedexSettings, token: str, transaction_id: str) -> dict[str, str]:
    return {
        "Authorization": f"Bearer {token}",
        "Content-Type": "application/json",
        "X-locale": settings.locale,
        "x-customer-transaction-id": transaction_id,
    }


def build_track_request(
    settings: FedexSettings, tracking_number: str, *, token: str, transaction_id: str
) -> HttpRequest:
    body = {"includeDetailedScans": True, "trackingInfo": [{"trackingNumberInfo": {"trackingNumber": tracking_number}}]}
    return HttpRequest(
        "POST", settings.url(TRACK_PATH), headers=api_headers(settings, token, transaction_id), json=body
    )


def read_track_result(response: HttpResponse) -> TrackResult | None:
    """The first track result, or None when FedEx does not know the number."""
    output = read_wire(TrackResponse, response.body, carrier=CODE, what="track response").output
    complete = (output.complete_track_results if output else None) or []
    result = next((r for c in complete for r in c.track_results or ()), None)
    if result is None or (result.error and "NOTFOUND" in (result.error.code or "").upper()):
        return None
    if result.error and result.error.code:
        raise BadRequest(f"track result error {result.error.code[:64]}", carrier=CODE)
    return result


def status_of(result: TrackResult) -> ProofStatus:
    detail = result.latest_status_detail
    return STATUS((detail.code or detail.derived_code) if detail else None)


def track_proof(
    result: TrackResult, tracking_number: str, received_at: datetime, document: Attachment | None
) -> ProofOfDelivery:
    """Call inside ``reading(CODE, ...)``: invalid carrier values surface as ``MalformedResponse``."""
    details = result.delivery_details
    place = text(details.location_description) if details else None
    address = _address(details.actual_delivery_address) if details else None
    return ProofOfDelivery(
        carrier=CODE,
        tracking_number=tracking_number,
        status=status_of(result),
        delivered_at=_delivered_at(result),
        received_by=(text(details.received_by_name) or text(details.signed_by_name)) if details else None,
        recipient_relation=RELATION(details.location_type if details else None),
        document=document,
        location=DeliveryLocation(text=place, address=address) if place or address else None,
        source=ProofSource.PULL,
        received_at=received_at,
        events=timeline(map(_event, result.scan_events or ())),
    )


def _delivered_at(result: TrackResult) -> datetime | None:
    scan = next((e for e in result.scan_events or () if STATUS(e.event_type) is ProofStatus.DELIVERED), None)
    actual = next((d for d in result.date_and_times or () if d.type == "ACTUAL_DELIVERY"), None)
    return _time(scan.date if scan else None) or _time(actual.date_time if actual else None)


def _event(event: ScanEvent) -> TrackingEvent | None:
    at, code = _time(event.date), text(event.event_type) or text(event.derived_status_code)
    if at is None or code is None:
        return None
    place = _address(event.scan_location, street=False)
    return TrackingEvent(at=at, code=code, description=text(event.event_description), location_text=place)


def _time(value: str | None) -> datetime | None:
    return parse_timestamp(value, carrier=CODE, what="a date field")


def _address(address: Address | None, *, street: bool = True) -> str | None:
    if address is None:
        return None
    lines = (address.street_lines or []) if street else []
    return join_text(*lines, address.city, address.state_or_province_code, address.postal_code, address.country_code)
