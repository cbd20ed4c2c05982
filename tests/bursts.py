"""Pushed events in bursts, and passes of the push attacher driven by hand (tests/unit/test_push_burst.py,
tests/integration/test_push_burst.py); a DHL push of many shipments (tests/integration/test_pushed_batches.py,
tests/e2e/test_dhl_push_of_many.py)."""

import asyncio
import json
from datetime import datetime, timedelta
from pathlib import Path

from disputes.evidence import PushAttacher
from disputes.lanes import Lanes
from disputes.ports import Schedule
from disputes.service import DisputeService, OpenRequest
from disputes.work import WorkKind
from schemas.common import Resolution
from schemas.dispute import Evidence
from schemas.orders import Order
from schemas.proof import DeliveryLocation, ProofOfDelivery, ProofSource, ProofStatus
from tests.factories import CUSTOMER, NOW, order, shipment

LEASE = timedelta(seconds=10)
LONG_TEXT = ("Transfer merkezinden çıkış yapıldı; dağıtım şubesine sevk edildi. " * 7).strip()
DHL_PUSH = Path(__file__).parent / "fixtures" / "carriers" / "dhl" / "push-delivered.json"


def dhl_push(shipments: int) -> bytes:
    """DHL's push (fixture push-delivered.json) carrying its delivered shipment `shipments` times, each under a
    number of its own: 4000000000, 4000000001, ..."""
    body = json.loads(DHL_PUSH.read_bytes())
    [delivered] = body["shipments"]
    body["shipments"] = [delivered | {"id": str(4_000_000_000 + n)} for n in range(shipments)]
    return json.dumps(body).encode()


def two_parcels() -> Order:
    """An order of two Sürat parcels: shp-a (TRKSHPA) and shp-b (TRKSHPB)."""
    return order(shipments=[shipment("shp-a", carrier="surat"), shipment("shp-b", carrier="surat")])


async def open_both(service: DisputeService) -> tuple[str, str]:
    """Disputes on both parcels of `two_parcels`: their ids, A's then B's."""
    opened = [
        await service.open(CUSTOMER, OpenRequest("ord-1", shipment_id, "Gelmedi.", Resolution.REFUND), None)
        for shipment_id in ("shp-a", "shp-b")
    ]
    return opened[0].dispute.id, opened[1].dispute.id


def scan(key: str, tracking: str, status: ProofStatus = ProofStatus.IN_TRANSIT, seconds: float = 0) -> Evidence:
    """A Sürat partner push for `tracking`, received `seconds` after NOW, with a long text as real scans have."""
    proof = ProofOfDelivery(
        carrier="surat", tracking_number=tracking, status=status, source=ProofSource.PUSH,
        delivered_at=NOW - timedelta(days=1) if status is ProofStatus.DELIVERED else None,
        location=DeliveryLocation(text=LONG_TEXT), received_at=NOW + timedelta(seconds=seconds),
    )
    return Evidence(key=f"push:surat:{key}", proof=proof)


async def attach_pass(attacher: PushAttacher, schedule: Schedule, now: datetime) -> list[str]:
    """One pass of the attacher: claim as many events as it has places for, attach them side by side; their keys."""
    claimed = await schedule.claim_due(WorkKind.ATTACH_PUSHED, now, LEASE, attacher.batch, "worker-1")
    lanes = Lanes(attacher.batch)
    await asyncio.gather(*(attacher.handle(claim, lanes.enter()) for claim in claimed))
    return [claim.subject for claim in claimed]
