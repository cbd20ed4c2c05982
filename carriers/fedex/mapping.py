"""FedEx Track API: request builders, and a track reply → canonical proof (pure).

Every field read, and where it is shown (samples in ``tests/fixtures/carriers/fedex/``, see PROVENANCE.md;
"spec" is FedEx's published definition ``shared/specs/fedex/track.json``):

    which number a result is about: ``r.trackingNumberInfo.trackingNumber``, else the enclosing
        ``completeTrackResults[].trackingNumber`` (every sample; they differ in the spec's example reply,
        ``track-published-example.json``). Results about another number are other packages of the shipment
        (``packages``: number and status only, never proof; ``track-multi-package.json``)
    several results for the asked number (FedEx reuses numbers): the one whose newest scan is latest
        (``track-duplicate-results.json``: an older shipment at FD, then the delivered one)
    ``r.error.code`` ending in NOTFOUND → not found (``track-not-found.json``, ``track-not-found-live.json``);
        an error on a result that has data is ignored (``track-published-example.json``); any other code on
        a result without data → ``BadRequest``. The same for ``errors[].code`` of a 400/404 reply (``error-*.json``),
        but a 404 without a NOTFOUND code (the spec's generic ``NOT.FOUND.ERROR``, a gateway's page) is no answer
        about the shipment: ``MalformedResponse``
    ``r.latestStatusDetail.code`` (else ``derivedCode``) → status through ``STATUS``, kept as ``status_code``.
        Its codes: OC PU DP HL DE (spec examples); IN AE AO AR AF IT OD FD RL HP RR DY DL RS (samples); SE DD CA
        (FedEx's track status codes, in no stored sample). A DE whose newest scan is RS ("Returning package to
        shipper") is returned (``track-returned.json``)
    delivered only (a proof that is not delivered carries none of these):
        ``r.scanEvents[eventType=DL].date``, else ``r.dateAndTimes[type=ACTUAL_DELIVERY].dateTime`` → delivered_at
        ``r.deliveryDetails.receivedByName``, else ``signedByName`` (spec example only) → received_by
        ``r.deliveryDetails.locationType`` → recipient_relation through ``RELATION`` (the spec's enum; a
            place's type: RESIDENCE says nothing of who took the parcel)
        ``r.deliveryDetails.locationDescription`` → location.text; ``actualDeliveryAddress`` → location.address
        the SPOD (``documents``), asked for when ``r.availableImages`` lists it → document; and signature only
            when ``signedByName`` or ``receivedByName`` names someone: the letter carries the recipient's signature
            "if the signature is available" (spec, ``SPODResponseVO.document``), and FedEx also releases parcels
            unsigned (``INDIRECT_SIGNATURE_RELEASE``, no signature required); with no one named it is the
            document only (noted)
    ``r.scanEvents[]``: ``date``, ``eventType`` (else ``derivedStatusCode``), ``eventDescription``,
        ``exceptionDescription``, ``scanLocation`` → events
    ``r.packageDetails.weightAndDimensions.weight[]`` (``value`` as text, ``unit`` KG or LB; every track sample,
        karrio's verbatim ``track-delivered.json``: 13.06 KG / 28.8 LB) → weight_grams, the KG entry first, with
        ``r.packageDetails.count`` (spec: "the total number of pieces in the shipment"; "1" in every captured
        sample, "2" in the constructed ``track-multi-package.json``) → package_count: the weight is the package's,
        the whole shipment's only when the count is 1, so without a readable count neither is kept
    ``r.shipmentDetails.weight[]`` (spec: weights "which represent the total weight of the shipment") is not read:
        the samples that carry it (``track-duplicate-results.json``) are one-package shipments, where it is the
        package's weight, and no public reply shows what it holds for several packages

A timestamp without an offset at midnight is a date, not an instant: ``track-delivered.json`` sends its PU scan as
``2024-08-15T00:00:00`` beside ACTUAL_PICKUP ``2024-08-15T00:00:00-06:00`` (the same local date), and the spec
example's ACTUAL_DELIVERY is ``2007-09-27T00:00:00``. Such a scan is left out of the timeline, whose events are
instants (a pickup's date, which nothing weighs), and an ACTUAL_DELIVERY at midnight (with an offset or without:
every ``dateAndTimes`` date in the samples is ``T00:00:00-06:00``) gives no delivery time (noted); the delivery scan,
a time with its offset, is read first in any case. Assumed, no public source shows one:
another time without an offset is local to a place the reply does not zone; it is read as UTC, noted as possibly
hours off. A scan's ``derivedStatusCode`` never decides the parcel's status: an RS scan is derived "DL, Delivered" in
``track-returned.json``.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any

from pydantic import TypeAdapter, ValidationError

from carriers.auth import client_credentials_request
from carriers.errors import BadRequest, MalformedResponse
from carriers.fedex.settings import FedexSettings
from carriers.fedex.wire import (
    Address,
    DeliveryDetails,
    PackageDetails,
    ScanEvent,
    TrackResponse,
    TrackResult,
    WeightAndDimensions,
)
from carriers.http import HttpRequest, HttpResponse
from carriers.parsing import (
    ProofNotes,
    digits,
    join_text,
    parse_timestamp,
    read_wire,
    reading,
    text,
    timeline,
    unanswered_404,
)
from carriers.status import relation_table, status_table
from carriers.zones import country_code
from schemas.common import Id
from schemas.proof import (
    Attachment,
    AttachmentKind,
    DeliveryLocation,
    NoteCode,
    PackageState,
    ProofOfDelivery,
    ProofSource,
    ProofStatus,
    TrackingEvent,
)
from schemas.proof import RecipientRelation as R

CODE = "fedex"
TOKEN_PATH = "/oauth/token"
TRACK_PATH = "/track/v1/trackingnumbers"
REFUSALS = (400, 404)  # read for their error codes: FedEx may say "not found" in a refusal
DELIVERED = "DL"
SPOD_FIELD = "output.document"  # where FedEx's definition puts the SPOD: named by a note about it

STATUS = status_table(
    CODE,
    "latestStatusDetail.code",
    {
        **dict.fromkeys(("OC", "IN"), ProofStatus.PRE_TRANSIT),
        **dict.fromkeys(
            ("PU", "AE", "AO", "AR", "AF", "DP", "IT", "FD", "RL", "OD", "HL", "HP", "RR"), ProofStatus.IN_TRANSIT
        ),
        DELIVERED: ProofStatus.DELIVERED,
        "DE": ProofStatus.FAILED_ATTEMPT,
        **dict.fromkeys(("SE", "DY", "DD", "CA"), ProofStatus.EXCEPTION),
        "RS": ProofStatus.RETURNED,
    },
)

# Every value of the spec's deliveryDetails.locationType enum: "the FedEx location type code for the package
# destination". RESIDENCE names a kind of place, not who took the parcel (a doorstep drop is one too; the
# verbatim track-duplicate-results has it on an address FedEx marks not residential): the relation is unknown.
RELATION = relation_table(
    CODE,
    "deliveryDetails.locationType",
    {
        "RESIDENCE": R.UNKNOWN,
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

_PACKAGE_NUMBER: TypeAdapter[str] = TypeAdapter(Id)
_NEVER = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class TrackReading:
    """What a track reply says about the asked number: its result, or (None) that FedEx does not know it."""

    result: TrackResult | None
    others: tuple[PackageState, ...] = ()  # the shipment's other packages the reply describes
    not_found_code: str | None = None


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


def read_track_reply(response: HttpResponse, tracking_number: str) -> TrackReading:
    """The asked number's result in a track reply (a 200, or a refusal in ``REFUSALS``)."""
    if response.status != 200:
        return _without_data(_refusal_codes(response), response.status)
    reply = read_wire(TrackResponse, response.body, carrier=CODE, what="track response")
    results = list(_results(reply))
    asked = tracking_number.casefold()
    mine = [result for number, result in results if number == asked]
    if data := [result for result in mine if _has_data(result)]:
        return TrackReading(_latest(data), _other_packages(results, asked))
    codes = [text(result.error.code) for result in mine if result.error] + [text(e.code) for e in reply.errors or ()]
    return _without_data([code for code in codes if code], response.status)


def is_delivered(result: TrackResult) -> bool:
    """Whether FedEx's own latest status says delivered."""
    return (status_code_of(result) or "").upper() == DELIVERED


def status_code_of(result: TrackResult) -> str | None:
    detail = result.latest_status_detail
    return (text(detail.code) or text(detail.derived_code)) if detail else None


def track_proof(
    found: TrackReading, tracking_number: str, received_at: datetime, document: Attachment | None, notes: ProofNotes
) -> ProofOfDelivery:
    """The canonical proof for what ``read_track_reply`` found (and the SPOD ``document``, if fetched); a value
    the canonical proof cannot hold is ``MalformedResponse``."""
    with reading(CODE, "track response"):
        return ProofOfDelivery(
            carrier=CODE,
            tracking_number=tracking_number,
            source=ProofSource.PULL,
            received_at=received_at,
            **_proof_fields(found, tracking_number, document, notes),
        )


def parse_track_response(response: HttpResponse, tracking_number: str, received_at: datetime) -> ProofOfDelivery:
    """A track reply on its own (no SPOD) → canonical proof; a reply that does not fit is ``MalformedResponse``."""
    found = read_track_reply(response, tracking_number)
    return track_proof(found, tracking_number, received_at, None, ProofNotes())


def _proof_fields(
    found: TrackReading, tracking_number: str, document: Attachment | None, notes: ProofNotes
) -> dict[str, Any]:
    if (result := found.result) is None:
        return {"status": ProofStatus.NOT_FOUND, "status_code": found.not_found_code}
    status = _status(result, notes)
    facts = _delivery_facts(result, document, notes) if status is ProofStatus.DELIVERED else {}
    events = _events(result.scan_events or (), notes)
    return facts | {
        "status": status,
        "status_code": (status_code_of(result) or "")[:64] or None,
        "package_number": tracking_number,
        "packages": found.others,
        **_weight(result),
        "events": events,
        "notes": notes.items,  # last: every reader above may have added to them
    }


GRAMS_PER_UNIT = {"KG": 1000.0, "LB": 453.59237}


def _weight(result: TrackResult) -> dict[str, int]:
    """The package's weight and how many packages its shipment has, or neither: FedEx weighs each package, so a
    weight without a readable count may be the whole shipment's or a part of it."""
    details = result.package_details or PackageDetails()
    grams, count = _weight_grams(details.weight_and_dimensions), _package_count(details.count)
    return {"weight_grams": grams, "package_count": count} if grams and count else {}


def _package_count(value: str | None) -> int | None:
    count = digits(text(value))
    return count if count and count < 10_000 else None


def _weight_grams(details: WeightAndDimensions | None) -> int | None:
    """The weight in grams; an entry in another unit, or whose value is not a positive number, is ignored."""
    weighed: dict[str, float] = {}
    for entry in (details.weight if details else None) or ():
        unit = (text(entry.unit) or "").upper()
        try:
            value = float(text(entry.value) or "")
        except ValueError:
            continue
        if unit in GRAMS_PER_UNIT and 0 < value < 10_000:
            weighed.setdefault(unit, value * GRAMS_PER_UNIT[unit])
    grams = weighed.get("KG", weighed.get("LB"))
    return max(1, round(grams)) if grams is not None else None


def _results(reply: TrackResponse) -> Iterator[tuple[str | None, TrackResult]]:
    """Each result with the number it is about (case-folded)."""
    for group in (reply.output.complete_track_results if reply.output else None) or ():
        for result in group.track_results or ():
            info = result.tracking_number_info
            number = (text(info.tracking_number) if info else None) or text(group.tracking_number)
            yield (number.casefold() if number else None), result


def _has_data(result: TrackResult) -> bool:
    return result.latest_status_detail is not None or bool(result.scan_events)


def _latest(results: list[TrackResult]) -> TrackResult:
    """The result describing the latest state: newest scan last; on a tie, the later result."""
    return max(enumerate(results), key=lambda item: (_newest_scan(item[1]), item[0]))[1]


def _newest_scan(result: TrackResult) -> datetime:
    return max(filter(None, (_quiet_time(event.date) for event in result.scan_events or ())), default=_NEVER)


def _other_packages(results: list[tuple[str | None, TrackResult]], asked: str) -> tuple[PackageState, ...]:
    by_number: dict[str, list[TrackResult]] = {}
    for number, result in results:
        if number and number != asked and _has_data(result):
            by_number.setdefault(number, []).append(result)
    packages = (_package(number, _latest(found)) for number, found in by_number.items())
    return tuple(package for package in packages if package)[:200]


def _package(number: str, result: TrackResult) -> PackageState | None:
    info = result.tracking_number_info
    try:  # the number as FedEx spelt it, when it is a plain identifier
        name = _PACKAGE_NUMBER.validate_python((text(info.tracking_number) if info else None) or number)
    except ValidationError:
        return None
    code = status_code_of(result)
    return PackageState(number=name, status=STATUS(code), status_code=code[:64] if code else None)


def _without_data(codes: list[str], http_status: int) -> TrackReading:
    if found := next((code for code in codes if code.upper().endswith("NOTFOUND")), None):
        return TrackReading(None, not_found_code=found[:64])
    if http_status == 404:
        raise unanswered_404(CODE)
    if codes:
        raise BadRequest(f"track error {codes[0][:64]}", carrier=CODE, status=http_status)
    if http_status != 200:
        raise BadRequest(f"HTTP {http_status}", carrier=CODE, status=http_status)
    raise MalformedResponse("track response has no result for the asked number", carrier=CODE)


def _refusal_codes(response: HttpResponse) -> list[str]:
    try:
        reply = read_wire(TrackResponse, response.body, carrier=CODE, what="track refusal")
    except MalformedResponse:
        return []
    return [code for code in (text(error.code) for error in reply.errors or ()) if code]


def _status(result: TrackResult, notes: ProofNotes) -> ProofStatus:
    status = notes.status(STATUS, status_code_of(result), "latestStatusDetail.code")
    newest = next(iter(result.scan_events or ()), None)
    if status is ProofStatus.FAILED_ATTEMPT and newest and (text(newest.event_type) or "").upper() == "RS":
        return ProofStatus.RETURNED  # "Delivery exception" while the newest scan says it is going back
    return status


def _delivery_facts(result: TrackResult, document: Attachment | None, notes: ProofNotes) -> dict[str, Any]:
    details = result.delivery_details or DeliveryDetails()
    place, address = text(details.location_description), _address(details.actual_delivery_address)
    received_by = text(details.received_by_name) or text(details.signed_by_name)
    return {
        "delivered_at": _delivered_at(result, notes),
        "received_by": received_by,
        "recipient_relation": RELATION(details.location_type),
        "signature": _signature(document, received_by, notes) if document else None,
        "document": document,
        "location": DeliveryLocation(text=place, address=address, country=_country(details.actual_delivery_address))
        if place or address else None,
    }


def _signature(spod: Attachment, signer: str | None, notes: ProofNotes) -> Attachment | None:
    """The SPOD as the proof's signature (the same bytes and media type, in the signature's slot) when FedEx names
    who signed for or received the parcel; else none, noted: the letter carries a signature only "if the signature
    is available", and a parcel released without one names nobody."""
    if signer is None:
        reason = "FedEx names no one who signed or received the parcel: the letter is kept as the document only"
        notes.add(NoteCode.ATTACHMENT_DROPPED, SPOD_FIELD, reason)
        return None
    return spod.model_copy(update={"kind": AttachmentKind.SIGNATURE})


def _delivered_at(result: TrackResult, notes: ProofNotes) -> datetime | None:
    scan = next((e for e in result.scan_events or () if (text(e.event_type) or "").upper() == DELIVERED), None)
    actual = next((d for d in result.date_and_times or () if d.type == "ACTUAL_DELIVERY"), None)
    delivered = actual.date_time if actual else None
    if delivered is not None and _at_midnight(delivered):  # FedEx's dates: "2024-08-15T00:00:00-06:00", or no offset
        notes.unreadable("dateAndTimes.dateTime", "a date without a time of day: no instant, never midnight")
        delivered = None
    candidates = [("scanEvents.date", None if scan is None or _date_only(scan.date) else scan.date),
                  ("dateAndTimes.dateTime", delivered)]
    candidates.sort(key=lambda candidate: candidate[1] is not None and _unzoned(candidate[1]))  # zoned times first
    for field, value in candidates:
        if at := notes.optional(field, partial(_time, value)):
            if value is not None and _unzoned(value) and field != "scanEvents.date":  # `_events` notes the scans
                notes.unreadable(field, "a local time without offset: read as UTC, may be hours off")
            return at
    return None


def _events(scans: Iterable[ScanEvent], notes: ProofNotes) -> tuple[TrackingEvent, ...]:
    events: list[TrackingEvent | None] = []
    unreadable = unzoned = 0
    for scan in scans:
        if _date_only(scan.date):
            continue
        if (at := _quiet_time(scan.date)) is None and text(scan.date):
            unreadable += 1
        elif at is not None and scan.date is not None and _unzoned(scan.date):
            unzoned += 1
        events.append(_event(scan, at))
    if unreadable:
        notes.unreadable("scanEvents.date", f"{unreadable} scan times could not be read; those scans are left out")
    if unzoned:
        notes.unreadable("scanEvents.date", f"{unzoned} scan times without offset: read as UTC, may be hours off")
    return timeline(events)


def _unzoned(value: str) -> bool:
    """An ISO 8601 time with no offset (FedEx's form for a local date, and perhaps for local times)."""
    try:
        return datetime.fromisoformat(value.strip()).tzinfo is None
    except ValueError:
        return False


def _date_only(value: str | None) -> bool:
    """A time without an offset at midnight: FedEx's way of giving a date alone on a scan."""
    return value is not None and _unzoned(value) and _at_midnight(value)


def _at_midnight(value: str) -> bool:
    """00:00:00 sharp, with or without an offset: how FedEx writes the dates of ``dateAndTimes`` (ACTUAL_PICKUP,
    SHIP...), never a scanned moment."""
    try:
        return datetime.fromisoformat(value.strip()).time() == datetime.min.time()
    except ValueError:
        return False


def _event(scan: ScanEvent, at: datetime | None) -> TrackingEvent | None:
    code = text(scan.event_type) or text(scan.derived_status_code)
    if at is None or code is None:
        return None
    return TrackingEvent(
        at=at,
        code=code[:64],
        description=join_text(scan.event_description, scan.exception_description, sep=": "),
        location_text=_address(scan.scan_location, street=False),
    )


def _time(value: str | None) -> datetime | None:
    return parse_timestamp(value, carrier=CODE, what="a date field")


def _quiet_time(value: str | None) -> datetime | None:
    try:
        return _time(value)
    except MalformedResponse:
        return None


def _country(address: Address | None) -> str | None:
    return country_code(address.country_code) if address else None


def _address(address: Address | None, *, street: bool = True) -> str | None:
    if address is None:
        return None
    lines = (address.street_lines or []) if street else []
    return join_text(*lines, address.city, address.state_or_province_code, address.postal_code, address.country_code)
