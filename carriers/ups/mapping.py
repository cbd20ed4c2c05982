"""UPS Track API: request builders and the response → canonical proof mapping (pure).

Every field read, and where it is shown (files in ``tests/fixtures/carriers/ups/``, described with their
public sources in its ``PROVENANCE.md``; ``Tracking.yaml`` / ``UPSTrackAlert.yaml`` are UPS's definitions in
``shared/specs/ups/``):

    trackResponse.shipment[].package[]              the reply's packages; the proof is the one whose
      .trackingNumber                               trackingNumber is the asked number (track-multi-package:
                                                    constructed from Tracking.yaml). The shipment's other
                                                    packages are listed (number, status), never read for
                                                    proof. The reply's only package entry, without a number,
                                                    in a shipment of the asked inquiryNumber (or none), is the
                                                    asked one; beside an unreadable entry it is malformed.
                                                    Assumed: several copies of the asked package are one
                                                    package at different times (the latest scan wins).
    .currentStatus{type, code, statusCode}          the status: its type when it has one (track-placeholder-
                                                    images); live replies send {description, code} with the
                                                    three-digit code and no type (track-in-transit, issue
                                                    #236), then the latest activity's status decides
    .activity[].status{type, code, statusCode}      type through STATUS (types D, I, M, MV, U, X from
                                                    UPSTrackAlert.yaml); D is "delivery information", so D
                                                    counts as delivered only with statusCode 011, or with
                                                    none and the description "Delivered" (track-delivered-
                                                    no-offsets); else unknown (alert-delivery-type-out-for-
                                                    delivery);
                                                    three-digit codes through PACKAGE_STATUS (003, 005, 011,
                                                    021 in track-delivered-no-proof, alert-*; 072 in issue
                                                    #236) when there is no type
    .activity[].date/time (+ gmtOffset, gmtDate,    the event's instant, see ``times`` and ``reading.instant``:
      gmtTime, location.address.countryCode)        local time at its place (track-delivered-no-proof and
                                                    -no-offsets have no GMT fields at all; issue #38); an
                                                    activity without offset is kept, never dropped
    .activity[].location.address                    the event's place, and the delivery address
    .activity[].status.code / description           the event's code and words
    .deliveryDate[type=DEL].date +                  delivered_at when no delivery activity has a time
      .deliveryTime[type=DEL].endTime               (a local time "in an unknown zone", issue #187)
    .deliveryInformation.receivedBy                 received_by (track-delivered-signature-photo)
    .deliveryInformation.location ("Front Door")    location.text, and recipient_relation by keyword; only
                                                    "Front Door" is published (Tracking.yaml): the other
                                                    keywords below are assumed. A doorstep word is a safe
                                                    place only when receivedBy names no one ("the individual
                                                    who took possession", Tracking.yaml): else unknown
    .deliveryInformation.signature.image            signature (base64 PNG)   } placeholders ("encoding
    .deliveryInformation.deliveryPhoto.photo        photo (base64)           }  Base64", Tracking.yaml) and
    .deliveryInformation.pod.content                document (base64 HTML)   }  undecodable content dropped
                                                                                with a note
    a shipment without packages (UPS adds           not found (track-not-found); so is HTTP 404 with
      the warning TW0001), or no shipment           the error TW0001 (track-not-found-404); any other 404
                                                    (UPS's own "URL does not exist", UPSTrackAlert.yaml;
                                                    a gateway's page) is no answer: MalformedResponse
    response.errors[].code                          UPS refused the request (error-*): credentials (250002,
                                                    250003, 251004, UJ0001) → an authentication failure

Delivery facts are read only from a package whose own status says delivered (deliveryInformation arrives
on packages that are not delivered: track-in-transit, track-placeholder-images).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote


from carriers.auth import client_credentials_request
from carriers.base import is_tracking_number
from carriers.errors import BadRequest, CarrierAuthError, MalformedResponse
from carriers.http import HttpRequest, HttpResponse
from carriers.parsing import join_text, not_found, reading, text, timeline, unanswered_404
from carriers.status import status_table
from carriers.zones import country_code
from carriers.ups.reading import CODE, SHORT, Notes, Stamp, decode, instant, place_zone, short
from carriers.ups.settings import UpsSettings
from carriers.ups.wire import Activity, Address, DeliveryInformation, Location, Package, Status, TrackApiResponse
from schemas.proof import (
    Attachment,
    AttachmentKind,
    DeliveryLocation,
    NoteCode,
    PackageState,
    ProofOfDelivery,
    ProofSource,
    ProofStatus,
    RecipientRelation,
    TrackingEvent,
)

TRACK_PATH = "/api/track/v1/details/"
TOKEN_PATH = "/security/v1/oauth/token"
PACKAGE = "trackResponse.shipment.package"
ACTIVITY = f"{PACKAGE}.activity"
INFO = f"{PACKAGE}.deliveryInformation"

# Activity status types, as UPSTrackAlert.yaml lists them.
STATUS = status_table(
    CODE,
    "activity status type",
    {
        "D": ProofStatus.DELIVERED,  # "delivery information": delivered only with code 011 (see read_status)
        "I": ProofStatus.IN_TRANSIT,
        "M": ProofStatus.PRE_TRANSIT,  # manifest: a label exists
        "MV": ProofStatus.EXCEPTION,  # manifest void: the label was cancelled
        "U": ProofStatus.IN_TRANSIT,  # updated delivery date or time
        "X": ProofStatus.EXCEPTION,
    },
)
DELIVERED_CODE = "011"
DELIVERED_WORD = "DELIVERED"
# The three-digit package status codes seen in UPS's replies and examples.
PACKAGE_STATUS = status_table(
    CODE,
    "package status code",
    {
        "003": ProofStatus.PRE_TRANSIT,  # shipper created a label
        "005": ProofStatus.IN_TRANSIT,  # on the way
        DELIVERED_CODE: ProofStatus.DELIVERED,
        "021": ProofStatus.IN_TRANSIT,  # out for delivery
        "072": ProofStatus.IN_TRANSIT,  # loaded on delivery vehicle
    },
)
NOT_FOUND = "TW0001"
# Error codes for refused credentials (UPSTrackAlert.yaml's table: 250002, 251004, UJ0001; 250003 in error-auth).
AUTH_ERRORS = frozenset({"250002", "250003", "251004", "UJ0001"})
NOT_FOUND_ERROR = "TW0001"  # "Tracking Information Not Found" (track-not-found, track-not-found-404)

# ``deliveryInformation.location`` is free text; the first keyword found decides (so DOORMAN before DOOR).
_PLACE_WORDS: tuple[tuple[str, RecipientRelation], ...] = (
    ("NEIGHBO", RecipientRelation.NEIGHBOUR),
    ("ACCESS POINT", RecipientRelation.PICKUP_POINT),
    ("LOCKER", RecipientRelation.PARCEL_LOCKER),
    *(
        (word, RecipientRelation.DOORMAN)
        for word in ("DOORMAN", "CONCIERGE", "RECEPTION", "FRONT DESK", "MAIL ROOM", "MAILROOM", "GUARD", "OFFICE")
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
        if NOT_FOUND_ERROR not in _error_codes(response.body):
            raise unanswered_404(CODE)
        return not_found(CODE, tracking_number, received_at)
    data, ignored = decode(TrackApiResponse, response.body, "track response")
    entries = (data.track_response.shipment or []) if data.track_response else []
    shipments = [s for s in entries if s]
    listed = [(s.inquiry_number, p) for s in shipments for p in s.package or () if p]
    if not listed:
        if data.track_response is None:
            raise _refusal(data)
        return not_found(CODE, tracking_number, received_at)
    # An entry that could not be read (not an object) may have been the asked package.
    unread = len(shipments) < len(entries) or any(None in (s.package or ()) for s in shipments)
    reply = _Reply(listed, tracking_number, lone=not unread)
    if reply.package is None and unread:
        raise MalformedResponse("no readable package of the track response answers the number asked", carrier=CODE)
    notes = Notes()
    notes.ignored(ignored, "trackResponse")
    with reading(CODE, "track response"):
        return _proof(reply, notes, received_at)


def read_status(status: Status, notes: Notes, field: str) -> tuple[ProofStatus, str | None]:
    """A status and the carrier's code that decided it. The type decides, except that a delivery-type
    status counts as delivered only with code 011, or without a code when its words say delivered: Track
    Alert's "D" also covers "loaded on delivery vehicle" and "out for delivery", and its schema has no
    ``descriptionCode``. Otherwise the three-digit code decides; a "D" without one is unknown (noted)."""
    kind, detail = text(status.type), _detail(status)
    if kind is not None:
        found = notes.status(STATUS, kind, f"{field}.type")
        if found is not ProofStatus.DELIVERED or _delivered(detail, status):
            return found, kind
        if detail is None:
            notes.add(NoteCode.STATUS_UNMAPPED, f"{field}.type", "delivery information without 011 or 'Delivered'")
            return ProofStatus.UNKNOWN, kind
    if detail is not None:
        return notes.status(PACKAGE_STATUS, detail, f"{field}.statusCode"), detail
    return ProofStatus.UNKNOWN, kind


def _is_delivery(status: Status | None) -> bool:
    """Whether the status is UPS's "delivered", without noting anything (for choosing the delivery scan)."""
    if status is None:
        return False
    kind, detail = text(status.type), _detail(status)
    if kind is not None:
        return kind.upper() == "D" and _delivered(detail, status)
    return detail == DELIVERED_CODE


def _delivered(detail: str | None, status: Status) -> bool:
    """Whether a delivery-type status is a delivery: code 011, or no code and UPS's word for it ("Delivered",
    "DELIVERED ": Track Alert's delivery example, the Track API samples without ``statusCode``)."""
    if detail is not None:
        return detail == DELIVERED_CODE
    return (text(status.description) or "").upper().startswith(DELIVERED_WORD)


def place_text(address: Address | None) -> str | None:
    if address is None:
        return None
    joined = join_text(address.city, address.state_province, address.postal_code, _country(address))
    return joined[:SHORT].rstrip() if joined else None  # ``short`` of texts each stripped already


def relation_from_place(place: str | None, received_by: str | None) -> RecipientRelation:
    """The relation the place's words say; a doorstep word says where, not who, when someone took the parcel
    (``received_by``): then it is unknown, and the name is matched against the order's."""
    words = (place or "").upper()
    found = next((relation for word, relation in _PLACE_WORDS if word in words), RecipientRelation.UNKNOWN)
    return RecipientRelation.UNKNOWN if found is RecipientRelation.SAFE_PLACE and received_by else found


def _detail(status: Status) -> str | None:
    """The three-digit code: ``statusCode`` (Track API), ``descriptionCode`` (Track Alert), or ``code`` on a
    type-less ``currentStatus``."""
    if found := text(status.status_code) or text(status.description_code):
        return found
    code = text(status.code)
    return code if code and code.isdigit() else None


def _country(address: Address | None) -> str | None:
    return (text(address.country_code) or text(address.country)) if address else None


def _codes(data: TrackApiResponse) -> list[str]:
    codes = [text(e.code) for e in (data.response.errors or ()) if e] if data.response else []
    return [code for code in codes if code]


def _error_codes(body: bytes) -> list[str]:
    """The codes of UPS's error envelope; none when the body is not UPS's."""
    try:
        return _codes(decode(TrackApiResponse, body, "track error")[0])
    except MalformedResponse:
        return []


def _refusal(data: TrackApiResponse) -> Exception:
    if not (found := _codes(data)):
        return MalformedResponse("track response holds neither tracking data nor errors", carrier=CODE)
    if AUTH_ERRORS.intersection(found):
        return CarrierAuthError(f"credentials refused ({found[0][:16]})", carrier=CODE)
    return BadRequest(f"request refused ({found[0][:16]})", carrier=CODE)


@dataclass(frozen=True, slots=True)
class _Scan:
    activity: Activity
    at: datetime | None

    @property
    def address(self) -> Address | None:
        return (self.activity.location or Location()).address


def _scans(package: Package, notes: Notes) -> list[_Scan]:
    activities = [a for a in package.activity or () if a]
    return [_Scan(a, instant(_stamp(a), notes, ACTIVITY)) for a in activities]


def _stamp(activity: Activity) -> Stamp:
    country = _country((activity.location or Location()).address)
    return Stamp(activity.date, activity.time, activity.gmt_offset, activity.gmt_date, activity.gmt_time, country)


def _latest(scans: Iterable[_Scan]) -> _Scan | None:
    """The newest scan by time; with no times, the first listed (UPS lists the most recent first)."""
    listed = list(scans)
    timed = [scan for scan in listed if scan.at is not None]
    return max(timed, key=_time) if timed else next(iter(listed), None)


def _time(scan: _Scan) -> datetime:
    return scan.at or datetime.min.replace(tzinfo=UTC)


class _Reply:
    """The reply's packages, told apart: the asked one (if any) and the others. A package without a number
    answers only as the reply's only entry (``lone``: no entry beside it was unreadable)."""

    def __init__(self, listed: list[tuple[str | None, Package]], asked: str, lone: bool) -> None:
        self.asked = asked
        key = _key(asked)
        mine = [package for _, package in listed if _key(package.tracking_number) == key]
        self.numbered = bool(mine)
        if not mine and lone and len(listed) == 1 and _unnumbered(*listed[0], key):
            mine = [listed[0][1]]
        self.package = max(mine, key=_newest_scan) if mine else None
        self.others = [package for _, package in listed if package not in mine]


def _key(number: str | None) -> str:
    return "".join((number or "").split()).upper()


def _unnumbered(inquiry: str | None, package: Package, key: str) -> bool:
    """A package without a number, in a shipment of the asked number or of none: the asked package."""
    return not text(package.tracking_number) and _key(inquiry) in ("", key)


def _newest_scan(package: Package) -> datetime:
    latest = _latest(_scans(package, Notes()))
    return _time(latest) if latest else datetime.min.replace(tzinfo=UTC)


def _package_states(packages: list[Package]) -> tuple[PackageState, ...]:
    """The other packages' numbers and states (first copy of each number), never their proof."""
    states: dict[str, PackageState] = {}
    for package in packages:
        number = text(package.tracking_number)
        if number and number not in states and is_tracking_number(number):
            status, code = _status(package, _scans(package, Notes()), Notes())
            states[number] = PackageState(number=number, status=status, status_code=code)
    return tuple(states.values())



def _status(package: Package, scans: list[_Scan], notes: Notes) -> tuple[ProofStatus, str | None]:
    """The package's status: ``currentStatus`` when it has a type, else the latest scan's, else the
    three-digit code of a type-less ``currentStatus``."""
    current = package.current_status
    latest = _latest(scans)
    candidates = [
        (current if current and text(current.type) else None, f"{PACKAGE}.currentStatus"),
        (latest.activity.status if latest else None, f"{ACTIVITY}.status"),
        (current, f"{PACKAGE}.currentStatus"),
    ]
    for status, field in candidates:
        if status is not None and (text(status.type) or _detail(status)):
            return read_status(status, notes, field)
    return ProofStatus.UNKNOWN, None


def _proof(reply: _Reply, notes: Notes, received_at: datetime) -> ProofOfDelivery:
    others = _package_states(reply.others)
    if (package := reply.package) is None:
        notes.unreadable(f"{PACKAGE}.trackingNumber", "no package in the reply carries the asked number")
        return ProofOfDelivery(
            carrier=CODE,
            tracking_number=reply.asked,
            status=ProofStatus.UNKNOWN,
            packages=others,
            source=ProofSource.PULL,
            received_at=received_at,
            notes=notes.items,
        )
    scans = _scans(package, notes)
    status, code = _status(package, scans, notes)
    delivery = _Delivery.read(package, scans, notes) if status is ProofStatus.DELIVERED else _Delivery()
    return ProofOfDelivery(
        carrier=CODE,
        tracking_number=reply.asked,
        status=status,
        status_code=code,
        package_number=reply.asked if reply.numbered else None,
        packages=others,
        delivered_at=delivery.at,
        received_by=delivery.received_by,
        recipient_relation=relation_from_place(delivery.place, delivery.received_by),
        signature=delivery.signature,
        photo=delivery.photo,
        document=delivery.document,
        location=delivery.location,
        source=ProofSource.PULL,
        received_at=received_at,
        events=timeline(map(_event, scans)),
        notes=notes.items,
    )


@dataclass(frozen=True, slots=True)
class _Delivery:
    """What a delivered package's reply says about the delivery."""

    at: datetime | None = None
    received_by: str | None = None
    place: str | None = None
    signature: Attachment | None = None
    photo: Attachment | None = None
    document: Attachment | None = None
    location: DeliveryLocation | None = None

    @classmethod
    def read(cls, package: Package, scans: list[_Scan], notes: Notes) -> "_Delivery":
        scan = _latest(scan for scan in scans if _is_delivery(scan.activity.status))
        info = package.delivery_information or DeliveryInformation()
        place, address = short(info.location), place_text(scan.address if scan else None)
        signature = info.signature.image if info.signature else None
        photo = info.delivery_photo.photo if info.delivery_photo else None
        pod = info.pod.content if info.pod else None
        return cls(
            at=(scan.at if scan else None) or _del_time(package, scan, notes),
            received_by=short(info.received_by),
            place=place,
            signature=notes.inline(AttachmentKind.SIGNATURE, signature, f"{INFO}.signature.image"),
            photo=notes.inline(AttachmentKind.PHOTO, photo, f"{INFO}.deliveryPhoto.photo"),
            document=notes.inline(AttachmentKind.DOCUMENT, pod, f"{INFO}.pod.content"),
            location=DeliveryLocation(text=place, address=address, country=country_code(_country(scan.address if scan else None)))
            if place or address else None,
        )


def _del_time(package: Package, scan: _Scan | None, notes: Notes) -> datetime | None:
    """The package-level delivered date and time, in the delivery scan's zone if there is one."""
    date = next((d.date for d in package.delivery_date or () if d and _is_del(d.type)), None)
    time = package.delivery_time.end_time if package.delivery_time and _is_del(package.delivery_time.type) else None
    zone = place_zone(_stamp(scan.activity), notes, ACTIVITY) if scan else None
    return instant(Stamp(date, time), notes, f"{PACKAGE}.deliveryDate", zone)


def _is_del(kind: str | None) -> bool:
    return (text(kind) or "").upper() == "DEL"


def _event(scan: _Scan) -> TrackingEvent | None:
    status = scan.activity.status or Status()
    if scan.at is None or not (code := text(status.code) or text(status.type)):
        return None
    description, place = short(status.description), place_text(scan.address)
    return TrackingEvent(at=scan.at, code=code[:64], description=description, location_text=place)
