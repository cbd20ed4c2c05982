"""MNG Kargo / DHL eCommerce Türkiye as the sandbox plays it, every reply built from MNG's public samples
(``tests/fixtures/carriers/mng``, see its ``PROVENANCE.md``) with only the values changed:

    POST /mng/token                                   x-ibm-client-id/-secret; {customerNumber, password,
                                                      identityType} → token.json
    GET  /mng/standardqueryapi/getshipment/{ref}      client keys + Bearer jwt → getshipment-delivered.json
    GET  /mng/standardqueryapi/trackshipment/{ref}    client keys + Bearer jwt → trackshipment-delivered.json
    GET  /mng/standardqueryapi/getshipmentByShipmentId/{id}, …/trackshipmentByShipmentId/{id}
                                                      the same replies, for the shipment of that MNG shipment
                                                      id (the ``shipmentId`` its replies carry), or scripted
                                                      under that number
    push: the partner webhook (``partner``)

Refusals: the API gateway's ``{httpCode, httpMessage, moreInformation}`` (error-401-gateway.json) for 401,
403, 429, 503 and 504; MNG's own ``{"error": {Code, Message, Description}}`` otherwise (error-404-not-found.json
for an unknown reference, error-500-business.json for the rest).

What can be scripted on a number, and how MNG says it: the status sequence (one state per getshipment call;
the trackshipment call of the same pull reads the same state), ``status_code`` (sent as
``shipmentStatusCode`` and on the latest scan), who took it (``deliveryTo``, masked when scripted so), and
other packages (more pieces in ``shipmentPieceList``: MNG reports one state for all pieces of a shipment, so
whether each arrived cannot be said). MNG sends no relation, signature, photo or position.
"""

import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web

from sandbox.carriers.auth import bearer, same
from sandbox.carriers.facts import Event, Step, delivery, history, printed_name
from sandbox.carriers.kit import Handler, Route, SandboxCarrier, View, json_body, local, lookup, template
from sandbox.carriers.kit import tokens, upper_tr, view
from sandbox.carriers.partner import partner_credentials, partner_webhook
from sandbox.carriers.shipments import SandboxShipment, Scenario
from sandbox.carriers.state import PULLS, SHIPMENTS

CODE = "mng"
CLIENT_ID, CLIENT_SECRET = "sandbox-mng-client-id", "sandbox-mng-client-secret"
CUSTOMER_NUMBER, PASSWORD = "334455667", "sandbox-mng-password"
# step → (MNG's status number, its words in Turkish as the dictionary writes them, English words)
_STATUS = {
    Step.PICKED_UP: (1, "Gönderi Hazırlandı", "Shipment Created"),
    Step.IN_TRANSIT: (2, "Transfer Aşamasında", "In Transfer"),
    Step.OUT_FOR_DELIVERY: (4, "Alıcı Adresine Yönlendirildi", "Out For Delivery"),
    Step.FAILED_ATTEMPT: (6, "Teslim Edilemedi", "Not Delivered"),
    Step.DELIVERED: (5, "Teslim Edildi", "Delivered"),
    Step.RETURNED: (7, "Geri Geliyor", "Returning"),
}
_GATEWAY = {401: "Unauthorized", 403: "Forbidden", 429: "Too Many Requests", 503: "Service Unavailable",
            504: "Gateway Timeout"}
_NOT_DELIVERED_REASON = "Adres bulunamadı"  # trackshipment-failed-attempt.json


def failure(status: int, message: str) -> web.Response:
    """MNG's refusal for ``status``: the gateway's body for gateway statuses, MNG's error envelope otherwise."""
    if status in _GATEWAY:
        body = template(CODE, "error-401-gateway.json")
        body.update(httpCode=str(status), httpMessage=_GATEWAY[status], moreInformation=message)
    else:
        body = template(CODE, "error-404-not-found.json" if status == 404 else "error-500-business.json")
        body["error"].update(Code=str(status), Description=message)
    return web.json_response(body, status=status)


def render_shipment(shipment: SandboxShipment, at: View) -> list[dict[str, Any]]:
    """The getshipment reply: one record of the shipment, its state and its pieces."""
    scans = history(shipment)
    done = delivery(shipment)
    [record] = template(CODE, "getshipment-delivered.json")
    branch = f"{shipment.district or shipment.city} Şube"
    record["shipment"].update(
        referenceId=shipment.tracking_number,
        shipmentId=_shipment_id(shipment),
        shipmentDateTime=_mng_time(scans[0].at),
        shipmentStatusCode=_code(shipment),
        isDelivered=1 if done else 0,
        deliveryTo=_receiver(shipment) or "",
        receivingBranch=branch,
        estimatedDeliveryDate=local(scans[-1].at).strftime("%d-%m-%Y"),
        pieceCount=len(_pieces(shipment)),
    )
    [piece] = record["shipmentPieceList"]
    record["shipmentPieceList"] = [piece | {"barcode": barcode} for barcode in _pieces(shipment)]
    record["recipient"].update(fullName=shipment.recipient_name, cityName=shipment.city,
                               districtName=shipment.district or "", address="")
    return [record]


def render_track(shipment: SandboxShipment, at: View) -> list[dict[str, Any]]:
    """The trackshipment reply: the shipment's scans, oldest first; the delivered one says when and to whom."""
    scans = history(shipment)
    events = [_event(shipment, number, scan) for number, scan in enumerate(scans, start=1)]
    if shipment.status_code:
        events[-1]["eventStatus"] = shipment.status_code
    return events


def _event(shipment: SandboxShipment, sequence: int, scan: Event) -> dict[str, Any]:
    base: dict[str, Any] = template(CODE, "trackshipment-delivered.json")[-1]
    number, words, english = _STATUS[scan.step]
    delivered = scan.step is Step.DELIVERED
    return base | {
        "referenceId": shipment.tracking_number,
        "shipmentId": _shipment_id(shipment),
        "eventSequence": str(sequence),
        "eventStatus": words,
        "eventStatusEn": english,
        "eventDateTime": _mng_time(scan.at),
        "eventDateTime2": local(scan.at).strftime("%Y-%m-%d %H:%M:%S"),
        "location": f"{scan.district or scan.city} Şube",
        "locationAddress": upper_tr(scan.city),
        "deliveryDateTime": _mng_time(scan.at) if delivered else "",
        "deliveryTo": (_receiver(shipment) or "") if delivered else "",
        "description": _NOT_DELIVERED_REASON if number == 6 else "",
        "pieceTotal": str(len(_pieces(shipment))),
    }


def _code(shipment: SandboxShipment) -> int | str:
    """The status MNG reports: the scripted raw code (a number where it is one), else the step's number."""
    if shipment.status_code:
        return int(shipment.status_code) if shipment.status_code.isdigit() else shipment.status_code
    return _STATUS[shipment.step or Step.IN_TRANSIT][0]


def _receiver(shipment: SandboxShipment) -> str | None:
    done = delivery(shipment)
    if done is None or done.received_by is None:
        return None
    return printed_name(done)


def _pieces(shipment: SandboxShipment) -> list[str]:
    """The shipment's piece barcodes: its own first piece, then each other package scripted on it."""
    return [f"{shipment.tracking_number}_PARCA1", *(p.tracking_number for p in shipment.other_packages)]


def _shipment_id(shipment: SandboxShipment) -> str:
    """A stable numeric shipment id per reference, as MNG numbers its shipments."""
    return str(int.from_bytes(shipment.tracking_number.encode()[-8:], "big") % 10**12).zfill(12)


def _mng_time(moment: datetime) -> str:
    """Istanbul wall-clock time as MNG writes it (``12-02-2019 20:30:45``)."""
    return local(moment).strftime("%d-%m-%Y %H:%M:%S")


def _client_known(request: web.Request) -> bool:
    headers = request.headers
    return same(headers.get("x-ibm-client-id"), CLIENT_ID) and same(headers.get("x-ibm-client-secret"), CLIENT_SECRET)


async def token(request: web.Request) -> web.Response:
    if not _client_known(request):
        return failure(401, "Cannot find valid subscription for the incoming API request.")
    body = await json_body(request)
    account = body if isinstance(body, dict) else {}
    if not (same(str(account.get("customerNumber")), CUSTOMER_NUMBER) and same(account.get("password"), PASSWORD)):
        return failure(401, "Unauthorized")
    issuer, now = tokens(request, CODE), local(datetime.now(UTC))
    reply = template(CODE, "token.json")
    reply.update(jwt=issuer.issue(), refreshToken=secrets.token_urlsafe(24),
                 jwtExpireDate=_token_time(now + timedelta(seconds=issuer.lifetime)),
                 refreshTokenExpireDate=_token_time(now + timedelta(days=7)))
    return web.json_response(reply)


def _token_time(moment: datetime) -> str:
    return moment.strftime("%d.%m.%Y %H:%M:%S")  # as token.json writes jwtExpireDate


def _as_found(request: web.Request, reference: str) -> SandboxShipment | None:
    """The shipment as this pull's getshipment call found it (``lookup`` counts that call): the history a
    pull reads is of the same state as its shipment record."""
    key = (CODE, reference.strip())
    if (shipment := request.app[SHIPMENTS].get(key)) is None or shipment.scenario is Scenario.UNKNOWN:
        return None
    return shipment.at_pull(max(request.app[PULLS][key] - len(shipment.faults), 1))


def _by_shipment_id(request: web.Request, shipment_id: str) -> str:
    """The reference of the shipment MNG numbers ``shipment_id``; else the number itself (a shipment scripted
    under its MNG shipment id)."""
    wanted = shipment_id.strip()
    found = (s.tracking_number for (code, _), s in request.app[SHIPMENTS].items() if code == CODE and _shipment_id(s) == wanted)
    return next(found, wanted)


def _query(
    find: Callable[[web.Request, str], SandboxShipment | None],
    render: Callable[[SandboxShipment, View], list[dict[str, Any]]],
) -> Handler:
    async def handler(request: web.Request) -> web.Response:
        if not _client_known(request):
            return failure(401, "Cannot find valid subscription for the incoming API request.")
        if not tokens(request, CODE).valid(bearer(request.headers.get("Authorization"))):
            return failure(401, "Token expired.")
        if (shipment := find(request, request.match_info["reference"])) is None:
            return failure(404, "Kayıt bulunamadı.")
        return web.json_response(render(shipment, view(request, CODE)))

    return handler


MNG = SandboxCarrier(
    code=CODE,
    credentials={"api_client": {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET},
                 "customer_number": CUSTOMER_NUMBER, "password": PASSWORD, **partner_credentials(CODE)},
    failure=failure,
    routes=(
        Route("POST", "/token", token, "token", auth=True),
        Route("GET", "/standardqueryapi/getshipment/{reference}",
              _query(lambda request, ref: lookup(request, CODE, ref), render_shipment), "status"),
        Route("GET", "/standardqueryapi/trackshipment/{reference}", _query(_as_found, render_track), "track"),
        Route("GET", "/standardqueryapi/getshipmentByShipmentId/{reference}",
              _query(lambda request, id_: lookup(request, CODE, _by_shipment_id(request, id_)), render_shipment),
              "status_by_id"),
        Route("GET", "/standardqueryapi/trackshipmentByShipmentId/{reference}",
              _query(lambda request, id_: _as_found(request, _by_shipment_id(request, id_)), render_track),
              "track_by_id"),
    ),
    token_lifetime=3_600,
    webhook=partner_webhook(CODE),
)
