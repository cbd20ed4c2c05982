"""MNG Kargo: request builders, and status + track replies → canonical proof (pure).

Field mapping (``status`` = the ``getshipmentstatus`` record for the reference; "assumed" per the package
docstring):

    isDelivered (assumed) true                → status delivered; else shipmentStatusCode through STATUS
    deliveryDateTime (assumed), when delivered → delivered_at (else the latest track event's time)
    deliveredTo (assumed)                     → received_by
    deliveryBranch (assumed)                  → courier.unit
    trackshipment events: eventDateTime, eventStatus, description, location → events
"""

import json
from datetime import datetime
from typing import Any
from urllib.parse import quote

from carriers.auth import TokenGrant, api_key_headers
from carriers.errors import CarrierAuthError, MalformedResponse
from carriers.http import HttpRequest, HttpResponse
from carriers.mng.settings import MngSettings
from carriers.mng.wire import Event, Events, ShipmentStatus, TokenReply
from carriers.parsing import not_found, read_wire, reading, text, text_of, timeline
from carriers.status import status_table
from carriers.turkish import local_timestamp
from schemas.proof import Courier, ProofOfDelivery, ProofSource, ProofStatus, TrackingEvent

CODE = "mng"
TOKEN_PATH = "/token"
STATUS_PATH = "/standardqueryapi/getshipmentstatus/"
TRACK_PATH = "/standardqueryapi/trackshipment/"
STATUS_WHAT = "shipment status reply"
TRACK_WHAT = "track reply"
_TRUE = frozenset({"1", "TRUE", "EVET"})

STATUS = status_table(CODE, "shipmentStatusCode", {
    "0": ProofStatus.PRE_TRANSIT,  # order not handed over yet
    "1": ProofStatus.IN_TRANSIT,  # accepted
    "2": ProofStatus.IN_TRANSIT,  # in transfer
    "3": ProofStatus.IN_TRANSIT,  # at the delivery branch
    "4": ProofStatus.IN_TRANSIT,  # out for delivery
    "5": ProofStatus.DELIVERED,
    "6": ProofStatus.FAILED_ATTEMPT,
    "7": ProofStatus.RETURNED,
})


def client_headers(settings: MngSettings) -> dict[str, str]:
    credentials = settings.api_client
    return {
        **api_key_headers("x-ibm-client-id", credentials.client_id),
        **api_key_headers("x-ibm-client-secret", credentials.client_secret),
        "Accept": "application/json",
    }


def build_token_request(settings: MngSettings) -> HttpRequest:
    body = {
        "customerNumber": settings.customer_number,
        "password": settings.password.get_secret_value(),
        "identityType": 1,
    }
    return HttpRequest("POST", settings.url(TOKEN_PATH), headers=client_headers(settings), json=body)


def read_token(response: HttpResponse, lifetime_seconds: float) -> TokenGrant:
    reply = read_wire(TokenReply, response.body, carrier=CODE, what="token reply")
    if (token := text(reply.jwt)) is None:
        raise CarrierAuthError("token reply carries no jwt", carrier=CODE, status=response.status)
    return TokenGrant(access_token=token, expires_in=lifetime_seconds)


def build_status_request(settings: MngSettings, reference_id: str, *, token: str) -> HttpRequest:
    return _query(settings, STATUS_PATH, reference_id, token)


def build_track_request(settings: MngSettings, reference_id: str, *, token: str) -> HttpRequest:
    return _query(settings, TRACK_PATH, reference_id, token)


def read_status(response: HttpResponse, reference_id: str) -> ShipmentStatus | None:
    """The status record for ``reference_id``; None when MNG does not know it."""
    if response.status == 404:
        return None
    with reading(CODE, STATUS_WHAT):
        records = [ShipmentStatus.model_validate(record) for record in _records(response.body, STATUS_WHAT)]
    return next((r for r in records if text(r.reference_id) == reference_id), records[0] if records else None)


def read_events(response: HttpResponse) -> tuple[TrackingEvent, ...]:
    if response.status == 404:
        return ()
    records = _records(response.body, TRACK_WHAT)
    with reading(CODE, TRACK_WHAT):
        if len(records) == 1 and isinstance(records[0], dict) and "events" in records[0]:
            entries = Events.model_validate(records[0]).events or []
        else:
            entries = [Event.model_validate(record) for record in records]
        return timeline(map(_event, entries))


def shipment_proof(
    status: ShipmentStatus | None, events: tuple[TrackingEvent, ...], reference_id: str, received_at: datetime
) -> ProofOfDelivery:
    if status is None:
        return not_found(CODE, reference_id, received_at)
    with reading(CODE, STATUS_WHAT):
        delivered = (text_of(status.is_delivered) or "").upper() in _TRUE
        normalised = ProofStatus.DELIVERED if delivered else STATUS(text_of(status.shipment_status_code))
        at = _time(status.delivery_date_time) or (events[-1].at if events else None)
        unit = text(status.delivery_branch)
        return ProofOfDelivery(
            carrier=CODE,
            tracking_number=reference_id,
            status=normalised,
            delivered_at=at if normalised is ProofStatus.DELIVERED else None,
            received_by=text(status.delivered_to),
            courier=Courier(unit=unit) if unit else None,
            source=ProofSource.PULL,
            received_at=received_at,
            events=events,
        )


def _query(settings: MngSettings, path: str, reference_id: str, token: str) -> HttpRequest:
    headers = {**client_headers(settings), "Authorization": f"Bearer {token}"}
    return HttpRequest("GET", settings.url(path + quote(reference_id, safe="")), headers=headers)


def _records(body: bytes, what: str) -> list[Any]:
    """A JSON reply as a list of records: MNG answers one object or a list (empty body: none)."""
    if not body.strip():
        return []
    try:
        decoded = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise MalformedResponse(f"{what} is not JSON", carrier=CODE) from None
    if decoded is None:
        return []
    return decoded if isinstance(decoded, list) else [decoded]


def _event(entry: Event) -> TrackingEvent | None:
    at, code = _time(entry.event_date_time), text_of(entry.event_status)
    if at is None or code is None:
        return None
    return TrackingEvent(at=at, code=code[:64], description=text(entry.description), location_text=text(entry.location))


def _time(value: str | None) -> datetime | None:
    return local_timestamp(value, carrier=CODE, what="an MNG date")
