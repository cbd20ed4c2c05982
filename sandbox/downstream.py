"""The downstream sandbox: a local stand-in for the marketplace's payments, fulfillment, notifications and
order services, for the embedded default, demos and integration tests. No authentication: loopback only.

    POST   /payments/v1/refunds  /fulfillment/v1/reships  /notifications/v1/messages  /accounts/v1/restrictions
           and every other path in EFFECTS (staff alerts, risk signals, carrier liabilities)
           Signed (`sandbox.signing`, docs/downstream.md) over the Idempotency-Key and the body: a missing,
           malformed, stale or wrong Disputes-Signature, or a missing or repeated Idempotency-Key, is a 401 with
           its `reason`, nothing applied. First use: applied, 200 {"id", "replayed": false}.
           Same key, same body: 200 with the same id and "replayed": true, not applied again.
           Same key, other body: 422. A body that is not the service's payload: 400.
    GET    /orders/v1/orders/{order_id}     the order from the seeded document (or added since), or 404
    GET    /orders/v1/orders/{order_id}/shipments/{shipment_id}/packing-record
                                            the seller's packing record: the shipment's `packing_record` in the
                                            seeded document, or 404 (no such shipment, or no record)
    POST   /_sandbox/orders                 add an order (the order service's format): 201; an order id
                                            already there: 409; not an order: 422. With an orders file, the
                                            order is written to it before the answer (kept across restarts)
    GET    /digital/v1/...  PUT /_sandbox/digital/...   the digital delivery provider (`sandbox.digital`)
    GET    /_sandbox/received               {"requests": [every request], "applied": {service: {key: count}}}
    DELETE /_sandbox/received               forget everything, idempotency keys included
    POST   /_sandbox/faults                 {"service", "mode", "times", "delay_seconds"}: the next `times`
                                            requests to `service` fail; a second POST queues behind the first
    DELETE /_sandbox/faults                 clear pending faults

Fault modes: ``error`` 503; ``reject`` 400; ``throttle`` 429 with ``Retry-After: delay_seconds``;
``timeout`` hangs for delay_seconds, then 504, nothing applied (the client's timeout fires first);
``slow`` applies at once and answers after delay_seconds (so a client that gave up has to rely on the key).
"""

import asyncio
import contextlib
import hashlib
import json
import math
import time
from collections import OrderedDict, defaultdict, deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal
from uuid import uuid4

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sandbox.orders import OrderBook
from sandbox.digital import DigitalScript, add_digital_provider
from sandbox.signing import DEVELOPMENT_KEYS, HEADER as SIGNATURE_HEADER, refusal
from schemas.effects import (
    AccountRestriction, CarrierLiability, CustomerNotification, CustomerRisk, RefundRequest, ReshipRequest, StaffAlert,
)
from schemas.orders import Order, PackedOrder

EFFECTS: dict[str, tuple[str, type[BaseModel]]] = {
    "payments": ("/payments/v1/refunds", RefundRequest),
    "fulfillment": ("/fulfillment/v1/reships", ReshipRequest),
    "notifications": ("/notifications/v1/messages", CustomerNotification),
    "staff_alerts": ("/notifications/v1/staff-alerts", StaffAlert),
    "accounts": ("/accounts/v1/risk-signals", CustomerRisk),
    "account_restrictions": ("/accounts/v1/restrictions", AccountRestriction),
    "finance": ("/finance/v1/carrier-liabilities", CarrierLiability),
}


class FaultSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    service: Literal[
        "payments", "fulfillment", "notifications", "staff_alerts", "accounts", "account_restrictions", "finance",
        "orders", "digital", "packing_records",
    ]
    mode: Literal["error", "timeout", "reject", "slow", "throttle"]
    times: int = Field(default=1, ge=1, le=1000)
    delay_seconds: float = Field(default=0.0, ge=0, le=600)


KEPT = 10_000
"""How many requests, and effects by idempotency key, the stand-in services keep: the embedded default runs for days.
A key forgotten is older than any retry of it (a real service keeps its keys for a bounded time too)."""


@dataclass
class Ledger:
    """Requests that reached a service, and the effects applied per idempotency key: the latest `KEPT` of each."""

    requests: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=KEPT))
    applied: defaultdict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(dict))
    answers: OrderedDict[tuple[str, str], tuple[str, str]] = field(default_factory=OrderedDict)

    def apply(self, service: str, key: str, fingerprint: str) -> tuple[str, bool] | None:
        """(effect id, replayed), or None when the key was used with another body."""
        if (seen := self.answers.get((service, key))) is not None:
            return (seen[1], True) if seen[0] == fingerprint else None
        effect_id = f"{service[:3]}_{uuid4().hex[:12]}"
        self.answers[service, key] = (fingerprint, effect_id)
        self.applied[service][key] = self.applied[service].get(key, 0) + 1
        if len(self.answers) > KEPT:
            (old_service, old_key), _ = self.answers.popitem(last=False)
            self.applied[old_service].pop(old_key, None)
        return effect_id, False

    def reset(self) -> None:
        self.requests.clear()
        self.applied.clear()
        self.answers.clear()


@dataclass
class Faults:
    pending: defaultdict[str, deque[FaultSpec]] = field(default_factory=lambda: defaultdict(deque))
    release: asyncio.Event = field(default_factory=asyncio.Event)  # set at shutdown: hung requests end

    def take(self, service: str) -> FaultSpec | None:
        queue = self.pending[service]
        return queue.popleft() if queue else None


LEDGER = web.AppKey("downstream_ledger", Ledger)
FAULTS = web.AppKey("downstream_faults", Faults)
ORDERS = web.AppKey("downstream_orders", OrderBook)
SIGNING_KEYS = web.AppKey("downstream_signing_keys", Mapping[str, str])
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _json_or_none(body: bytes) -> Any:
    try:
        return json.loads(body) if body else None
    except ValueError:
        return None


def _problem(
    status: int, title: str, headers: dict[str, str] | None = None, reason: str | None = None
) -> web.Response:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    if reason is not None:
        body["reason"] = reason
    return web.json_response(body, status=status, headers=headers, content_type="application/problem+json")


@web.middleware
async def _record_and_inject(request: web.Request, handler: Handler) -> web.StreamResponse:
    service = request.match_info.route.name
    if service is None:  # the /_sandbox endpoints
        return await handler(request)
    fault = request.app[FAULTS].take(service)
    entry: dict[str, Any] = {
        "service": service,
        "method": request.method,
        "path": request.path,
        "key": request.headers.get("Idempotency-Key"),
        "signature": request.headers.get(SIGNATURE_HEADER),
        "at": datetime.now(UTC).isoformat(),
        "body": _json_or_none(await request.read()),
        "fault": fault.mode if fault else None,
        "status": None,  # stays None when the client gave up first
    }
    request.app[LEDGER].requests.append(entry)
    response = await _answer(request, handler, fault)
    entry["status"] = response.status
    return response


async def _answer(request: web.Request, handler: Handler, fault: FaultSpec | None) -> web.StreamResponse:
    match fault:
        case None:
            return await handler(request)
        case FaultSpec(mode="error"):
            return _problem(503, "Injected fault: service unavailable")
        case FaultSpec(mode="reject"):
            return _problem(400, "Injected fault: request rejected")
        case FaultSpec(mode="throttle"):
            retry_after = {"Retry-After": str(math.ceil(fault.delay_seconds))}
            return _problem(429, "Injected fault: too many requests", retry_after)
        case FaultSpec(mode="timeout"):
            await _pause(request.app, fault.delay_seconds)
            return _problem(504, "Injected fault: timed out")
        case _:  # slow
            response = await handler(request)
            await _pause(request.app, fault.delay_seconds)
            return response


async def _pause(app: web.Application, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(app[FAULTS].release.wait(), seconds)


async def _apply_effect(request: web.Request) -> web.Response:
    service = request.match_info.route.name or ""
    raw = await request.read()
    keys = request.headers.getall("Idempotency-Key", [])
    key = keys[0] if len(keys) == 1 else None  # the key the signature is checked with is the one applied under
    if len(keys) > 1:  # which one was signed, and which one to apply under? Neither.
        why: str | None = "repeated_idempotency_key"
    else:
        why = refusal(request.headers.get(SIGNATURE_HEADER), key, raw, request.app[SIGNING_KEYS], time.time())
    if why is not None or key is None:
        return _problem(401, "The message is not signed by the dispute service.", reason=why or "missing_idempotency_key")
    try:
        body = await request.json()
        EFFECTS[service][1].model_validate(body)
    except ValueError:  # malformed JSON or a ValidationError
        return _problem(400, f"The body is not a valid {service} request.")
    fingerprint = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
    if (result := request.app[LEDGER].apply(service, key, fingerprint)) is None:
        return _problem(422, "This Idempotency-Key was already used with a different body.")
    effect_id, replayed = result
    return web.json_response({"id": effect_id, "replayed": replayed})


async def _get_order(request: web.Request) -> web.Response:
    order = request.app[ORDERS].get(request.match_info["order_id"])
    return web.json_response(order) if order is not None else _problem(404, "No such order.")


async def _get_packing_record(request: web.Request) -> web.Response:
    order = request.app[ORDERS].get(request.match_info["order_id"]) or {}
    wanted = request.match_info["shipment_id"]
    shipments: list[dict[str, Any]] = order.get("shipments", [])
    shipment = next((s for s in shipments if s.get("shipment_id") == wanted), {})
    record = shipment.get("packing_record")
    return web.json_response(record) if record is not None else _problem(404, "No packing record for this package.")
async def _add_order(request: web.Request) -> web.Response:
    body = await request.read()
    try:
        order = Order.model_validate_json(body)
        packing = PackedOrder.model_validate_json(body)
    except ValidationError as error:
        fields = ", ".join(".".join(map(str, e["loc"])) or "body" for e in error.errors())
        return _problem(422, f"Not an order ({fields}).")
    if not request.app[ORDERS].add(order, packing):
        return _problem(409, f"Order {order.order_id} is there already.")
    return web.json_response(request.app[ORDERS].get(order.order_id), status=201)


async def _received(request: web.Request) -> web.Response:
    ledger = request.app[LEDGER]
    return web.json_response({"requests": list(ledger.requests), "applied": ledger.applied})


async def _reset_received(request: web.Request) -> web.Response:
    request.app[LEDGER].reset()
    return web.Response(status=204)


async def _add_fault(request: web.Request) -> web.Response:
    try:
        spec = FaultSpec.model_validate_json(await request.read())
    except ValidationError as error:
        fields = ", ".join(".".join(map(str, e["loc"])) or "body" for e in error.errors())
        return _problem(400, f"Invalid fault ({fields}).")
    request.app[FAULTS].pending[spec.service].extend([spec] * spec.times)
    return web.json_response({"pending": {s: len(q) for s, q in request.app[FAULTS].pending.items()}})


async def _clear_faults(request: web.Request) -> web.Response:
    request.app[FAULTS].pending.clear()
    return web.Response(status=204)


async def _release_hung_requests(app: web.Application) -> None:
    app[FAULTS].release.set()


def create_downstream_sandbox(
    orders: dict[str, Any] | None = None,
    orders_file: Path | None = None,
    digital: dict[tuple[str, str], DigitalScript] | None = None,
    signing_keys: Mapping[str, str] = DEVELOPMENT_KEYS,
) -> web.Application:
    """The sandbox app; `orders` is an order document ``{"orders": [...]}``, e.g. ``demo_orders(now)``; orders
    added are written to `orders_file` (with the seeded ones) when it is given; `digital` scripts the digital
    delivery provider per (order id, sku); messages are verified against `signing_keys` (secret by key id)."""
    app = web.Application(middlewares=[_record_and_inject])
    app[SIGNING_KEYS] = signing_keys
    app[LEDGER] = Ledger()
    app[FAULTS] = Faults()
    app[ORDERS] = OrderBook(orders, orders_file)
    for service, (path, _) in EFFECTS.items():
        app.router.add_post(path, _apply_effect, name=service)
    app.router.add_get("/orders/v1/orders/{order_id:[^/]+}", _get_order, name="orders")
    app.router.add_get(
        "/orders/v1/orders/{order_id:[^/]+}/shipments/{shipment_id:[^/]+}/packing-record", _get_packing_record,
        name="packing_records",
    )
    app.router.add_post("/_sandbox/orders", _add_order)
    add_digital_provider(app, digital)
    app.router.add_get("/_sandbox/received", _received)
    app.router.add_delete("/_sandbox/received", _reset_received)
    app.router.add_post("/_sandbox/faults", _add_fault)
    app.router.add_delete("/_sandbox/faults", _clear_faults)
    app.on_shutdown.append(_release_hung_requests)
    return app


async def serve_downstream_sandbox(
    host: str,
    port: int,
    orders: dict[str, Any] | None,
    orders_file: Path | None = None,
    digital: dict[tuple[str, str], DigitalScript] | None = None,
    signing_keys: Mapping[str, str] = DEVELOPMENT_KEYS,
) -> web.AppRunner:
    """Start the sandbox on `host:port` (meant for loopback: it has no authentication); the caller owns
    the returned runner and calls ``cleanup()``. Handlers end when their client disconnects."""
    runner = web.AppRunner(create_downstream_sandbox(orders, orders_file, digital, signing_keys), handler_cancellation=True)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner
