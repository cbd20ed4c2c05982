"""Yurtiçi Kargo ``queryShipment``: request builder and reply → canonical proof mapping (pure).

Field mapping (``detail`` = the ``shippingDeliveryDetailVO`` for our key, ``item`` = its
``shippingDeliveryItemDetailVO``):

    detail.operationStatus                    → status, through STATUS
    detail.errCode 80859 (or no detail)       → status not_found; another non-zero errCode → BadRequest
    item.deliveryDate + item.deliveryTime (Istanbul), when delivered → delivered_at
    item.receiverInfo                         → recipient_relation, through RELATION (a relation word);
                                                anything else is the receiver's name → received_by
    item.receiverCustName, when receiverInfo says the addressee took it ("KENDİSİ") → received_by
    item.delEmpName / item.deliveryUnitName   → courier.name / courier.unit
    item.invDocCargoVOArray[] (CargoEventVO)  → events (eventDate + eventTime, eventName, reasonName,
                                                unitName, townName, cityName)
"""

from datetime import datetime

from carriers import soap
from carriers.errors import BadRequest
from carriers.http import HttpResponse
from carriers.parsing import join_text, not_found, reading, text, timeline
from carriers.soap import SoapRequest
from carriers.status import status_table
from carriers.turkish import local_time, word_table
from carriers.yurtici.settings import YurticiSettings
from carriers.yurtici.wire import CargoEvent, DeliveryDetail, DeliveryVO, ItemDetail
from schemas.proof import Courier, ProofOfDelivery, ProofSource, ProofStatus, TrackingEvent
from schemas.proof import RecipientRelation as R

CODE = "yurtici"
SERVICE_PATH = "/KOPSWebServices/ShippingOrderDispatcherServices"
NAMESPACE = "http://yurticikargo.com.tr/ShippingOrderDispatcherServices"
WHAT = "queryShipment reply"
NOT_FOUND_CODES = frozenset({"80859"})

STATUS = status_table(CODE, "operationStatus", {
    "NOP": ProofStatus.PRE_TRANSIT,  # not processed yet
    "ISR": ProofStatus.IN_TRANSIT,  # processed, invoice not issued yet
    "IND": ProofStatus.IN_TRANSIT,  # in delivery
    "DLV": ProofStatus.DELIVERED,
    "CNL": ProofStatus.EXCEPTION,  # dispatch blocked
    "ISC": ProofStatus.EXCEPTION,  # cancelled
    "BI": ProofStatus.EXCEPTION,  # invoice cancelled by the branch
})

# receiverInfo: who took the parcel, in the courier's words. Spellings with or without Turkish letters,
# in any case, find the same entry.
RELATION = word_table({
    **dict.fromkeys(("KENDİSİ", "ALICI", "ALICININ KENDİSİ"), R.RECIPIENT),
    **dict.fromkeys((
        "EŞİ", "ANNESİ", "BABASI", "KARDEŞİ", "OĞLU", "KIZI", "ÇOCUĞU", "YAKINI", "AKRABASI", "AİLESİ",
    ), R.HOUSEHOLD_MEMBER),
    **dict.fromkeys(("KOMŞUSU", "KOMŞU"), R.NEIGHBOUR),
    **dict.fromkeys((
        "KAPICI", "KAPICISI", "GÜVENLİK", "GÜVENLİK GÖREVLİSİ", "SİTE GÜVENLİĞİ", "SİTE GÖREVLİSİ",
        "RESEPSİYON", "DANIŞMA", "SEKRETER", "SEKRETERİ", "İŞ ARKADAŞI", "ÇALIŞANI",
    ), R.DOORMAN),
    **dict.fromkeys(("ŞUBEDEN TESLİM", "ŞUBE"), R.PICKUP_POINT),
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


def parse_query_response(response: HttpResponse, tracking_number: str, received_at: datetime) -> ProofOfDelivery:
    returned = soap.returned(response.body, carrier=CODE, what=WHAT)
    if returned is None:
        return not_found(CODE, tracking_number, received_at)
    reply = soap.read_xml(DeliveryVO, returned, carrier=CODE, what=WHAT)
    details = reply.details or []
    detail = next((d for d in details if text(d.cargo_key) == tracking_number), details[0] if details else None)
    if detail is None:
        if (text(reply.out_flag) or "0") != "0":
            raise BadRequest(f"{WHAT} outFlag {text(reply.out_flag)}", carrier=CODE)
        return not_found(CODE, tracking_number, received_at)
    error = text(detail.err_code) or "0"
    if error in NOT_FOUND_CODES:
        return not_found(CODE, tracking_number, received_at)
    if error != "0":
        raise BadRequest(f"{WHAT} errCode {error[:16]}", carrier=CODE)
    with reading(CODE, WHAT):
        return _proof(detail, tracking_number, received_at)


def _proof(detail: DeliveryDetail, tracking_number: str, received_at: datetime) -> ProofOfDelivery:
    status = STATUS(detail.operation_status)
    item = detail.item or ItemDetail()
    relation = RELATION(item.receiver_info)
    received_by = text(item.receiver_cust_name) if relation is R.RECIPIENT else None
    courier = Courier(name=text(item.del_emp_name), unit=text(item.delivery_unit_name))
    return ProofOfDelivery(
        carrier=CODE,
        tracking_number=tracking_number,
        status=status,
        delivered_at=_time(item.delivery_date, item.delivery_time) if status is ProofStatus.DELIVERED else None,
        received_by=received_by if relation else text(item.receiver_info),
        recipient_relation=relation or R.UNKNOWN,
        courier=courier if courier.name or courier.unit else None,
        source=ProofSource.PULL,
        received_at=received_at,
        events=timeline(map(_event, item.events or ())),
    )


def _event(entry: CargoEvent) -> TrackingEvent | None:
    at, code = _time(entry.event_date, entry.event_time), text(entry.event_id) or text(entry.event_name)
    if at is None or code is None:
        return None
    return TrackingEvent(
        at=at,
        code=code[:64],
        description=join_text(entry.event_name, entry.reason_name, sep=" — "),
        location_text=join_text(entry.unit_name, entry.town_name, entry.city_name),
    )


def _time(date: str | None, time: str | None) -> datetime | None:
    return local_time(date, time, carrier=CODE, what="a Yurtiçi date")
