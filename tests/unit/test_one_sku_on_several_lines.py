"""One SKU on several lines of a package (a promotion splits them at different prices): its units are the sum of its
lines, for the claim as for the policy."""

import pytest

from adapters.memory import InMemoryOrders
from disputes.errors import Unprocessable
from disputes.model import Dispute
from disputes.policy.missing import not_packed
from disputes.rules import Rules
from disputes.service import DisputeService
from schemas.dispute import MissingItem, PackingCheck
from schemas.orders import OrderItem, PackedLine, PackingRecord
from tests.factories import CUSTOMER, NOW, order, shipment
from tests.unit.test_missing_items import claim


def sku_a(quantity: int, price: int, name: str = "Kupa") -> OrderItem:
    return OrderItem(sku="SKU-A", name=name, quantity=quantity, unit_price_minor=price)


def service_of(repository, clock, *items: OrderItem) -> DisputeService:
    package = order("ord-box", shipments=[shipment("shp-box", items=list(items))])
    return DisputeService(repository, InMemoryOrders([package]), clock, Rules())


async def opened(service: DisputeService, *missing: tuple[str, int], **options) -> Dispute:
    return (await service.open(CUSTOMER, claim(*missing, **options), None)).dispute


@pytest.mark.parametrize(("first", "second"), [(3, 1), (1, 3)])
async def test_a_claim_may_name_as_many_units_as_the_sku_s_lines_hold_together(repository, clock, first, second) -> None:
    service = service_of(repository, clock, sku_a(first, 100), sku_a(second, 50_000))

    dispute = await opened(service, ("SKU-A", 2))
    with pytest.raises(Unprocessable, match="Only 4 of SKU-A were in this package"):
        await opened(service, ("SKU-A", 5))

    assert dispute.missing_items == [MissingItem(sku="SKU-A", quantity=2)]


async def test_the_policy_counts_a_sku_s_units_over_its_lines_as_the_claim_does(repository, clock) -> None:
    service = service_of(repository, clock, sku_a(3, 100), sku_a(1, 50_000))
    dispute = await opened(service, ("SKU-A", 2))
    record = PackingRecord(shipment_id="shp-box", packed_at=NOW, lines=[PackedLine(sku="SKU-A", quantity=3)])

    dispute.packing = PackingCheck(answered=True, record=record)

    assert not_packed(dispute) == (MissingItem(sku="SKU-A", quantity=1),)
