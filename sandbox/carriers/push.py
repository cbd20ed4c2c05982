"""Pushing a shipment's latest event to the service, the way its carrier would.

The webhook goes to ``{target}/v1/carriers/{carrier}/webhooks`` in the carrier's push format, carrying the
carrier's credential (UPS's Track Alert credential header, DHL's static token header, the partner HMAC
signature for the Turkish carriers). With a push target configured, shipments of carriers that only push
(Sürat) are pushed once at start-up, retried until the service answers: they have no other way in.
"""

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import aiohttp
import structlog
from aiohttp import web

from sandbox.carriers.kit import View
from sandbox.carriers.registry import SANDBOX_CARRIERS
from sandbox.carriers.shipments import SandboxShipment, Scenario
from sandbox.carriers.state import CLIENT, PUSH, REQUEST_LOG, SHIPMENTS

log = structlog.get_logger("sandbox.carriers")
START_UP_ATTEMPTS = 60
START_UP_BACKOFF = (0.05, 2.0)  # first and longest wait between start-up attempts, in seconds


class CannotPush(Exception):
    """The shipment cannot be pushed: its carrier does not push, or it is unknown to the carrier."""


def pushable(shipment: SandboxShipment) -> bool:
    return SANDBOX_CARRIERS[shipment.carrier].webhook is not None and shipment.scenario is not Scenario.UNKNOWN


async def push(app: web.Application, shipment: SandboxShipment, target: str, origin: str) -> dict[str, Any]:
    """POST the webhook; the service's status and answer. Transport failures raise ``aiohttp.ClientError``
    or ``TimeoutError``; ``origin`` is the sandbox's own base URL, for the links some carriers send."""
    render = SANDBOX_CARRIERS[shipment.carrier].webhook
    if render is None or shipment.scenario is Scenario.UNKNOWN:
        raise CannotPush(f"{shipment.carrier} does not push" if render is None else "the carrier does not know it")
    webhook = render(shipment, View(datetime.now(UTC), f"{origin}/{shipment.carrier}"))
    url = f"{target.rstrip('/')}/v1/carriers/{shipment.carrier}/webhooks"
    entry: dict[str, Any] = {"carrier": shipment.carrier, "tracking_number": shipment.tracking_number, "url": url,
                             "status": None, "at": datetime.now(UTC).isoformat()}
    app[REQUEST_LOG].pushes.append(entry)
    timeout = aiohttp.ClientTimeout(total=10)
    async with app[CLIENT].post(url, data=webhook.body, headers=dict(webhook.headers), timeout=timeout) as answer:
        entry["status"] = answer.status
        body = await answer.read()
    log.info("sandbox_push", carrier=shipment.carrier, status=entry["status"])  # no payload: it names people
    return {**entry, "response": _decoded(body)}


async def client_and_start_up_pushes(app: web.Application) -> AsyncIterator[None]:
    """``cleanup_ctx``: the HTTP client for pushes, and the start-up pushes of push-only carriers."""
    async with aiohttp.ClientSession() as client:
        app[CLIENT] = client
        target = app[PUSH].target
        task = asyncio.create_task(_push_at_start_up(app, target)) if target else None
        yield
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def _push_at_start_up(app: web.Application, target: str) -> None:
    waiting = [s for s in app[SHIPMENTS].values() if not SANDBOX_CARRIERS[s.carrier].pulls and pushable(s)]
    for shipment in waiting:
        wait = START_UP_BACKOFF[0]
        for _ in range(START_UP_ATTEMPTS):
            with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                if (await push(app, shipment, target, app[PUSH].origin))["status"] < 500:
                    break
            await asyncio.sleep(wait)  # the service may still be starting
            wait = min(wait * 2, START_UP_BACKOFF[1])


def _decoded(body: bytes) -> Any:
    try:
        return json.loads(body) if body else None
    except ValueError:
        return body[:500].decode(errors="replace")
