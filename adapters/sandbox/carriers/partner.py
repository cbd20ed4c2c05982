"""The partner webhook as the Turkish carriers push it: the marketplace's own JSON event
(``schemas.partner_webhook``), signed with the carrier's secret by ``carriers.partner.signing`` — the
same helper the service verifies with, so the sandbox cannot drift from the scheme.
"""

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from adapters.sandbox.carriers.facts import COURIER, delivery, history
from adapters.sandbox.carriers.kit import PHOTO_PNG, SIGNATURE_PNG, View, Webhook, local
from adapters.sandbox.carriers.shipments import SandboxShipment
from carriers.partner import signing


def secret(code: str) -> str:
    return f"sandbox-{code}-partner-webhook-secret-0001"


def partner_credentials(code: str) -> dict[str, Any]:
    return {"partner_webhook": {"secrets": [secret(code)]}}


def partner_event(shipment: SandboxShipment) -> dict[str, Any]:
    """The event for the shipment's latest scan; its id is stable, so pushing it again is a duplicate."""
    latest = history(shipment)[-1]
    event: dict[str, Any] = {
        "event_id": f"sbx-{shipment.carrier}-{shipment.tracking_number}-{latest.step.value}",
        "carrier": shipment.carrier,
        "tracking_number": shipment.tracking_number,
        "status": "in_transit",
        "occurred_at": local(latest.at + timedelta(seconds=4)).isoformat(),
        "courier": {"name": COURIER, "unit": latest.district or latest.city},
    }
    if (done := delivery(shipment)) is None:
        return event
    place = ", ".join(filter(None, (shipment.district, shipment.city)))
    event |= {
        "status": "delivered",
        "delivered_at": local(done.at).isoformat(),
        "recipient_relation": done.relation.value,
        "location": {"lat": done.position.lat, "lon": done.position.lon, "accuracy_m": done.position.accuracy_m,
                     "text": place},
    }
    if done.received_by:
        event["received_by"] = done.received_by
    if done.signed:
        event["signature"] = {"content_b64": SIGNATURE_PNG, "media_type": "image/png"}
    if done.photographed:
        event["photo"] = {"content_b64": PHOTO_PNG, "media_type": "image/png"}
    return event


def partner_webhook(code: str) -> Callable[[SandboxShipment, View], Webhook]:
    def render(shipment: SandboxShipment, at: View) -> Webhook:
        body = json.dumps(partner_event(shipment), ensure_ascii=False).encode()
        signature = signing.sign(secret(code), body, int(at.now.timestamp()))
        return Webhook(body, {"Content-Type": "application/json", signing.HEADER: signature})

    return render
