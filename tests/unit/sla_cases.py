"""What the SLA edge cases share: a carrier with no pull API (its proof comes by push), a case opened at a given
instant on an order delivered two days before, and a neighbour's signed hand-over, pushed."""

from datetime import datetime, timedelta
from typing import Any

import pytest

from adapters.memory import FixedClock, InMemoryOrders
from disputes.ports import EvidenceRejected
from schemas.proof import Attachment, AttachmentKind, ProofOfDelivery, ProofSource, ProofStatus, RecipientRelation
from tests.factories import NOW, order, shipment


class NoPullApi:
    async def pull(self, carrier: str, tracking_number: str, slot: object = None) -> ProofOfDelivery:
        raise EvidenceRejected("this carrier has no pull API")


def opened_at(opened: datetime, **order_fields: Any) -> tuple[Any, Any]:
    """The `clock` (at `opened`) and `orders` fixtures of a module whose case opens then, two days after delivery."""

    @pytest.fixture
    def clock() -> FixedClock:
        return FixedClock(opened)

    @pytest.fixture
    def orders() -> InMemoryOrders:
        delivered_days_ago = (NOW - (opened - timedelta(days=2))).total_seconds() / 86400
        return InMemoryOrders([order(shipments=[shipment(delivered_days_ago=delivered_days_ago)], **order_fields)])

    return clock, orders


def neighbour_proof(tracking_number: str, delivered_at: datetime, received_at: datetime) -> ProofOfDelivery:
    return ProofOfDelivery(
        carrier="yurtici", tracking_number=tracking_number, status=ProofStatus.DELIVERED, delivered_at=delivered_at,
        received_by="Mehmet Kaya", recipient_relation=RecipientRelation.NEIGHBOUR,
        signature=Attachment(kind=AttachmentKind.SIGNATURE, url="https://pod.example/sig/1"), source=ProofSource.PUSH,
        received_at=received_at,
    )
