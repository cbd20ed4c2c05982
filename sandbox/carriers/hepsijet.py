"""HepsiJET as the sandbox plays it: every reply is one of HepsiJET's published samples
(``tests/fixtures/carriers/hepsijet/``, see its PROVENANCE.md) with the values changed for the shipment.

    GET  /hepsijet/auth/getToken                                 Basic auth + apikey → token-ok.json
    POST /hepsijet/rest/deliveryTransaction/getDeliveryTracking  X-Auth-Token + apikey; {"deliveries": [...]}
                                                                 → tracking-*.json (unknown: tracking-not-found)
    POST /hepsijet/rest/delivery/integration/track               X-Auth-Token + apikey; {"barcodes": [...]}
                                                                 → track-*.json (main steps, who took it)
    push: the partner webhook (``partner``)

Errors are token-fail.json's shape, ``{"status": "FAIL", "message"}``, with the HTTP status of the refusal.
A delivered entry names who took the parcel (masked) and when, as tracking-delivered-published.json does.
What HepsiJET's pull cannot say, it does not say: no signature, photo, coordinates or relation (a push
carries those). Scripted per number: the status sequence (each tracking call moves it on; the receiver call
reads the state that call found), who took it and whether the name is masked, a raw
``deliveryStatus`` code, and other packages (one entry per parcel, told apart by ``barcode``).
"""

from datetime import datetime
from typing import Any

from aiohttp import web

from sandbox.carriers.auth import basic_credentials, same
from sandbox.carriers.facts import Event, Step, delivery, history, masked, printed_name
from sandbox.carriers.kit import (
    Route,
    SandboxCarrier,
    current,
    json_body,
    local,
    lookup,
    template,
    tokens,
    upper_tr,
)
from sandbox.carriers.partner import partner_credentials, partner_webhook
from sandbox.carriers.shipments import SandboxShipment

CODE = "hepsijet"
USERNAME, PASSWORD = "sandbox-pazaryeri", "sandbox-hepsijet-şifre"  # not ASCII: Basic auth must be UTF-8
APIKEY = "sandbox-hepsijet-apikey-0001"
TOKEN_HEADER, APIKEY_HEADER = "X-Auth-Token", "apikey"

# Each step in HepsiJET's words: the sample and index of the getDeliveryTracking transaction that says it.
_STEPS: dict[Step, tuple[str, int]] = {
    Step.PICKED_UP: ("tracking-undelivered.json", 0),  # READY "Kargoya verildi"
    Step.IN_TRANSIT: ("tracking-undelivered.json", 1),  # DISPATCHING "Teslimat birimine ulaştı"
    Step.OUT_FOR_DELIVERY: ("tracking-undelivered.json", 2),  # DELIVERING "Dağıtıma çıktı"
    Step.FAILED_ATTEMPT: ("tracking-undelivered.json", 3),  # RETRY, RECIPIENT_NOT_FOUND
    Step.DELIVERED: ("tracking-delivered.json", 2),  # DELIVERED "TESLİM EDİLDİ"
    Step.RETURNED: ("tracking-undelivered.json", 5),  # "(İade Edilecek)", said as RETURNED below
}
# The main steps integration/track reports (it leaves the branch transfer out): sample, result, detail.
_MAIN_STEPS: dict[Step, tuple[str, int]] = {
    Step.PICKED_UP: ("track-delivered.json", 0),  # ACCEPTED
    Step.OUT_FOR_DELIVERY: ("track-delivered.json", 1),  # OUT_FOR_DELIVERY
    Step.FAILED_ATTEMPT: ("track-failed-attempt.json", 2),  # FAILED_ATTEMPT, nonDeliveryReason
    Step.DELIVERED: ("track-delivered.json", 2),  # DELIVERED, deliveredPerson
    Step.RETURNED: ("track-failed-attempt.json", 2),  # said as RETURNED below
}


def failure(status: int, message: str) -> web.Response:
    body = template(CODE, "token-fail.json") | {"message": message}
    return web.json_response(body, status=status)


def render_tracking(shipment: SandboxShipment) -> list[dict[str, Any]]:
    """The shipment's ``getDeliveryTracking`` entries: its own, then one per other package."""
    events = history(shipment)
    steps = [_transaction(shipment, event) for event in events]
    if shipment.status_code:
        steps[-1]["deliveryStatus"] = shipment.status_code
    entries = [_entry(shipment, shipment.tracking_number, steps)]
    for package in shipment.other_packages:
        last = Step.DELIVERED if package.delivered else Step.OUT_FOR_DELIVERY
        route = [e for e in events if e.step in (Step.PICKED_UP, Step.IN_TRANSIT)]
        own = [*route, Event(last, events[-1].at, shipment.city, shipment.district)]
        entries.append(_entry(shipment, package.tracking_number, [_transaction(shipment, e) for e in own]))
    return entries


def render_track(shipment: SandboxShipment) -> dict[str, Any]:
    """The shipment's ``integration/track`` result: its main steps, and who took it once delivered."""
    result: dict[str, Any] = template(CODE, "track-delivered.json")["data"][0]
    number = shipment.tracking_number
    result |= {"barcode": number, "trackingUrl": f"{result['trackingUrl'].rpartition('/')[0]}/{number}"}
    result["details"] = [_detail(shipment, e) for e in history(shipment) if e.step in _MAIN_STEPS]
    return result


def _entry(shipment: SandboxShipment, barcode: str, steps: list[dict[str, Any]]) -> dict[str, Any]:
    entry: dict[str, Any] = template(CODE, "tracking-undelivered.json")["data"][0]
    last = steps[-1]
    addressee = masked(shipment.recipient_name)  # HepsiJET prints both names masked
    return entry | _handed_over(shipment, barcode, last) | {
        "arrivalBranch": _branch(shipment),
        "customerDeliveryNo": shipment.tracking_number,
        "barcode": barcode,
        "currentLocation": last["location"],
        "lastTransaction": last["transaction"],
        "receiver": addressee,
        "recipientName": addressee,
        "deliveryStatus": last["deliveryStatus"],
        "operationStatus": last["operationStatus"],
        "transactionType": last["transactionType"],
        "transactions": steps,
    }


def _handed_over(shipment: SandboxShipment, barcode: str, last: dict[str, Any]) -> dict[str, Any]:
    """Who took the asked parcel and when, on its delivered entry, as Hepsiburada's published delivered reply
    (``tracking-delivered-published.json``) gives them: ``deliveredPerson`` masked (whether or not integration/track
    prints the name whole), ``deliveredDate`` the hand-over's time."""
    done = delivery(shipment)
    if barcode != shipment.tracking_number or done is None or last.get("deliveryStatus") != "DELIVERED":
        return {}
    published = template(CODE, "tracking-delivered-published.json")["data"][0]
    fields = {"deliveredDate": _time(done.at)}
    if done.received_by:
        fields["deliveredPerson"] = masked(done.received_by)
    return {key: value for key, value in fields.items() if key in published}


def _transaction(shipment: SandboxShipment, event: Event) -> dict[str, Any]:
    name, index = _STEPS[event.step]
    step: dict[str, Any] = template(CODE, name)["data"][0]["transactions"][index]
    step["transactionDateTime"] = _time(event.at)
    if event.step is Step.IN_TRANSIT:
        step["location"] = _branch(shipment)
    if event.step is Step.RETURNED:
        step["deliveryStatus"] = "RETURNED"
    return step


def _detail(shipment: SandboxShipment, event: Event) -> dict[str, Any]:
    name, index = _MAIN_STEPS[event.step]
    detail: dict[str, Any] = template(CODE, name)["data"][0]["details"][index]
    detail["transactionDate"] = _time(event.at)
    if event.step is Step.RETURNED:
        detail["integrationStatus"] = "RETURNED"
        detail.pop("nonDeliveryReason", None)
    if event.step is Step.DELIVERED:
        detail.pop("deliveredPerson", None)
        if (done := delivery(shipment)) is not None and done.received_by:
            detail["deliveredPerson"] = printed_name(done)
    return detail


def _branch(shipment: SandboxShipment) -> str:
    return f"{upper_tr(shipment.district or shipment.city)} Dağıtım Merkezi"


def _time(moment: datetime) -> str:
    return local(moment).replace(microsecond=0).isoformat()  # "2019-03-02T11:31:25+03:00"


def _refused(request: web.Request) -> web.Response | None:
    """HepsiJET's refusal of a data call without a valid token and the customer's apikey."""
    if not same(request.headers.get(APIKEY_HEADER), APIKEY):
        return failure(401, "apikey geçersiz")
    if not tokens(request, CODE).valid(request.headers.get(TOKEN_HEADER)):
        return failure(401, "Token geçersiz veya süresi dolmuş")
    return None


async def _listed(request: web.Request, field: str) -> list[str] | None:
    body = await json_body(request)
    items = body.get(field) if isinstance(body, dict) else None
    return [str(item) for item in items if isinstance(item, str | int)] if isinstance(items, list) else None


async def token(request: web.Request) -> web.Response:
    credentials = basic_credentials(request.headers.get("Authorization"))
    if credentials is None or not (same(credentials[0], USERNAME) and same(credentials[1], PASSWORD)):
        return web.json_response(template(CODE, "token-fail.json"), status=401)
    if not same(request.headers.get(APIKEY_HEADER), APIKEY):
        return failure(401, "apikey geçersiz")
    reply = template(CODE, "token-ok.json")
    reply["data"]["token"] = tokens(request, CODE).issue()
    return web.json_response(reply)


async def tracking(request: web.Request) -> web.Response:
    if (refusal := _refused(request)) is not None:
        return refusal
    body = await json_body(request)
    asked = body.get("deliveries") if isinstance(body, dict) else None
    if not isinstance(asked, list) or not asked:
        return failure(400, "deliveries alanı zorunludur")
    numbers = [str(e.get("customerDeliveryNo", "")) for e in asked if isinstance(e, dict)]
    found = [entry for n in numbers if (s := lookup(request, CODE, n)) is not None for entry in render_tracking(s)]
    if not found:
        return web.json_response(template(CODE, "tracking-not-found.json"))
    reply = template(CODE, "tracking-undelivered.json")
    reply["data"] = found
    return web.json_response(reply)


async def receiver(request: web.Request) -> web.Response:
    if (refusal := _refused(request)) is not None:
        return refusal
    if not (barcodes := await _listed(request, "barcodes")):
        return failure(400, "barcodes alanı zorunludur")
    reply = template(CODE, "track-delivered.json")
    reply["data"] = [render_track(s) for n in barcodes if (s := current(request, CODE, n)) is not None]
    return web.json_response(reply)


HEPSIJET = SandboxCarrier(
    code=CODE,
    credentials={"username": USERNAME, "password": PASSWORD, "apikey": APIKEY, **partner_credentials(CODE)},
    failure=failure,
    routes=(
        Route("GET", "/auth/getToken", token, "token", auth=True),
        Route("POST", "/rest/deliveryTransaction/getDeliveryTracking", tracking, "tracking"),
        Route("POST", "/rest/delivery/integration/track", receiver, "receiver"),
    ),
    token_lifetime=3_600,
    webhook=partner_webhook(CODE),
)
