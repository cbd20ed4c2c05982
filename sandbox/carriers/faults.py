"""Injected faults, each answered in the carrier's own error format (``SandboxCarrier.failure``):

    latency         the right answer, after ``delay_seconds``
    timeout         nothing for ``delay_seconds`` (the client's timeout fires first), then 504
    error           503
    throttle        429 with ``Retry-After: ceil(delay_seconds)``
    garbage         200 carrying the first half of the right answer: cut JSON or XML, as a broken proxy sends
    expired_token   every token the carrier issued expires now, so the call is refused with the carrier's 401
                    and the client must fetch a new token (token-issuing carriers only)

A fault applies to one request to the carrier's API; token endpoints are left alone, so ``times`` counts the
calls a pull makes for data. Faults scripted on a shipment (``SandboxShipment.faults``) apply the same way to
the data calls for that number, once the handler has looked it up (``after_lookup``).
"""

import asyncio
import contextlib
import math

from aiohttp import web

from sandbox.carriers.kit import Handler, SandboxCarrier
from sandbox.carriers.shipments import FaultMode
from sandbox.carriers.state import FAULTS, TOKENS, FaultSpec


def refusal(spec: FaultSpec, carrier: SandboxCarrier) -> str | None:
    """Why the fault cannot be injected into the carrier, or None."""
    if not carrier.pulls:
        return f"{carrier.code} has no API to inject faults into: it only pushes."
    if spec.mode == "expired_token" and carrier.token_lifetime is None:
        return f"{carrier.code} issues no tokens: expired_token does not apply."
    return None


async def with_fault(
    request: web.Request, handler: Handler, fault: FaultSpec, carrier: SandboxCarrier
) -> web.StreamResponse:
    match fault.mode:
        case "latency":
            await pause(request.app, fault.delay_seconds)
            return await handler(request)
        case "timeout":
            await pause(request.app, fault.delay_seconds)
            return carrier.failure(504, "Gateway timeout")
        case "error" | "throttle":
            return _refused(fault.mode, fault.delay_seconds, carrier)
        case "garbage":
            return _cut(await handler(request))
        case "expired_token":
            request.app[TOKENS][carrier.code].expire_all()
            return await handler(request)


async def after_lookup(
    request: web.Request, response: web.StreamResponse, fault: tuple[FaultMode, float], carrier: SandboxCarrier
) -> web.StreamResponse:
    """The answer to a call whose tracking number has a scripted fault (or latency) due."""
    mode, seconds = fault
    match mode:
        case "latency":
            await pause(request.app, seconds)
            return response
        case "timeout":
            await pause(request.app, seconds)
            return carrier.failure(504, "Gateway timeout")
        case "garbage":
            return _cut(response)
        case "expired_token":
            if tokens := request.app[TOKENS].get(carrier.code):
                tokens.expire_all()
            return carrier.failure(401, "Token expired")
        case _:
            return _refused(mode, seconds, carrier)


def _refused(mode: FaultMode, seconds: float, carrier: SandboxCarrier) -> web.Response:
    if mode == "throttle":
        response = carrier.failure(429, "Too many requests")
        response.headers["Retry-After"] = str(math.ceil(seconds))
        return response
    return carrier.failure(503, "Service temporarily unavailable")


async def pause(app: web.Application, seconds: float) -> None:
    """Wait ``seconds``, or less when the sandbox shuts down (so hung requests never hold it up)."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(app[FAULTS].release.wait(), seconds)


def _cut(response: web.StreamResponse) -> web.Response:
    body = response.body if isinstance(response, web.Response) and isinstance(response.body, bytes) else b"{"
    return web.Response(status=200, body=body[: max(1, len(body) // 2)], content_type=response.content_type)
