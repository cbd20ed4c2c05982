"""Aras Kargo ``GetQueryJSON``: request builder and reply → canonical proof mapping (pure).

Sources, named as in ``tests/fixtures/carriers/aras/PROVENANCE.md``: Aras's document *Müşteri Bilgi
Sorgulama Servisleri* (DOC) and public clients of the live service (PSAUX, ISMAIL, RDHN). No reply of this
operation is published verbatim: every sample is constructed from these sources.

Request (DOC p. 7–8, §2.2.1): ``GetQueryJSON(loginInfo, queryInfo)``, two strings that each hold an XML
document, ``<LoginInfo><UserName/><Password/><CustomerCode/></LoginInfo>`` and ``<QueryInfo><QueryType/>
<IntegrationCode/></QueryInfo>``; QueryType 1 asks by our integration code (Aras's "MÖK"). The WCF
endpoint, namespace ``http://tempuri.org/`` and SOAP action ``…/IArasCargoIntegrationService/GetQueryJSON``
come from RDHN and ISMAIL.

Reply: ``GetQueryJSONResult`` holds a JSON document. Nil, empty, or a document holding no value at all
(``{"QueryResult": null}``: ISMAIL, PSAUX) means Aras knows no such code: not found. The document around
the records is not published (``QueryResult``/``Cargo`` is *assumed*), so the records are found wherever
they are (``wire.records``, as PSAUX does). A record is ours when its ``MUSTERI_OZEL_KODU`` or its
``KARGO_TAKIP_NO`` is the asked number; other records are never read. Of several records of ours (one code
over more than one waybill), the one of the latest day (``TESLIM_TARIHI``, else ``CIKIS_TARIH``) is read,
the later one in the document on a tie. A document with values but no record is malformed.

Field mapping (DOC §2.2.1 columns, keys spelled as in DOC §2.2.28):

    DURUM_KODU (1 origin branch, 2 on the way, 3 delivery branch, 4 out for delivery, 5 partial delivery,
               6 delivered, 7 redirected)   → status through STATUS; kept as status_code. A code not in
               the table → unknown, noted. Without a code, DURUMU's words decide (STATUS_TEXT, *assumed*
               wording; RDHN words code 6 "TESLİM EDİLDİ"); words not in it → unknown, noted. "TESLİM
               EDİLDİ" after words naming another taker is no delivery: to the sender ("GÖNDERİCİYE") →
               returned, to a branch or a transfer centre ("ŞUBEYE", "MERKEZİNE") → in transit (PTT words
               its own so: 120 "Göndericisine Teslim Edildi", 110 "PTT İşyerine Teslim Edildi")
    TIP_KODU 3 (returned)                   → returned, whatever DURUM_KODU says of the trip back
    DEVIR_KODU (DOC §2.3 non-delivery reasons) on a parcel still on its way → failed_attempt or
               exception (NON_DELIVERY)
    TESLIM_TARIHI + TESLIM_SAATI, Istanbul time → delivered_at: the day from TESLIM_TARIHI, the time of
               day from TESLIM_SAATI (DOC §2.2.1), even when the day carries a time (``00:00:00``) of its own;
               without TESLIM_SAATI, a time in TESLIM_TARIHI is read (*assumed* formats dd.MM.yyyy and
               HH:mm[:ss], or ISO), but for midnight: the day's own ``00:00:00`` again, a date, no instant;
               unreadable → left out, noted
    TESLIM_ALAN                             → received_by
    TESLIM_ALAN equal to ALICI (folded)     → recipient_relation recipient, else unknown
    VARIS_SUBE                              → courier.unit (the delivering branch)
    DURUM_KODU + DURUMU at TESLIM time      → the proof's one event (this reply carries no history)

A value that is neither text nor a number is left out and noted. Aras sends no signature, photo, GPS,
masked names or package numbers here: ``ADET`` counts the pieces of one waybill without telling them apart,
so code 5 (partial delivery) is an exception, never a delivery.
"""

import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from carriers import soap
from carriers.aras.settings import ArasSettings
from carriers.aras.wire import Cargo, Record, is_empty, records
from carriers.errors import MalformedResponse
from carriers.http import HttpResponse
from carriers.parsing import ProofNotes, not_found, reading, text
from carriers.soap import SoapRequest, xml_element
from carriers.status import status_table
from carriers.turkish import ISTANBUL, ascii_key, keyword_table, local_time, local_timestamp, relation_by_name, word_table
from schemas.proof import Courier, NoteCode, ProofOfDelivery, ProofSource, ProofStatus, TrackingEvent

CODE = "aras"
SERVICE_PATH = "/ArasCargoCustomerIntegrationService/ArasCargoIntegrationService.svc"
NAMESPACE = "http://tempuri.org/"
ACTION = "http://tempuri.org/IArasCargoIntegrationService/GetQueryJSON"
RESULT = "GetQueryJSONResult"
WHAT = "GetQueryJSON reply"
RETURNED = "3"  # TIP_KODU: 1 normal, 2 redirected, 3 returned
_FIELDS = tuple(field.alias or name for name, field in Cargo.model_fields.items())

STATUS = status_table(CODE, "DURUM_KODU", {
    "1": ProofStatus.IN_TRANSIT,  # at the origin branch: in Aras's hands
    "2": ProofStatus.IN_TRANSIT,
    "3": ProofStatus.IN_TRANSIT,  # at the delivery branch
    "4": ProofStatus.IN_TRANSIT,  # out for delivery
    "5": ProofStatus.EXCEPTION,  # partial delivery: which piece reached whom is not said
    "6": ProofStatus.DELIVERED,
    "7": ProofStatus.IN_TRANSIT,  # redirected
})

STATUS_TEXT = keyword_table(CODE, "DURUMU", (
    ("TESLİM EDİLEMEDİ", ProofStatus.FAILED_ATTEMPT),
    ("İADE", ProofStatus.RETURNED),
    ("PARÇALI", ProofStatus.EXCEPTION),
    # handed to someone other than the addressee: listed before "TESLİM EDİLDİ", which they come with
    ("GÖNDERİCİYE", ProofStatus.RETURNED),  # to the sender
    ("GÖNDERİCİSİNE", ProofStatus.RETURNED),
    ("ŞUBEYE", ProofStatus.IN_TRANSIT),  # to a branch
    ("MERKEZİNE", ProofStatus.IN_TRANSIT),  # to a (transfer) centre
    ("MERKEZE", ProofStatus.IN_TRANSIT),
    ("TESLİM EDİLDİ", ProofStatus.DELIVERED),
    ("YÖNLENDİR", ProofStatus.IN_TRANSIT),
    ("TESLİMAT", ProofStatus.IN_TRANSIT),
    ("DAĞITIM", ProofStatus.IN_TRANSIT),
    ("YOLDA", ProofStatus.IN_TRANSIT),
    ("ŞUBE", ProofStatus.IN_TRANSIT),
), ProofStatus.UNKNOWN)

# DOC §2.3: the reasons a parcel stays at the branch. Those that are a delivery tried and failed, and the
# damaged parcel; the others (holiday, kept for the customer to collect, customs, …) leave it on its way.
NON_DELIVERY = word_table({
    "AY": ProofStatus.FAILED_ATTEMPT,  # address wrong or incomplete
    "NT": ProofStatus.FAILED_ATTEMPT,  # nobody in: note left
    "TG": ProofStatus.FAILED_ATTEMPT,  # not delivered within the day
    "AA": ProofStatus.FAILED_ATTEMPT,  # addressee unknown at the address
    "ÜR": ProofStatus.FAILED_ATTEMPT,  # addressee refused to pay the carriage
    "KE": ProofStatus.FAILED_ATTEMPT,  # addressee refused the parcel
    "PS": ProofStatus.FAILED_ATTEMPT,  # a piece had a problem: not delivered
    "HT": ProofStatus.EXCEPTION,  # damaged or problem parcel
})


def build_query_request(settings: ArasSettings, tracking_number: str) -> SoapRequest:
    login = (
        ("UserName", settings.username),
        ("Password", settings.password.get_secret_value()),
        ("CustomerCode", settings.customer_code),
    )
    query = (("QueryType", str(settings.query_type)), ("IntegrationCode", tracking_number))
    return SoapRequest(
        carrier=CODE,
        url=settings.url(SERVICE_PATH),
        action=ACTION,
        namespace=NAMESPACE,
        operation="GetQueryJSON",
        # Both parameters are strings holding an XML document of their own, escaped once more in the envelope.
        params=(
            ("op:loginInfo", xml_element("LoginInfo", login, carrier=CODE)),
            ("op:queryInfo", xml_element("QueryInfo", query, carrier=CODE)),
        ),
    )


def parse_query_response(response: HttpResponse, tracking_number: str, received_at: datetime) -> ProofOfDelivery:
    document = _read_document(response.body)
    found = records(document)
    ours = [(place, record) for place, record in enumerate(found) if _is_ours(record, tracking_number)]
    if not ours:
        if found or is_empty(document):
            return not_found(CODE, tracking_number, received_at)
        raise MalformedResponse(f"{WHAT} holds values but no cargo record", carrier=CODE)
    notes = ProofNotes()
    return _proof(_read_cargo(_latest(ours), notes), tracking_number, received_at, notes)


def _read_document(body: bytes) -> Any:
    """The JSON document in ``GetQueryJSONResult``; None when the result is missing, nil or blank."""
    response = soap.operation_result(body, carrier=CODE, what=WHAT)
    result = next((child for child in response if soap.local_name(child.tag) == RESULT), None)
    if result is None or (content := text(result.text)) is None:
        return None
    try:
        return json.loads(content)
    except (json.JSONDecodeError, RecursionError):
        raise MalformedResponse(f"{WHAT} does not hold JSON", carrier=CODE) from None


def _is_ours(record: Record, tracking_number: str) -> bool:
    """The record describes the asked number: our integration code, or Aras's tracking number."""
    return tracking_number in (text(_scalar(record.get(name))) for name in ("MUSTERI_OZEL_KODU", "KARGO_TAKIP_NO"))


def _latest(candidates: Sequence[tuple[int, Record]]) -> Record:
    """Of several records of ours, the one of the latest day; the later one in the document on a tie."""
    return max(candidates, key=lambda candidate: (_day(candidate[1]), candidate[0]))[1]


def _read_cargo(record: Record, notes: ProofNotes) -> Cargo:
    """The fields we read as text; one holding something else (an object, a list, true) is left out, noted."""
    values: dict[str, str | None] = {}
    for name in _FIELDS:
        values[name] = _scalar(record.get(name))
        if values[name] is None and record.get(name) is not None:
            notes.unreadable(name, "neither text nor a number")
    return Cargo.model_validate(values)


def _scalar(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    return str(value)


def _day_of(stamp: str) -> str:
    """The day of a date that may carry a time: ``22.02.2015 00:00:00`` or ``2015-02-22T00:00:00`` → the day."""
    return stamp.replace("T", " ").partition(" ")[0]


def _day(record: Record) -> date:
    for name in ("TESLIM_TARIHI", "CIKIS_TARIH"):
        day = _day_of(text(_scalar(record.get(name))) or "")
        try:
            moment = local_time(day, "00:00", carrier=CODE, what=name)
        except MalformedResponse:
            continue
        if moment is not None:
            return moment.date()
    return date.min


def _proof(cargo: Cargo, tracking_number: str, received_at: datetime, notes: ProofNotes) -> ProofOfDelivery:
    code = text(cargo.durum_kodu)
    status = _status(cargo, code, notes)
    status_code = (code or text(cargo.durumu) or "")[:64] or None
    at = notes.optional("TESLIM_TARIHI", lambda: _delivered_at(cargo))
    receiver, unit = text(cargo.teslim_alan), text(cargo.varis_sube)
    with reading(CODE, WHAT):
        event = TrackingEvent(at=at, code=status_code, description=text(cargo.durumu)) if at and status_code else None
        return ProofOfDelivery(
            carrier=CODE,
            tracking_number=tracking_number,
            status=status,
            status_code=status_code,
            delivered_at=at,
            received_by=receiver,
            recipient_relation=relation_by_name(receiver, text(cargo.alici)),
            courier=Courier(unit=unit) if unit else None,
            source=ProofSource.PULL,
            received_at=received_at,
            events=(event,) if event else (),
            notes=notes.items,
        )


def _status(cargo: Cargo, code: str | None, notes: ProofNotes) -> ProofStatus:
    if ascii_key(cargo.tip_kodu) == RETURNED:
        return ProofStatus.RETURNED
    if code:
        status = notes.status(STATUS, code, "DURUM_KODU")
    elif (status := STATUS_TEXT(cargo.durumu)) is ProofStatus.UNKNOWN and text(cargo.durumu):
        notes.add(NoteCode.STATUS_UNMAPPED, "DURUMU", "the carrier's status words are not mapped yet")
    if status is ProofStatus.IN_TRANSIT:
        return NON_DELIVERY(cargo.devir_kodu) or status
    return status


def _delivered_at(cargo: Cargo) -> datetime | None:
    stamp, time = text(cargo.teslim_tarihi), text(cargo.teslim_saati)
    if stamp and time:
        return local_time(_day_of(stamp), time, carrier=CODE, what="TESLIM_TARIHI")
    at = local_timestamp(stamp, carrier=CODE, what="TESLIM_TARIHI")
    if at is not None and at.astimezone(ISTANBUL).time() == datetime.min.time():
        return None  # the time a date carries (however written), as beside TESLIM_SAATI: no time of day
    return at
