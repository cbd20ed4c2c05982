"""Yurtiçi Kargo as the sandbox plays it (the shapes ``carriers/yurtici`` documents and its fixtures show):

    POST /yurtici/KOPSWebServices/ShippingOrderDispatcherServices    SOAP ``queryShipment``
         (wsUserName, wsPassword, wsLanguage, keys, keyType, addHistoricalData, onlyTracking)
    push: the partner webhook (``partner``)

Wrong credentials are a SOAP fault (HTTP 500); an unknown key is ``errCode`` 80859. Yurtiçi says who took
the parcel in a word (``receiverInfo``: KENDİSİ, KOMŞUSU, KAPICI, …); it has no signature, photo or position.
"""

from aiohttp import web

from adapters.sandbox.carriers import soap
from adapters.sandbox.carriers.auth import same
from adapters.sandbox.carriers.facts import COURIER, Event, Step, delivery, history
from adapters.sandbox.carriers.kit import Route, SandboxCarrier, View, compact, local, lookup, upper_tr, view
from adapters.sandbox.carriers.partner import partner_credentials, partner_webhook
from adapters.sandbox.carriers.shipments import SandboxShipment
from adapters.sandbox.carriers.soap import el
from schemas.proof import RecipientRelation as R

CODE = "yurtici"
USERNAME, PASSWORD = "SANDBOXWS", "sandbox-yurtici-password"
NAMESPACE = "http://yurticikargo.com.tr/ShippingOrderDispatcherServices"
PREFIX = "env"

# receiverInfo; a locker delivery is recorded as handed over at a branch point, a doorstep has no word.
_RECEIVER_INFO = {
    R.RECIPIENT: "KENDİSİ",
    R.NEIGHBOUR: "KOMŞUSU",
    R.DOORMAN: "KAPICI",
    R.PARCEL_LOCKER: "ŞUBEDEN TESLİM",
}
_EVENTS = {
    Step.PICKED_UP: "Kargo Teslim Alındı",
    Step.IN_TRANSIT: "Transfer Merkezinden Çıkış",
    Step.OUT_FOR_DELIVERY: "Dağıtıma Çıkarıldı",
    Step.DELIVERED: "Teslim Edildi",
}


def render_query(shipment: SandboxShipment | None, key: str, at: View) -> str:
    """The ``queryShipmentResponse`` element for one key."""
    if shipment is None:
        detail = [el("cargoKey", key), el("errCode", "80859"), el("errMessage", "Kargo anahtarı bulunamadı")]
    else:
        detail = _detail(shipment, at)
    result = el("ShippingDeliveryVO", [
        el("count", "1"), el("outFlag", "0"), el("outResult", "Başarılı"), el("shippingDeliveryDetailVO", detail)
    ])
    return f'<ns1:queryShipmentResponse xmlns:ns1="{NAMESPACE}">{result}</ns1:queryShipmentResponse>'


def _detail(shipment: SandboxShipment, at: View) -> list[str]:
    done = delivery(shipment)
    item = [el("receiverCustName", upper_tr(shipment.recipient_name))]
    if done is not None:
        date, time = compact(local(done.at))
        item += [el("deliveryDate", date), el("deliveryTime", time), el("cargoEventExplanation", "Teslim Edildi")]
        if (word := _RECEIVER_INFO.get(done.relation)) is not None:
            item.append(el("receiverInfo", word))
    item += [el("deliveryUnitName", upper_tr(shipment.district or shipment.city)), el("delEmpName", upper_tr(COURIER))]
    item += [el("invDocCargoVOArray", _event(event)) for event in history(shipment)]
    return [
        el("cargoKey", shipment.tracking_number),
        el("errCode", "0"),
        el("operationStatus", "DLV" if done else "IND"),
        el("operationMessage", "Kargo teslim edilmiştir." if done else "Kargo dağıtım sürecindedir."),
        el("shippingDeliveryItemDetailVO", item),
    ]


def _event(event: Event) -> list[str]:
    date, time = compact(local(event.at))
    place = upper_tr(event.district or event.city)
    return [
        el("eventName", _EVENTS[event.step]),
        el("unitName", place),
        el("cityName", upper_tr(event.city)),
        el("townName", place),
        el("eventDate", date),
        el("eventTime", time),
    ]


async def query(request: web.Request) -> web.Response:
    call = soap.read_call(await request.read())
    if call is None or call.operation != "queryShipment":
        return soap.fault("Client", "Geçersiz istek", prefix=PREFIX)
    params = call.params
    if not (same(params.get("wsUserName"), USERNAME) and same(params.get("wsPassword"), PASSWORD)):
        return soap.fault("Client", "Kullanıcı adı veya şifre hatalı", prefix=PREFIX)
    key = params.get("keys", "")
    return soap.reply(render_query(lookup(request, CODE, key), key, view(request, CODE)), prefix=PREFIX)


YURTICI = SandboxCarrier(
    code=CODE,
    credentials={"username": USERNAME, "password": PASSWORD, **partner_credentials(CODE)},
    failure=soap.http_error,
    routes=(Route("POST", "/KOPSWebServices/ShippingOrderDispatcherServices", query, "query"),),
    webhook=partner_webhook(CODE),
)
