"""FedEx as the sandbox plays it (shapes from FedEx's published Track API, ``shared/specs/fedex/track.json``):

    POST /fedex/oauth/token                      form: grant_type=client_credentials, client_id, client_secret
    POST /fedex/track/v1/trackingnumbers         Bearer token; ``trackingInfo[].trackingNumberInfo``
    POST /fedex/track/v1/trackingdocuments       Bearer token; the signature proof of delivery (SPOD) as PNG

An unknown number is a 200 whose track result carries ``TRACKING.TRACKINGNUMBER.NOTFOUND``; other errors are
``{"transactionId", "errors": [{"code", "message"}]}``. FedEx names the place (``locationType`` and its
description), not coordinates; the signature comes as the SPOD document. FedEx does not push.
"""

from typing import Any
from uuid import uuid4

from aiohttp import web

from adapters.sandbox.carriers.auth import bearer, same
from adapters.sandbox.carriers.facts import Event, Step, delivery, history
from adapters.sandbox.carriers.kit import SIGNATURE_PNG, Route, SandboxCarrier, View, json_body, local, lookup
from adapters.sandbox.carriers.kit import tokens, upper_tr, view
from adapters.sandbox.carriers.shipments import SandboxShipment
from schemas.proof import RecipientRelation as R

CODE = "fedex"
CLIENT_ID, CLIENT_SECRET = "sandbox-fedex-api-key", "sandbox-fedex-secret-key"
SPOD = "SIGNATURE_PROOF_OF_DELIVERY"

_PLACES = {  # relation → (locationType, locationDescription)
    R.RECIPIENT: ("RESIDENCE", "Residence"),
    R.NEIGHBOUR: ("OTHER", "Neighbor"),
    R.DOORMAN: ("RECEPTIONIST_OR_FRONT_DESK", "Receptionist/Front Desk"),
    R.PARCEL_LOCKER: ("FEDEX_LOCATION", "FedEx locker"),
    R.SAFE_PLACE: ("RESIDENCE", "Front door"),
}
_SCANS = {  # step → (eventType, derivedStatusCode, eventDescription)
    Step.PICKED_UP: ("PU", "PU", "Picked up"),
    Step.IN_TRANSIT: ("DP", "IT", "Departed FedEx location"),
    Step.OUT_FOR_DELIVERY: ("OD", "IT", "On FedEx vehicle for delivery"),
    Step.DELIVERED: ("DL", "DL", "Delivered"),
}
_ERROR_CODES = {401: "NOT.AUTHORIZED.ERROR", 404: "NOT.FOUND.ERROR", 429: "TOO.MANY.REQUESTS.ERROR"}


def failure(status: int, message: str) -> web.Response:
    code = _ERROR_CODES.get(status, "SERVICE.UNAVAILABLE.ERROR" if status >= 500 else "BAD.REQUEST.ERROR")
    body = {"transactionId": str(uuid4()), "errors": [{"code": code, "message": message}]}
    return web.json_response(body, status=status)


def render_result(shipment: SandboxShipment | None, tracking_number: str, at: View) -> dict[str, Any]:
    if shipment is None:
        return {
            "trackingNumberInfo": {"trackingNumber": tracking_number, "carrierCode": "", "trackingNumberUniqueId": ""},
            "error": {"code": "TRACKING.TRACKINGNUMBER.NOTFOUND", "message": "Tracking number cannot be found."},
        }
    events = history(shipment)
    code, derived, description = _SCANS[events[-1].step]
    done = delivery(shipment)
    result: dict[str, Any] = {
        "trackingNumberInfo": {
            "trackingNumber": tracking_number,
            "carrierCode": "FDXE",
            "trackingNumberUniqueId": f"12029~{tracking_number}~FDEG",
        },
        "latestStatusDetail": {"code": code, "derivedCode": derived, "statusByLocale": description,
                               "description": description, "scanLocation": _address(events[-1])},
        "dateAndTimes": [{"type": "ACTUAL_PICKUP", "dateTime": local(events[0].at).isoformat()}],
        "availableImages": [{"size": "LARGE", "type": SPOD}] if done and done.signed else [],
        "scanEvents": [_scan(event) for event in reversed(events)],
    }
    if done is not None:
        location_type, place = _PLACES[done.relation]
        address = _address(events[-1], shipment.postal_code) | {"residential": True}
        details: dict[str, Any] = {"locationType": location_type, "locationDescription": place,
                                   "actualDeliveryAddress": address, "deliveryAttempts": "0"}
        if done.received_by:
            details["receivedByName"] = upper_tr(done.received_by)
            if done.signed:
                details["signedByName"] = upper_tr(done.received_by)
        result["deliveryDetails"] = details
        result["dateAndTimes"].insert(0, {"type": "ACTUAL_DELIVERY", "dateTime": local(done.at).isoformat()})
    return result


def _scan(event: Event) -> dict[str, Any]:
    code, derived, description = _SCANS[event.step]
    return {"date": local(event.at).isoformat(), "eventType": code, "eventDescription": description,
            "derivedStatusCode": derived, "scanLocation": _address(event)}


def _address(event: Event, postal_code: str | None = None) -> dict[str, Any]:
    address: dict[str, Any] = {"city": upper_tr(event.city), "countryCode": "TR"}
    return address | {"postalCode": postal_code} if postal_code else address


async def token(request: web.Request) -> web.Response:
    form = await request.post()
    client_id, secret = form.get("client_id"), form.get("client_secret")
    if not (isinstance(client_id, str) and isinstance(secret, str)) or not (
        same(client_id, CLIENT_ID) and same(secret, CLIENT_SECRET)
    ):
        return failure(401, "The given client credentials were not valid. Please modify your request and try again.")
    if form.get("grant_type") != "client_credentials":
        return failure(400, "Invalid grant_type.")
    issuer = tokens(request, CODE)
    return web.json_response({"access_token": issuer.issue(), "token_type": "bearer",
                              "expires_in": int(issuer.lifetime), "scope": "CXS"})


async def track(request: web.Request) -> web.Response:
    if not tokens(request, CODE).valid(bearer(request.headers.get("Authorization"))):
        return failure(401, "Access token expired. Please modify your request and try again.")
    numbers = _numbers(await json_body(request), "trackingInfo")
    if not numbers:
        return failure(400, "Please provide tracking number.")
    at = view(request, CODE)
    results = [{"trackingNumber": n, "trackResults": [render_result(lookup(request, CODE, n), n, at)]} for n in numbers]
    return web.json_response({"transactionId": str(uuid4()), "output": {"completeTrackResults": results}})


async def documents(request: web.Request) -> web.Response:
    if not tokens(request, CODE).valid(bearer(request.headers.get("Authorization"))):
        return failure(401, "Access token expired. Please modify your request and try again.")
    numbers = _numbers(await json_body(request), "trackDocumentSpecification")
    shipment = lookup(request, CODE, numbers[0]) if numbers else None
    done = delivery(shipment) if shipment else None
    if done is None or not done.signed:
        return failure(404, "Signature proof of delivery is not available.")
    output = {"documentType": SPOD, "documentFormat": "PNG", "document": [SIGNATURE_PNG]}
    return web.json_response({"transactionId": str(uuid4()), "output": output})


def _numbers(body: Any, field: str) -> list[str]:
    entries = body.get(field) if isinstance(body, dict) else None
    numbers = [(e.get("trackingNumberInfo") or {}).get("trackingNumber") for e in entries or () if isinstance(e, dict)]
    return [n for n in numbers if isinstance(n, str) and n]


FEDEX = SandboxCarrier(
    code=CODE,
    credentials={"credentials": {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}},
    failure=failure,
    routes=(
        Route("POST", "/oauth/token", token, "token", auth=True),
        Route("POST", "/track/v1/trackingnumbers", track, "track"),
        Route("POST", "/track/v1/trackingdocuments", documents, "documents"),
    ),
    token_lifetime=3_599,
)
