"""The sandbox's own endpoints under ``/_sandbox`` (see the package docstring for the list)."""

import json
from typing import Any

import aiohttp
from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from sandbox.carriers.faults import refusal
from sandbox.carriers.kit import problem
from sandbox.carriers.push import CannotPush, push, pushable
from sandbox.carriers.registry import SANDBOX_CARRIERS
from sandbox.carriers.shipments import SandboxShipment
from sandbox.carriers.state import FAULTS, PULLS, PUSH, REQUEST_LOG, SCRIPTS, SHIPMENTS, FaultSpec

_SHIPMENT_LIST = TypeAdapter(list[SandboxShipment])
PLAYED = f"It plays {', '.join(sorted(SANDBOX_CARRIERS))}."


class PushRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    carrier: str
    tracking_number: str
    target: str | None = Field(default=None, pattern=r"^https?://[^\s/?#]+(/[^\s?#]*)?$")


class AutoPush(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool


def invalid(error: ValidationError) -> web.Response:
    """422 naming the fields and what is wrong with them, never the values sent (they may name people)."""
    fields = [{"field": ".".join(map(str, e["loc"])) or "body", "problem": e["type"]} for e in error.errors()]
    return problem(422, "The request body is not valid.", errors=fields[:20])


async def list_carriers(request: web.Request) -> web.Response:
    carriers = {
        code: {"base_path": f"/{code}", "pull": c.pulls, "push": c.webhook is not None,
               "tokens": c.token_lifetime is not None}
        for code, c in SANDBOX_CARRIERS.items()
    }
    return web.json_response({"carriers": carriers})


async def list_shipments(request: web.Request) -> web.Response:
    wanted = request.query.get("carrier")
    shown = [s.model_dump(mode="json") for s in request.app[SHIPMENTS].values() if wanted in (None, s.carrier)]
    return web.json_response({"shipments": shown})


async def add_shipments(request: web.Request) -> web.Response:
    try:
        body = json.loads(await request.read())
    except (ValueError, RecursionError):  # not JSON, or nested deeper than the parser goes
        return problem(422, "The request body is not JSON.")
    try:  # one shape at a time, so that errors name a field as sent (`0.lat`), not pydantic's union
        added = _SHIPMENT_LIST.validate_python(body) if isinstance(body, list) else [SandboxShipment.model_validate(body)]
    except ValidationError as error:
        return invalid(error)
    if unknown := sorted({s.carrier for s in added} - set(SANDBOX_CARRIERS)):
        return problem(422, f"The sandbox plays no carrier {', '.join(c[:32] for c in unknown)}.", detail=PLAYED)
    request.app[SCRIPTS].keep(added)
    request.app[SHIPMENTS].update((s.key, s) for s in added)
    for shipment in added:  # a shipment added again starts its script over
        request.app[PULLS].pop(shipment.key, None)
    config, pushed = request.app[PUSH], []
    if config.auto and config.target:
        for shipment in filter(pushable, added):
            pushed.append(await _push_reporting(request, shipment, config.target))
    return web.json_response({"added": len(added), "pushed": pushed}, status=201)


async def push_one(request: web.Request) -> web.Response:
    try:
        asked = PushRequest.model_validate_json(await request.read())
    except ValidationError as error:
        return invalid(error)
    shipment = request.app[SHIPMENTS].get((asked.carrier, asked.tracking_number))
    if shipment is None:
        return problem(404, "The sandbox has no such shipment.")
    if (target := asked.target or request.app[PUSH].target) is None:
        return problem(409, "No push target: give one in the request or start the sandbox with push_target.")
    try:
        result = await push(request.app, shipment, target, str(request.url.origin()))
    except CannotPush as reason:
        return problem(409, f"Nothing to push: {reason}.")
    except (aiohttp.ClientError, TimeoutError) as error:
        return problem(502, f"The push target did not answer ({type(error).__name__}).")
    return web.json_response(result)


async def auto_push(request: web.Request) -> web.Response:
    config = request.app[PUSH]
    if request.method == "PUT":
        try:
            config.auto = AutoPush.model_validate_json(await request.read()).enabled
        except ValidationError as error:
            return invalid(error)
    return web.json_response({"enabled": config.auto, "target": config.target})


async def requests_seen(request: web.Request) -> web.Response:
    seen = request.app[REQUEST_LOG]
    return web.json_response({"requests": list(seen.requests), "pushes": list(seen.pushes), "counts": seen.counts})


async def forget_requests(request: web.Request) -> web.Response:
    request.app[REQUEST_LOG].reset()
    return web.Response(status=204)


async def add_fault(request: web.Request) -> web.Response:
    try:
        spec = FaultSpec.model_validate_json(await request.read())
    except ValidationError as error:
        return invalid(error)
    if (carrier := SANDBOX_CARRIERS.get(spec.carrier)) is None:
        return problem(422, f"The sandbox plays no carrier '{spec.carrier[:32]}'.", detail=PLAYED)
    if (reason := refusal(spec, carrier)) is not None:
        return problem(422, reason)
    faults = request.app[FAULTS]
    faults.pending[spec.carrier].extend([spec] * spec.times)
    return web.json_response({"pending": faults.counts()})


async def clear_faults(request: web.Request) -> web.Response:
    request.app[FAULTS].pending.clear()
    return web.Response(status=204)


async def _push_reporting(request: web.Request, shipment: SandboxShipment, target: str) -> dict[str, Any]:
    try:
        result = await push(request.app, shipment, target, str(request.url.origin()))
    except (aiohttp.ClientError, TimeoutError) as error:
        return {"carrier": shipment.carrier, "tracking_number": shipment.tracking_number,
                "error": f"push target did not answer ({type(error).__name__})"}
    return result


ROUTES = (
    ("GET", "/_sandbox/carriers", list_carriers),
    ("GET", "/_sandbox/shipments", list_shipments),
    ("POST", "/_sandbox/shipments", add_shipments),
    ("POST", "/_sandbox/push", push_one),
    ("GET", "/_sandbox/auto-push", auto_push),
    ("PUT", "/_sandbox/auto-push", auto_push),
    ("GET", "/_sandbox/requests", requests_seen),
    ("DELETE", "/_sandbox/requests", forget_requests),
    ("POST", "/_sandbox/faults", add_fault),
    ("DELETE", "/_sandbox/faults", clear_faults),
)
