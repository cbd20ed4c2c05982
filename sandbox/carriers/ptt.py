"""PTT Kargo as the sandbox plays it, every reply one of PTT's public samples with its values changed
(``tests/fixtures/carriers/ptt/``, where ``PROVENANCE.md`` says where each comes from):

    POST /ptt/GonderiTakipV2/services/Sorgu    SOAP ``gonderiSorgu`` / ``gonderiSorgu_referansNo``,
                                               parameters in ``input``: barkod | referansNo, kullanici, sifre
    push: the partner webhook (``partner``)

A parcel PTT knows is ``gonderiSorgu-delivered-to-addressee.xml``: its barcode, addressee, offices and
movements (``dongu``, one per scan, numbered by ``siraNo``, each with PTT's code ``IKODU`` and words), and
``TESALAN`` once someone signed. An unknown number is ``gonderiSorgu-not-found.xml``; wrong credentials are
``fault-bad-credentials.xml`` (HTTP 500), as PTT refuses them.

Scripted facts PTT's replies can say: the status sequence (one movement per step), who took the parcel
(a code that names the relation where PTT has one, else the signer's name in ``TESALAN``), and a raw
status code for the current state. PTT's pull names the signer in full and carries no coordinates, no
signature and no photo, and one barcode is one package: masked names, GPS, images and other packages are
for its pushes (``partner``).
"""

import re
from datetime import datetime
from xml.sax.saxutils import escape

from aiohttp import web

from sandbox.carriers import soap
from sandbox.carriers.auth import same
from sandbox.carriers.facts import Delivery, Event, Step, delivery, history, printed_name
from sandbox.carriers.kit import Route, SandboxCarrier, local, lookup, template_text, upper_tr
from sandbox.carriers.partner import partner_credentials, partner_webhook
from sandbox.carriers.shipments import SandboxShipment
from schemas.proof import RecipientRelation as R

CODE = "ptt"
USERNAME, PASSWORD = "900012345", "sandbox-ptt-sifre"
SENDER = "Sandbox Pazaryeri A.Ş."
FOUND, NOT_FOUND, REFUSED = (
    "gonderiSorgu-delivered-to-addressee.xml", "gonderiSorgu-not-found.xml", "fault-bad-credentials.xml",
)
_OPERATIONS = {"gonderiSorgu": "barkod", "gonderiSorgu_referansNo": "referansNo"}  # operation → key parameter
_MOVEMENT = re.compile(r"[ \t]*<ax21:dongu>.*?</ax21:dongu>\n", re.DOTALL)

# PTT's code and words for each step (PTT's status table, ``durum-kodlari.md``)
_STEPS = {
    Step.PICKED_UP: ("1", "Kabul Edildi"),
    Step.IN_TRANSIT: ("77", "Sevk Edildi"),
    Step.OUT_FOR_DELIVERY: ("7", "Dağıtıcıya Verildi"),
    Step.FAILED_ATTEMPT: ("101", "Teslim Edilemedi"),
    Step.RETURNED: ("99", "İade Edilecek"),
    Step.DELIVERED: ("100", "Teslim Edildi"),
}
# a delivery PTT words by who took it; the others are "Teslim Edildi", with the signer's name
_DELIVERED_TO = {
    R.HOUSEHOLD_MEMBER: ("812", "AYNI KONUTTA YAKINA TESLiM"),
    R.PARCEL_LOCKER: ("202", "Kargomatikten Teslim Alındı"),
}


def render_found(shipment: SandboxShipment, operation: str) -> str:
    """PTT's reply for a parcel it knows, from the sample of a delivered one."""
    done, events = delivery(shipment), history(shipment)
    reply = _answering(template_text(CODE, FOUND), operation)
    fields = {
        "ALICI": shipment.recipient_name,
        "BARNO": shipment.tracking_number,
        "GONDEREN": SENDER,
        "ITARIH": _date(events[0].at),
        "TESALAN": printed_name(done, capitals=True) if done else None,
        "VMERK": _office(shipment.city, shipment.district),
    }
    for tag, value in fields.items():
        reply = _set(reply, tag, value)
    movement = _MOVEMENT.search(reply)
    if movement is None:
        raise ValueError(f"the sample {FOUND} has no movement to copy")
    rendered = "".join(
        _movement(movement.group(), event, number, _code(shipment, event, done, latest=number == len(events)))
        for number, event in enumerate(events, start=1)
    )
    return reply[: movement.start()] + rendered + _MOVEMENT.sub("", reply[movement.start():])


def render_not_found(operation: str) -> str:
    return _answering(template_text(CODE, NOT_FOUND), operation)


def _answering(reply: str, operation: str) -> str:
    return reply.replace("gonderiSorguResponse", f"{operation}Response")


def _code(shipment: SandboxShipment, event: Event, done: Delivery | None, *, latest: bool) -> tuple[str, str]:
    code, words = _STEPS[event.step]
    if done is not None and event.step is Step.DELIVERED:
        code, words = _DELIVERED_TO.get(done.relation, (code, words))
    return (shipment.status_code or code) if latest else code, words


def _movement(sample: str, event: Event, number: int, code: tuple[str, str]) -> str:
    at = local(event.at)
    values = {
        "IKODU": code[0],
        "IMERK": _office(event.city, event.district),
        "ISAAT": at.strftime("%H:%M:%S"),
        "ISLEM": code[1],
        "ITARIH": _date(at),
        "siraNo": str(number),
    }
    for tag, value in values.items():
        sample = _set(sample, tag, value)
    return sample


def _set(xml: str, tag: str, value: str | None) -> str:
    """The sample with the first ``tag`` element holding ``value``; the element (its line) left out for None."""
    element = re.compile(rf"([ \t]*)<ax21:{tag}>[^<]*</ax21:{tag}>(\n?)")
    if value is None:
        return element.sub("", xml, count=1)
    return element.sub(lambda m: f"{m[1]}<ax21:{tag}>{escape(value)}</ax21:{tag}>{m[2]}", xml, count=1)


def _office(city: str, district: str | None) -> str:
    return upper_tr(f"{city}/{district}" if district else city)


def _date(moment: datetime) -> str:
    return local(moment).strftime("%d/%m/%Y")


def _xml(body: str, status: int = 200) -> web.Response:
    return web.Response(status=status, body=body.encode(), content_type="text/xml", charset="utf-8")


async def query(request: web.Request) -> web.Response:
    call = soap.read_call(await request.read())
    if call is None or call.operation not in _OPERATIONS:
        return soap.fault("Client", "Geçersiz istek", prefix="soapenv")
    params = call.params
    if not (same(params.get("kullanici"), USERNAME) and same(params.get("sifre"), PASSWORD)):
        return _xml(template_text(CODE, REFUSED), status=500)
    shipment = lookup(request, CODE, params.get(_OPERATIONS[call.operation], ""))
    if shipment is None:
        return _xml(render_not_found(call.operation))
    return _xml(render_found(shipment, call.operation))


PTT = SandboxCarrier(
    code=CODE,
    credentials={"username": USERNAME, "password": PASSWORD, **partner_credentials(CODE)},
    failure=soap.http_error,
    routes=(Route("POST", "/GonderiTakipV2/services/Sorgu", query, "query"),),
    webhook=partner_webhook(CODE),
)
