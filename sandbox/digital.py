"""A stand-in digital delivery provider (codes, licence keys, gift cards), part of the downstream sandbox,
scriptable per order line like the carrier sandbox is per tracking number. Its wire format is the provider's
own, camel-cased, written here and not generated from the service's models.

    GET    /digital/v1/orders/{orderId}/lines/{sku}/delivery
           200 {"orderId", "sku", "status": "SENT"|"OPENED"|"ACTIVATED", "channel": "EMAIL"|"APP"|"SMS",
                "recipient" (masked), "sentAt", "payload": {"code": bool, "link": bool}, "openedAt", "activatedAt"}
           404 when nothing was ever sent for the line (also every line never scripted)
    PUT    /_sandbox/digital/{orderId}/{sku}   {"scenario", "channel", "recipient", "sent_hours_ago"}
           scenarios: not_sent, link_missing, sent, opened, activated
"""

from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, ValidationError

Scenario = Literal["not_sent", "link_missing", "sent", "opened", "activated"]


class DigitalScript(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    scenario: Scenario
    channel: Literal["EMAIL", "APP", "SMS"] = "EMAIL"
    recipient: str = "a***@example.com"
    sent_hours_ago: float = Field(default=48.0, ge=1, le=24 * 365)


SCRIPTS = web.AppKey("digital_scripts", dict[tuple[str, str], DigitalScript])


def delivery_body(order_id: str, sku: str, script: DigitalScript, now: datetime) -> dict[str, Any]:
    """What the provider answers for a line that was sent: opened an hour after sending, activated an hour later."""
    sent = now - timedelta(hours=script.sent_hours_ago)
    opened = script.scenario in ("opened", "activated")
    activated = script.scenario == "activated"
    link = script.scenario != "link_missing"
    return {
        "orderId": order_id,
        "sku": sku,
        "status": "ACTIVATED" if activated else "OPENED" if opened else "SENT",
        "channel": script.channel,
        "recipient": script.recipient,
        "sentAt": sent.isoformat().replace("+00:00", "Z"),
        "payload": {"code": link, "link": link},
        "openedAt": (sent + timedelta(hours=1)).isoformat().replace("+00:00", "Z") if opened else None,
        "activatedAt": (sent + timedelta(hours=2)).isoformat().replace("+00:00", "Z") if activated else None,
    }


def _problem(status: int, title: str) -> web.Response:
    body = {"type": "about:blank", "title": title, "status": status}
    return web.json_response(body, status=status, content_type="application/problem+json")


async def _delivery(request: web.Request) -> web.Response:
    order_id, sku = request.match_info["order_id"], request.match_info["sku"]
    script = request.app[SCRIPTS].get((order_id, sku))
    if script is None or script.scenario == "not_sent":
        return _problem(404, "No delivery for this order line.")
    return web.json_response(delivery_body(order_id, sku, script, datetime.now(UTC)))


async def _script(request: web.Request) -> web.Response:
    try:
        script = DigitalScript.model_validate_json(await request.read())
    except ValidationError as error:
        fields = ", ".join(".".join(map(str, e["loc"])) or "body" for e in error.errors())
        return _problem(400, f"Invalid script ({fields}).")
    request.app[SCRIPTS][request.match_info["order_id"], request.match_info["sku"]] = script
    return web.Response(status=204)


def add_digital_provider(app: web.Application, scripts: dict[tuple[str, str], DigitalScript] | None = None) -> None:
    app[SCRIPTS] = dict(scripts or {})
    app.router.add_get(
        "/digital/v1/orders/{order_id:[^/]+}/lines/{sku:[^/]+}/delivery", _delivery, name="digital"
    )
    app.router.add_put("/_sandbox/digital/{order_id:[^/]+}/{sku:[^/]+}", _script)
