"""Order facts as the order service describes them: what a dispute is opened on."""

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from schemas.common import Id, Moment, TrackingNumber


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class ShipmentStatus(StrEnum):
    PREPARING = "preparing"
    IN_TRANSIT = "in_transit"
    DELIVERED = "delivered"
    RETURNED = "returned"
    CANCELLED = "cancelled"


class Address(_Model):
    line: str
    district: str
    city: str
    postal_code: str | None = None
    country: str = "TR"
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)


class DigitalKind(StrEnum):
    GAME_CODE = "game_code"
    LICENCE_KEY = "licence_key"
    GIFT_CARD = "gift_card"


MAX_QUANTITY, MAX_UNIT_PRICE_MINOR, MAX_LINES = 10_000, 10**12, 500
"""Bounds of one package's lines as the order service describes them, far beyond any order and within what MongoDB
stores as a number: at most 5 × 10¹⁸ kuruş a package (a 64-bit integer holds 9.2 × 10¹⁸; a larger value failed to be
stored, a 500). Checked where orders come in (`Shipment`), not on the snapshots cases keep: those stored before the
bounds read as they were written."""


class OrderItem(_Model):
    sku: Id
    name: str
    quantity: int = Field(ge=1)
    unit_price_minor: int = Field(ge=0, description="Price in minor units (kuruş).")
    digital: DigitalKind | None = Field(
        default=None,
        description="A digital good (delivered as a code or link, never as a parcel); absent for physical goods.",
    )
    unit_weight_grams: int | None = Field(
        default=None, ge=1, description="One unit's weight as the catalogue states it; absent where it states none.",
    )


def sku_units(items: Sequence[OrderItem], sku: str) -> int:
    """How many of `sku` the lines hold together: one SKU may be on several lines (a promotion splits them at
    different prices)."""
    return sum(item.quantity for item in items if item.sku == sku)


def sku_weight(items: Sequence[OrderItem], sku: str, units: int) -> int | None:
    """What `units` of `sku` weigh in grams: its unit weight times `units`; unknown (None) unless every line of the
    SKU states one and the same unit weight."""
    weights = {item.unit_weight_grams for item in items if item.sku == sku}
    [weight] = weights if len(weights) == 1 else [None]
    return None if weight is None else weight * units


def sku_value(items: Sequence[OrderItem], sku: str, units: int, after: int = 0) -> int:
    """What `units` of `sku` are worth in minor units, after `after` of them were valued before (paid by earlier
    decisions): its lines' total value T spread over their units Q, floor(T·(after+units)/Q) − floor(T·after/Q). A
    single line's units are worth its price each; however the units are split, they add up to T at most, in whole
    minor units."""
    total = sum(item.unit_price_minor * item.quantity for item in items if item.sku == sku)
    quantity = sku_units(items, sku)
    return total * (after + units) // quantity - total * after // quantity


class Shipment(_Model):
    shipment_id: Id
    carrier: Id
    tracking_number: TrackingNumber
    status: ShipmentStatus
    delivered_at: Moment = None
    items: list[OrderItem] = Field(max_length=MAX_LINES)
    reshippable: bool = True
    declared_weight_grams: int | None = Field(
        default=None, ge=1, description="The package's weight as the seller declared it when booking the carrier."
    )

    @field_validator("items")
    @classmethod
    def _within_bounds(cls, items: list[OrderItem]) -> list[OrderItem]:
        if any(item.quantity > MAX_QUANTITY or item.unit_price_minor > MAX_UNIT_PRICE_MINOR for item in items):
            raise ValueError(f"a line holds at most {MAX_QUANTITY} units of at most {MAX_UNIT_PRICE_MINOR} minor units")
        return items

    @property
    def value_minor(self) -> int:
        return sum(item.unit_price_minor * item.quantity for item in self.items)

    @property
    def is_digital(self) -> bool:
        """Every line is delivered digitally (its `carrier` names the delivery channel, not a carrier)."""
        return bool(self.items) and all(item.digital is not None for item in self.items)


class Order(_Model):
    order_id: Id
    customer_id: Id
    placed_at: datetime
    buyer_name: str
    recipient_name: str
    recipient_phone: str | None = None
    address: Address
    currency: str = Field(
        default="TRY", pattern=r"^[A-Z]{3}$",
        description="An ISO 4217 alphabetic code (TRY, EUR, JPY); amounts are in its minor units.",
    )
    payment_method: str = "card"
    accessibility_need: bool = Field(
        default=False,
        description="The customer declared an accessibility need: their disputes get queue priority and written messages.",
    )
    shipments: list[Shipment]

    def shipment(self, shipment_id: str) -> Shipment | None:
        return next((s for s in self.shipments if s.shipment_id == shipment_id), None)


class PackedLine(_Model):
    sku: Id
    quantity: int = Field(ge=0)


class PackingRecord(_Model):
    """What the seller recorded packing into one package (order service: ``GET …/shipments/{id}/packing-record``)."""

    shipment_id: Id
    packed_at: Moment = Field(description="When the seller packed it; null when not known.")
    lines: list[PackedLine]
    weight_grams: int | None = Field(default=None, ge=1, description="The packed parcel on the seller's scale.")
    photo: bool = Field(default=False, description="The seller photographed the open parcel before sealing it.")

    def packed(self, sku: str) -> int:
        return sum(line.quantity for line in self.lines if line.sku == sku)


class PackedShipment(_Model):
    shipment_id: Id
    packing_record: PackingRecord | None = None


class PackedOrder(_Model):
    """The packing records an orders file keeps beside an order (the embedded default's and the sandbox's): each
    shipment's optional ``packing_record``, which the order service serves on an endpoint of its own."""

    order_id: Id
    shipments: list[PackedShipment]

    def document(self, order: Order) -> dict[str, Any]:
        """`order` as a JSON-ready document in the orders file's shape, with these packing records in it."""
        records = {s.shipment_id: s.packing_record for s in self.shipments if s.packing_record is not None}
        document = order.model_dump(mode="json")
        for shipment in document["shipments"]:
            if (record := records.get(shipment["shipment_id"])) is not None:
                shipment["packing_record"] = record.model_dump(mode="json")
        return document
