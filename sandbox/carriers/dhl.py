"""DHL as the sandbox plays it, every reply filled into DHL's own public samples (tests/fixtures/carriers/dhl):

    GET /dhl/track/shipments?trackingNumber=…    header DHL-API-Key
        → express-spec-example.json (DHL's published example) with this parcel's values
    push: push-delivered.json's wrapper around the same shipment, the subscriber's static token in
        X-Webhook-Token
    errors: 401 error-unauthorized.json, 404 not-found.json, 429 error-rate-limited.json; other statuses
        in not-found.json's problem shape

Times are written as DHL Express writes them: local wall-clock time without an offset, the place's
``countryCode`` (TR) saying whose local time. Scan words are Express's own (express-three-numbers.json;
"Delivery attempted; recipient not home" from repo NajamNazar712/sonic's DHL status list). DHL links its
ePOD and signature and names the signer; it has no coordinates, no photo, no relation field and no masked
names, so those scripted facts are not said. A shipment with other packages is answered as DHL answers a
piece (express-four-pieces.json): the asked number and the others as ``pieceIds``, and the delivery scan
lists only the pieces that arrived.
"""

import json
from typing import Any

from aiohttp import web

from sandbox.carriers.auth import same
from sandbox.carriers.facts import Event, Step, delivery, given_and_family, history, printed_name
from sandbox.carriers.kit import (
    Route,
    SandboxCarrier,
    View,
    Webhook,
    lookup,
    template,
    upper_tr,
    view,
    wall_clock,
)
from sandbox.carriers.shipments import SandboxShipment

CODE = "dhl"
API_KEY_HEADER, API_KEY = "DHL-API-Key", "sandbox-dhl-api-key"
WEBHOOK_HEADER, WEBHOOK_TOKEN = "X-Webhook-Token", "sandbox-dhl-push-token-0123456789ab"
SAMPLE_NUMBER = "7777777770"  # the number in DHL's published example, replaced by the parcel's own

# step → (statusCode, status, description), in DHL Express's words
_WORDS = {
    Step.PICKED_UP: ("transit", "transit", "Shipment picked up"),
    Step.IN_TRANSIT: ("transit", "transit", "Departed Facility in {place}"),
    Step.OUT_FOR_DELIVERY: ("transit", "transit", "With delivery courier"),
    Step.FAILED_ATTEMPT: ("failure", "exception", "Delivery attempted; recipient not home"),
    Step.DELIVERED: ("delivered", "delivered", "Delivered"),
    Step.RETURNED: ("failure", "exception", "Returned to shipper"),
}
_ERRORS = {401: "error-unauthorized.json", 404: "not-found.json", 429: "error-rate-limited.json"}
_TITLES = {500: "Internal Server Error", 503: "Service Unavailable", 504: "Gateway Timeout"}


def failure(status: int, message: str) -> web.Response:
    body = template(CODE, _ERRORS.get(status, "not-found.json"))
    if status not in _ERRORS:
        body.pop("instance", None)
        body |= {"title": _TITLES.get(status, "Error"), "status": status}
    body["detail"] = message
    return web.json_response(body, status=status, content_type="application/problem+json")


def render_shipments(shipment: SandboxShipment, at: View) -> dict[str, Any]:
    reply: dict[str, Any] = template(CODE, "express-spec-example.json")
    number = shipment.tracking_number
    for key in ("url", "prevUrl", "nextUrl", "firstUrl", "lastUrl"):
        reply[key] = reply[key].replace(SAMPLE_NUMBER, number)
    reply["possibleAdditionalShipmentsUrl"] = [
        link.replace(SAMPLE_NUMBER, number) for link in reply["possibleAdditionalShipmentsUrl"]
    ]
    reply["shipments"] = [_shipment(reply["shipments"][0], shipment, at)]
    return reply


def push(shipment: SandboxShipment, at: View) -> Webhook:
    body = template(CODE, "push-delivered.json")
    body["shipments"] = render_shipments(shipment, at)["shipments"]
    data = json.dumps(body, ensure_ascii=False).encode()
    return Webhook(data, {"Content-Type": "application/json", WEBHOOK_HEADER: WEBHOOK_TOKEN})


def _shipment(entry: dict[str, Any], shipment: SandboxShipment, at: View) -> dict[str, Any]:
    number = shipment.tracking_number
    events = [_event(entry["events"][0], event, shipment) for event in reversed(history(shipment))]  # latest first
    _note_pieces(events, shipment)
    if shipment.status_code:
        events[0]["statusCode"] = shipment.status_code
    for key in ("estimatedTimeOfDelivery", "estimatedDeliveryTimeFrame", "estimatedTimeOfDeliveryRemark"):
        entry.pop(key)
    entry |= {
        "id": number,
        "origin": {"address": _address(events[-1]["location"]["address"]["addressLocality"])},
        "destination": {"address": _address(upper_tr(shipment.city), shipment.postal_code)},
        "status": {key: value for key, value in events[0].items() if key != "pieceIds"},
        "serviceUrl": entry["serviceUrl"].replace(SAMPLE_NUMBER, number),
        "rerouteUrl": entry["rerouteUrl"].replace(SAMPLE_NUMBER, number),
        "details": _details(entry["details"], shipment, at),
        "events": events,
    }
    return entry


def _event(sample: dict[str, Any], event: Event, shipment: SandboxShipment) -> dict[str, Any]:
    code, status, description = _WORDS[event.step]
    place = upper_tr(event.city)
    local_step = event.step in (Step.OUT_FOR_DELIVERY, Step.FAILED_ATTEMPT, Step.DELIVERED)
    filled = {key: value for key, value in sample.items() if key not in ("remark", "nextSteps")}
    return filled | {
        "timestamp": wall_clock(event.at.replace(microsecond=0)),
        "location": {"address": _address(place, shipment.postal_code if local_step else None)},
        "statusCode": code,
        "status": status,
        "description": description.format(place=f"{place} - TURKEY"),
    }


def _note_pieces(events: list[dict[str, Any]], shipment: SandboxShipment) -> None:
    """With other packages, scans name the pieces they cover: all of them on the way, only the pieces that
    arrived on the delivery scan (added for the others when the asked one has not arrived)."""
    if not shipment.other_packages:
        return
    arrived = [p.tracking_number for p in shipment.other_packages if p.delivered]
    pieces = [shipment.tracking_number, *(p.tracking_number for p in shipment.other_packages)]
    for event in events:
        event["pieceIds"] = list(pieces)
    if events[0]["statusCode"] == "delivered":
        events[0]["pieceIds"] = [shipment.tracking_number, *arrived]
    elif arrived:
        code, status, description = _WORDS[Step.DELIVERED]
        scan = events[0] | {"statusCode": code, "status": status, "description": description, "pieceIds": arrived}
        events.insert(0, scan)


def _details(details: dict[str, Any], shipment: SandboxShipment, at: View) -> dict[str, Any]:
    details = details | {"receiver": _person(shipment.recipient_name)}
    pieces = [shipment.tracking_number, *(p.tracking_number for p in shipment.other_packages)]
    details |= {"totalNumberOfPieces": len(pieces), "pieceIds": pieces}
    if not shipment.other_packages:
        del details["pieceIds"]
    pod = details.pop("proofOfDelivery")
    if (done := delivery(shipment)) is None:
        return details
    pod["timestamp"] = wall_clock(done.at.replace(microsecond=0))
    if done.signed:  # the ePOD page is the signed proof: no signature, no ePOD
        pod["documentUrl"] = at.image_link(shipment.tracking_number, "pod")
        pod["signatureUrl"] = at.image_link(shipment.tracking_number, "signature")
        pod["signed"] = _person(printed_name(done) or shipment.recipient_name)
    else:
        del pod["documentUrl"], pod["signatureUrl"], pod["signed"]
    return details | {"proofOfDelivery": pod}


def _address(locality: str, postal_code: str | None = None) -> dict[str, str]:
    address = {"countryCode": "TR", "addressLocality": locality}
    return address | {"postalCode": postal_code} if postal_code else address


def _person(name: str) -> dict[str, str]:
    given, family = given_and_family(name)
    return {"@type": "Person", "familyName": family, "givenName": given, "name": name}


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
