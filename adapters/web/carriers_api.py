"""Carrier-facing and carrier-status endpoints: webhooks in, the registry and its health."""

from datetime import UTC, datetime

import structlog
from aiohttp import web

from adapters.web.endpoint import Call, Endpoint, json_response
from adapters.web.keys import CARRIER_HEALTH, CARRIERS, INTAKE, PUSH_CARRIERS, WEBHOOK_MAX_BYTES
from adapters.web.problems import ProblemError
from carriers.base import CarrierAdapter, PushCarrier
from carriers.breaker import BreakerRecord, BreakerState
from carriers.errors import CarrierRejected, WebhookRejected
from disputes.intake import PushedEvent
from schemas.api import (
    CarrierCapabilities,
    CarrierHealth,
    CarrierList,
    CarrierView,
    WebhookReceipt,
)
from schemas.common import Role

log = structlog.get_logger("webhooks")
STAFF = frozenset({Role.INVESTIGATOR, Role.SUPERVISOR})


async def read_bounded(request: web.Request, limit: int) -> bytes:
    """The raw body, refused with 413 past `limit` (webhooks carry images, so their limit is their own)."""
    if request.content_length is not None and request.content_length > limit:
        raise _too_large(limit)
    if request.content.is_eof():  # all of it came with the headers (decoded, if it was compressed)
        whole = request.content.read_nowait()
        if len(whole) > limit:
            raise _too_large(limit)
        return whole
    body = bytearray()
    async for chunk in request.content.iter_chunked(64 * 1024):
        body += chunk
        if len(body) > limit:
            raise _too_large(limit)
    return bytes(body)


def _too_large(limit: int) -> ProblemError:
    return ProblemError(413, "content-too-large", "Content Too Large", f"Bodies are limited to {limit} bytes.")


async def receive_webhook(call: Call) -> web.Response:
    """Verify and parse; the intake stores the events durably before the answer; they are attached later."""
    app = call.request.app
    # A known carrier's code is a valid identifier: only an unknown one is validated (for its 404 or 422).
    code = call.request.match_info["carrier"]
    adapter: PushCarrier | None = app[PUSH_CARRIERS].get(code)
    if adapter is None:
        code = call.path_id("carrier")
        raise ProblemError(404, "unknown-carrier", "Not found", f"No webhook for carrier '{code}'.")
    raw = await read_bounded(call.request, app[WEBHOOK_MAX_BYTES])
    try:
        # The replay window is about transport, so it is measured on the real clock, not the business one.
        adapter.verify_webhook(call.request.headers, raw, datetime.now(UTC))
    except WebhookRejected:
        log.warning("webhook_rejected", carrier=code)
        raise ProblemError(401, "unauthenticated", "Authentication required") from None
    try:
        events = [PushedEvent(event.event_id, event.proof) for event in adapter.parse_webhook(raw)]
    except CarrierRejected as error:
        raise ProblemError(422, "malformed-webhook", "The webhook body is not valid", str(error)) from None
    kept = await app[INTAKE].receive_push(code, raw, events, adapter.capabilities.push)
    # named on the request line
    structlog.contextvars.bind_contextvars(carrier=code, events=kept.received, duplicates=kept.duplicates)
    receipt = WebhookReceipt(received=kept.received, duplicates=kept.duplicates)
    return json_response(receipt, status=202)


def _view(adapter: CarrierAdapter, state: BreakerState, record: BreakerRecord) -> CarrierView:
    return CarrierView(
        code=adapter.code,
        name=adapter.name,
        capabilities=CarrierCapabilities.model_validate(adapter.capabilities.model_dump()),
        health=CarrierHealth(circuit=state.value, consecutive_failures=record.failures),
    )


async def list_carriers(call: Call) -> web.Response:
    """Health as the shared breakers record it, whichever process called the carrier."""
    health = await call.request.app[CARRIER_HEALTH].read()
    carriers = [_view(a, *health[code]) for code, a in sorted(call.request.app[CARRIERS].items())]
    return web.json_response(CarrierList(carriers=carriers).model_dump())


ENDPOINTS = (
    Endpoint("POST", "/v1/carriers/{carrier}/webhooks", receive_webhook,
             "Carrier evidence push (authenticated by the carrier's own signature or credential)",
             response=WebhookReceipt, status=202, errors=(401, 404, 413, 422), tag="carriers"),
    Endpoint("GET", "/v1/carriers", list_carriers, "Registered carriers, capabilities and health", STAFF,
             response=CarrierList, tag="carriers"),
)
