"""MNG Kargo: request builders, and getshipment + trackshipment replies → canonical proof (pure).

Every field read, and its public source (keys of ``tests/fixtures/carriers/mng/PROVENANCE.md``; *assumed*
where no public source shows it):

    POST /token            body ``{customerNumber, password, identityType: 1}``, the customer number as a JSON
                           number when it is one (OM-CREATE, AS; the backend reads an int64: AS README);
                           reply ``jwt`` (token.json, OK-DTO). Lifetime: *assumed* ``token_lifetime_seconds``
                           (``jwtExpireDate`` states no time zone; a 401 fetches a new token at once).
    headers                ``x-ibm-client-id``, ``x-ibm-client-secret``, ``Authorization: Bearer``,
                           ``x-api-version`` when configured (OK-DTO ``MngClient``).
    GET getshipment/{ref}  a list of records (OK-DTO; one object is read as a one-element list, OM-README);
                           ``getshipmentByShipmentId/{id}`` when our numbers are MNG's shipment ids (setting
                           ``key``; OK-DTO names both paths; that it answers the same shape is *assumed*).
                           404 with MNG's ``error`` envelope (OM-ERR, error-404-not-found.json) or an empty
                           list: not found (404: KI-CLIENT; the empty list *assumed*); any other 404 (IBM API
                           Connect's own ``httpCode`` body, a web server's page) is no answer: malformed.
      shipment.referenceId, shipment.shipmentId
                           whose record it is: a record for another reference is never read (OK-DTO).
      shipment.shipmentDateTime
                           the latest of several records for one reference wins (format and the reason
                           for several records *assumed*, getshipment-duplicate.json).
      shipment.shipmentStatusCode
                           → status through ``STATUS``, kept as ``status_code`` (dictionary 1–8: KI-STATUS).
      shipment.isDelivered a 0 beside code 5 makes the status unknown (noted); read alone when the code is
                           missing (OK-DTO).
      shipment.deliveryTo  → received_by (OK-DTO, OM-TRACK).
      shipmentPieceList[].barcode
                           the shipment's pieces, listed as ``packages`` when there are two or more; MNG
                           reports one state for all pieces of a shipment (OK-DTO).
      recipient.fullName   the receiver counts as the recipient when it is the addressee's name (OK-DTO).
    GET trackshipment/{ref}
                           a list of events (OK-DTO, OM-TRACK); 404 (as above) or an empty list: no events;
                           ``trackshipmentByShipmentId/{id}`` by shipment id (OK-DTO reads it as the same
                           ``TrackShipment`` list).
      referenceId, shipmentId
                           an event of another reference or shipment is left out (OK-DTO); asked by shipment
                           id, the reference is the record's own ``referenceId`` (the samples' events carry
                           it beside ``shipmentId``), so both paths give the same events.
      eventDateTime        the event time, ``dd-MM-yyyy HH:mm:ss`` (OM-TRACK) in Istanbul time (zone *assumed*,
                           as for every Turkish carrier).
      eventStatus          the event code: the dictionary's number, sent as a number (KI-STATUS) or in words
                           (OM-TRACK); other words are kept as sent.
      description, location, locationAddress
                           the event's description and place (OK-DTO, OM-TRACK).
      deliveryDateTime, deliveryTo, location
                           on the delivered event (code 5): delivered_at (else the event's own time),
                           received_by when the shipment names nobody, and the delivering branch (OK-DTO;
                           that the delivered event carries them is *assumed*).
"""

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from pydantic import TypeAdapter, ValidationError

from carriers.auth import TokenGrant, api_key_headers
from carriers.errors import CarrierAuthError, MalformedResponse
from carriers.http import HttpRequest, HttpResponse
from carriers.mng.settings import MngSettings
from carriers.mng.wire import Event, Record, Shipment, TokenReply
from carriers.parsing import (
    ProofNotes,
    join_text,
    json_object,
    not_found,
    read_wire,
    reading,
    same_number,
    short,
    text,
    timeline,
    unanswered_404,
)
from carriers.status import status_table
from carriers.turkish import local_timestamp, relation_by_name, word_table
from schemas.common import Id
from schemas.proof import Courier, PackageState, ProofOfDelivery, ProofSource, ProofStatus, TrackingEvent

CODE = "mng"
TOKEN_PATH = "/token"
SHIPMENT_PATH = "/standardqueryapi/getshipment/"
TRACK_PATH = "/standardqueryapi/trackshipment/"
# The same queries by MNG's own shipment id (OK-DTO ``mng.properties``: ``get-shipment-by-shipment-id``,
# ``track-shipment-by-shipment-id``).
SHIPMENT_BY_ID_PATH = "/standardqueryapi/getshipmentByShipmentId/"
TRACK_BY_ID_PATH = "/standardqueryapi/trackshipmentByShipmentId/"
SHIPMENT_WHAT = "getshipment reply"
TRACK_WHAT = "trackshipment reply"
DELIVERED = "5"

# ShipmentOUT.shipmentStatusCode and TrackShipmentResponse.eventStatus in MNG's Standard Query API.
DICTIONARY: dict[str, tuple[str, ProofStatus]] = {
    "1": ("Gönderi Hazırlandı", ProofStatus.PRE_TRANSIT),  # prepared: not handed over yet
    "2": ("Transfer Aşamasında", ProofStatus.IN_TRANSIT),
    "3": ("Teslimat Birimine Ulaştı", ProofStatus.IN_TRANSIT),  # at the delivering branch
    "4": ("Alıcı Adresine Yönlendirildi", ProofStatus.IN_TRANSIT),  # out for delivery
    "5": ("Teslim Edildi", ProofStatus.DELIVERED),
    "6": ("Teslim Edilemedi", ProofStatus.FAILED_ATTEMPT),
    "7": ("Geri Geliyor", ProofStatus.RETURNED),
    "8": ("Destek Gerekiyor", ProofStatus.EXCEPTION),  # support needed
}
STATUS = status_table(CODE, "shipmentStatusCode", {code: status for code, (_, status) in DICTIONARY.items()})
_NUMBER_OF = word_table({words: code for code, (words, _) in DICTIONARY.items()})
_CODE = 64
_MAX_EVENTS = 1000
_PIECE_NUMBER = TypeAdapter(Id)
_EARLIEST = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class _Scan:
    """A track event of the asked shipment, with its time read."""

    entry: Event
    at: datetime
    code: str


def client_headers(settings: MngSettings) -> dict[str, str]:
    credentials = settings.api_client
    version = {"x-api-version": settings.api_version} if settings.api_version else {}
    return {
        **api_key_headers("x-ibm-client-id", credentials.client_id),
        **api_key_headers("x-ibm-client-secret", credentials.client_secret),
        **version,
        "Accept": "application/json",
    }


def build_token_request(settings: MngSettings) -> HttpRequest:
    number = settings.customer_number
    body = {
        "customerNumber": int(number) if number.isascii() and number.isdigit() else number,
        "password": settings.password.get_secret_value(),
        "identityType": 1,
    }
    return HttpRequest("POST", settings.url(TOKEN_PATH), headers=client_headers(settings), json=body)


def read_token(response: HttpResponse, lifetime_seconds: float) -> TokenGrant:
    reply = read_wire(TokenReply, response.body, carrier=CODE, what="token reply")
    if (token := text(reply.jwt)) is None:
        raise CarrierAuthError("token reply carries no jwt", carrier=CODE, status=response.status)
    return TokenGrant(access_token=token, expires_in=lifetime_seconds)


def build_shipment_request(settings: MngSettings, reference_id: str, *, token: str) -> HttpRequest:
    return _query(settings, _path(settings, SHIPMENT_PATH, SHIPMENT_BY_ID_PATH), reference_id, token)


def build_track_request(settings: MngSettings, reference_id: str, *, token: str) -> HttpRequest:
    return _query(settings, _path(settings, TRACK_PATH, TRACK_BY_ID_PATH), reference_id, token)


def _path(settings: MngSettings, by_reference: str, by_id: str) -> str:
    """The query's path for the key our numbers are (setting ``key``)."""
    return by_id if settings.key == "shipmentId" else by_reference


def read_shipment(response: HttpResponse, reference_id: str) -> Record | None:
    """The getshipment record of ``reference_id``; None when MNG does not know it."""
    if response.status == 404:
        _check_not_found(response)
        return None
    with reading(CODE, SHIPMENT_WHAT):
        records = [Record.model_validate(entry) for entry in _objects(response.body, SHIPMENT_WHAT)]
    if not records:
        return None
    if not (own := [record for record in records if _is_for(record.shipment, reference_id)]):
        raise MalformedResponse(f"{SHIPMENT_WHAT} holds no record of the asked reference", carrier=CODE)
    return max(enumerate(own), key=lambda numbered: (_shipped_at(numbered[1].shipment), numbered[0]))[1]


def read_events(response: HttpResponse) -> list[Event]:
    if response.status == 404:
        _check_not_found(response)
        return []
    with reading(CODE, TRACK_WHAT):
        return [Event.model_validate(entry) for entry in _objects(response.body, TRACK_WHAT)]


def shipment_proof(
    record: Record | None, events: Sequence[Event], reference_id: str, received_at: datetime
) -> ProofOfDelivery:
    if record is None or (shipment := record.shipment) is None:
        return not_found(CODE, reference_id, received_at)
    notes = ProofNotes()
    status, code = _status(shipment, notes)
    delivered = status is ProofStatus.DELIVERED
    scans = _scans(events, _events_reference(shipment, reference_id), text(shipment.shipment_id), notes)
    handed_over = max((scan for scan in scans if scan.code == DELIVERED), key=lambda scan: scan.at, default=None)
    received_by = short(shipment.delivery_to) or (short(handed_over.entry.delivery_to) if handed_over else None)
    unit = short(handed_over.entry.location) if handed_over and delivered else None
    packages = _packages(record, reference_id, status, code, notes)
    delivered_at = _delivered_at(handed_over, notes) if delivered else None
    addressee = text(record.recipient.full_name) if record.recipient else None
    with reading(CODE, SHIPMENT_WHAT):
        return ProofOfDelivery(
            carrier=CODE,
            tracking_number=reference_id,
            status=status,
            status_code=code,
            packages=packages,
            delivered_at=delivered_at,
            received_by=received_by,
            recipient_relation=relation_by_name(received_by, addressee),
            courier=Courier(unit=unit) if unit else None,
            source=ProofSource.PULL,
            received_at=received_at,
            events=timeline(_event(scan) for scan in scans)[-_MAX_EVENTS:],
            notes=notes.items,
        )


def _check_not_found(response: HttpResponse) -> None:
    """A 404 is MNG not knowing the number only with MNG's own ``error`` envelope."""
    if not isinstance((json_object(response.body) or {}).get("error"), dict):
        raise unanswered_404(CODE)


def _query(settings: MngSettings, path: str, reference_id: str, token: str) -> HttpRequest:
    headers = {**client_headers(settings), "Authorization": f"Bearer {token}"}
    return HttpRequest("GET", settings.url(path + quote(reference_id, safe="")), headers=headers)


def _objects(body: bytes, what: str) -> list[dict[str, Any]]:
    """A JSON list reply's objects (one object is a list of one); a reply with entries but no object is
    malformed."""
    try:
        decoded = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise MalformedResponse(f"{what} is not JSON", carrier=CODE) from None
    entries = [decoded] if isinstance(decoded, dict) else decoded
    if not isinstance(entries, list):
        raise MalformedResponse(f"{what} is not a list", carrier=CODE)
    objects = [entry for entry in entries if isinstance(entry, dict)]
    if entries and not objects:
        raise MalformedResponse(f"{what} holds no record", carrier=CODE)
    return objects


def _is_for(shipment: Shipment | None, reference_id: str) -> bool:
    if shipment is None:
        return False
    return same_number(shipment.reference_id, reference_id) or same_number(shipment.shipment_id, reference_id)


def _time(value: str | None) -> datetime | None:
    return local_timestamp(value, carrier=CODE, what="an MNG time")


def _shipped_at(shipment: Shipment | None) -> datetime:
    try:
        return (_time(shipment.shipment_date_time) if shipment else None) or _EARLIEST
    except MalformedResponse:
        return _EARLIEST


def _status(shipment: Shipment, notes: ProofNotes) -> tuple[ProofStatus, str | None]:
    """The status MNG's own code gives, and that code; the 0/1 delivered flag only corroborates it."""
    code, flag = text(shipment.shipment_status_code), text(shipment.is_delivered)
    if code is None:
        return (ProofStatus.DELIVERED if flag == "1" else ProofStatus.UNKNOWN), None
    status = notes.status(STATUS, code, "shipment.shipmentStatusCode")
    if (status is ProofStatus.DELIVERED) != (flag == "1") and flag in ("0", "1"):
        notes.unreadable("shipment.isDelivered", "the delivered flag contradicts the status code")
        if status is ProofStatus.DELIVERED:
            status = ProofStatus.UNKNOWN
    return status, code[:_CODE]


def _events_reference(shipment: Shipment, asked: str) -> str | None:
    """The reference the shipment's events carry: the asked number, unless it is MNG's shipment id (setting
    ``key``); then the record's own reference (MNG's events name our reference beside its shipment id), or none
    to check when the record names none (the events are then matched on the shipment id alone)."""
    if same_number(shipment.shipment_id, asked) and not same_number(shipment.reference_id, asked):
        return text(shipment.reference_id)
    return asked


def _scans(
    events: Iterable[Event], reference_id: str | None, shipment_id: str | None, notes: ProofNotes
) -> list[_Scan]:
    """The events of the asked shipment with a readable time; those without one are left out (noted)."""
    scans, unreadable = [], 0
    for entry in events:
        if not _is_own(entry, reference_id, shipment_id) or (code := _event_code(entry.event_status)) is None:
            continue
        try:
            at = _time(entry.event_date_time)
        except MalformedResponse:
            at = None
        if at is None:
            unreadable += 1
        else:
            scans.append(_Scan(entry, at, code))
    if unreadable:
        notes.unreadable("trackshipment[].eventDateTime", f"{unreadable} event(s) without a readable time left out")
    return scans


def _is_own(entry: Event, reference_id: str | None, shipment_id: str | None) -> bool:
    """An event names the shipment's reference, or names none; and its shipment, if both are named."""
    reference, shipment = text(entry.reference_id), text(entry.shipment_id)
    return (reference is None or reference_id is None or same_number(reference, reference_id)) and (
        shipment is None or shipment_id is None or shipment == shipment_id
    )


def _event_code(status: str | None) -> str | None:
    """The dictionary's number for an event status sent as a number or in its words; other words as sent."""
    if (raw := text(status)) is None:
        return None
    return raw if raw in DICTIONARY else (_NUMBER_OF(raw.replace("_", " ")) or raw[:_CODE])


def _event(scan: _Scan) -> TrackingEvent:
    entry = scan.entry
    return TrackingEvent(
        at=scan.at,
        code=scan.code,
        description=short(entry.description) or DICTIONARY.get(scan.code, (short(entry.event_status),))[0],
        location_text=short(join_text(entry.location, entry.location_address)),
    )


def _delivered_at(handed_over: _Scan | None, notes: ProofNotes) -> datetime | None:
    if handed_over is None:
        return None
    stated = notes.optional("trackshipment[].deliveryDateTime", lambda: _time(handed_over.entry.delivery_date_time))
    return stated or handed_over.at


def _packages(
    record: Record, reference_id: str, status: ProofStatus, code: str | None, notes: ProofNotes
) -> tuple[PackageState, ...]:
    """The pieces of a shipment of two or more, each in the shipment's state (MNG reports one for all)."""
    barcodes = list(dict.fromkeys(filter(None, (text(piece.barcode) for piece in record.shipment_piece_list))))
    if len(barcodes) < 2:
        return ()
    numbers = list(filter(None, map(_piece_number, barcodes)))
    if len(numbers) < len(barcodes):
        notes.unreadable("shipmentPieceList[].barcode", "a piece barcode that is no plain identifier left out")
    others = [number for number in numbers if not same_number(number, reference_id)][:200]
    return tuple(PackageState(number=number, status=status, status_code=code) for number in others)


def _piece_number(barcode: str) -> str | None:
    try:
        return _PIECE_NUMBER.validate_python(barcode)
    except ValidationError:
        return None
