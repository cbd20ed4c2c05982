"""MNG Kargo / DHL eCommerce Türkiye as the sandbox plays it (the shapes ``carriers/mng`` documents):

    POST /mng/token                                           x-ibm-client-id/-secret; {customerNumber, password,
                                                              identityType} → {"jwt", "refreshToken", …}
    GET  /mng/standardqueryapi/getshipmentstatus/{reference}  client headers + Bearer jwt
    GET  /mng/standardqueryapi/trackshipment/{reference}      client headers + Bearer jwt
    push: the partner webhook (``partner``)

Errors are IBM API Connect's ``{"httpCode", "httpMessage", "moreInformation"}``; an unknown reference is a
404. MNG says who took the parcel by name only: no relation, signature, photo or position.
"""

import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web

from adapters.sandbox.carriers.auth import bearer, same
from adapters.sandbox.carriers.facts import Event, Step, delivery, history
from adapters.sandbox.carriers.kit import Handler, Route, SandboxCarrier, View, json_body, local, lookup, tokens
from adapters.sandbox.carriers.kit import view, wall_clock
from adapters.sandbox.carriers.partner import partner_credentials, partner_webhook
from adapters.sandbox.carriers.shipments import SandboxShipment

CODE = "mng"
CLIENT_ID, CLIENT_SECRET = "sandbox-mng-client-id", "sandbox-mng-client-secret"
CUSTOMER_NUMBER, PASSWORD = "334455667", "sandbox-mng-password"
_STATUS = {  # step → (shipmentStatusCode, shipmentStatus, eventStatus, eventStatusEn)
    Step.PICKED_UP: (1, "Kabul Edildi", "KABUL", "ACCEPTED"),
    Step.IN_TRANSIT: (2, "Transferde", "TRANSFER", "IN_TRANSFER"),
    Step.OUT_FOR_DELIVERY: (4, "Dağıtımda", "DAGITIM", "OUT_FOR_DELIVERY"),
    Step.DELIVERED: (5, "Teslim Edildi", "TESLIM", "DELIVERED"),
}
_MESSAGES = {400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 429: "Too Many Requests"}


def failure(status: int, message: str) -> web.Response:
    body = {"httpCode": str(status), "httpMessage": _MESSAGES.get(status, "Service Unavailable"),
            "moreInformation": message}
    return web.json_response(body, status=status)


def render_status(shipment: SandboxShipment, at: View) -> list[dict[str, Any]]:
    latest = history(shipment)[-1]
    done = delivery(shipment)
    code, words, _, _ = _STATUS[latest.step]
    return [{
        "orderId": shipment.tracking_number,
        "referenceId": shipment.tracking_number,
        "shipmentId": f"MNG{shipment.tracking_number}",
        "shipmentStatusCode": code,
        "shipmentStatus": words,
        "isDelivered": 1 if done else 0,
        "deliveryDateTime": wall_clock(done.at) if done else None,
        "deliveredTo": done.received_by if done else None,
        "deliveryBranch": f"{shipment.district or shipment.city} Şube",
    }]


def render_track(shipment: SandboxShipment, at: View) -> list[dict[str, Any]]:
    return [_event(number, event) for number, event in enumerate(history(shipment), start=1)]


def _event(sequence: int, event: Event) -> dict[str, Any]:
    _, words, status, status_en = _STATUS[event.step]
    return {"eventSequence": sequence, "eventStatus": status, "eventStatusEn": status_en,
            "eventDateTime": wall_clock(event.at), "location": f"{event.district or event.city} Şube",
            "description": words}



def _client_known(request: web.Request) -> bool:
    headers = request.headers
    return same(headers.get("x-ibm-client-id"), CLIENT_ID) and same(headers.get("x-ibm-client-secret"), CLIENT_SECRET)


async def token(request: web.Request) -> web.Response:
    if not _client_known(request):
        return failure(401, "Invalid client id or secret.")
    body = await json_body(request)
    account = body if isinstance(body, dict) else {}
    if not (same(str(account.get("customerNumber")), CUSTOMER_NUMBER) and same(account.get("password"), PASSWORD)):
        return failure(401, "Müşteri numarası veya şifre hatalı.")
    issuer, now = tokens(request, CODE), local(datetime.now(UTC))
    expires = (now + timedelta(seconds=issuer.lifetime)).strftime("%d.%m.%Y %H:%M:%S")
    refresh_expires = (now + timedelta(days=7)).strftime("%d.%m.%Y %H:%M:%S")
    return web.json_response({"jwt": issuer.issue(), "refreshToken": secrets.token_urlsafe(24),
                              "jwtExpireDate": expires, "refreshTokenExpireDate": refresh_expires})


def _query(render: Callable[[SandboxShipment, View], list[dict[str, Any]]]) -> Handler:
    async def handler(request: web.Request) -> web.Response:
        if not _client_known(request):
            return failure(401, "Invalid client id or secret.")
        if not tokens(request, CODE).valid(bearer(request.headers.get("Authorization"))):
            return failure(401, "Token expired.")
        if (shipment := lookup(request, CODE, request.match_info["reference"])) is None:
            return failure(404, "Gönderi bulunamadı.")
        return web.json_response(render(shipment, view(request, CODE)))

    return handler


MNG = SandboxCarrier(
    code=CODE,
    credentials={"api_client": {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET},
                 "customer_number": CUSTOMER_NUMBER, "password": PASSWORD, **partner_credentials(CODE)},
    failure=failure,
    routes=(
        Route("POST", "/token", token, "token", auth=True),
        Route("GET", "/standardqueryapi/getshipmentstatus/{reference}", _query(render_status), "status"),
        Route("GET", "/standardqueryapi/trackshipment/{reference}", _query(render_track), "track"),
    ),
    token_lifetime=3_600,
    webhook=partner_webhook(CODE),
)
