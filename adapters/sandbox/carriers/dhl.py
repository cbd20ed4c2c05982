"""DHL as the sandbox plays it (shapes from DHL's published unified tracking example):

    GET /dhl/track/shipments?trackingNumber=…    header DHL-API-Key
    push: the same ``{"shipments": [...]}`` body, with the subscriber's static token in X-Webhook-Token

Errors are RFC 7807 problems (``{"status", "title", "detail"}``); an unknown number is a 404. DHL links its
signature and POD documents (``signatureUrl``, ``documentUrl``) and names the signer; it has no coordinates
and no relation field, only the signer's and the receiver's names.
"""

import json
from typing import Any

from aiohttp import web

from adapters.sandbox.carriers.auth import same
from adapters.sandbox.carriers.facts import Event, Step, delivery, given_and_family, history
from adapters.sandbox.carriers.kit import Route, SandboxCarrier, View, Webhook, local, lookup, upper_tr, view
from adapters.sandbox.carriers.shipments import SandboxShipment
from schemas.proof import RecipientRelation as R

CODE = "dhl"
API_KEY_HEADER, API_KEY = "DHL-API-Key", "sandbox-dhl-api-key"
WEBHOOK_HEADER, WEBHOOK_TOKEN = "X-Webhook-Token", "sandbox-dhl-push-token"

# step → (statusCode, status, description)
_STATUS = {
    Step.PICKED_UP: ("transit", "PROCESSED", "Shipment picked up"),
    Step.IN_TRANSIT: ("transit", "IN TRANSIT", "Departed Facility"),
    Step.OUT_FOR_DELIVERY: ("transit", "WITH DELIVERY COURIER", "With delivery courier"),
    Step.DELIVERED: ("delivered", "DELIVERED", "Delivered"),
}
_DELIVERED_TO = {
    R.NEIGHBOUR: "Delivered - to neighbour",
    R.DOORMAN: "Delivered - to reception / concierge",
    R.PARCEL_LOCKER: "Delivered - to parcel locker",
    R.SAFE_PLACE: "Delivered - left at front door",
}


def failure(status: int, message: str) -> web.Response:
    titles = {401: "Unauthorized", 404: "No result found", 429: "Too many requests"}
    body = {"status": status, "title": titles.get(status, "Service unavailable"), "detail": message}
    return web.json_response(body, status=status, content_type="application/problem+json")


def render_shipments(shipment: SandboxShipment, at: View) -> dict[str, Any]:
    events = [_status(event, shipment) for event in reversed(history(shipment))]  # latest first
    details: dict[str, Any] = {"receiver": _person(shipment.recipient_name), "totalNumberOfPieces": 1}
    if (done := delivery(shipment)) is not None:
        pod: dict[str, Any] = {"timestamp": local(done.at).isoformat()}
        if done.signed:
            pod["signatureUrl"] = at.image_link(shipment.tracking_number, "signature")
            pod["documentUrl"] = at.image_link(shipment.tracking_number, "pod")
            pod["signed"] = _person(done.received_by or shipment.recipient_name)
        details["proofOfDelivery"] = pod
        details["proofOfDeliverySignedAvailable"] = done.signed
        events[0]["description"] = _DELIVERED_TO.get(done.relation, "Delivered")
    return {
        "shipments": [{
            "id": shipment.tracking_number,
            "service": "express",
            "destination": {"address": _address(shipment.city, shipment.postal_code)},
            "status": events[0],
            "details": details,
            "events": events,
        }],
    }


def push(shipment: SandboxShipment, at: View) -> Webhook:
    body = json.dumps(render_shipments(shipment, at), ensure_ascii=False).encode()
    return Webhook(body, {"Content-Type": "application/json", WEBHOOK_HEADER: WEBHOOK_TOKEN})


def _status(event: Event, shipment: SandboxShipment) -> dict[str, Any]:
    code, status, description = _STATUS[event.step]
    local_step = event.step in (Step.OUT_FOR_DELIVERY, Step.DELIVERED)
    return {
        "timestamp": local(event.at).isoformat(),
        "location": {"address": _address(event.city, shipment.postal_code if local_step else None)},
        "statusCode": code,
        "status": status,
        "description": description,
    }


def _address(city: str, postal_code: str | None) -> dict[str, str]:
    address = {"countryCode": "TR", "addressLocality": upper_tr(city)}
    return address | {"postalCode": postal_code} if postal_code else address


def _person(name: str) -> dict[str, str]:
    given, family = given_and_family(name)
    return {"@type": "Person", "name": name, "givenName": given, "familyName": family}


async def track(request: web.Request) -> web.Response:
    if not same(request.headers.get(API_KEY_HEADER), API_KEY):
        return failure(401, "Unauthorized for given resource.")
    number = request.query.get("trackingNumber", "")
    if (shipment := lookup(request, CODE, number)) is None:
        return failure(404, "No shipment with given tracking number found.")
    return web.json_response(render_shipments(shipment, view(request, CODE)))


DHL = SandboxCarrier(
    code=CODE,
    credentials={"api_key": API_KEY, "webhook_header": WEBHOOK_HEADER, "webhook_token": WEBHOOK_TOKEN},
    failure=failure,
    routes=(Route("GET", "/track/shipments", track, "track"),),
    webhook=push,
)
