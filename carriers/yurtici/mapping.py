"""Yurtiçi Kargo ``queryShipment``: request builder and reply → canonical proof mapping (pure).

Sources (full citations in ``tests/fixtures/carriers/yurtici/PROVENANCE.md``): the service's WSDL (W), Yurtiçi's
"Web Servis Giden Kargo" document as transcribed in a public client (D), the Odoo connector (O), the ERPNext
connector (L), a client that read live replies about returned parcels (M). Paths below are relative to
``ShippingDeliveryVO``; ``detail`` is the ``shippingDeliveryDetailVO`` about our key, ``item`` its
``shippingDeliveryItemDetailVO``.

    request: wsUserName, wsPassword, wsLanguage, keys, keyType (0 cargo key, 1 invoice key),
             addHistoricalData, onlyTracking                                   W, D
    outFlag 1 without details (errCode beside it)  → CarrierAuthError (credentials refused in band)  L, D
    outFlag 2, or errCode 936                      → CarrierUnavailable (Yurtiçi's unexpected error)  D
    errCode 82526 / 82527 (keys / keyType missing) → BadRequest                                      D
    a SOAP Fault whose detail is the declared YurticikargoWSException with errorCode 82519 (the key not
            Yurtiçi's, "Kullanıcıya ait kargo anahtarı bulunamadı") → status not_found, as in band  W, F, D
    any other SOAP Fault → CarrierAuthError when it names the credentials (carriers.soap: ŞİFRE, "kullanıcı
            adı", …; "Kullanıcı" alone does not); else, when its detail is the declared exception with
            an errorCode, Yurtiçi's answer: errorCode 936 → CarrierUnavailable, any other → BadRequest
            (Yurtiçi sends its request errors as Server faults, F); without that detail, other words of
            refused access → CarrierAuthError, else CarrierUnavailable for a Server fault, BadRequest for
            any other (carriers.soap)                                                              W, F, D
    no detail, or our detail with another errCode  → status not_found                               L, O
    detail: cargoKey (or item.cargoKey) = our number → the package; invoiceKey = our number → the
            shipment of the invoice's packages (one detail per package, same invoiceKey); the
            reply's only detail, without a key, is ours; with none of our key's and an unreadable
            detail (text instead of elements), the reply is malformed                                W, D
    detail.operationCode (int) → status, through OPERATION_CODE; status_code keeps it as sent;
            detail.operationStatus (NOP, IND, ISR, CNL, ISC, DLV, BI) when the code is missing        D, O
    item.rejectStatus 9 or 10 (return made / finished) → returned, whatever the code: Yurtiçi reports
            the parcel delivered back to its sender as DLV (code 5), the receiver's name unchanged     D, M
    item.rejectStatus 4, 7, 8 or 11 (the return called off: "İade iptal edildi, normal süreç başladı")
            → no return: a delivery stays delivered, whatever reason the return had been asked for     D, M
    item.rejectStatus other than these and 0 on a delivery, unless item.rejectReasonExplanation is
            "Sorun Yok" ("no problem") → returned: M's rule for live replies, a blank reason included;
            D: 1, 2, 3 are steps of a return under way                                              M, D
    item.deliveryDate (yyyyMMdd) + item.deliveryTime (HHmmss, Istanbul; fewer than six digits: the
            leading zeros dropped), when delivered → delivered_at                                      O, D
    item.receiverInfo, when delivered → received_by (who took the parcel)                           O
    item.receiverInfo equal to item.receiverCustName (the addressee) → relation recipient            O, W
    item.delEmpName / item.deliveryUnitName → courier.name / courier.unit                            W
    item.invDocCargoVOArray[] → events (eventDate + eventTime, eventId or eventName, reasonName,
                                 unitName, townName, cityName)                                      W, D, O
    other details of the reply (other cargo keys) → packages (number, status, status_code)          W, D

Assumed (no public source shows them): that an unknown key comes back as a detail with a non-zero errCode or
as no detail at all; that ``receiverInfo`` may hold a relation word instead of a name (``KENDİSİ``,
``KOMŞU MEHMET``, ``KAPICI``…: passed on as written, like every Turkish carrier's; the policy reads such words,
``disputes/policy/receivers.py``); that ``operationCode`` 6 is ``BI`` (D lists it, O stops at 5).
Yurtiçi sends no signature, photo or position.
"""

from collections.abc import Sequence
from datetime import UTC, datetime
from xml.etree.ElementTree import Element  # the type only: parsing goes through defusedxml


from carriers import soap
from carriers.base import is_tracking_number
from carriers.errors import BadRequest, CarrierAuthError, CarrierError, CarrierUnavailable, MalformedResponse
from carriers.http import HttpResponse
from carriers.parsing import ProofNotes, join_text, not_found, reading, short, text, timeline
from carriers.soap import SoapRequest
from carriers.status import status_table
from carriers.turkish import ascii_key, local_time, relation_by_name
from carriers.yurtici.settings import YurticiSettings
from carriers.yurtici.wire import CargoEvent, DeliveryDetail, DeliveryVO, ItemDetail
from schemas.proof import Courier, PackageState, ProofOfDelivery, ProofSource, ProofStatus, TrackingEvent
from schemas.proof import RecipientRelation as R

CODE = "yurtici"
SERVICE_PATH = "/KOPSWebServices/ShippingOrderDispatcherServices"
NAMESPACE = "http://yurticikargo.com.tr/ShippingOrderDispatcherServices"
WHAT = "queryShipment reply"
REQUEST_ERRORS = frozenset({"82526", "82527"})  # keys / keyType missing: our request is wrong
UNEXPECTED_ERROR = "936"
KEY_NOT_FOUND = "82519"  # ERR_INTG_CARGO_KEY_NOT_FOUND (D)
RETURN_DONE = frozenset({"9", "10"})  # rejectStatus: return made, return finished
# rejectStatus of a return called off, the normal process resumed (D): on hold, delivery cancelled, debit
# cancelled, return not approved
RETURN_CANCELLED = frozenset({"4", "7", "8", "11"})
NO_RETURN = "0"  # rejectStatus M does not read as a return on a delivery
NO_PROBLEM = ascii_key("Sorun Yok")  # rejectReasonExplanation of a delivery that stands despite a rejectStatus (M)
WS_EXCEPTION = "YurticikargoWSException"  # the fault detail every operation declares (W)
_EARLIEST = datetime.min.replace(tzinfo=UTC)

OPERATION_CODE = status_table(CODE, "operationCode", {
    "0": ProofStatus.PRE_TRANSIT,  # NOP: not processed yet
    "1": ProofStatus.IN_TRANSIT,  # IND: in delivery
    "2": ProofStatus.IN_TRANSIT,  # ISR: processed, invoice not issued yet
    "3": ProofStatus.EXCEPTION,  # CNL: dispatch blocked
    "4": ProofStatus.EXCEPTION,  # ISC: cancelled
    "5": ProofStatus.DELIVERED,  # DLV
    "6": ProofStatus.EXCEPTION,  # BI: cancelled by the Yurtiçi branch
})
OPERATION_STATUS = status_table(CODE, "operationStatus", {
    "NOP": ProofStatus.PRE_TRANSIT,
    "IND": ProofStatus.IN_TRANSIT,
    "ISR": ProofStatus.IN_TRANSIT,
    "CNL": ProofStatus.EXCEPTION,
    "ISC": ProofStatus.EXCEPTION,
    "DLV": ProofStatus.DELIVERED,
    "BI": ProofStatus.EXCEPTION,
})


def build_query_request(settings: YurticiSettings, tracking_number: str) -> SoapRequest:
    return SoapRequest(
        carrier=CODE,
        url=settings.url(SERVICE_PATH),
        action="",
        namespace=NAMESPACE,
        operation="queryShipment",
        params=(
            ("wsUserName", settings.username),
            ("wsPassword", settings.password.get_secret_value()),
            ("wsLanguage", settings.language),
            ("keys", tracking_number),
            ("keyType", str(settings.key_type)),
            ("addHistoricalData", "true"),
            ("onlyTracking", "false"),
        ),
    )


def read_fault(fault: Element, code: str, status: int | None) -> CarrierError | None:
    """A fault whose detail is Yurtiçi's declared exception with an ``errorCode`` is Yurtiçi's answer to our
    request, though its code is ``Server``: 936 (its unexpected error) is Yurtiçi failing, any other code refuses
    the request (82519, a key Yurtiçi does not know, is read as not found before: ``unknown_key``). None for a
    fault without that detail (the generic SOAP rules then decide)."""
    if (error := _error_code(fault)) is None:
        return None
    kind = CarrierUnavailable if error == UNEXPECTED_ERROR else BadRequest
    return kind(f"SOAP fault {code}, {WS_EXCEPTION} errorCode {error}", carrier=CODE, status=status)


def unknown_key(fault: Element) -> bool:
    """Whether a fault is Yurtiçi's 82519 (ERR_INTG_CARGO_KEY_NOT_FOUND, "Kullanıcıya ait kargo anahtarı
    bulunamadı", D): an answer about the key — not found, as the same code is read in band — not an error."""
    return _error_code(fault) == KEY_NOT_FOUND


def _error_code(fault: Element) -> str | None:
    """The declared exception's ``errorCode``: an int (W); anything else is no code."""
    exception = soap.fault_detail(fault, WS_EXCEPTION)
    fields = () if exception is None else exception
    error = next((text(c.text) for c in fields if soap.local_name(c.tag) == "errorCode"), None)
    return error if error is not None and error.isdigit() and len(error) <= 16 else None


def parse_query_response(response: HttpResponse, tracking_number: str, received_at: datetime) -> ProofOfDelivery:
    if (fault := soap.reply_fault(response.body, carrier=CODE)) is not None and unknown_key(fault):
        return not_found(CODE, tracking_number, received_at)
    returned = soap.returned(response.body, carrier=CODE, what=WHAT, read_fault=read_fault)
    if returned is None:
        raise MalformedResponse(f"{WHAT} holds no ShippingDeliveryVO", carrier=CODE)
    reply = soap.read_xml(DeliveryVO, returned, carrier=CODE, what=WHAT)
    if (refusal := _refusal(reply)) is not None:
        raise refusal
    with reading(CODE, WHAT):
        return _answer(reply.details, tracking_number, received_at, ProofNotes())


def _refusal(reply: DeliveryVO) -> CarrierError | None:
    """The error the reply as a whole reports, if any; per-key errors are read with their detail."""
    flag, error = text(reply.out_flag) or "0", text(reply.err_code) or "0"
    if error in REQUEST_ERRORS:
        return BadRequest(f"{WHAT} errCode {error}", carrier=CODE)
    if flag == "2" or error == UNEXPECTED_ERROR:
        return CarrierUnavailable(f"{WHAT} reports an unexpected error (outFlag {flag[:8]})", carrier=CODE)
    if flag == "1" and not any(reply.details):
        return CarrierAuthError(f"{WHAT} refused the credentials (outFlag 1)", carrier=CODE)
    return None


def _answer(
    entries: Sequence[DeliveryDetail | None], number: str, received_at: datetime, notes: ProofNotes
) -> ProofOfDelivery:
    details = [detail for detail in entries if detail is not None]
    if packages := [d for d in details if _key(d) == number]:
        ours = _latest(packages)
        others = [d for d in details if _key(d) not in (None, number)]
        several = bool(others) or len(packages) > 1
        return _proof(ours, number, received_at, notes, package=number if several else None, others=others)
    if len(details) < len(entries):  # an entry that could not be read may be ours, or one of our invoice's
        raise MalformedResponse(f"{WHAT}: no readable detail answers the key asked", carrier=CODE)
    if invoice := [d for d in details if text(d.invoice_key) == number]:
        return _shipment(invoice, number, received_at, notes)
    if len(details) == 1 and _key(details[0]) is None:
        return _proof(details[0], number, received_at, notes)  # the only answer to our one-key question
    if not details:
        return not_found(CODE, number, received_at)
    raise MalformedResponse(f"{WHAT} describes other keys only", carrier=CODE)


def _shipment(
    packages: Sequence[DeliveryDetail], number: str, received_at: datetime, notes: ProofNotes
) -> ProofOfDelivery:
    """The invoice's packages as one shipment: delivered when every package is (with the latest delivery's
    evidence), else as the first package still on its way; every package is listed beside it."""
    if len(packages) == 1:
        return _proof(packages[0], number, received_at, notes)
    statuses = [_status(detail, ProofNotes())[0] for detail in packages]
    waiting = [d for d, status in zip(packages, statuses, strict=True) if status is not ProofStatus.DELIVERED]
    basis = waiting[0] if waiting else _latest(packages)
    return _proof(basis, number, received_at, notes, others=packages)


def _proof(
    detail: DeliveryDetail,
    number: str,
    received_at: datetime,
    notes: ProofNotes,
    *,
    package: str | None = None,
    others: Sequence[DeliveryDetail] = (),
) -> ProofOfDelivery:
    error = text(detail.err_code) or "0"
    if error in REQUEST_ERRORS:
        raise BadRequest(f"{WHAT} errCode {error}", carrier=CODE)
    if error == UNEXPECTED_ERROR:
        raise CarrierUnavailable(f"{WHAT} reports an unexpected error", carrier=CODE)
    if error != "0":
        return not_found(CODE, number, received_at)
    status, status_code = _status(detail, notes)
    item = detail.item or ItemDetail()
    delivered = status is ProofStatus.DELIVERED
    received_by, relation = _receiver(item) if delivered else (None, R.UNKNOWN)
    courier = Courier(name=short(item.del_emp_name), unit=short(item.delivery_unit_name))
    return ProofOfDelivery(
        carrier=CODE,
        tracking_number=number,
        status=status,
        status_code=status_code,
        package_number=package,
        packages=_packages(others, number, notes),
        delivered_at=notes.optional("shippingDeliveryItemDetailVO.deliveryDate", lambda: _delivery_time(item))
        if delivered
        else None,
        received_by=received_by,
        recipient_relation=relation,
        courier=courier if courier.name or courier.unit else None,
        source=ProofSource.PULL,
        received_at=received_at,
        events=_events(item.events, notes),
        notes=notes.items,
    )


def _status(detail: DeliveryDetail, notes: ProofNotes) -> tuple[ProofStatus, str | None]:
    """The carrier's own status for one key, and its code as sent."""
    if code := text(detail.operation_code):
        status = notes.status(OPERATION_CODE, code, "shippingDeliveryDetailVO.operationCode")
    else:
        code = text(detail.operation_status)
        status = notes.status(OPERATION_STATUS, code, "shippingDeliveryDetailVO.operationStatus")
    if detail.item is not None and _returned(detail.item, status):
        status = ProofStatus.RETURNED  # DLV with a return made: delivered back to the sender
    return status, code[:64] if code else None


def _returned(item: ItemDetail, status: ProofStatus) -> bool:
    """Whether the item's return fields say the parcel went (or is going) back to its sender."""
    reject = text(item.reject_status)
    if reject in RETURN_DONE:
        return True
    if reject in RETURN_CANCELLED or status is not ProofStatus.DELIVERED:
        return False
    return reject not in (None, NO_RETURN) and ascii_key(item.reject_reason_explanation) != NO_PROBLEM


def _receiver(item: ItemDetail) -> tuple[str | None, R]:
    """Who took the parcel (``receiverInfo``), and whether they are the addressee by name."""
    info = short(item.receiver_info)
    return info, relation_by_name(info, item.receiver_cust_name)


def _packages(others: Sequence[DeliveryDetail], number: str, notes: ProofNotes) -> tuple[PackageState, ...]:
    states: dict[str, PackageState] = {}
    for detail in others:
        key = _key(detail)
        if key is None or key == number or key in states or not is_tracking_number(key):
            continue
        status, code = _status(detail, notes)
        states[key] = PackageState(number=key, status=status, status_code=code)
    return tuple(states.values())


def _key(detail: DeliveryDetail) -> str | None:
    """The cargo key a detail is about: its own, else its item's (the WSDL gives both)."""
    return text(detail.cargo_key) or (text(detail.item.cargo_key) if detail.item else None)


def _latest(details: Sequence[DeliveryDetail]) -> DeliveryDetail:
    """Of several details about one key, the one whose latest scan is the latest (the first on a tie)."""
    return max(details, key=lambda detail: _last_scan(detail) or _EARLIEST)


def _last_scan(detail: DeliveryDetail) -> datetime | None:
    events = _events(detail.item.events if detail.item else [], ProofNotes())
    return events[-1].at if events else None


def _events(entries: Sequence[CargoEvent], notes: ProofNotes) -> tuple[TrackingEvent, ...]:
    unreadable = 0
    events: list[TrackingEvent] = []
    for entry in entries:
        try:
            event = _event(entry)
        except MalformedResponse:
            unreadable += 1
            continue
        if event is not None:
            events.append(event)
    if unreadable:
        notes.unreadable("invDocCargoVOArray.eventDate", f"{unreadable} history entries have no readable time")
    return timeline(events)


def _event(entry: CargoEvent) -> TrackingEvent | None:
    at, code = _time(entry.event_date, entry.event_time), text(entry.event_id) or text(entry.event_name)
    if at is None or code is None:
        return None
    return TrackingEvent(
        at=at,
        code=code[:64],
        description=short(join_text(entry.event_name, entry.reason_name, sep=" — ")),
        location_text=short(join_text(entry.unit_name, entry.town_name, entry.city_name)),
    )


def _delivery_time(item: ItemDetail) -> datetime | None:
    return _time(item.delivery_date, item.delivery_time)


def _time(date: str | None, time: str | None) -> datetime | None:
    """A date and an HHmmss time (D): digits short of six lost their leading zeros (``1512`` is 00:15:12)."""
    clock = text(time)
    if clock and clock.isdigit():
        clock = clock.zfill(6)
    return local_time(date, clock, carrier=CODE, what="a Yurtiçi date")

