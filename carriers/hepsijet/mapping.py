"""HepsiJET: request builders, and replies → canonical proof (pure).

Sources, named per sample in ``tests/fixtures/carriers/hepsijet/PROVENANCE.md``: HepsiJET's "Module Design
Document – Integration (Customer Services)" (MD; v1.9.2 and v2.1, shipped in public client repositories) and
the enums of the public Java client OmerKilic0/HepsijetIntegration (``enums.json``). Calls (MD §getToken,
§getDeliveryTracking, §integration/track; every call carries ``apikey`` since MD v2.0):

    GET  /auth/getToken                                 Basic auth → {"status": "OK", "data": {"token"}}
    POST /rest/deliveryTransaction/getDeliveryTracking  X-Auth-Token; {"deliveries": [{"customerDeliveryNo"}]}
    POST /rest/delivery/integration/track               X-Auth-Token; {"barcodes": [...], "isTrackAdded": true}

Fields read, with the sample that shows each ("assumed" where no public sample does):

    status, message                    OK or FAIL; FAIL "Gönderi numarası bulunamadı." is "not found", a result
                                       (tracking-not-found.json); a bad login is FAIL too (token-fail.json);
                                       OK without data is a parcel with no transaction yet, pre_transit
                                       (Hepsiburada's getDeliveryTracking page: tracking-no-transaction.json)
    detailStatus                       on FAIL (fail-detail-status.json); NOT_FOUND = not found, UNAUTHORIZED =
                                       our token refused (replaced once, as after a 401; refused again:
                                       refused credentials), SERVER_ERROR = try later (values: enums.json;
                                       that tracking replies use them is assumed)
    data[].customerDeliveryNo          the delivery an entry is about (tracking-undelivered.json); a number
                                       (the document types it Integer) is read as text
    data[].barcode                     the parcel an entry is about when a delivery has several: assumed
                                       (tracking-attached-parcels.json); one entry per parcel is assumed too
    data[].deliveryStatus              → status through STATUS (all 41 values of enums.json), kept as
                                       status_code; without it, the latest transaction's deliveryStatus
    data[].transactions[]              → events: transactionDateTime (ISO 8601 with offset) as the time,
                                       deliveryStatus as the code (else transactionType), transaction and
                                       nonDeliveryReason as the description, location as the place
    transactions[] of the last run in  → delivered_at, its earliest: the hand-over (every transaction carries
      the DELIVERED state                the state after it, so one recorded after the delivery — the types
                                       FINALIZE_DELIVERY, PAYMENT_ATTEMPT, DELIVERY_UPDATE of enums.json —
                                       still says DELIVERED, with its own later time; tracking-delivered.json)
    data[].deliveredPerson             → received_by when integration/track names no one (masked, as printed;
                                       tracking-delivered-published.json, Hepsiburada's delivered reply)
    data[].deliveredDate               → delivered_at when integration/track gives no DELIVERED step; preferred
                                       to the transactions (tracking-delivered-published.json)
    data[].recipientName               → recipient_relation "recipient" when the receiver bears that name and
                                       neither is masked (masked names are never compared here)
    data[].lastTransaction             "Teslim edildi - <taker> (Kendisi)" → recipient_relation "recipient"
                                       when <taker> can be the receiver read (a masked word standing for any
                                       word it begins); no other word of that line is read
                                       (tracking-delivered-published.json)
    track data[].barcode, .details[]   the detail with integrationStatus DELIVERED for the asked number:
                                       deliveredPerson → received_by as printed, masked or not
                                       (track-delivered.json, track-delivered-published.json);
                                       transactionDate → delivered_at

Who took the parcel and when, of the two calls: integration/track's DELIVERED step is preferred (Hepsiburada's
published pair for HJT1000000001: the step names "Mehmet Kürşad" where the tracking reply masks "Mehmet K*", and
its time is the tracking reply's deliveredDate to the second); the tracking reply's own deliveredPerson and
deliveredDate stand when integration/track is refused, unreadable, or has no DELIVERED step for the number.

HepsiJET's pull replies carry no signature, photo, coordinates or courier: such proof reaches us through the
partner webhook only. ``receiver`` (who ordered) is not who took the parcel and is not read, nor is
``deliverdPersonIdNo`` (an identity number: no proof needs it).
"""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from carriers.auth import TokenGrant, basic_auth
from carriers.base import is_tracking_number
from carriers.errors import BadRequest, CarrierAuthError, CarrierUnavailable, MalformedResponse
from carriers.hepsijet.settings import HepsijetSettings
from carriers.hepsijet.wire import Delivery, Envelope, TokenReply, TrackDetail, TrackingReply, TrackReply, Transaction
from carriers.http import HttpRequest, HttpResponse
from carriers.parsing import (
    ProofNotes,
    join_text,
    not_found,
    number_key,
    read_wire,
    reading,
    same_number,
    short,
    text,
    timeline,
    unanswered_404,
)
from carriers.status import status_table
from carriers.turkish import ascii_key, is_masked, local_timestamp, relation_by_name, same_masked_name
from schemas.proof import PackageState, ProofOfDelivery, ProofSource, RecipientRelation, TrackingEvent
from schemas.proof import ProofStatus as S

CODE = "hepsijet"
TOKEN_PATH = "/auth/getToken"  # no /rest/ here: so MD §getToken and every public client (PROVENANCE.md)
TRACKING_PATH = "/rest/deliveryTransaction/getDeliveryTracking"
TRACK_PATH = "/rest/delivery/integration/track"
TOKEN_HEADER = "X-Auth-Token"
APIKEY_HEADER = "apikey"
WHAT = "tracking reply"
_DELIVERED = "DELIVERED"
RECEIVER_REFUSALS = frozenset(range(400, 500)) - {401, 408, 429}
"""The refusals of ``integration/track`` that leave a delivered proof standing without the receiver's name (noted):
every 4xx but a refused token (replaced once) and those retried."""
_UNAUTHORIZED = "UNAUTHORIZED"
_NOT_FOUND = ascii_key("bulunamadı")  # "Gönderi numarası bulunamadı.": the number was not found
_DAWN = datetime.min.replace(tzinfo=UTC)  # ranks an entry without a readable time before every other
# HepsiJET's line for a delivery, folded: "Teslim edildi - <who took it> (<how they relate to the addressee>)"
# (Hepsiburada's published delivered reply: "Teslim edildi - Mehmet K* (Kendisi)").
_DELIVERED_LINE = re.compile(r"^TESLIM EDILDI - (?P<name>.+) \((?P<word>[^()]+)\)$")
_IN_PERSON = frozenset({"KENDISI"})  # "himself / herself": the addressee in person

STATUS = status_table(CODE, "deliveryStatus", {
    "NEO": S.PRE_TRANSIT,  # the order is announced, the parcel not yet handed over
    "MISSING": S.EXCEPTION,  # lost
    "DAMAGED": S.EXCEPTION,
    "READY": S.IN_TRANSIT,  # taken into custody at the hub ("Kargoya verildi")
    "TRANSFERRING": S.IN_TRANSIT,
    "DISPATCHING": S.IN_TRANSIT,  # at the delivery branch ("Teslimat birimine ulaştı")
    "DELIVERING": S.IN_TRANSIT,  # out for delivery ("Dağıtıma çıktı")
    "DELIVERED": S.DELIVERED,
    "RETRY": S.FAILED_ATTEMPT,  # an attempt failed, another follows ("Tekrar Denenecek")
    "UNDELIVERED": S.FAILED_ATTEMPT,  # the attempts failed ("İade Edilecek": it goes back)
    "UNDELIVERABLE": S.EXCEPTION,
    "REFUSED": S.FAILED_ATTEMPT,  # the recipient refused it at the door
    "CANCELLED": S.EXCEPTION,
    "DELETED": S.EXCEPTION,
    "RETURNED": S.RETURNED,
    "MISSING_CONTENT": S.EXCEPTION,
    "PARTIALLY_DELIVERED": S.EXCEPTION,  # part of the delivery did not arrive: not "delivered"
    "WAITING_FOR_DISPATCH": S.IN_TRANSIT,
    "BACK_TO_WAREHOUSE": S.IN_TRANSIT,
    "COLLECTING": S.PRE_TRANSIT,  # being collected from the seller
    "COLLECTED": S.IN_TRANSIT,
    "UNABLE_TO_COLLECT": S.PRE_TRANSIT,  # still with the seller
    "NEO_COLLECT": S.PRE_TRANSIT,
    "TRANSFERRING_COLLECT": S.IN_TRANSIT,
    "READY_FOR_DELIVERY": S.IN_TRANSIT,
    "MARK_FOR_RETURN": S.RETURNED,  # on its way back to the sender
    "TRANSFERRING_RETURN": S.RETURNED,
    # HepsiJET's contract service (a courier brings a document to be signed: transaction types SIGN_ATTEMPT,
    # DISPOSE_CONTRACT, EXPIRE_CONTRACT). Its states say nothing about a parcel's delivery.
    "SIGNED": S.UNKNOWN,
    "NOT_SIGNED": S.FAILED_ATTEMPT,
    "PENDING_SIGNATURE": S.IN_TRANSIT,
    "PRINTED_OUT": S.PRE_TRANSIT,
    "SIGNING": S.IN_TRANSIT,
    "EXPIRED": S.EXCEPTION,
    "DISPOSED": S.EXCEPTION,
    "MISSING_DOCUMENT": S.EXCEPTION,
    "COMPLETE_REQUEST": S.UNKNOWN,
    "PROCESSED": S.UNKNOWN,
    # Handed to a partner ("vendor") for the last mile.
    "TRANSFERRED_VENDOR": S.IN_TRANSIT,
    "MARKED_FOR_VENDOR": S.IN_TRANSIT,
    "READY_FOR_VENDOR": S.IN_TRANSIT,
    "TRANSFERRING_TRANSFER": S.IN_TRANSIT,
})


def build_token_request(settings: HepsijetSettings) -> HttpRequest:
    authorization = basic_auth(settings.username, settings.password)
    return HttpRequest("GET", settings.url(TOKEN_PATH), headers=_headers(settings, Authorization=authorization))


def read_token(response: HttpResponse, lifetime_seconds: float) -> TokenGrant:
    reply = read_wire(TokenReply, response.body, carrier=CODE, what="token reply")
    token = text(reply.data.token) if reply.data else None
    if token is None or _failed(reply):
        raise CarrierAuthError("token reply carries no token", carrier=CODE, status=response.status)
    return TokenGrant(access_token=token, expires_in=lifetime_seconds)


def build_tracking_request(settings: HepsijetSettings, tracking_number: str, *, token: str) -> HttpRequest:
    body = {"deliveries": [{"customerDeliveryNo": tracking_number}]}
    return HttpRequest("POST", settings.url(TRACKING_PATH), headers=_with_token(settings, token), json=body)


def build_track_request(settings: HepsijetSettings, tracking_number: str, *, token: str) -> HttpRequest:
    body = {"barcodes": [tracking_number], "isTrackAdded": True}
    return HttpRequest("POST", settings.url(TRACK_PATH), headers=_with_token(settings, token), json=body)


def parse_tracking_response(
    response: HttpResponse, tracking_number: str, received_at: datetime, receiver: HttpResponse | None = None
) -> ProofOfDelivery:
    """The proof in a ``getDeliveryTracking`` reply; ``receiver``, the ``integration/track`` reply for the
    same number, adds who took a delivered parcel (a reply it cannot read costs that name only, noted)."""
    reply = _envelope(response)
    if _failed(reply):
        return _refusal(reply, tracking_number, received_at)
    if reply.data is None:
        if ascii_key(reply.status) == "OK":  # "only Status OK": the parcel has had no transaction yet
            return _not_yet_handed_over(tracking_number, received_at)
        raise MalformedResponse(f"{WHAT} has no data", carrier=CODE)
    deliveries = [entry for entry in reply.data if entry is not None]
    if (pick := _pick(deliveries, tracking_number, unread=len(deliveries) < len(reply.data))) is None:
        return not_found(CODE, tracking_number, received_at)
    notes = ProofNotes()
    handover = _handover(receiver, tracking_number, notes)
    with reading(CODE, WHAT):
        return _proof(pick, tracking_number, received_at, handover, notes)


def refuses_token(response: HttpResponse) -> bool:
    """Whether a reply refuses the token it was sent with: FAIL with ``detailStatus`` UNAUTHORIZED."""
    try:
        reply = read_wire(Envelope, response.body, carrier=CODE, what=WHAT)
    except MalformedResponse:
        return False
    return _failed(reply) and ascii_key(reply.detail_status) == _UNAUTHORIZED


def wants_receiver(proof: ProofOfDelivery) -> bool:
    """Whether to ask ``integration/track`` who took the parcel: only a delivered parcel has a taker."""
    return proof.status is S.DELIVERED


@dataclass(frozen=True, slots=True)
class _Pick:
    entry: Delivery  # the entry the proof is read from
    package_number: str | None  # the asked parcel, when its delivery has others
    others: tuple[Delivery, ...]  # the parcels reported beside it (``packages``)


def _headers(settings: HepsijetSettings, **extra: str) -> dict[str, str]:
    return {
        APIKEY_HEADER: settings.apikey.get_secret_value(),
        "Content-Type": "application/json",
        "Accept": "application/json",
        **extra,
    }


def _with_token(settings: HepsijetSettings, token: str) -> dict[str, str]:
    return _headers(settings, **{TOKEN_HEADER: token})


def _failed(reply: Envelope) -> bool:
    return ascii_key(reply.status) == "FAIL"


def _envelope(response: HttpResponse) -> TrackingReply:
    """The reply's envelope; a refused status (404, accepted by the client) is read only for a FAIL body: any
    other 404 (a gateway's or web server's page) is no answer about the shipment."""
    if response.status < 300:
        return read_wire(TrackingReply, response.body, carrier=CODE, what=WHAT)
    try:
        reply = read_wire(TrackingReply, response.body, carrier=CODE, what=WHAT)
    except MalformedResponse:
        reply = None
    if reply is None or not _failed(reply):
        if response.status == 404:
            raise unanswered_404(CODE)
        raise BadRequest(f"HTTP {response.status}", carrier=CODE, status=response.status)
    return reply


def _refusal(reply: Envelope, tracking_number: str, received_at: datetime) -> ProofOfDelivery:
    detail = ascii_key(reply.detail_status)
    # A stated refusal wins over the message's words: a login refused is never read as "no such number".
    if detail == _UNAUTHORIZED:
        raise CarrierAuthError(f"{WHAT}: FAIL {detail}", carrier=CODE)
    if detail == "SERVER_ERROR":
        raise CarrierUnavailable(f"{WHAT}: FAIL {detail}", carrier=CODE)
    if detail == "NOT_FOUND" or _NOT_FOUND in ascii_key(reply.message):
        return not_found(CODE, tracking_number, received_at)
    raise BadRequest(f"{WHAT}: FAIL {detail[:32] or 'without detailStatus'}", carrier=CODE)


def _not_yet_handed_over(tracking_number: str, received_at: datetime) -> ProofOfDelivery:
    """HepsiJET knows the delivery (an unknown number is FAIL "bulunamadı") but nothing has happened to it."""
    return ProofOfDelivery(
        carrier=CODE, tracking_number=tracking_number, status=S.PRE_TRANSIT, source=ProofSource.PULL,
        received_at=received_at,
    )


def _pick(deliveries: Sequence[Delivery], number: str, unread: bool) -> _Pick | None:
    """The entry about the asked number, never another's: the asked parcel itself, or the asked delivery
    (when its parcels differ, the one furthest behind, with every parcel reported beside it). Without the
    former, a reply with an entry that could not be read (``unread``: the asked parcel, or one of the asked
    delivery's, perhaps) is malformed."""
    exact = [d for d in deliveries if same_number(_number(d), number)]
    if exact:
        entry = _latest(exact)
        delivery_no = text(entry.customer_delivery_no)
        siblings = [d for d in deliveries if delivery_no and same_number(d.customer_delivery_no, delivery_no)]
        others = _parcels(d for d in siblings if not same_number(_number(d), number))
        return _Pick(entry, number if others else None, others)
    if unread:
        raise MalformedResponse(f"{WHAT}: no readable entry answers the number asked", carrier=CODE)
    parcels = _parcels(d for d in deliveries if same_number(d.customer_delivery_no, number))
    if not parcels:
        return None
    if len(parcels) == 1:
        return _Pick(parcels[0], None, ())
    pending = [p for p in parcels if ascii_key(_status_code(p)) != _DELIVERED]
    return _Pick(pending[0] if pending else _latest(parcels), None, parcels)


def _number(delivery: Delivery) -> str | None:
    """What the entry is about: its parcel (``barcode``), else its delivery."""
    return text(delivery.barcode) or text(delivery.customer_delivery_no)


def _parcels(entries: Iterable[Delivery]) -> tuple[Delivery, ...]:
    """One entry per parcel number (the latest, when a parcel is listed twice), in the reply's order, leaving
    out entries whose number could not name a package."""
    by_number: dict[str, list[Delivery]] = {}
    for entry in entries:
        if (number := _number(entry)) is not None and is_tracking_number(number):
            by_number.setdefault(number_key(number), []).append(entry)
    return tuple(_latest(group) for group in by_number.values())



def _latest(entries: Sequence[Delivery]) -> Delivery:
    """The entry describing the latest state (its latest transaction); the first among equals."""
    return max(entries, key=lambda entry: max(map(_moment, entry.transactions), default=_DAWN))


def _moment(transaction: Transaction) -> datetime:
    return _readable_time(transaction.transaction_date_time) or _DAWN


def _readable_time(value: str | None) -> datetime | None:
    try:
        return _time(value)
    except MalformedResponse:
        return None


def _noted_time(value: str | None, field: str, notes: ProofNotes) -> datetime | None:
    """A stated time, or None with a note when the carrier wrote something that is no date and time."""
    if (at := _readable_time(value)) is None and text(value):
        notes.unreadable(field, "not a date and time")
    return at


def _time(value: str | None) -> datetime | None:
    return local_timestamp(value, carrier=CODE, what="a HepsiJET time")


def _status_code(entry: Delivery) -> str | None:
    """The entry's ``deliveryStatus``; without one, that of its latest transaction that has one."""
    if code := text(entry.delivery_status):
        return code
    stated = [t for t in entry.transactions if text(t.delivery_status)]
    return text(max(stated, key=_moment).delivery_status) if stated else None


def _handover(receiver: HttpResponse | None, number: str, notes: ProofNotes) -> TrackDetail | None:
    """The ``integration/track`` step in which the asked parcel was delivered, if that reply has one."""
    if receiver is None:
        return None
    if receiver.status >= 300:  # a refusal `RECEIVER_REFUSALS` lets through: the proof stands without the name
        notes.unreadable("integration/track", f"HepsiJET refused the request (HTTP {receiver.status})")
        return None
    try:
        reply = read_wire(TrackReply, receiver.body, carrier=CODE, what="track reply")
    except MalformedResponse:
        notes.unreadable("integration/track", "the reply could not be read")
        return None
    if _failed(reply):
        notes.unreadable("integration/track", "HepsiJET answered FAIL")
        return None
    steps = [
        detail
        for result in reply.data
        if same_number(result.barcode, number)
        for detail in result.details
        if ascii_key(detail.integration_status) == _DELIVERED
    ]
    return max(steps, key=lambda step: _readable_time(step.transaction_date) or _DAWN, default=None)


def _proof(
    pick: _Pick, number: str, received_at: datetime, handover: TrackDetail | None, notes: ProofNotes
) -> ProofOfDelivery:
    entry = pick.entry
    events = timeline(_event(transaction, index, notes) for index, transaction in enumerate(entry.transactions))
    code = _status_code(entry)
    status = notes.status(STATUS, code, "data.deliveryStatus")
    delivered = status is S.DELIVERED
    received_by = _receiver(entry, handover) if delivered else None
    return ProofOfDelivery(
        carrier=CODE,
        tracking_number=number,
        status=status,
        status_code=code[:64] if code else None,
        package_number=pick.package_number,
        packages=tuple(map(_package, pick.others)),
        delivered_at=_delivered_at(entry, handover, notes) if delivered else None,
        received_by=short(received_by),
        recipient_relation=_relation(received_by, entry) if delivered else RecipientRelation.UNKNOWN,
        source=ProofSource.PULL,
        received_at=received_at,
        events=events,
        notes=notes.items,
    )


def _event(transaction: Transaction, index: int, notes: ProofNotes) -> TrackingEvent | None:
    at = _noted_time(transaction.transaction_date_time, f"data.transactions.{index}.transactionDateTime", notes)
    code = text(transaction.delivery_status) or text(transaction.transaction_type)
    if at is None or code is None:
        return None
    return TrackingEvent(
        at=at,
        code=code[:64],
        description=short(join_text(transaction.transaction, transaction.non_delivery_reason, sep=" — ")),
        location_text=short(transaction.location),
    )


def _receiver(entry: Delivery, handover: TrackDetail | None) -> str | None:
    """Who took the parcel: integration/track's name, else the tracking reply's ``deliveredPerson``. Both are
    HepsiJET's; integration/track is preferred because it prints the name unmasked where the tracking reply masks
    it (Hepsiburada's published pair for one parcel: "Mehmet Kürşad" and "Mehmet K*")."""
    return (text(handover.delivered_person) if handover else None) or text(entry.delivered_person)


def _delivered_at(entry: Delivery, handover: TrackDetail | None, notes: ProofNotes) -> datetime | None:
    """The hand-over: integration/track's DELIVERED step, else the tracking reply's ``deliveredDate`` (the same
    instant in Hepsiburada's published pair), else the transaction that made the parcel DELIVERED."""
    if handover is not None and (
        at := _noted_time(handover.transaction_date, "integration/track.details.transactionDate", notes)
    ):
        return at
    if at := _noted_time(entry.delivered_date, "data.deliveredDate", notes):
        return at
    return _handed_over_at(entry.transactions)


def _handed_over_at(transactions: Sequence[Transaction]) -> datetime | None:
    """The earliest transaction of the last run in the DELIVERED state. Every transaction carries the state the
    delivery is in after it, so those recorded after the hand-over (a finalisation, a payment, a correction)
    carry DELIVERED too, each with its own later time; the transition into DELIVERED is the hand-over.
    Transactions without a state or a readable time are passed over."""
    stated = sorted(
        (
            (at, ascii_key(transaction.delivery_status))
            for transaction in transactions
            if text(transaction.delivery_status) and (at := _readable_time(transaction.transaction_date_time))
        ),
        key=lambda step: step[0],
    )
    last = max((index for index, (_, code) in enumerate(stated) if code == _DELIVERED), default=None)
    if last is None:
        return None
    first = last
    while first > 0 and stated[first - 1][1] == _DELIVERED:
        first -= 1
    return stated[first][0]


def _relation(received_by: str | None, entry: Delivery) -> RecipientRelation:
    """``recipient`` when the parcel's taker bears the addressee's name (a masked name proves no match here), or
    when HepsiJET's own delivered line says the taker was the addressee in person ("Teslim edildi - Mehmet K*
    (Kendisi)") about the same taker."""
    addressee = text(entry.recipient_name)
    if received_by and addressee and not is_masked(received_by + addressee) and (
        (by_name := relation_by_name(received_by, addressee)) is not RecipientRelation.UNKNOWN
    ):
        return by_name
    line = _DELIVERED_LINE.match(ascii_key(entry.last_transaction))
    if received_by and line and line["word"] in _IN_PERSON and same_masked_name(line["name"], received_by):
        return RecipientRelation.RECIPIENT
    return RecipientRelation.UNKNOWN


def _package(parcel: Delivery) -> PackageState:
    code = _status_code(parcel)
    status = STATUS(code) if STATUS.knows(code) else S.UNKNOWN  # only the proof's own status is noted and counted
    return PackageState(number=_number(parcel) or "", status=status, status_code=code[:64] if code else None)
