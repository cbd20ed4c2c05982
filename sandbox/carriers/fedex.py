"""FedEx as the sandbox plays it, every reply built from FedEx's own reply samples
(``tests/fixtures/carriers/fedex/``, see PROVENANCE.md), of which only values change:

    POST /fedex/oauth/token                      form: grant_type=client_credentials, client_id, client_secret
    POST /fedex/track/v1/trackingnumbers         Bearer token; ``trackingInfo[].trackingNumberInfo``
    POST /fedex/track/v1/trackingdocuments       Bearer token; the signature proof of delivery (SPOD)

A reply is FedEx's sandbox envelope (its ``VIRTUAL.RESPONSE`` alert beside the data) around one result
per number. The result starts from the sample for the parcel's state (``track-out-for-delivery.json`` on the
way, ``track-failed-attempt.json``, ``track-returned.json``, the delivered result of
``track-duplicate-results.json``); its scans are the samples' scans of each kind, re-dated and re-placed.
An unknown number is ``track-not-found.json``; errors are the published error replies (``error-*.json``);
the SPOD is ``spod-documents-sandbox.json``, as FedEx's sandbox sends it: ``output.documents``, a PDF.

Scripted facts it honours: the status sequence, the receiver and relation (``locationType``), whether it was
signed (the SPOD is offered and served), a masked name, a raw status code (``latestStatusDetail.code``), and
other packages (one result each, beside the asked one). FedEx names the place, never coordinates, and has no
photo: GPS and photos are not FedEx's to say. FedEx does not push.
"""

from datetime import datetime, timedelta
from typing import Any
from uuid import uuid4

from aiohttp import web

from sandbox.carriers.auth import bearer, same
from sandbox.carriers.facts import Delivery, Event, Step, delivery, history, printed_name
from sandbox.carriers.kit import Route, SandboxCarrier, json_body, local, lookup, template, tokens, upper_tr
from sandbox.carriers.shipments import SandboxShipment, Scenario
from sandbox.carriers.state import SHIPMENTS
from schemas.proof import RecipientRelation as R

CODE = "fedex"
CLIENT_ID, CLIENT_SECRET = "sandbox-fedex-api-key", "sandbox-fedex-secret-key"

_PLACES = {  # relation → (locationType, locationDescription)
    R.RECIPIENT: ("RESIDENCE", "Residence"),
    R.NEIGHBOUR: ("OTHER", "Neighbor"),
    R.DOORMAN: ("RECEPTIONIST_OR_FRONT_DESK", "Receptionist/Front Desk"),
    R.PARCEL_LOCKER: ("FEDEX_LOCATION", "FedEx locker"),
    R.SAFE_PLACE: ("RESIDENCE", "Front door"),
}
_SAMPLES = {  # step → (sample, index of the result in it, the eventType of the sample's scan for that step)
    Step.PICKED_UP: ("track-out-for-delivery.json", 0, "PU"),
    Step.IN_TRANSIT: ("track-out-for-delivery.json", 0, "DP"),
    Step.OUT_FOR_DELIVERY: ("track-out-for-delivery.json", 0, "OD"),
    Step.FAILED_ATTEMPT: ("track-failed-attempt.json", 0, "DE"),
    Step.DELIVERED: ("track-duplicate-results.json", 1, "DL"),
    Step.RETURNED: ("track-returned.json", 0, "RS"),
}
_ERRORS = {401: "error-unauthorized.json", 503: "error-server.json"}
_ERROR_CODES = {403: "FORBIDDEN.ERROR", 404: "NOT.FOUND.ERROR", 429: "TOO.MANY.REQUESTS.ERROR"}


def failure(status: int, message: str) -> web.Response:
    """FedEx's error envelope (``transactionId``, ``errors[{code, message}]``) for an HTTP status."""
    body = template(CODE, _ERRORS.get(status) or ("error-server.json" if status >= 500 else "error-bad-request.json"))
    body["transactionId"] = str(uuid4())
    error = body["errors"][0]
    error["message"] = message
    error["code"] = _ERROR_CODES.get(status, error["code"])
    return web.json_response(body, status=status)


def render_track(numbers: list[str], found: list[SandboxShipment | None]) -> dict[str, Any]:
    """The track reply for the asked numbers, with a result for every other package of their shipments."""
    body: dict[str, Any] = template(CODE, "track-out-for-delivery.json")
    body["transactionId"] = f"APIF_SV_TRKC_TxID{uuid4()}"
    groups = []
    for number, shipment in zip(numbers, found, strict=True):
        count = 1 + len(shipment.other_packages) if shipment else 1
        groups.append(_group(number, shipment, 1, count))
        groups.extend(_group(*sibling, sequence, count) for sequence, sibling in enumerate(_siblings(shipment), 2))
    body["output"]["completeTrackResults"] = groups
    return body


def _group(number: str, shipment: SandboxShipment | None, sequence: int, count: int) -> dict[str, Any]:
    if shipment is None:
        group: dict[str, Any] = template(CODE, "track-not-found.json")["output"]["completeTrackResults"][0]
        group["trackResults"][0]["trackingNumberInfo"]["trackingNumber"] = number
    else:
        group = {"trackResults": [_result(number, shipment, sequence, count)]}
    return group | {"trackingNumber": number}


def _sample_result(step: Step) -> dict[str, Any]:
    name, index, _ = _SAMPLES[step]
    result: dict[str, Any] = template(CODE, name)["output"]["completeTrackResults"][0]["trackResults"][index]
    return result


def _result(number: str, shipment: SandboxShipment, sequence: int, count: int) -> dict[str, Any]:
    """The result about package `sequence` of the shipment's `count` (``packageDetails``: "the total number of
    pieces in the shipment")."""
    events = history(shipment)
    step = events[-1].step
    result = _sample_result(step)
    result["packageDetails"] |= {"sequenceNumber": str(sequence), "count": str(count)}
    info = result["trackingNumberInfo"]
    prefix, _, suffix = info["trackingNumberUniqueId"].split("~")
    info |= {"trackingNumber": number, "trackingNumberUniqueId": f"{prefix}~{number}~{suffix}"}
    result["latestStatusDetail"] = _status(step, shipment.status_code)
    result["scanEvents"] = [_scan(event, shipment) for event in reversed(events)]  # FedEx lists newest first
    done = delivery(shipment)
    result["dateAndTimes"] = _dates(result["dateAndTimes"], events[0].at, events[-1].at, done)
    result["availableImages"] = [{"type": "SIGNATURE_PROOF_OF_DELIVERY"}] if done and done.signed else []
    result["deliveryDetails"].pop("receivedByName", None)  # names come from the script only
    if done is not None:
        _delivered(result["deliveryDetails"], shipment, done)
    return result


def _status(step: Step, raw_code: str | None) -> dict[str, Any]:
    """The latest status as the step's sample words it (a scripted raw code replacing its codes)."""
    status: dict[str, Any] = _sample_result(step)["latestStatusDetail"]
    if step in (Step.PICKED_UP, Step.IN_TRANSIT):  # the out-for-delivery sample's status, worded as the scan
        scan = _sample_scan(step)
        status |= {"code": scan["eventType"], "derivedCode": scan["derivedStatusCode"],
                   "statusByLocale": scan["derivedStatus"], "description": scan["eventDescription"]}
    if raw_code:
        status |= {"code": raw_code, "derivedCode": raw_code}
    return status


def _sample_scan(step: Step) -> dict[str, Any]:
    event_type = _SAMPLES[step][2]
    scans: list[dict[str, Any]] = _sample_result(step)["scanEvents"]
    return next(scan for scan in scans if scan["eventType"] == event_type)


def _scan(event: Event, shipment: SandboxShipment) -> dict[str, Any]:
    scan = _sample_scan(event.step)
    scan["date"] = local(event.at).isoformat()
    postal = shipment.postal_code if event.step in (Step.DELIVERED, Step.FAILED_ATTEMPT) else None
    scan["scanLocation"] = _placed(scan["scanLocation"], event.city, postal)
    return scan


def _placed(address: dict[str, Any], city: str, postal_code: str | None) -> dict[str, Any]:
    values = {"city": upper_tr(city), "stateOrProvinceCode": "", "countryCode": "TR", "countryName": "Turkey"}
    return address | values | {"postalCode": postal_code or ""}


def _dates(dates: list[dict[str, Any]], first: datetime, last: datetime, done: Delivery | None) -> list[dict[str, Any]]:
    """The sample's dates re-dated: the delivery when there is one, an estimate a day on, the rest at pickup."""
    moments = {"ACTUAL_DELIVERY": done.at if done else None, "ESTIMATED_DELIVERY": last + timedelta(days=1)}
    kept = [entry for entry in dates if entry["type"] != "ACTUAL_DELIVERY" or done]
    return [entry | {"dateTime": local(moments.get(entry["type"]) or first).isoformat()} for entry in kept]


def _delivered(details: dict[str, Any], shipment: SandboxShipment, done: Delivery) -> None:
    location_type, place = _PLACES[done.relation]
    details |= {"locationType": location_type, "locationDescription": place}
    details["actualDeliveryAddress"] = _placed(details["actualDeliveryAddress"], shipment.city, shipment.postal_code)
    if done.received_by:
        details["receivedByName"] = printed_name(done, capitals=True)


def _siblings(shipment: SandboxShipment | None) -> list[tuple[str, SandboxShipment]]:
    """The shipment's other packages, each as a parcel of its own: delivered, or still on its way."""
    if shipment is None:
        return []
    return [
        (package.tracking_number, shipment.model_copy(update={
            "statuses": [Step.DELIVERED if package.delivered else Step.IN_TRANSIT],
            "status_code": None,
            "other_packages": [],
        }))
        for package in shipment.other_packages
    ]


async def token(request: web.Request) -> web.Response:
    form = await request.post()
    client_id, secret = form.get("client_id"), form.get("client_secret")
    if not (isinstance(client_id, str) and isinstance(secret, str)) or not (
        same(client_id, CLIENT_ID) and same(secret, CLIENT_SECRET)
    ):
        body = template(CODE, "token-error.json") | {"transactionId": str(uuid4())}
        return web.json_response(body, status=401)
    if form.get("grant_type") != "client_credentials":
        return failure(400, "Invalid grant_type.")
    issuer = tokens(request, CODE)
    body = template(CODE, "token.json") | {"access_token": issuer.issue(), "expires_in": int(issuer.lifetime)}
    return web.json_response(body)


async def track(request: web.Request) -> web.Response:
    if not tokens(request, CODE).valid(bearer(request.headers.get("Authorization"))):
        return failure(401, "Access token expired. Please modify your request and try again.")
    numbers = _numbers(await json_body(request), "trackingInfo")
    if not numbers:
        return failure(400, "Please provide tracking number.")
    return web.json_response(render_track(numbers, [lookup(request, CODE, n) for n in numbers]))


async def documents(request: web.Request) -> web.Response:
    if not tokens(request, CODE).valid(bearer(request.headers.get("Authorization"))):
        return failure(401, "Access token expired. Please modify your request and try again.")
    numbers = _numbers(await json_body(request), "trackDocumentSpecification")
    # Read, not looked up: the SPOD belongs to the track call before it and must not move the parcel along.
    shipment = request.app[SHIPMENTS].get((CODE, numbers[0])) if numbers else None
    done = delivery(shipment) if shipment and shipment.scenario is not Scenario.UNKNOWN else None
    if done is None or not done.signed:
        body = template(CODE, "spod-not-found.json") | {"transactionId": str(uuid4())}
        return web.json_response(body, status=400)
    body = template(CODE, "spod-documents-sandbox.json") | {"transactionId": f"APIF_SV_TRKC_TxID{uuid4()}"}
    return web.json_response(body)


def _numbers(body: Any, field: str) -> list[str]:
    entries = body.get(field) if isinstance(body, dict) else None
    numbers = [(e.get("trackingNumberInfo") or {}).get("trackingNumber") for e in entries or () if isinstance(e, dict)]
    return [n.strip() for n in numbers if isinstance(n, str) and n.strip()]


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
