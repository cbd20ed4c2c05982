"""Aras Kargo ``GetQueryJSON``: request builder and reply → canonical proof mapping (pure).

Field mapping (``cargo`` = the first ``QueryResult.Cargo`` record):

    DURUM_KODU (else DURUMU text)             → status, through STATUS (else STATUS_TEXT)
    TESLIM_TARIHI (+ TESLIM_SAATI when the date has no time), Istanbul, when delivered → delivered_at
    TESLIM_ALAN                               → received_by
    TESLIM_ALAN equal to ALICI (Turkish-folded) → recipient_relation recipient; else unknown
    VARIS_SUBE                                → courier.unit
    DURUM_KODU + DURUMU at TESLIM_TARIHI      → the proof's one event (Aras sends no history here)
"""

import json
from datetime import datetime

from carriers import soap
from carriers.aras.settings import ArasSettings
from carriers.aras.wire import Cargo, QueryReply
from carriers.errors import MalformedResponse
from carriers.http import HttpResponse
from carriers.parsing import not_found, reading, text, text_of
from carriers.soap import SoapRequest, xml_element
from carriers.status import status_table
from carriers.turkish import fold, keyword_table, local_time, local_timestamp, relation_by_name
from schemas.proof import Courier, ProofOfDelivery, ProofSource, ProofStatus, TrackingEvent

CODE = "aras"
SERVICE_PATH = "/ArasCargoCustomerIntegrationService/ArasCargoIntegrationService.svc"
NAMESPACE = "http://tempuri.org/"
ACTION = "http://tempuri.org/IArasCargoIntegrationService/GetQueryJSON"
WHAT = "GetQueryJSON reply"

STATUS = status_table(CODE, "DURUM_KODU", {
    "1": ProofStatus.IN_TRANSIT,  # at the origin branch
    "2": ProofStatus.IN_TRANSIT,  # on the way
    "3": ProofStatus.IN_TRANSIT,  # at the delivery branch
    "4": ProofStatus.IN_TRANSIT,  # out for delivery
    "5": ProofStatus.EXCEPTION,  # partly delivered: a person looks at it
    "6": ProofStatus.DELIVERED,
    "7": ProofStatus.IN_TRANSIT,  # redirected
})

STATUS_TEXT = keyword_table(CODE, "DURUMU", (
    ("TESLİM EDİLEMEDİ", ProofStatus.FAILED_ATTEMPT),
    ("İADE", ProofStatus.RETURNED),
    ("TESLİM EDİLDİ", ProofStatus.DELIVERED),
    ("DAĞITIM", ProofStatus.IN_TRANSIT),
    ("YOLDA", ProofStatus.IN_TRANSIT),
    ("ŞUBE", ProofStatus.IN_TRANSIT),
), ProofStatus.UNKNOWN)


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
    result = soap.returned(response.body, carrier=CODE, what=WHAT)
    document = text(result.text) if result is not None else None
    if document is None:
        return not_found(CODE, tracking_number, received_at)
    try:
        decoded = json.loads(document)
    except (json.JSONDecodeError, RecursionError):
        raise MalformedResponse(f"{WHAT} does not hold JSON", carrier=CODE) from None
    if not decoded:  # null, {} or []
        return not_found(CODE, tracking_number, received_at)
    with reading(CODE, WHAT):
        reply = QueryReply.model_validate(decoded)
        cargo = next(iter((reply.query_result.cargo if reply.query_result else None) or ()), None)
        if cargo is None:
            return not_found(CODE, tracking_number, received_at)
        return _proof(cargo, tracking_number, received_at)


def _proof(cargo: Cargo, tracking_number: str, received_at: datetime) -> ProofOfDelivery:
    code, words = text_of(cargo.durum_kodu), text_of(cargo.durumu)
    status = STATUS(code)
    if status is ProofStatus.UNKNOWN:
        status = STATUS_TEXT(words)
    at = _delivered_at(cargo)
    event = TrackingEvent(at=at, code=(code or fold(words))[:64], description=words) if at and (code or words) else None
    receiver, addressee = text_of(cargo.teslim_alan), text_of(cargo.alici)
    unit = text_of(cargo.varis_sube)
    return ProofOfDelivery(
        carrier=CODE,
        tracking_number=tracking_number,
        status=status,
        delivered_at=at if status is ProofStatus.DELIVERED else None,
        received_by=receiver,
        recipient_relation=relation_by_name(receiver, addressee),
        courier=Courier(unit=unit) if unit else None,
        source=ProofSource.PULL,
        received_at=received_at,
        events=(event,) if event else (),
    )


def _delivered_at(cargo: Cargo) -> datetime | None:
    stamp, time = text_of(cargo.teslim_tarihi), text_of(cargo.teslim_saati)
    if stamp and time and " " not in stamp and "T" not in stamp:
        return local_time(stamp, time, carrier=CODE, what="TESLIM_TARIHI")
    return local_timestamp(stamp, carrier=CODE, what="TESLIM_TARIHI")
