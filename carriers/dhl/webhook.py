"""DHL push → canonical proof (pure). The body has the unified tracking shape: one event per shipment.

DHL sends no event identifier: ``event_id`` is derived from shipment id, status code and status time.
"""

from datetime import datetime

from carriers.base import WebhookEvent, derive_event_id
from carriers.dhl.mapping import CODE, shipment_proof
from carriers.dhl.wire import Shipments
from carriers.errors import MalformedResponse
from carriers.parsing import read_wire, reading, text_of
from schemas.proof import ProofSource

WHAT = "push body"


def parse_push(raw_body: bytes, received_at: datetime) -> list[WebhookEvent]:
    shipments = read_wire(Shipments, raw_body, carrier=CODE, what=WHAT).shipments or []
    events = []
    with reading(CODE, WHAT):
        for index, shipment in enumerate(shipments):
            if not (tracking_number := text_of(shipment.id)):
                raise MalformedResponse(f"{WHAT}: shipments.{index}.id is missing", carrier=CODE)
            status = shipment.status
            event_id = derive_event_id(
                CODE, tracking_number, status.status_code if status else None, status.timestamp if status else None
            )
            proof = shipment_proof(shipment, tracking_number, ProofSource.PUSH, received_at)
            events.append(WebhookEvent(event_id=event_id, tracking_number=tracking_number, proof=proof))
    return events
