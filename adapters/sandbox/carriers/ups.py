"""UPS as the sandbox plays it (shapes from UPS's ``Tracking.yaml`` and ``UPSTrackAlert.yaml``):

    POST /ups/security/v1/oauth/token                 HTTP Basic client id and secret, grant_type=client_credentials
    GET  /ups/api/track/v1/details/{inquiryNumber}    Bearer token; transId and transactionSrc headers required
    push: Track Alert ``TrackingEvent`` with the webhook credential in ``x-api-key``

Errors are UPS's ``{"response": {"errors": [{"code", "message"}]}}``; an unknown number is a 404 (TW0001).
UPS states where it left the parcel in words (``deliveryInformation.location``); it sends no coordinates.
"""

import base64
import json
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from adapters.sandbox.carriers.auth import basic_credentials, bearer, same
from adapters.sandbox.carriers.facts import Delivery, Event, Step, delivery, history
from adapters.sandbox.carriers.kit import PHOTO_PNG, SIGNATURE_PNG, Route, SandboxCarrier, View, Webhook
from adapters.sandbox.carriers.kit import compact, local, lookup, tokens, upper_tr, view
from adapters.sandbox.carriers.shipments import SandboxShipment
from schemas.proof import RecipientRelation as R

CODE = "ups"
CLIENT_ID, CLIENT_SECRET = "sandbox-ups-client-id", "sandbox-ups-client-secret"
WEBHOOK_HEADER, WEBHOOK_CREDENTIAL = "x-api-key", "sandbox-ups-track-alert-credential"
POD_HTML = base64.b64encode(b"<html><body>UPS Proof of Delivery</body></html>").decode()

_PLACES = {
    R.RECIPIENT: "Receiver",
    R.NEIGHBOUR: "Neighbor",
    R.DOORMAN: "Doorman",
    R.PARCEL_LOCKER: "Parcel Locker",
    R.SAFE_PLACE: "Front Door",
}
# step → (activity status type, code, description, status code)
_STATUS = {
    Step.PICKED_UP: ("I", "OR", "Origin Scan", "005"),
    Step.IN_TRANSIT: ("I", "DP", "Departed from Facility", "005"),
    Step.OUT_FOR_DELIVERY: ("I", "OT", "Out For Delivery Today", "021"),
    Step.DELIVERED: ("D", "FS", "Delivered", "011"),
}
_ERROR_CODES = {400: "TV0002", 401: "250002", 404: "TW0001", 429: "10429", 503: "10001", 504: "10002"}


def failure(status: int, message: str) -> web.Response:
    error = {"code": _ERROR_CODES.get(status, "10000"), "message": message}
    return web.json_response({"response": {"errors": [error]}}, status=status)


def render_track(shipment: SandboxShipment, at: View) -> dict[str, Any]:
    events = history(shipment)
    type_, _, description, status_code = _STATUS[events[-1].step]
    package: dict[str, Any] = {
        "trackingNumber": shipment.tracking_number,
        "currentStatus": {"type": type_, "code": status_code, "statusCode": status_code, "description": description},
        "activity": [_activity(event, shipment) for event in reversed(events)],  # most recent first
        "packageCount": 1,
    }
    if (done := delivery(shipment)) is not None:
        date, time = compact(local(done.at))
        package["deliveryDate"] = [{"type": "DEL", "date": date}]
        package["deliveryTime"] = {"type": "DEL", "endTime": time}
        package["deliveryInformation"] = _delivery_information(done)
    return {"trackResponse": {"shipment": [{"inquiryNumber": shipment.tracking_number, "package": [package]}]}}


def render_alert(shipment: SandboxShipment, now: datetime) -> dict[str, Any]:
    latest = history(shipment)[-1]
    (date, time), (gmt_date, gmt_time) = compact(local(latest.at)), compact(latest.at.astimezone(UTC))
    type_, code, description, status_code = _STATUS[latest.step]
    event: dict[str, Any] = {
        "trackingNumber": shipment.tracking_number,
        "localActivityDate": date,
        "localActivityTime": time,
        "activityLocation": _address(latest, shipment),
        "activityStatus": {"type": type_, "code": code, "description": description, "descriptionCode": status_code},
        "gmtActivityDate": gmt_date,
        "gmtActivityTime": gmt_time,
        "gmtOffset": _offset(latest.at, "."),
    }
    if (done := delivery(shipment)) is not None:
        event["actualDeliveryDate"], event["actualDeliveryTime"] = compact(local(done.at))
        if done.received_by:
            event["receivedBy"] = upper_tr(done.received_by)
        if done.photographed:
            event["deliveryPhoto"] = PHOTO_PNG
    return event


def track_alert(shipment: SandboxShipment, at: View) -> Webhook:
    headers = {"Content-Type": "application/json", "User-Agent": "UPSPubSubTrackingService"}
    return Webhook(json.dumps(render_alert(shipment, at.now)).encode(), headers | {WEBHOOK_HEADER: WEBHOOK_CREDENTIAL})


def _activity(event: Event, shipment: SandboxShipment) -> dict[str, Any]:
    (date, time), (gmt_date, gmt_time) = compact(local(event.at)), compact(event.at.astimezone(UTC))
    type_, code, description, status_code = _STATUS[event.step]
    return {
        "date": date,
        "time": time,
        "gmtDate": gmt_date,
        "gmtTime": gmt_time,
        "gmtOffset": _offset(event.at, ":"),
        "location": {"address": _address(event, shipment) | {"countryCode": "TR"}},
        "status": {"type": type_, "code": code, "description": description, "statusCode": status_code},
    }


def _address(event: Event, shipment: SandboxShipment) -> dict[str, str]:
    address = {"city": upper_tr(event.city), "country": "TR"}
    if event.step in (Step.OUT_FOR_DELIVERY, Step.DELIVERED) and shipment.postal_code:
        address["postalCode"] = shipment.postal_code
    return address


def _delivery_information(done: Delivery) -> dict[str, Any]:
    info: dict[str, Any] = {"location": _PLACES[done.relation], "receivedBy": upper_tr(done.received_by or "")}
    if done.signed:
        info["signature"] = {"image": SIGNATURE_PNG}
        info["pod"] = {"content": POD_HTML}
    if done.photographed:
        info["deliveryPhoto"] = {
            "isNonPostalCodeCountry": False,
            "photo": PHOTO_PNG,
            "photoCaptureInd": "Y",
            "photoDispositionCode": "V",
        }
    return info


def _offset(moment: datetime, separator: str) -> str:
    """The Istanbul offset as UPS writes it: ``+03:00`` in the Track API, ``+03.00`` in Track Alert."""
    raw = local(moment).strftime("%z")
    return f"{raw[:3]}{separator}{raw[3:]}"


async def token(request: web.Request) -> web.Response:
    form = await request.post()
    credentials = basic_credentials(request.headers.get("Authorization"))
    if credentials is None or not (same(credentials[0], CLIENT_ID) and same(credentials[1], CLIENT_SECRET)):
        return failure(401, "Invalid Authentication Information.")
    if form.get("grant_type") != "client_credentials":
        return failure(400, "Invalid or missing grant_type.")
    issuer = tokens(request, CODE)
    return web.json_response({
        "token_type": "Bearer",
        "issued_at": str(int(datetime.now(UTC).timestamp() * 1000)),
        "client_id": CLIENT_ID,
        "access_token": issuer.issue(),
        "expires_in": str(int(issuer.lifetime)),
        "status": "approved",
    })


async def track(request: web.Request) -> web.Response:
    if not tokens(request, CODE).valid(bearer(request.headers.get("Authorization"))):
        return failure(401, "Invalid Authentication Information.")
    if not (request.headers.get("transId") and request.headers.get("transactionSrc")):
        return failure(400, "Missing transId or transactionSrc header.")
    if (shipment := lookup(request, CODE, request.match_info["inquiry_number"])) is None:
        return failure(404, "Tracking Information Not Found")
    return web.json_response(render_track(shipment, view(request, CODE)))


UPS = SandboxCarrier(
    code=CODE,
    credentials={
        "credentials": {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET},
        "webhook_header": WEBHOOK_HEADER,
        "webhook_credential": WEBHOOK_CREDENTIAL,
    },
    failure=failure,
    routes=(
        Route("POST", "/security/v1/oauth/token", token, "token", auth=True),
        Route("GET", "/api/track/v1/details/{inquiry_number}", track, "track"),
    ),
    token_lifetime=14_399,
    webhook=track_alert,
)
