"""Aras Kargo as the sandbox plays it, every reply built from Aras's samples in ``tests/fixtures/carriers/aras``:

    POST /aras/ArasCargoCustomerIntegrationService/ArasCargoIntegrationService.svc    SOAP ``GetQueryJSON``
         loginInfo = "<LoginInfo><UserName/><Password/><CustomerCode/></LoginInfo>" (an XML document in a string),
         queryInfo = "<QueryInfo><QueryType/><IntegrationCode/></QueryInfo>"
    push: the partner webhook (``partner``)

The reply is a JSON document inside ``GetQueryJSONResult`` (``delivered.xml`` and its siblings), one record
per waybill with Turkish upper-case keys; the renderer takes the sample of the parcel's state and changes
values only. An unknown integration code, or a customer code that is not ours, is ``{"QueryResult":null}``
(``not-found.xml``; Aras raises nothing for a wrong customer code); a wrong user name or password is the
service's fault (``fault.xml``, HTTP 500).

Scripted facts, as Aras can say them: the status sequence (``DURUM_KODU``, with a non-delivery reason for a
failed attempt and ``TIP_KODU`` 3 for a return), who took it (``TESLIM_ALAN``, masked when scripted), a raw
status code, and other packages as records of their own numbers. Aras has no signature, photo, GPS or
relation word: those facts are not said.
"""

import json
import zlib
from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape, unescape

from aiohttp import web

from sandbox.carriers import soap
from sandbox.carriers.auth import same
from sandbox.carriers.facts import HUB_DISTRICT, Step, delivery, history, printed_name
from sandbox.carriers.kit import Route, SandboxCarrier, local, lookup, template_text, upper_tr
from sandbox.carriers.partner import partner_credentials, partner_webhook
from sandbox.carriers.shipments import OtherPackage, SandboxShipment

CODE = "aras"
USERNAME, PASSWORD, CUSTOMER_CODE = "sandbox-aras", "sandbox-aras-password", "1234567"
_OPEN, _CLOSE = "<GetQueryJSONResult>", "</GetQueryJSONResult>"
_SAMPLE = {  # the sample that shows each state
    Step.PICKED_UP: "in-transit.xml",
    Step.IN_TRANSIT: "in-transit.xml",
    Step.OUT_FOR_DELIVERY: "in-transit.xml",
    Step.FAILED_ATTEMPT: "failed-attempt.xml",
    Step.DELIVERED: "delivered.xml",
    Step.RETURNED: "returned.xml",
}
# DURUM_KODU, DURUMU and DURUM_EN where the sample shows another state (Aras's document, §2.2.1); a return on
# its way back is ``returned.xml``'s TIP_KODU 3 with the code of a parcel on its way.
_STATE = {
    Step.PICKED_UP: ("1", "ÇIKIŞ ŞUBESİNDE", "RECEIVED"),
    Step.OUT_FOR_DELIVERY: ("4", "TESLİMATTA", "OUT FOR DELIVERY"),
    Step.RETURNED: ("2", "YOLDA", "PROCESSED AT LOCATION"),
}
_DELIVERY = ("TESLIM_ALAN", "TESLIM_TARIHI", "TESLIM_SAATI")
type Handover = tuple[str | None, str, str]  # who took it, the day, the time of day


def render_reply(shipment: SandboxShipment | None) -> str:
    """The ``GetQueryJSON`` envelope for one integration code: its record, and one per other package."""
    if shipment is None or shipment.step is None:
        return template_text(CODE, "not-found.xml")
    own = _record(shipment, shipment.tracking_number, shipment.step, _handed_over(shipment))
    if shipment.status_code is not None:
        own["DURUM_KODU"] = shipment.status_code
    if not shipment.other_packages:
        return _reply(_SAMPLE[shipment.step], own)
    return _reply("several-records.xml", [own, *(_other(shipment, package) for package in shipment.other_packages)])


def _record(shipment: SandboxShipment, number: str, step: Step, handed: Handover | None) -> dict[str, Any]:
    record: dict[str, Any] = _document(_SAMPLE[step])["QueryResult"]["Cargo"]
    record.update(
        MUSTERI_OZEL_KODU=number,
        KARGO_TAKIP_NO=_tracking_number(number),
        ALICI=upper_tr(shipment.recipient_name),
        CIKIS_SUBE=upper_tr(HUB_DISTRICT),
        VARIS_SUBE=upper_tr(shipment.district or shipment.city),
        CIKIS_TARIH=_when(history(shipment)[0].at)[0],
    )
    if step in _STATE:
        record.update(zip(("DURUM_KODU", "DURUMU", "DURUM_EN"), _STATE[step], strict=True))
    record.update(zip(_DELIVERY, handed or (None, None, None), strict=True))
    return record


def _handed_over(shipment: SandboxShipment) -> Handover | None:
    """TESLIM_ALAN, TESLIM_TARIHI and TESLIM_SAATI of a delivered parcel (the name masked when scripted)."""
    if (done := delivery(shipment)) is None:
        return None
    name = printed_name(done, capitals=True)
    return name, *_when(done.at)


def _other(shipment: SandboxShipment, package: OtherPackage) -> dict[str, Any]:
    """Another package: a record of its own number, delivered to the addressee or still on its way."""
    if not package.delivered:
        return _record(shipment, package.tracking_number, Step.IN_TRANSIT, None)
    handed = (upper_tr(shipment.recipient_name), *_when(shipment.delivered_at or shipment.last_scan_at))
    return _record(shipment, package.tracking_number, Step.DELIVERED, handed)


def _tracking_number(number: str) -> str:
    """Aras's 13-digit tracking number of the waybill, another number than our integration code."""
    return f"7{zlib.crc32(number.encode()) % 10**12:012d}"


def _when(moment: datetime) -> tuple[str, str]:
    """The day and time of day as the samples write them (``22.02.2015``, ``14:31:05``), Istanbul time."""
    wall = local(moment)
    return wall.strftime("%d.%m.%Y"), wall.strftime("%H:%M:%S")


def _document(sample: str) -> Any:
    """The JSON document inside one of the samples, freshly read."""
    envelope = template_text(CODE, sample)
    return json.loads(unescape(envelope[envelope.index(_OPEN) + len(_OPEN) : envelope.index(_CLOSE)]))


def _reply(sample: str, cargo: Any) -> str:
    """The sample's envelope, its document's records replaced by ``cargo``."""
    document = _document(sample)
    document["QueryResult"]["Cargo"] = cargo
    envelope = template_text(CODE, sample)
    text = escape(json.dumps(document, ensure_ascii=False, separators=(",", ":")))
    return envelope[: envelope.index(_OPEN) + len(_OPEN)] + text + envelope[envelope.index(_CLOSE) :]


def _answer(envelope: str, status: int = 200) -> web.Response:
    return web.Response(status=status, body=envelope.encode(), content_type="text/xml", charset="utf-8")


async def query(request: web.Request) -> web.Response:
    call = soap.read_call(await request.read())
    login = soap.leaves((call.params.get("loginInfo") or "") if call else "") or {}
    question = soap.leaves((call.params.get("queryInfo") or "") if call else "") or {}
    if call is None or call.operation != "GetQueryJSON" or not (
        same(login.get("UserName"), USERNAME) and same(login.get("Password"), PASSWORD)
    ):
        return _answer(template_text(CODE, "fault.xml"), status=500)
    if not same(login.get("CustomerCode"), CUSTOMER_CODE):
        return _answer(template_text(CODE, "not-found.xml"))
    return _answer(render_reply(lookup(request, CODE, question.get("IntegrationCode", ""))))


ARAS = SandboxCarrier(
    code=CODE,
    credentials={"username": USERNAME, "password": PASSWORD, "customer_code": CUSTOMER_CODE,
                 **partner_credentials(CODE)},
    failure=soap.http_error,
    routes=(Route("POST", "/ArasCargoCustomerIntegrationService/ArasCargoIntegrationService.svc", query, "query"),),
    webhook=partner_webhook(CODE),
)
