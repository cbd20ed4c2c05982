"""PTT Kargo as the sandbox plays it (the shapes ``carriers/ptt`` documents and its fixtures show):

    POST /ptt/GonderiTakipV2/services/Sorgu    SOAP ``gonderiSorgu`` / ``gonderiSorgu_referansNo``,
                                               parameters in ``input``: barkod | referansNo, kullanici, sifre
    push: the partner webhook (``partner``)

PTT answers in band: ``sonucKodu`` 1 with the parcel's movements (``dongu``), or 0 with "Gönderi bulunamadı",
or an error code with its reason (wrong credentials too: the service is an Axis2 one that faults only on
malformed requests). Each movement is described in words (``ISLEM``); ``TESALAN`` names who took it.
"""

from aiohttp import web

from adapters.sandbox.carriers import soap
from adapters.sandbox.carriers.auth import same
from adapters.sandbox.carriers.facts import HUB_DISTRICT, Delivery, Event, Step, delivery, history
from adapters.sandbox.carriers.kit import Route, SandboxCarrier, View, local, lookup, upper_tr, view
from adapters.sandbox.carriers.partner import partner_credentials, partner_webhook
from adapters.sandbox.carriers.shipments import SandboxShipment
from adapters.sandbox.carriers.soap import el
from schemas.proof import RecipientRelation as R

CODE = "ptt"
USERNAME, PASSWORD = "900012345", "sandbox-ptt-sifre"
PREFIX = "soapenv"
NAMESPACES = 'xmlns:ns="http://takip.ptt.gov.tr" xmlns:ax="http://takip.ptt.gov.tr/xsd"'
_OPERATIONS = {"gonderiSorgu": "barkod", "gonderiSorgu_referansNo": "referansNo"}  # operation → key parameter
_MOVEMENTS = {
    Step.PICKED_UP: "KABUL EDİLDİ",
    Step.IN_TRANSIT: "SEVK EDİLDİ",
    Step.OUT_FOR_DELIVERY: "DAĞITIMA ÇIKARILDI",
}
_DELIVERED = {
    R.RECIPIENT: "ALICIYA TESLİM EDİLDİ",
    R.NEIGHBOUR: "KOMŞUSUNA TESLİM EDİLDİ",
    R.DOORMAN: "KAPICIYA TESLİM EDİLDİ",
    R.PARCEL_LOCKER: "PTT KARGOMATA TESLİM EDİLDİ",
    R.SAFE_PLACE: "ADRESE BIRAKILARAK TESLİM EDİLDİ",
}


def render_return(shipment: SandboxShipment | None, at: View) -> list[str]:
    """The children of ``return`` (``ax:``-qualified, as PTT's Axis2 service writes them)."""
    if shipment is None:
        return [el("ax:sonucAciklama", "Gönderi bulunamadı"), el("ax:sonucKodu", "0")]
    done = delivery(shipment)
    fields = [
        el("ax:ALICI", upper_tr(shipment.recipient_name)),
        el("ax:BARNO", shipment.tracking_number),
        el("ax:GONDEREN", "SANDBOX PAZARYERİ A.Ş."),
        el("ax:IMERK", upper_tr(HUB_DISTRICT)),
        el("ax:VMERK", upper_tr(shipment.district or shipment.city)),
    ]
    if done is not None and done.received_by:
        fields.append(el("ax:TESALAN", upper_tr(done.received_by)))
    fields += [el("ax:dongu", _movement(event, done)) for event in history(shipment)]
    return [*fields, el("ax:sonucAciklama", "BAŞARILI"), el("ax:sonucKodu", "1")]


def _movement(event: Event, done: Delivery | None) -> list[str]:
    at = local(event.at)
    words = _DELIVERED[done.relation] if done and event.step is Step.DELIVERED else _MOVEMENTS[event.step]
    unit = upper_tr(event.district or event.city)
    return [
        el("ax:IMERK", unit),
        el("ax:ISAAT", at.strftime("%H:%M:%S")),
        el("ax:ISLEM", words),
        el("ax:ITARIH", at.strftime("%d.%m.%Y")),
        el("ax:IYER", f"{unit} PTT MERKEZİ"),
    ]


def _answer(operation: str, fields: list[str]) -> web.Response:
    content = f"<ns:{operation}Response {NAMESPACES}>{el('ns:return', fields)}</ns:{operation}Response>"
    return soap.reply(content, prefix=PREFIX)


async def query(request: web.Request) -> web.Response:
    call = soap.read_call(await request.read())
    if call is None or call.operation not in _OPERATIONS:
        return soap.fault("Client", "Geçersiz istek", prefix=PREFIX)
    params = call.params
    if not (same(params.get("kullanici"), USERNAME) and same(params.get("sifre"), PASSWORD)):
        refused = [el("ax:sonucAciklama", "Kullanıcı adı veya şifre hatalı"), el("ax:sonucKodu", "2")]
        return _answer(call.operation, refused)
    shipment = lookup(request, CODE, params.get(_OPERATIONS[call.operation], ""))
    return _answer(call.operation, render_return(shipment, view(request, CODE)))


PTT = SandboxCarrier(
    code=CODE,
    credentials={"username": USERNAME, "password": PASSWORD, **partner_credentials(CODE)},
    failure=soap.http_error,
    routes=(Route("POST", "/GonderiTakipV2/services/Sorgu", query, "query"),),
    webhook=partner_webhook(CODE),
)
