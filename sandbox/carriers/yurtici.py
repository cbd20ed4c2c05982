"""Yurtiçi Kargo as the sandbox plays it, every reply built from Yurtiçi's reply samples in
``tests/fixtures/carriers/yurtici/`` (only values change):

    POST /yurtici/KOPSWebServices/ShippingOrderDispatcherServices    SOAP ``queryShipment``
         (wsUserName, wsPassword, wsLanguage, keys, keyType, addHistoricalData, onlyTracking)
    push: the partner webhook (``partner``)

A known key is answered from ``query-delivered.xml``: ``operationCode``/``operationStatus`` for the parcel's
state (or the scripted ``status_code``), its scans as ``invDocCargoVOArray`` entries, and, once delivered,
the delivery date and time, the courier and ``receiverInfo``: the name of whoever took the parcel (masked when
scripted so), none for a locker or a doorstep. A parcel returned to its sender is DLV with the return's
``rejectStatus`` 10 and its reason, as ``query-returned-delivered.xml`` has them.
Other packages of the shipment come as more details with the same ``invoiceKey``, whichever package's key
is asked. An unknown key is
``query-not-found.xml``; wrong credentials, or a request that is no ``queryShipment``, are a SOAP fault
(HTTP 500) built from ``fault-auth.xml``. Yurtiçi has no signature, photo or position to give.
"""

import copy
import re
from dataclasses import dataclass
from typing import Any
from xml.etree.ElementTree import Element
from xml.sax.saxutils import escape

from aiohttp import web
from defusedxml.ElementTree import fromstring

from sandbox.carriers import soap
from sandbox.carriers.auth import same
from sandbox.carriers.facts import COURIER, HUB_DISTRICT, Event, Step, delivery, history, printed_name
from sandbox.carriers.kit import Route, SandboxCarrier, compact, local, lookup, template_text, upper_tr
from sandbox.carriers.partner import partner_credentials, partner_webhook
from sandbox.carriers.shipments import SandboxShipment, Scenario
from sandbox.carriers.state import SHIPMENTS

CODE = "yurtici"
USERNAME, PASSWORD = "SANDBOXWS", "sandbox-yurtici-password"
TRACKING_URL = "https://www.yurticikargo.com/tr/online-servisler/gonderi-sorgula?code={}"


@dataclass(frozen=True, slots=True)
class Operation:
    code: str
    status: str
    message: str


# The parcel's state as Yurtiçi's operation table words it (codes, words and messages from the samples' sources).
_PROCESSED = Operation("2", "ISR", "Kargo işlem görmüş, faturası henüz düzenlenmemiş")
_IN_DELIVERY = Operation("1", "IND", "Kargo Teslimattadır.")
_DELIVERED = Operation("5", "DLV", "Kargo Teslim edilmiştir.")
_OPERATIONS = {
    Step.PICKED_UP: _PROCESSED,
    Step.IN_TRANSIT: _IN_DELIVERY,
    Step.OUT_FOR_DELIVERY: _IN_DELIVERY,
    Step.FAILED_ATTEMPT: _IN_DELIVERY,
    Step.DELIVERED: _DELIVERED,
    Step.RETURNED: _DELIVERED,  # delivered back to the sender, the return stated beside it
}
_RETURN = frozenset({"rejectStatus", "rejectStatusExplanation", "rejectDescription", "rejectReasonExplanation"})
# A scan, as the samples word it: the event, and the reason (Yurtiçi writes "Sorun Yok" when there is none).
_SCANS = {
    Step.PICKED_UP: ("Kargo Kabul Edildi", "Sorun Yok"),
    Step.IN_TRANSIT: ("Kargo Yüklendi", "Sorun Yok"),
    Step.OUT_FOR_DELIVERY: ("Dağıtıma Çıkarıldı", "Sorun Yok"),
    Step.FAILED_ATTEMPT: ("Teslim Edilemedi", "Alıcı Adreste Yok"),
    Step.DELIVERED: ("Kargo Teslim Edildi", "Sorun Yok"),
    Step.RETURNED: ("Göndericiye İade Edildi", "Alıcı Adreste Yok"),
}
TRANSFER_CENTRE = "TRANSFER MERKEZİ"
_DELIVERY_ONLY = ("receiverInfo", "delEmpName")
_ALONE: dict[str, Any] = {"statuses": [], "status_code": None, "other_packages": []}  # what a sibling does not share


# --- reading and writing the samples ----------------------------------------------------------------------


def _sample(name: str) -> tuple[Element, dict[str, str]]:
    """A sample as a tree to fill, and its namespace prefixes by URI (to write it back the carrier's way)."""
    text = template_text(CODE, name)
    return fromstring(text.encode()), {uri: prefix for prefix, uri in re.findall(r'xmlns:(\w+)="([^"]+)"', text)}


def _written(root: Element, prefixes: dict[str, str]) -> bytes:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + _xml(root, prefixes, frozenset())).encode()


def _xml(element: Element, prefixes: dict[str, str], declared: frozenset[str]) -> str:
    uri, _, name = element.tag[1:].partition("}") if element.tag.startswith("{") else ("", "", element.tag)
    tag, declaration = (f"{prefixes[uri]}:{name}", "") if uri else (name, "")
    if uri and uri not in declared:
        declaration, declared = f' xmlns:{prefixes[uri]}="{uri}"', declared | {uri}
    inner = escape(element.text or "") + "".join(
        _xml(child, prefixes, declared) + escape(child.tail or "") for child in element
    )
    return f"<{tag}{declaration}>{inner}</{tag}>" if inner else f"<{tag}{declaration}/>"


def _named(parent: Element, name: str) -> list[Element]:
    return [child for child in parent if child.tag.rpartition("}")[2] == name]


def _set(parent: Element, name: str, value: str | None) -> None:
    """The text of ``parent``'s child ``name`` (the element stays, empty for None)."""
    for child in _named(parent, name):
        child.text = value


def _drop(parent: Element, *names: str) -> None:
    for name in names:
        for child in _named(parent, name):
            parent.remove(child)


def _response(root: Element, prefixes: dict[str, str], status: int = 200) -> web.Response:
    return web.Response(status=status, body=_written(root, prefixes), content_type="text/xml", charset="utf-8")


# --- replies ----------------------------------------------------------------------------------------------


def render_query(shipment: SandboxShipment | None, key: str) -> web.Response:
    """The ``queryShipment`` reply for one key: the shipment's packages, or Yurtiçi's "not found"."""
    if shipment is None:
        root, prefixes = _sample("query-not-found.xml")
        for detail in root.iter("shippingDeliveryDetailVO"):
            _set(detail, "cargoKey", key)
        return _response(root, prefixes)
    root, prefixes = _sample("query-delivered.xml")
    result = next(root.iter("ShippingDeliveryVO"))
    [template] = _named(result, "shippingDeliveryDetailVO")
    result.remove(template)
    others = (_package(shipment, other.tracking_number, other.delivered) for other in shipment.other_packages)
    packages = [shipment, *others]
    for package in packages:
        result.append(_detail(copy.deepcopy(template), package, invoice=shipment.tracking_number))
    _set(result, "count", str(len(packages)))
    return _response(root, prefixes)


def _package(shipment: SandboxShipment, number: str, delivered: bool) -> SandboxShipment:
    """Another package of the shipment: same addressee and route, delivered with it or still on its way."""
    update: dict[str, Any] = {"scenario": Scenario.IN_TRANSIT, "delivered_at": None}
    if delivered:
        scenario = shipment.scenario if shipment.scenario.delivered else Scenario.DELIVERED
        update = {"scenario": scenario, "delivered_at": shipment.delivered_at or shipment.last_scan_at}
    return shipment.model_copy(update=_ALONE | update | {"tracking_number": number})


def _detail(detail: Element, shipment: SandboxShipment, *, invoice: str) -> Element:
    step = shipment.step or Step.IN_TRANSIT
    operation = _OPERATIONS[step]
    _set(detail, "cargoKey", shipment.tracking_number)
    _set(detail, "invoiceKey", invoice)
    _set(detail, "operationCode", shipment.status_code or operation.code)
    _set(detail, "operationStatus", operation.status)
    _set(detail, "operationMessage", operation.message)
    for item in _named(detail, "shippingDeliveryItemDetailVO"):
        _item(item, shipment, step)
    return detail


def _item(item: Element, shipment: SandboxShipment, step: Step) -> None:
    scans = history(shipment)
    first, last = scans[0], scans[-1]
    _set(item, "cargoKey", shipment.tracking_number)
    _set(item, "docId", shipment.tracking_number)
    _set(item, "trackingUrl", TRACKING_URL.format(shipment.tracking_number))
    _set(item, "receiverCustName", shipment.recipient_name)
    _set(item, "receiverAddressTxt", " ".join(filter(None, (shipment.district, shipment.city))))
    _set(item, "documentDate", compact(local(first.at))[0])
    _set(item, "documentTime", compact(local(first.at))[1])
    _set(item, "departureUnitName", upper_tr(HUB_DISTRICT))
    _set(item, "deliveryUnitName", upper_tr(shipment.district or shipment.city))
    _set(item, "cargoEventExplanation", _SCANS[last.step][0])
    _scans(item, scans)
    done = delivery(shipment)
    if done is None:
        _set(item, "deliveryDate", None)
        _set(item, "deliveryTime", None)
        _drop(item, *_DELIVERY_ONLY)
    else:
        date, time = compact(local(done.at))
        _set(item, "deliveryDate", date)
        _set(item, "deliveryTime", time)
        _set(item, "delEmpName", upper_tr(COURIER))
        name = printed_name(done)
        _set(item, "receiverInfo", name)
    if step is Step.RETURNED:
        _return_made(item)


def _scans(item: Element, scans: tuple[Event, ...]) -> None:
    entries = _named(item, "invDocCargoVOArray")
    template, position = entries[0], list(item).index(entries[0])
    _drop(item, "invDocCargoVOArray")
    for offset, scan in enumerate(scans):
        entry = copy.deepcopy(template)
        place = upper_tr(scan.district or scan.city)
        event, reason = _SCANS[scan.step]
        date, time = compact(local(scan.at))
        values = {
            "unitName": TRANSFER_CENTRE if scan.step is Step.IN_TRANSIT else place,
            "eventName": event,
            "reasonName": reason,
            "eventDate": date,
            "eventTime": time,
            "cityName": scan.city,
            "townName": scan.district or scan.city,
        }
        for name, value in values.items():
            _set(entry, name, value)
        item.insert(position + offset, entry)


def _return_made(item: Element) -> None:
    """The return's elements of ``query-returned-delivered.xml``, where the WSDL's sequence puts them (before
    the history)."""
    sample, _ = _sample("query-returned-delivered.xml")
    returned = [copy.deepcopy(e) for e in next(sample.iter("shippingDeliveryItemDetailVO")) if e.tag in _RETURN]
    history_at = _named(item, "invDocCargoVOArray")
    position = list(item).index(history_at[0]) if history_at else len(item)
    for offset, element in enumerate(returned):
        item.insert(position + offset, element)


def render_fault(message: str) -> web.Response:
    """Yurtiçi's SOAP fault (HTTP 500): the sample's ``YurticikargoWSException``, with ``message``."""
    root, prefixes = _sample("fault-auth.xml")
    for element in root.iter():
        if element.tag.rpartition("}")[2] in ("faultstring", "errText"):
            element.text = message
    return _response(root, prefixes, status=500)


async def query(request: web.Request) -> web.Response:
    call = soap.read_call(await request.read())
    if call is None or call.operation != "queryShipment":
        return render_fault("Geçersiz istek")
    params: dict[str, Any] = call.params
    if not (same(params.get("wsUserName"), USERNAME) and same(params.get("wsPassword"), PASSWORD)):
        return render_fault("Kullanıcı adı veya şifre hatalı")
    key = str(params.get("keys", "")).strip()
    return render_query(lookup(request, CODE, _shipment_number(request, key)), key)


def _shipment_number(request: web.Request, key: str) -> str:
    """The number the sandbox files the key's shipment under: the key itself, or, for another package of a
    shipment, that shipment's number (Yurtiçi answers for every package's cargo key)."""
    shipments = request.app[SHIPMENTS]
    if (CODE, key) in shipments:
        return key
    return next(
        (number for (carrier, number), shipment in shipments.items()
         if carrier == CODE and any(other.tracking_number == key for other in shipment.other_packages)),
        key,
    )


YURTICI = SandboxCarrier(
    code=CODE,
    credentials={"username": USERNAME, "password": PASSWORD, **partner_credentials(CODE)},
    failure=soap.http_error,
    routes=(Route("POST", "/KOPSWebServices/ShippingOrderDispatcherServices", query, "query"),),
    webhook=partner_webhook(CODE),
)
