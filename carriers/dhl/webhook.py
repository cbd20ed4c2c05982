"""DHL push (Shipment Tracking – Unified – Push) → canonical proofs (pure).

A push carries the Unified tracking shape: ``{"scope": "subscription.push", "shipments": [...]}``, one
event per shipment (fixture push-delivered.json). The subscription's handshake messages (``scope``
``subscription.validate`` / ``subscription.ready``, push-validate.json) carry no shipment and give no
events. DHL sends no event identifier: ``event_id`` is derived from shipment id, status code and time.
"""

from datetime import datetime

from carriers.base import WebhookEvent, derive_event_id
from carriers.dhl.mapping import CODE, read_part, shipment_id, shipment_proof
from carriers.dhl.wire import Shipment, Shipments, Status
from carriers.errors import MalformedResponse
from carriers.parsing import ProofNotes, read_wire, text
from schemas.proof import ProofSource

WHAT = "push body"
PUSH_SCOPE = "subscription.push"


def parse_push(raw_body: bytes, received_at: datetime) -> list[WebhookEvent]:
    body = read_wire(Shipments, raw_body, carrier=CODE, what=WHAT)
    if text(body.scope) not in (None, PUSH_SCOPE):
        return []
    return [_event(raw, index, received_at) for index, raw in enumerate(body.shipments or ())]


def _event(raw: object, index: int, received_at: datetime) -> WebhookEvent:
    notes = ProofNotes()
    shipment = read_part(Shipment, raw, f"shipments.{index}", notes)
    if shipment is None or not (number := shipment_id(shipment)):
        raise MalformedResponse(f"{WHAT}: shipments.{index} names no shipment", carrier=CODE)
    status = read_part(Status, shipment.status, "status", ProofNotes()) or Status()
    return WebhookEvent(
        event_id=derive_event_id(CODE, number, status.status_code, status.timestamp),
        tracking_number=number,
        proof=shipment_proof(shipment, number, ProofSource.PUSH, received_at, notes),
    )
