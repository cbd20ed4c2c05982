"""Orders and actors for tests: realistic, personal-looking values that must never reach a log."""

import hashlib
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from disputes.actors import Actor
from disputes.ports import Claimed
from disputes.service import Upload
from schemas.common import Role
from schemas.orders import MAX_LINES, MAX_QUANTITY, MAX_UNIT_PRICE_MINOR, Address, Order, OrderItem, Shipment, ShipmentStatus

NOW = datetime(2026, 11, 18, 9, 30, tzinfo=UTC)
CUSTOMER = Actor("cust-1", Role.CUSTOMER, customer_id="cust-1")
OTHER_CUSTOMER = Actor("cust-2", Role.CUSTOMER, customer_id="cust-2")
INVESTIGATOR = Actor("inv-ayse", Role.INVESTIGATOR)
OTHER_INVESTIGATOR = Actor("inv-mehmet", Role.INVESTIGATOR)
SUPERVISOR = Actor("sup-zeynep", Role.SUPERVISOR)
AGENT = Actor("agent-elif", Role.AGENT)


PERSONAL_VALUES = ("Şükrü Güneş", "Ayşe Yılmaz", "Yılmaz", "+90 532 111 22 33", "532 111", "Bağdat Cad", "Kadıköy")
"""What the factories put in orders that must never reach a log line."""


def shipment(
    shipment_id: str = "shp-1",
    status: ShipmentStatus = ShipmentStatus.DELIVERED,
    delivered_days_ago: float | None = 2,
    price: int = 129_900,
    reshippable: bool = True,
    carrier: str = "yurtici",
    items: list[OrderItem] | None = None,
    declared_weight_grams: int | None = None,
) -> Shipment:
    delivered_at = NOW - timedelta(days=delivered_days_ago) if delivered_days_ago is not None else None
    return Shipment(
        shipment_id=shipment_id,
        carrier=carrier,
        tracking_number=f"TRK{shipment_id.replace('-', '').upper()}",
        status=status,
        delivered_at=delivered_at,
        items=items or [OrderItem(sku="sku-kettle", name="Çay makinesi", quantity=1, unit_price_minor=price)],
        reshippable=reshippable,
        declared_weight_grams=declared_weight_grams,
    )


KETTLE = OrderItem(sku="sku-kettle", name="Çay makinesi", quantity=1, unit_price_minor=129_900)
GLASS = OrderItem(sku="sku-glass", name="Çay bardağı", quantity=6, unit_price_minor=4_500)
SPOON = OrderItem(sku="sku-spoon", name="Çay kaşığı", quantity=12, unit_price_minor=1_250)
BOXED = [KETTLE, GLASS, SPOON]
"""A package of several lines, for missing-item claims."""
WEIGHED = [KETTLE.model_copy(update={"unit_weight_grams": 1_150}), GLASS.model_copy(update={"unit_weight_grams": 110}),
           SPOON.model_copy(update={"unit_weight_grams": 25})]
"""The same package with each unit's weight as the catalogue states it: 1 150 + 6 × 110 + 12 × 25 = 2 110 g of goods."""
LARGEST = [OrderItem(sku=f"sku-gold-{n}", name="Altın külçe", quantity=MAX_QUANTITY, unit_price_minor=MAX_UNIT_PRICE_MINOR)
           for n in range(MAX_LINES)]
"""The largest package an order can hold: 500 lines of 10 000 units at 10^12 kuruş, 5 × 10^18 kuruş."""


def order(
    order_id: str = "ord-1",
    customer_id: str = "cust-1",
    shipments: list[Shipment] | None = None,
    accessibility_need: bool = False,
) -> Order:
    shipments = shipments if shipments is not None else [shipment()]
    delivered = [s.delivered_at for s in shipments if s.delivered_at is not None]
    return Order(
        order_id=order_id,
        customer_id=customer_id,
        placed_at=min([NOW - timedelta(days=5), *(at - timedelta(days=1) for at in delivered)]),  # before any delivery
        buyer_name="Şükrü Güneş",
        recipient_name="Ayşe Yılmaz",
        recipient_phone="+90 532 111 22 33",
        address=Address(line="Bağdat Cad. No:12 D:4", district="Kadıköy", city="İstanbul", lat=40.9819, lon=29.0576),
        shipments=shipments,
        accessibility_need=accessibility_need,
    )


def subjects(claims: Iterable[Claimed]) -> list[str]:
    """The subjects a claim leased, in the order it gave them."""
    return [claim.subject for claim in claims]


class CountedCleaner:
    """Stands in for the image cleaner (adapters/web/uploads.py `ImageCleaner`): an image kept as sent, with the
    names of the images it was given, in order."""

    def __init__(self) -> None:
        self.cleaned: list[str] = []

    async def __call__(self, upload: Upload) -> Upload:
        self.cleaned.append(upload.filename)
        return upload


def effects_key(order_id: str, shipment_id: str) -> str:
    """What the keys of a case's refunds, reshipments and carrier liability start with, as docs/downstream.md writes
    it: `shp_` and the first 32 hex digits of the SHA-256 of `<order_id>/<shipment_id>`."""
    return "shp_" + hashlib.sha256(f"{order_id}/{shipment_id}".encode()).hexdigest()[:32]
