"""Order facts whose times are placeholders, or a little ahead of ours: the case is still assessed, and a claim with an
abuse signal still goes to a supervisor at its deadline (DESIGN §2: abuse signals block automatic resolutions)."""

import json
from datetime import UTC, datetime, timedelta

import pytest

from disputes.assessment import Assessor
from disputes.evidence import EvidencePuller
from disputes.policy import PolicySettings
from disputes.rules import Rules
from disputes.sla_sweeper import SlaSweeper
from schemas.dispute import Status
from schemas.proof import Attachment, AttachmentKind, ProofOfDelivery, ProofSource, ProofStatus, RecipientRelation
from tests.factories import CUSTOMER, NOW, order, shipment


class SignedFor:
    """The carrier proves a signed delivery to the addressee at `at`."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    async def pull(self, carrier, tracking_number, slot=None):
        return ProofOfDelivery(
            carrier=carrier, tracking_number=tracking_number, status=ProofStatus.DELIVERED, delivered_at=self.at,
            received_by="Ayşe Yılmaz", recipient_relation=RecipientRelation.RECIPIENT,
            signature=Attachment(kind=AttachmentKind.SIGNATURE, url="https://pod.example/sig/1"),
            source=ProofSource.PULL, received_at=NOW,
        )


async def deadline_of_a_claim_scanned_at(scanned, placed_at, service, orders, request_for, pushed, due_work,
                                         repository, clock):
    """The case of a claim whose delivery the order service and the carrier stamp `scanned`, after its deadline."""
    recent = order(shipments=[shipment().model_copy(update={"delivered_at": scanned})])
    orders.orders["ord-1"] = recent if placed_at is None else recent.model_copy(update={"placed_at": placed_at})
    dispute = (await service.open(CUSTOMER, request_for(), None)).dispute
    await due_work(EvidencePuller(service, SignedFor(scanned), pushed, Rules())).run_once()
    await due_work(Assessor(service, repository, PolicySettings())).run_once()
    clock.advance(days=10)
    await due_work(SlaSweeper(service)).run_once()
    return repository.docs[dispute.id]


@pytest.mark.parametrize("placed_at", [None, datetime(1, 1, 1, tzinfo=UTC), datetime(1, 1, 1, 3, tzinfo=UTC)],
                         ids=["placed days before", "MinValue", "MinValue in Istanbul"])
async def test_a_claim_filed_minutes_after_the_scan_goes_to_a_supervisor_whatever_the_order_s_placed_at(
    service, orders, request_for, pushed, due_work, repository, clock, placed_at
):
    """.NET's `DateTime.MinValue` (0001-01-01T00:00:00) for the order's time is a placeholder: unknown, as a time
    without a zone is. Read as a time, comparing the delivery with it overflowed, and every assessment of the case
    failed: no abuse signal, and the deadline rule refunded the claim."""
    stored = await deadline_of_a_claim_scanned_at(NOW - timedelta(minutes=5), placed_at, service, orders, request_for,
                                                  pushed, due_work, repository, clock)

    assert stored.order.placed_at is None or placed_at is None
    assert stored.status is not Status.RESOLVED and stored.needs_supervisor, (stored.status, stored.abuse_flags)


@pytest.mark.parametrize("scan_after_report", [timedelta(minutes=-5), timedelta(minutes=1), timedelta(minutes=14)],
                         ids=["scan 5 min before the report", "scan stamped 1 min after it", "14 min after it"])
async def test_a_claim_filed_as_the_scan_is_stamped_by_a_clock_running_ahead_is_soon_after_it(
    service, orders, request_for, pushed, due_work, repository, clock, scan_after_report
):
    """A carrier's handheld a little ahead of ours (`CLOCK_AHEAD`, 15 minutes, is drift) stamps the delivery just after
    the customer's report: the claim came at once, the fastest of all, and goes to a supervisor at its deadline."""
    stored = await deadline_of_a_claim_scanned_at(NOW + scan_after_report, None, service, orders, request_for, pushed,
                                                  due_work, repository, clock)

    assert stored.status is not Status.RESOLVED and stored.needs_supervisor, (stored.status, stored.abuse_flags)
    [signal] = [f for f in stored.recommendation.findings if f.code == "claim_soon_after_delivery"]
    assert signal.facts["minutes"] == max(0, -scan_after_report // timedelta(minutes=1))


def test_a_placeholder_the_order_service_sends_is_no_time_and_costs_the_rest_of_the_record_nothing():
    """.NET's `DateTimeOffset.MinValue` on a shipment in transit, and on a seller's packing record (whose lines,
    weight and photo a missing-items claim is judged by): each reads as no time, and the rest is kept. Refused, the
    whole order (a 503 on every opening) or the whole record was lost."""
    from schemas.orders import Order, PackingRecord

    served = json.loads(order("ord-two", shipments=[shipment("shp-1"), shipment("shp-2")]).model_dump_json())
    served["shipments"][1] |= {"status": "in_transit", "delivered_at": "0001-01-01T00:00:00+00:00"}
    read = Order.model_validate_json(json.dumps(served))
    assert read.shipments[0].delivered_at is not None and read.shipments[1].delivered_at is None
    packed = {"shipment_id": "shp-1", "packed_at": "9999-12-31T23:59:59Z", "lines": [{"sku": "SKU-1", "quantity": 2}],
              "weight_grams": 1200, "photo": True}
    record = PackingRecord.model_validate_json(json.dumps(packed))
    assert (record.packed_at, [line.sku for line in record.lines], record.weight_grams) == (None, ["SKU-1"], 1200)
