"""HepsiJET as the sandbox plays it, in the shapes ``carriers/hepsijet`` documents (confirmed endpoints and
status codes; the reply bodies are that package's assumed design, see its docstring):

    GET  /hepsijet/auth/getToken                             HTTP Basic → {"status": "OK", "data": {"token"}}
    POST /hepsijet/deliveryTransaction/getDeliveryTracking   X-Auth-Token; {"deliveries": [{"customerDeliveryNo"}]}
    push: the partner webhook (``partner``)

Errors are ``{"status": "FAIL", "message", "data": null}``; an unknown number is an OK reply with no data.
HepsiJET is the one pull API with the courier's coordinates, links to signature and photo, and a relation.
"""

from typing import Any

from aiohttp import web

from adapters.sandbox.carriers.auth import basic_credentials, same
from adapters.sandbox.carriers.facts import COURIER, Event, Step, delivery, history
from adapters.sandbox.carriers.kit import Route, SandboxCarrier, View, json_body, lookup, tokens, view, wall_clock
from adapters.sandbox.carriers.partner import partner_credentials, partner_webhook
from adapters.sandbox.carriers.shipments import SandboxShipment
from schemas.proof import RecipientRelation as R

CODE = "hepsijet"
USERNAME, PASSWORD = "sandbox-pazaryeri", "sandbox-hepsijet-şifre"  # not ASCII: Basic auth must be UTF-8
TOKEN_HEADER = "X-Auth-Token"

_RELATIONS = {R.RECIPIENT: "SELF", R.NEIGHBOUR: "NEIGHBOUR", R.DOORMAN: "DOORMAN", R.PARCEL_LOCKER: "HEPSIJET_BOX"}
_STATUS = {  # step → (deliveryStatus, description)
    Step.PICKED_UP: ("COLLECTED", "Satıcıdan teslim alındı"),
    Step.IN_TRANSIT: ("READY", "Teslimat merkezine ulaştı"),
    Step.OUT_FOR_DELIVERY: ("DELIVERING", "Dağıtıma çıktı"),
    Step.DELIVERED: ("DELIVERED", "Teslim edildi"),
}


def failure(status: int, message: str) -> web.Response:
    return web.json_response({"status": "FAIL", "message": message, "data": None}, status=status)


def render_delivery(shipment: SandboxShipment, at: View) -> dict[str, Any]:
    events = history(shipment)
    record: dict[str, Any] = {
        "customerDeliveryNo": shipment.tracking_number,
        "deliveryStatus": _STATUS[events[-1].step][0],
        "undeliveredReason": None,
        "transactions": [_transaction(event) for event in events],
        "packageCount": 1,
    }
    if (done := delivery(shipment)) is None:
        return record
    number = shipment.tracking_number
    place = " / ".join(filter(None, (shipment.district, shipment.city)))
    return record | {
        "deliveredDate": wall_clock(done.at),
        "deliveredTo": done.received_by,
        "deliveredToRelation": _RELATIONS.get(done.relation),  # HepsiJET has no word for a doorstep
        "signatureUrl": at.image_link(number, "signature") if done.signed else None,
        "podImageUrl": at.image_link(number, "photo") if done.photographed else None,
        "deliveryLocation": {"latitude": done.position.lat, "longitude": done.position.lon,
                             "accuracy": done.position.accuracy_m, "address": place},
        "courierName": COURIER,
        "deliveryBranchName": f"{shipment.district or shipment.city} Teslimat Merkezi",
    }


def _transaction(event: Event) -> dict[str, Any]:
    status, description = _STATUS[event.step]
    return {"transactionDate": wall_clock(event.at), "deliveryStatus": status, "description": description,
            "city": event.city, "town": event.district}



async def token(request: web.Request) -> web.Response:
    credentials = basic_credentials(request.headers.get("Authorization"))
    if credentials is None or not (same(credentials[0], USERNAME) and same(credentials[1], PASSWORD)):
        return failure(401, "Kullanıcı adı veya şifre hatalı")
    return web.json_response({"status": "OK", "message": None, "data": {"token": tokens(request, CODE).issue()}})


async def tracking(request: web.Request) -> web.Response:
    if not tokens(request, CODE).valid(request.headers.get(TOKEN_HEADER)):
        return failure(401, "Token geçersiz veya süresi dolmuş")
    body = await json_body(request)
    entries = body.get("deliveries") if isinstance(body, dict) else None
    if not isinstance(entries, list) or not entries:
        return failure(400, "deliveries alanı zorunludur")
    at = view(request, CODE)
    numbers = [str(e.get("customerDeliveryNo", "")) for e in entries if isinstance(e, dict)]
    found = [render_delivery(s, at) for n in numbers if (s := lookup(request, CODE, n)) is not None]
    return web.json_response({"status": "OK", "message": None if found else "Gönderi bulunamadı", "data": found})


HEPSIJET = SandboxCarrier(
    code=CODE,
    credentials={"username": USERNAME, "password": PASSWORD, **partner_credentials(CODE)},
    failure=failure,
    routes=(
        Route("GET", "/auth/getToken", token, "token", auth=True),
        Route("POST", "/deliveryTransaction/getDeliveryTracking", tracking, "tracking"),
    ),
    token_lifetime=1_800,
    webhook=partner_webhook(CODE),
)
