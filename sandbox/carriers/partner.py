"""The partner webhook as the Turkish carriers push it: the marketplace's own JSON event (published in
``schemas.partner_webhook`` and the README), each one a sample of ``tests/fixtures/carriers/<samples>/`` with
its values changed, signed as the README publishes the scheme:
``X-Partner-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>``.

The event reports the shipment's latest scan (its scripted status sequence's last step). A delivery carries
what the scenario and the scripted facts give: the signer (masked when scripted so), the relation, the
signature and photo (inline), and the scan's coordinates. The format has no place for a
carrier's raw status code, nor for other packages: one event is one parcel.
"""

import hashlib
import hmac
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sandbox.carriers.facts import COURIER, Delivery, Step, delivery, history, printed_name
from sandbox.carriers.kit import PHOTO_PNG, SIGNATURE_PNG, View, Webhook, local, template
from sandbox.carriers.shipments import SandboxShipment

HEADER = "X-Partner-Signature"
# what a sample says about its own parcel: left out, then said again about this one as far as it is true
_FACTS = ("delivered_at", "received_by", "recipient_relation", "location", "signature", "photo", "courier")
# the partner's word for each step, and the sample its event is built from
_EVENTS = {
    Step.PICKED_UP: ("in_transit", "in-transit.json"),
    Step.IN_TRANSIT: ("in_transit", "in-transit.json"),
    Step.OUT_FOR_DELIVERY: ("in_transit", "in-transit.json"),
    Step.FAILED_ATTEMPT: ("failed_attempt", "failed-attempt.json"),
    Step.RETURNED: ("returned", "returned.json"),
    Step.DELIVERED: ("delivered", "delivered-with-proof.json"),
}


def secret(code: str) -> str:
    return f"sandbox-{code}-partner-webhook-secret-0001"


def partner_credentials(code: str) -> dict[str, Any]:
    return {"partner_webhook": {"secrets": [secret(code)]}}


def partner_event(shipment: SandboxShipment, samples: str = "partner") -> dict[str, Any]:
    """The event for the shipment's latest scan; its id is stable, so pushing it again is a duplicate."""
    latest = history(shipment)[-1]
    status, name = _EVENTS[latest.step]
    sample = {key: value for key, value in template(samples, name).items() if key not in _FACTS}
    event: dict[str, Any] = sample | {
        "event_id": f"sbx-{shipment.carrier}-{shipment.tracking_number}-{latest.step.value}",
        "carrier": shipment.carrier,
        "tracking_number": shipment.tracking_number,
        "status": status,
        "occurred_at": local(latest.at + timedelta(seconds=4)).isoformat(),
        "courier": {"name": COURIER, "unit": latest.district or latest.city},
    }
    if status == "failed_attempt":
        event["location"] = {"text": _place(shipment)}
    if (done := delivery(shipment)) is not None:
        event |= _delivered(shipment, done)
    return event


def _delivered(shipment: SandboxShipment, done: Delivery) -> dict[str, Any]:
    position = done.position
    facts: dict[str, Any] = {
        "delivered_at": local(done.at).isoformat(),
        "received_by": printed_name(done),
        "recipient_relation": done.relation.value,
        "location": {"lat": position.lat, "lon": position.lon, "accuracy_m": position.accuracy_m,
                     "text": _place(shipment)},
        "signature": _image(SIGNATURE_PNG) if done.signed else None,
        "photo": _image(PHOTO_PNG) if done.photographed else None,
    }
    return {key: value for key, value in facts.items() if value is not None}


def _image(content_b64: str) -> dict[str, str]:
    """Inline, as the format takes images (its links must be https, which the sandbox does not serve)."""
    return {"content_b64": content_b64, "media_type": "image/png"}


def _place(shipment: SandboxShipment) -> str:
    return ", ".join(filter(None, (shipment.district, shipment.city)))


def sign(code: str, body: bytes, timestamp: int) -> str:
    """The ``X-Partner-Signature`` value for ``body``, by the published scheme."""
    mac = hmac.new(secret(code).encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def partner_webhook(code: str, samples: str = "partner") -> Callable[[SandboxShipment, View], Webhook]:
    def render(shipment: SandboxShipment, at: View) -> Webhook:
        body = json.dumps(partner_event(shipment, samples), ensure_ascii=False).encode()
        return Webhook(body, {"Content-Type": "application/json", HEADER: sign(code, body, int(at.now.timestamp()))})

    return render
