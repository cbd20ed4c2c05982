"""UPS as the sandbox plays it: every reply is one of UPS's public samples (``tests/fixtures/carriers/ups/``,
see its PROVENANCE.md) with the values changed, never built from the service's UPS mapping.

    POST /ups/security/v1/oauth/token                 HTTP Basic client id and secret, grant_type=client_credentials
    GET  /ups/api/track/v1/details/{inquiryNumber}    Bearer token; transId and transactionSrc headers required
    push: Track Alert ``TrackingEvent`` with the webhook credential in ``x-api-key``

Which sample each reply starts from:

    delivered package        track-delivered-signature-photo.json (its scans, delivery date and time, and
                             deliveryInformation: place words, receivedBy, signature, photo, POD letter)
    package not delivered    track-in-transit.json (scheduled date, end of day, the photo flags only)
    every scan               the delivered sample's delivery scan, with another status, place and time
    unknown number           track-not-found.json (200 with the TW0001 warning), its inquiryNumber added
    errors                   error-auth / error-invalid-inquiry / track-not-found-404 / error-server.json
    token                    token.json
    push                     alert-delivered-photo.json when delivered, else alert-out-for-delivery.json

Scripted facts: the status sequence (one scan per step), who took it (the place words UPS prints),
signature and photo, a masked receiver name, the raw status type (``status_code`` replaces the current scan's
type), and other packages of the shipment (listed beside the asked one, a delivered one with its own proof).
UPS states no coordinates: a scripted scan distance has nothing to show. Scans are Istanbul local time with
``gmtOffset`` and the GMT pair, as UPS writes them for a Turkish scan.

Assumed (no public sample shows them): the words and two-letter codes of a failed attempt and of a return
(UPS's exception type ``X``), the place words other than "Front Door", and the error codes UPS's table does
not list for a status.
"""

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web

from sandbox.carriers.auth import basic_credentials, bearer, same
from sandbox.carriers.facts import Delivery, Event, Step, delivery, history, printed_name
from sandbox.carriers.kit import PHOTO_PNG, SIGNATURE_PNG, Route, SandboxCarrier, View, Webhook
from sandbox.carriers.kit import compact, local, lookup, template, tokens, upper_tr
from sandbox.carriers.shipments import SandboxShipment, Scenario
from schemas.proof import RecipientRelation as R

CODE = "ups"
CLIENT_ID, CLIENT_SECRET = "sandbox-ups-client-id", "sandbox-ups-client-secret"
WEBHOOK_HEADER, WEBHOOK_CREDENTIAL = "x-api-key", "sandbox-ups-track-alert-credential"
DELIVERED, IN_TRANSIT = "track-delivered-signature-photo.json", "track-in-transit.json"
SAMPLE_NUMBER = "1Z023E2X0214323462"  # the number the delivered sample's POD letter names

# The words UPS prints for where it left the parcel (deliveryInformation.location).
_PLACES = {
    R.RECIPIENT: "Receiver",
    R.HOUSEHOLD_MEMBER: "Residence",
    R.NEIGHBOUR: "Neighbor",
    R.DOORMAN: "Doorman",
    R.PARCEL_LOCKER: "Parcel Locker",
    R.PICKUP_POINT: "UPS Access Point",
    R.SAFE_PLACE: "Front Door",
    R.UNKNOWN: "Other",
}
# step → (status type, code, description, three-digit status code); from the samples unless marked
_SCANS: dict[Step, tuple[str, str, str, str | None]] = {
    Step.PICKED_UP: ("I", "OR", "Origin Scan", "005"),
    Step.IN_TRANSIT: ("I", "DP", "Departed from Facility", "005"),
    Step.OUT_FOR_DELIVERY: ("I", "OT", "Out For Delivery Today", "021"),
    Step.FAILED_ATTEMPT: ("X", "48", "The receiver was not available for delivery.", None),  # assumed
    Step.DELIVERED: ("D", "FS", "DELIVERED ", "011"),
    Step.RETURNED: ("X", "RS", "Returning package to sender.", None),  # assumed
}
_SUMMARY = {"005": "On the Way", "011": "Delivered"}  # currentStatus words, as live replies give them
_AT_THE_DOOR = frozenset({Step.OUT_FOR_DELIVERY, Step.FAILED_ATTEMPT, Step.DELIVERED})  # postal code shown
# error code by HTTP status: 250002 and 10004 from UPS's error table, TW0001 and TV1002 from the samples
_ERRORS = {
    400: ("error-invalid-inquiry.json", "TV1002"),
    401: ("error-auth.json", "250002"),
    403: ("error-auth.json", "250002"),
    404: ("track-not-found-404.json", "TW0001"),
}
_TRANSIENT = ("error-server.json", "10004")


def failure(status: int, message: str) -> web.Response:
    sample, code = _ERRORS.get(status, _TRANSIENT)
    body = template(CODE, sample)
    body["response"]["errors"][0] |= {"code": code, "message": message}
    return web.json_response(body, status=status)


# --- Track API -----------------------------------------------------------------------------------------------


def render_track(shipment: SandboxShipment) -> dict[str, Any]:
    reply: dict[str, Any] = template(CODE, DELIVERED)
    [found] = reply["trackResponse"]["shipment"]
    count = 1 + len(shipment.other_packages)
    found["inquiryNumber"] = shipment.tracking_number
    found["package"] = [_package(shipment, count), *(_package(other, count) for other in _siblings(shipment))]
    return reply


def render_not_found(tracking_number: str) -> dict[str, Any]:
    reply: dict[str, Any] = template(CODE, "track-not-found.json")
    reply["trackResponse"]["shipment"][0] = {"inquiryNumber": tracking_number} | reply["trackResponse"]["shipment"][0]
    return reply


def _siblings(shipment: SandboxShipment) -> list[SandboxShipment]:
    """The shipment's other packages as parcels of their own: a delivered one was delivered when this one
    was (or at its latest scan), with the scenario's full proof; one that is not is still on its way."""
    arrived = shipment.delivered_at or shipment.last_scan_at
    return [
        shipment.model_copy(
            update={
                "tracking_number": other.tracking_number,
                "scenario": Scenario.DELIVERED if other.delivered else Scenario.IN_TRANSIT,
                "delivered_at": arrived if other.delivered else None,
                "statuses": [],
                "status_code": None,
                "relation": None,
                "signed": None,
                "photographed": None,
                "other_packages": [],
            }
        )
        for other in shipment.other_packages
    ]


def _package(shipment: SandboxShipment, count: int) -> dict[str, Any]:
    done = delivery(shipment)
    package: dict[str, Any] = _sample_package(DELIVERED if done else IN_TRANSIT)
    events = history(shipment)
    scans = [_scan(event, shipment) for event in reversed(events)]  # the most recent first
    if shipment.status_code:
        scans[0]["status"]["type"] = shipment.status_code
    package |= {"trackingNumber": shipment.tracking_number, "activity": scans, "packageCount": count}
    package["currentStatus"] = _summary(events[-1].step)
    if done is None:
        package["deliveryDate"][0]["date"] = compact(local(events[-1].at) + timedelta(days=1))[0]
        return package
    date, time = compact(local(done.at))
    package["deliveryDate"][0]["date"] = date
    package["deliveryTime"]["endTime"] = time
    _fill_delivery_information(package["deliveryInformation"], done, shipment.tracking_number)
    return package


def _sample_package(name: str) -> dict[str, Any]:
    package: dict[str, Any] = template(CODE, name)["trackResponse"]["shipment"][0]["package"][0]
    return package


def _scan(event: Event, shipment: SandboxShipment) -> dict[str, Any]:
    scan: dict[str, Any] = _sample_package(DELIVERED)["activity"][0]
    moment, gmt = local(event.at), event.at.astimezone(UTC)
    scan["date"], scan["time"] = compact(moment)
    scan |= {"gmtDate": gmt.strftime("%Y%m%d"), "gmtTime": gmt.strftime("%H:%M:%S"), "gmtOffset": _offset(moment, ":")}
    scan["location"]["address"] = _address(scan["location"]["address"], event, shipment)
    kind, code, description, status_code = _SCANS[event.step]
    status = scan["status"] | {"type": kind, "code": code, "description": description}
    scan["status"] = status | {"statusCode": status_code} if status_code else _without(status, "statusCode")
    return scan


def _address(address: dict[str, Any], event: Event, shipment: SandboxShipment) -> dict[str, Any]:
    """The sample's address with a Turkish scan's place: no state, a postal code only at the door."""
    address = _without(address, "stateProvince") | {"city": upper_tr(event.city), "countryCode": "TR", "country": "TR"}
    if event.step in _AT_THE_DOOR and shipment.postal_code:
        return address | {"postalCode": shipment.postal_code}
    return _without(address, "postalCode")


def _summary(step: Step) -> dict[str, str]:
    kind, code, description, status_code = _SCANS[step]
    if status_code is None:  # an exception: the type and code, as Tracking.yaml's example currentStatus
        return {"type": kind, "code": code, "description": description}
    return {"description": _SUMMARY.get(status_code, description), "code": status_code}


def _fill_delivery_information(info: dict[str, Any], done: Delivery, tracking_number: str) -> None:
    info["location"] = _PLACES[done.relation]
    if done.received_by:
        info["receivedBy"] = printed_name(done, capitals=True)
    else:
        del info["receivedBy"]
    if done.signed:
        info["signature"]["image"] = SIGNATURE_PNG
        info["pod"]["content"] = _pod_letter(info["pod"]["content"], tracking_number, done)
    else:
        del info["signature"], info["pod"]
    if done.photographed:
        info["deliveryPhoto"]["photo"] = PHOTO_PNG
    else:
        del info["deliveryPhoto"]


def _pod_letter(sample_b64: str, tracking_number: str, done: Delivery) -> str:
    """The sample's proof-of-delivery letter (HTML) naming this parcel, its delivery time and place."""
    letter = base64.b64decode(sample_b64).decode()
    when = local(done.at).strftime("%m/%d/%Y %H:%M")
    letter = letter.replace(SAMPLE_NUMBER, tracking_number).replace("02/10/2021 7:13 A.M.", when)
    return base64.b64encode(letter.replace("Front Door", _PLACES[done.relation]).encode()).decode()


# --- Track Alert -------------------------------------------------------------------------------------------


def render_alert(shipment: SandboxShipment) -> dict[str, Any]:
    latest, done = history(shipment)[-1], delivery(shipment)
    event: dict[str, Any] = template(CODE, "alert-delivered-photo.json" if done else "alert-out-for-delivery.json")
    moment, gmt = local(latest.at), latest.at.astimezone(UTC)
    kind, code, description, status_code = _SCANS[latest.step]
    status = event["activityStatus"] | {"type": shipment.status_code or kind, "code": code, "description": description}
    status = status | {"descriptionCode": status_code} if status_code else _without(status, "descriptionCode")
    event |= {
        "trackingNumber": shipment.tracking_number,
        "activityStatus": status,
        "activityLocation": _address(event["activityLocation"], latest, shipment),
        "scheduledDeliveryDate": compact(moment)[0],
        "gmtActivityDate": gmt.strftime("%Y%m%d"),
        "gmtActivityTime": gmt.strftime("%H%M%S"),
    }
    event["localActivityDate"], event["localActivityTime"] = compact(moment)
    if done is None:
        return event
    event["actualDeliveryDate"], event["actualDeliveryTime"] = compact(local(done.at))
    event["gmtOffset"] = _offset(moment, ".")
    if done.received_by:
        event["receivedBy"] = printed_name(done, capitals=True)
    else:
        del event["receivedBy"]
    if done.photographed:
        event["deliveryPhoto"] = PHOTO_PNG
    else:
        del event["deliveryPhoto"]
    return event


def track_alert(shipment: SandboxShipment, at: View) -> Webhook:
    headers = {"Content-Type": "application/json", "User-Agent": "UPSPubSubTrackingService"}
    return Webhook(json.dumps(render_alert(shipment)).encode(), headers | {WEBHOOK_HEADER: WEBHOOK_CREDENTIAL})


# --- handlers ------------------------------------------------------------------------------------------------


async def token(request: web.Request) -> web.Response:
    form = await request.post()
    credentials = basic_credentials(request.headers.get("Authorization"))
    if credentials is None or not (same(credentials[0], CLIENT_ID) and same(credentials[1], CLIENT_SECRET)):
        return failure(401, "Invalid Authentication Information.")
    if form.get("grant_type") != "client_credentials":
        return failure(400, "Invalid or missing grant_type.")
    issuer = tokens(request, CODE)
    body = template(CODE, "token.json") | {
        "client_id": CLIENT_ID,
        "access_token": issuer.issue(),
        "issued_at": str(int(datetime.now(UTC).timestamp() * 1000)),
        "expires_in": str(int(issuer.lifetime)),
    }
    return web.json_response(body)


async def track(request: web.Request) -> web.Response:
    if not tokens(request, CODE).valid(bearer(request.headers.get("Authorization"))):
        return failure(401, "Invalid Authentication Information.")
    if not (request.headers.get("transId") and request.headers.get("transactionSrc")):
        return failure(400, "Missing transId or transactionSrc header.")
    number = request.match_info["inquiry_number"]
    if (shipment := lookup(request, CODE, number)) is None:
        return web.json_response(render_not_found(number))
    return web.json_response(render_track(shipment))


def _offset(moment: datetime, separator: str) -> str:
    """The offset as UPS writes it: ``+03:00`` in the Track API, ``+03.00`` in Track Alert."""
    raw = moment.strftime("%z")
    return f"{raw[:3]}{separator}{raw[3:]}"


def _without(values: dict[str, Any], key: str) -> dict[str, Any]:
    return {name: value for name, value in values.items() if name != key}


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
