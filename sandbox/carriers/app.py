"""The carrier sandbox application: every carrier's routes under its prefix, the control endpoints, and the
middleware that logs each carrier request and applies the pending fault."""

from collections import Counter
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from sandbox.carriers import control
from sandbox.carriers.auth import TokenIssuer
from sandbox.carriers.faults import after_lookup, with_fault
from sandbox.carriers.kit import Handler, Route, SandboxCarrier, serve_image
from sandbox.carriers.push import client_and_start_up_pushes
from sandbox.carriers.registry import SANDBOX_CARRIERS
from sandbox.carriers.shipments import SandboxShipment
from sandbox.carriers.state import (
    FAULTS,
    PULLS,
    PUSH,
    REQUEST_LOG,
    SCRIPTED_FAULT,
    SCRIPTS,
    SHIPMENTS,
    TOKENS,
    Faults,
    PushConfig,
    RequestLog,
    Scripts,
)

ROUTES = web.AppKey("carrier_sandbox_routes", dict[str, tuple[SandboxCarrier, Route]])


@web.middleware
async def _observe(request: web.Request, handler: Handler) -> web.StreamResponse:
    served = request.app[ROUTES].get(request.match_info.route.name or "")
    if served is None:  # the control endpoints and the images
        return await handler(request)
    carrier, route = served
    fault = None if route.auth else request.app[FAULTS].take(carrier.code)
    entry: dict[str, Any] = {
        "carrier": carrier.code,
        "endpoint": route.name,
        "method": request.method,
        "path": request.path,
        "fault": fault.mode if fault else None,
        "status": None,  # stays None when the client gave up first
        "at": datetime.now(UTC).isoformat(),
    }
    log = request.app[REQUEST_LOG]
    log.requests.append(entry)
    log.counts[carrier.code] += 1
    response = await handler(request) if fault is None else await with_fault(request, handler, fault, carrier)
    if (scripted := request.get(SCRIPTED_FAULT)) is not None:
        entry["fault"] = scripted[0]
        response = await after_lookup(request, response, scripted, carrier)
    entry["status"] = response.status
    return response


async def _release_hung_requests(app: web.Application) -> None:
    app[FAULTS].release.set()


def create_carrier_sandbox(
    shipments: list[SandboxShipment] | None = None, *, push_target: str | None = None, auto_push: bool = False,
    scripts: Scripts | None = None,
) -> web.Application:
    """The sandbox app. ``push_target`` is the service's base URL for pushes; ``auto_push`` pushes every
    shipment added at run time (also switched by ``PUT /_sandbox/auto-push``); ``scripts``, the shipments scripted
    at run time before (they script their numbers over ``shipments``) and where to keep those scripted now."""
    scripts = scripts or Scripts()
    everything = [*(shipments or ()), *scripts.scripted.values()]
    if unknown := {s.carrier for s in everything} - set(SANDBOX_CARRIERS):
        raise ValueError(f"the sandbox plays no carrier {', '.join(sorted(unknown))}")
    app = web.Application(middlewares=[_observe])
    app[SHIPMENTS] = {s.key: s for s in everything}
    app[SCRIPTS] = scripts
    app[PULLS] = Counter()
    app[FAULTS] = Faults()
    app[REQUEST_LOG] = RequestLog()
    app[PUSH] = PushConfig(target=push_target, auto=auto_push)
    app[TOKENS] = {c.code: TokenIssuer(c.token_lifetime) for c in SANDBOX_CARRIERS.values() if c.token_lifetime}
    app[ROUTES] = {}
    for carrier in SANDBOX_CARRIERS.values():
        for route in carrier.routes:
            name = f"{carrier.code}:{route.name}"
            app.router.add_route(route.method, f"/{carrier.code}{route.path}", route.handler, name=name)
            app[ROUTES][name] = (carrier, route)
        if carrier.pulls:
            app.router.add_get(f"/{carrier.code}/_pod/{{tracking_number}}/{{kind}}.png", serve_image)
    for method, path, handler in control.ROUTES:
        app.router.add_route(method, path, handler)
    app.cleanup_ctx.append(client_and_start_up_pushes)
    app.on_shutdown.append(_release_hung_requests)
    return app


async def serve_carrier_sandbox(
    host: str, port: int, shipments: list[SandboxShipment] | None, push_target: str | None,
    scripts: Scripts | None = None,
) -> web.AppRunner:
    """Start the sandbox on ``host:port`` (loopback: its control endpoints have no authentication); the
    caller owns the returned runner and calls ``cleanup()``."""
    app = create_carrier_sandbox(shipments, push_target=push_target, scripts=scripts)
    app[PUSH].origin = f"http://{host}:{port}"
    runner = web.AppRunner(app, handler_cancellation=True)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner
