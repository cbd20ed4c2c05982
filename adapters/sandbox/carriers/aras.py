"""Aras Kargo as the sandbox plays it (the shapes ``carriers/aras`` documents and its fixtures show):

    POST /aras/ArasCargoCustomerIntegrationService/ArasCargoIntegrationService.svc    SOAP ``GetQueryJSON``
         loginInfo = "<LoginInfo><UserName/><Password/><CustomerCode/></LoginInfo>" (an XML document in a string),
         queryInfo = "<QueryInfo><QueryType/><IntegrationCode/></QueryInfo>"
    push: the partner webhook (``partner``)

The reply is a JSON document inside ``GetQueryJSONResult``, Turkish upper-case keys; an unknown code is an
empty ``QueryResult``; wrong credentials are a SOAP fault. Aras names who took the parcel (``TESLIM_ALAN``)
next to the addressee (``ALICI``), nothing more.
"""

import json
from typing import Any

from aiohttp import web

from adapters.sandbox.carriers import soap
from adapters.sandbox.carriers.auth import same
from adapters.sandbox.carriers.facts import HUB_DISTRICT, Step, delivery, history
from adapters.sandbox.carriers.kit import Route, SandboxCarrier, View, local, lookup, upper_tr, view
from adapters.sandbox.carriers.partner import partner_credentials, partner_webhook
from adapters.sandbox.carriers.shipments import SandboxShipment
from adapters.sandbox.carriers.soap import el

CODE = "aras"
USERNAME, PASSWORD, CUSTOMER_CODE = "sandbox-aras", "sandbox-aras-password", "1234567"
PREFIX = "s"
_STATUS = {  # step → (DURUM_KODU, DURUMU)
    Step.PICKED_UP: ("1", "ÇIKIŞ ŞUBESİNDE"),
    Step.IN_TRANSIT: ("2", "YOLDA"),
    Step.OUT_FOR_DELIVERY: ("4", "DAĞITIMDA"),
    Step.DELIVERED: ("6", "TESLİM EDİLDİ"),
}


def render_document(shipment: SandboxShipment | None, at: View) -> dict[str, Any]:
    """The JSON document ``GetQueryJSON`` returns for one integration code."""
    if shipment is None:
        return {"QueryResult": {}}
    code, words = _STATUS[history(shipment)[-1].step]
    cargo = {
        "MUSTERI_OZEL_KODU": shipment.tracking_number,
        "KARGO_TAKIP_NO": shipment.tracking_number,
        "CIKIS_SUBE": upper_tr(HUB_DISTRICT),
        "VARIS_SUBE": upper_tr(shipment.district or shipment.city),
        "ALICI": upper_tr(shipment.recipient_name),
        "DURUMU": words,
        "DURUM_KODU": code,
        "ADET": "1",
    }
    if (done := delivery(shipment)) is not None:
        cargo["TESLIM_TARIHI"] = local(done.at).strftime("%d.%m.%Y %H:%M:%S")
        if done.received_by:
            cargo["TESLIM_ALAN"] = done.received_by
    return {"QueryResult": {"Cargo": cargo}}


def render_reply(document: dict[str, Any]) -> str:
    result = el("GetQueryJSONResult", json.dumps(document, ensure_ascii=False))
    return f'<GetQueryJSONResponse xmlns="http://tempuri.org/">{result}</GetQueryJSONResponse>'


async def query(request: web.Request) -> web.Response:
    call = soap.read_call(await request.read())
    if call is None or call.operation != "GetQueryJSON":
        return soap.fault("Client", "Geçersiz istek", prefix=PREFIX)
    login = soap.leaves(call.params.get("loginInfo", "")) or {}
    question = soap.leaves(call.params.get("queryInfo", "")) or {}
    if not (
        same(login.get("UserName"), USERNAME)
        and same(login.get("Password"), PASSWORD)
        and same(login.get("CustomerCode"), CUSTOMER_CODE)
    ):
        return soap.fault("Client", "Hatalı giriş bilgileri", prefix=PREFIX)
    shipment = lookup(request, CODE, question.get("IntegrationCode", ""))
    return soap.reply(render_reply(render_document(shipment, view(request, CODE))), prefix=PREFIX)


ARAS = SandboxCarrier(
    code=CODE,
    credentials={"username": USERNAME, "password": PASSWORD, "customer_code": CUSTOMER_CODE,
                 **partner_credentials(CODE)},
    failure=soap.http_error,
    routes=(Route("POST", "/ArasCargoCustomerIntegrationService/ArasCargoIntegrationService.svc", query, "query"),),
    webhook=partner_webhook(CODE),
)
