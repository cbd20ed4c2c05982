"""DHL Shipment Tracking – Unified: request builder and reply → canonical proof (pure).

Every field read, and the public sample that shows it (``tests/fixtures/carriers/dhl/``, see PROVENANCE.md):

    shipments[].id                        the shipment answering the number asked; shipments for other
                                          numbers in the same reply are never read (express-three-numbers)
    details.pieceIds                      the shipment's pieces: a number asked may be one of them, and the
                                          others are reported as ``packages`` (express-four-pieces,
                                          express-spec-example)
    status.statusCode                     status through STATUS (pre-transit, transit, delivered, failure,
                                          unknown: definition 1.5.8 ``StatusCode``), kept as ``status_code``
    status.description / status.status    "Returned to shipper" under ``failure`` → returned
                                          (express-three-numbers)
    returnFlag                            true → returned, whatever the status code: "A flag whether the
                                          delivery is returned back to consignor" (definition 1.5.8
                                          ``ReturnFlag``)
    status.timestamp                      delivered_at, when delivered; the latest of several entries for one
                                          number wins (duplicate-results)
    status.location.address               delivered: the place (addressLocality, postalCode, countryCode)
    destination.address.countryCode       the zone of times without offset (parcel-de-delivered)
    location / destination addressLocality  without a countryCode, the country Express names after " - "
                                          ("KARACHI - PAKISTAN", express-three-numbers), by its name in IANA's
                                          iso3166.tab or as Express abbreviates it ("USA": no one zone, read as UTC, noted)
    details.proofOfDelivery.timestamp     delivered_at when the status has no time; never read unless the
                                          status says delivered (express-spec-example has one on a pre-transit
                                          shipment, express-three-numbers POD links on returned shipments)
    details.proofOfDelivery.signed        received_by ("givenName familyName", else "name"); a name that is
                                          DHL's own status word ("Delivered", express-three-numbers) is none
    details.receiver                      recipient_relation = recipient when it names the signer (spellings
                                          folded the Turkish way: "AYŞE YILMAZ" is "Ayşe Yılmaz")
    details.proofOfDelivery.signatureUrl  signature link ("The link to related electronic signature", definition
                                          1.5.8); none when proofOfDeliverySignedAvailable is false. Express sends
                                          its ePOD page here, the same link as documentUrl (express-three-numbers):
                                          that page is the signature and the document when DHL says someone signed
                                          (proofOfDeliverySignedAvailable true, or a signer named: express-
                                          delivered-signed), else the document only (noted): the sample's page
                                          names no signer, only DHL's status word
    details.proofOfDeliverySignedAvailable  "'Yes' if signer identification is available" (definition 1.5.8);
                                          false beside a proview notification link as signatureUrl
                                          (express-transit-pod-links)
    details.proofOfDelivery.documentUrl   document link
    events[]                              timeline: timestamp, statusCode (Express events have none:
                                          express-three-numbers), description else status, location; pieceIds
                                          say which pieces a scan covers (express-four-pieces)
    HTTP 404 problem                      not found (not-found.json) when the problem says no shipment or
                                          result was found; any other 404 is no answer: MalformedResponse

A piece the latest scan leaves out is not delivered with its shipment: express-four-pieces shows a
"delivered" shipment whose delivery scan lists two of its four pieces. Such a piece is ``unknown``, unless an
earlier delivery scan (statusCode or words "delivered") names it: a shipment may be delivered in several scans.
The shipment asked by its waybill is ``unknown`` while some piece has no delivery (as the piece furthest behind,
its pieces listed beside it); a piece delivered before the latest scan is delivered at its own scan's time.

Times without an offset are local to the event's place (definition 1.5.8), see ``_time``: a place in a country
of several zones (Whittier, CA in ecommerce-in-transit) is read as UTC, noted.
Assumed, no public sample shows it: ``signed.givenName``/``familyName`` on a live Express reply (the
definition's ``Person``); ``returnFlag`` on a live reply (only the definition shows it); several entries with one
``id`` in a reply; the zone of a time whose place and destination name no country (read as Turkey's).
"""

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

from pydantic import ValidationError

from carriers.auth import api_key_headers
from carriers.base import is_tracking_number
from carriers.dhl.settings import DhlSettings
from carriers.dhl.wire import Address, Details, Person, Place, Shipment, Shipments, Status
from carriers.dhl.wire import ProofOfDelivery as Pod
from carriers.errors import MalformedResponse
from carriers.http import HttpRequest, HttpResponse
from carriers.parsing import (
    ProofNotes,
    WireModel,
    join_text,
    json_object,
    not_found,
    parse_timestamp,
    read_wire,
    reading,
    text,
    text_of,
    timeline,
    unanswered_404,
)
from carriers.status import status_table
from carriers.turkish import ISTANBUL, relation_by_name
from carriers.zones import country_code, country_named, zone_of
from schemas.proof import (
    Attachment,
    AttachmentKind,
    DeliveryLocation,
    NoteCode,
    PackageState,
    ProofNote,
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
RETURNED_WORDS = "returned to shipper"  # Express's words for a parcel on its way back, under ``failure``
COUNTRY_SEPARATOR = " - "  # Express's addressLocality: "KARACHI - PAKISTAN", "NEW YORK, NY - USA"
DELIVERED_WORD = "delivered"  # a delivery scan: DHL's statusCode, or Express's words (express-four-pieces)
NO_CODE = "unknown"  # an event's code when DHL groups it under none (Express events carry no statusCode)
_EARLIEST = datetime.min.replace(tzinfo=UTC)
_UNPLACED = timezone(timedelta(0), "no zone known")  # UTC, told apart from an offset DHL wrote
_LIST_INDEX = re.compile(r"\.\d+(?=\.)")  # "events.3.timestamp" → "events.timestamp": one note for every scan
_LIMITS = {"code": 64, "text": 500, "events": 1000, "packages": 200, "notes": 100}


def build_track_request(settings: DhlSettings, tracking_number: str) -> HttpRequest:
    return HttpRequest(
        "GET",
        settings.url(TRACK_PATH),
        headers={**api_key_headers(API_KEY_HEADER, settings.api_key), "Accept": "application/json"},
        params={"trackingNumber": tracking_number},
    )


def parse_track_response(response: HttpResponse, tracking_number: str, received_at: datetime) -> ProofOfDelivery:
    """DHL's 404 problem, or no shipment for the number asked: DHL does not know it (shipments for other numbers
    in the same reply are no answer). Several entries for the number (one per DHL service): the latest status
    wins."""
    if response.status == 404:
        if not _not_found_problem(response.body):
            raise unanswered_404(CODE)
        return not_found(CODE, tracking_number, received_at)
    reply = read_wire(Shipments, response.body, carrier=CODE, what="track response")
    notes = ProofNotes()
    entries = [raw for raw in reply.shipments or () if raw is not None]
    shipments = [
        shipment
        for index, raw in enumerate(reply.shipments or ())
        if (shipment := read_part(Shipment, raw, f"shipments.{index}", notes)) is not None
    ]
    if (shipment := _answer(shipments, tracking_number, lone=len(entries) == 1)) is None:
        if len(shipments) < len(entries):  # an entry that could not be read may have been the answer
            raise MalformedResponse("no readable entry of the track response answers the number asked", carrier=CODE)
        return not_found(CODE, tracking_number, received_at).model_copy(update={"notes": _notes(notes)})
    return shipment_proof(shipment, tracking_number, ProofSource.PULL, received_at, notes)


def _not_found_problem(body: bytes) -> bool:
    """Whether a 404's body is DHL's problem for an unknown number (title "No result found", detail "No shipment
    with given tracking number found.": not-found.json)."""
    problem = json_object(body) or {}
    words = " ".join(value for key in ("title", "detail") if isinstance(value := problem.get(key), str)).casefold()
    return "no shipment" in words or "no result found" in words


def read_part[M: WireModel](model: type[M], raw: object, field: str, notes: ProofNotes) -> M | None:
    """One part of the reply, or None (noted) when it does not have DHL's shape."""
    if raw is None:
        return None
    try:
        return model.model_validate(raw)
    except ValidationError:
        notes.unreadable(field, "the part does not match DHL's shape")
        return None


def shipment_id(shipment: Shipment) -> str | None:
    return text_of(shipment.id)


def shipment_proof(
    shipment: Shipment, asked: str, source: ProofSource, received_at: datetime, notes: ProofNotes
) -> ProofOfDelivery:
    read = _read(shipment, notes)
    shipment_status = _status(read, notes)
    status, code = _state(read, asked, shipment_status)
    handover = _handover(read, asked, notes) if status is ProofStatus.DELIVERED else _Handover()
    with reading(CODE, "shipment"):
        return ProofOfDelivery(
            carrier=CODE,
            tracking_number=asked,
            status=status,
            status_code=_clip(code, "code"),
            package_number=asked if asked in read.pieces else None,
            packages=_packages(read, asked, shipment_status),
            delivered_at=handover.at,
            received_by=handover.signer,
            recipient_relation=handover.relation,
            signature=handover.signature,
            document=handover.document,
            location=DeliveryLocation(address=handover.place, country=handover.country) if handover.place else None,
            source=source,
            received_at=received_at,
            events=timeline(map(_event, read.scans))[-_LIMITS["events"] :],
            notes=_notes(notes),
        )


# --- which shipment answers -------------------------------------------------------------------------------


def _answer(shipments: list[Shipment], number: str, lone: bool) -> Shipment | None:
    """The entry about ``number`` (its id, or one of its pieces) with the latest status. The reply's only entry
    (``lone``), without an id, answers the number asked; an entry naming another number never does, nor one without
    an id beside others (which may be the answer, unreadable)."""
    mine = [s for s in shipments if number == shipment_id(s) or number in _read(s, ProofNotes()).pieces]
    if not mine and lone and len(shipments) == 1 and shipment_id(shipments[0]) is None:
        mine = shipments
    return max(mine, key=lambda s: _read(s, ProofNotes()).at or _EARLIEST, default=None)


# --- reading one shipment ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Scan:
    at: datetime | None
    event: Status


@dataclass(frozen=True, slots=True)
class _Read:
    status: Status | None
    at: datetime | None  # the status's time
    details: Details | None
    scans: tuple[_Scan, ...]
    countries: tuple[str | None, ...]  # the status place's country, then the destination's
    return_flag: bool

    @property
    def code(self) -> str | None:
        return text(self.status.status_code) if self.status else None

    @property
    def pieces(self) -> tuple[str, ...]:
        return tuple(filter(None, map(text, self.details.piece_ids or ()))) if self.details else ()

    def covers(self, number: str) -> bool:
        """Whether the shipment's status speaks for ``number``: the shipment itself, or a piece its latest
        scan includes (a scan that names no pieces covers them all)."""
        latest = max((scan.at for scan in self.scans if scan.at), default=None)
        latest_scans = [scan.event for scan in self.scans if latest and scan.at == latest]
        return number not in self.pieces or all(_names(event, number) for event in latest_scans)

    def delivery_of(self, piece: str) -> _Scan | None:
        """The latest delivery scan (DHL's code or words "delivered") that names ``piece`` or names no pieces."""
        named = [scan for scan in self.scans if DELIVERED_WORD in _words(scan.event) and _names(scan.event, piece)]
        return max(named, key=lambda scan: scan.at or _EARLIEST, default=None)

    def delivered(self, piece: str) -> bool:
        """Whether the delivered shipment's ``piece`` was delivered: its latest scans include it, or any delivery
        scan names it (pieces delivered in several scans)."""
        return self.covers(piece) or self.delivery_of(piece) is not None

    def code_of(self, piece: str) -> str | None:
        """The status code of the latest scan that names ``piece``."""
        named = [scan for scan in self.scans if scan.at and piece in (scan.event.piece_ids or ())]
        latest = max(named, key=lambda scan: scan.at or _EARLIEST, default=None)
        return text(latest.event.status_code) if latest else None


def _names(event: Status, piece: str) -> bool:
    return event.piece_ids is None or piece in event.piece_ids


def _read(shipment: Shipment, notes: ProofNotes) -> _Read:
    status = read_part(Status, shipment.status, "status", notes)
    destination = _country(shipment.destination)
    countries = (_country(status.location) if status else None, destination)
    scans = tuple(
        _Scan(_time(event.timestamp, f"events.{index}.timestamp", notes, _country(event.location), destination), event)
        for index, raw in enumerate(shipment.events or ())
        if (event := read_part(Status, raw, f"events.{index}", notes)) is not None
    )
    return _Read(
        status=status,
        at=_time(status.timestamp, "status.timestamp", notes, *countries) if status else None,
        details=read_part(Details, shipment.details, "details", notes),
        scans=scans,
        countries=countries,
        return_flag=shipment.return_flag is True,
    )


def _status(read: _Read, notes: ProofNotes) -> ProofStatus:
    status = notes.status(STATUS, read.code, "status.statusCode")
    returned = read.return_flag or (status is ProofStatus.FAILED_ATTEMPT and RETURNED_WORDS in _words(read.status))
    return ProofStatus.RETURNED if returned else status


def _state(read: _Read, number: str, shipment_status: ProofStatus) -> tuple[ProofStatus, str | None]:
    """The status and DHL's code for ``number``: the shipment's, unless it is a piece the latest scan leaves
    out; then ``unknown``, with the code of the latest scan that names it. Of a delivered shipment, a piece any
    delivery scan names is delivered too (a delivery in several scans), and the shipment itself (asked by its
    waybill) is delivered only with every piece: else it stands as its first piece no delivery scan names."""
    if shipment_status is ProofStatus.DELIVERED:
        pieces = [number] if number in read.pieces else read.pieces
        behind = next((piece for piece in pieces if not read.delivered(piece)), None)
        return (shipment_status, read.code) if behind is None else (ProofStatus.UNKNOWN, read.code_of(behind))
    if not read.covers(number):
        return ProofStatus.UNKNOWN, read.code_of(number)
    return shipment_status, read.code


def _packages(read: _Read, asked: str, shipment_status: ProofStatus) -> tuple[PackageState, ...]:
    """The shipment's other pieces, each with the state its scans give it (none when it has one piece)."""
    if len(read.pieces) < 2:
        return ()
    others = [piece for piece in dict.fromkeys(read.pieces) if piece != asked and is_tracking_number(piece)]
    return tuple(_package(read, piece, shipment_status) for piece in others[: _LIMITS["packages"]])


def _package(read: _Read, piece: str, shipment_status: ProofStatus) -> PackageState:
    status, code = _state(read, piece, shipment_status)
    return PackageState(number=piece, status=status, status_code=_clip(code, "code"))



# --- the delivery ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Handover:
    at: datetime | None = None
    signer: str | None = None
    relation: RecipientRelation = RecipientRelation.UNKNOWN
    signature: Attachment | None = None
    document: Attachment | None = None
    place: str | None = None
    country: str | None = None


def _handover(read: _Read, asked: str, notes: ProofNotes) -> _Handover:
    """What DHL says of a delivery; read only when its status says delivered. A piece delivered before the
    latest scans (which leave it out) is delivered at its own delivery scan's time."""
    pod = read_part(Pod, read.details.proof_of_delivery if read.details else None, "details.proofOfDelivery", notes)
    pod = pod or Pod()
    signer = _signer(pod.signed, read.status, notes)
    receiver = _full_name(read.details.receiver if read.details else None)
    signed = read.details.proof_of_delivery_signed_available if read.details else None
    signature, document = _links(pod, signed, signer, notes)
    own = read.delivery_of(asked) if asked in read.pieces and not read.covers(asked) else None
    return _Handover(
        at=(own.at if own else None)
        or read.at
        or _time(pod.timestamp, "details.proofOfDelivery.timestamp", notes, *read.countries),
        signer=signer,
        relation=relation_by_name(signer, receiver),  # DHL names people, not relations
        signature=signature,
        document=document,
        place=_clip(_place(read.status.location if read.status else None), "text"),
        country=country_code(next(filter(None, read.countries), None)),  # the status place's, else the destination's
    )


def _signer(person: Person | None, status: Status | None, notes: ProofNotes) -> str | None:
    name = _full_name(person)
    if name and name.casefold() in _words(status):
        notes.unreadable("details.proofOfDelivery.signed", "DHL's status word stands where a name belongs")
        return None
    return name


def _links(
    pod: Pod, signed: bool | None, signer: str | None, notes: ProofNotes
) -> tuple[Attachment | None, Attachment | None]:
    """The signature and document links; ``signed`` is proofOfDeliverySignedAvailable (None when not sent),
    ``signer`` the name DHL gives. A signature link that is the document's too (Express's ePOD page) is both only
    when DHL says someone signed (``signed`` true, or a signer named): else the page is the document only."""
    field = "details.proofOfDelivery"
    document = notes.linked(AttachmentKind.DOCUMENT, pod.document_url, f"{field}.documentUrl")
    if not (link := text(pod.signature_url)):
        return None, document
    if signed is False:
        reason = "proofOfDeliverySignedAvailable is false: DHL has no signer identification"
    elif link == text(pod.document_url) and signed is not True and signer is None:
        reason = "the same link as documentUrl (DHL's ePOD page) and DHL names no signer: kept as the document only"
    else:
        return notes.linked(AttachmentKind.SIGNATURE, link, f"{field}.signatureUrl"), document
    notes.add(NoteCode.ATTACHMENT_DROPPED, f"{field}.signatureUrl", reason)
    return None, document


# --- small readers -----------------------------------------------------------------------------------------


def _event(scan: _Scan) -> TrackingEvent | None:
    if scan.at is None:
        return None
    event = scan.event
    return TrackingEvent(
        at=scan.at,
        code=_clip(text(event.status_code), "code") or NO_CODE,
        description=_clip(text(event.description) or text(event.status), "text"),
        location_text=_clip(_place(event.location), "text"),
    )


def _words(status: Status | None) -> set[str]:
    """DHL's words for a status (its code, title and description), case-folded."""
    fields = (status.status_code, status.status, status.description) if status else ()
    return {word.casefold() for word in map(text, fields) if word}


def _time(value: str | None, field: str, notes: ProofNotes, *countries: str | None) -> datetime | None:
    """An ISO 8601 time; DHL's definition (1.5.8) says one without an offset "should be interpreted as in the
    place of the respective shipment event": the zone of the first of ``countries`` named (the event's place,
    then the destination: its countryCode, else the country after its locality, see ``_country``), or Istanbul
    when none is named (assumed: the marketplace's DHL parcels are delivered in Turkey). A country of several
    zones and none for most of it (the United States) gives no zone: such a time is read as UTC, noted once for
    all the scans, as it may be hours off."""
    country = next(filter(None, map(text, countries)), None)
    zone = (zone_of(country) if country else ISTANBUL) or _UNPLACED
    at = notes.optional(field, lambda: parse_timestamp(value, carrier=CODE, what=field, zone=zone))
    if at is None or at.tzinfo is not _UNPLACED:
        return at
    reason = "a local time in a country of several zones: read as UTC, may be hours off"
    notes.unreadable(_LIST_INDEX.sub("", field), reason)
    return at.replace(tzinfo=UTC)


def _country(place: Place | None) -> str | None:
    """The place's countryCode, else the country Express names after its place ("KARACHI - PAKISTAN"; after a
    comma too: "HONG KONG - HONG KONG, HONG KONG"), as IANA's table knows it; a country named that the table does not
    know is given as written, so a local time there is read as UTC and noted rather than in another country's zone
    (`_time`). None when the place names no country."""
    address = place.address if place else None
    if address is None:
        return None
    if code := text(address.country_code):
        return code
    _, separator, country = (address.address_locality or "").rpartition(COUNTRY_SEPARATOR)
    if not separator or not (named := text(country)):
        return None
    return country_named(named) or country_named(named.rpartition(",")[2]) or named


def _full_name(person: Person | None) -> str | None:
    if person is None:
        return None
    return _clip(join_text(person.given_name, person.family_name, sep=" ") or text(person.name), "text")


def _place(place: Place | None) -> str | None:
    address: Address | None = place.address if place else None
    if address is None:
        return None
    return join_text(address.address_locality, address.postal_code, address.country_code)


def _clip(value: str | None, kind: str) -> str | None:
    return (value[: _LIMITS[kind]].strip() or None) if value else None


def _notes(notes: ProofNotes) -> tuple[ProofNote, ...]:
    return notes.items[: _LIMITS["notes"]]
