"""The demo order seed: valid orders, every carrier, and each demo case true relative to "now"."""

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from adapters.demo import demo_orders, seed_orders
from adapters.orders import FileOrderDirectory, OrderFile
from carriers.registry import CARRIERS as REGISTERED
from disputes.rules import Rules
from schemas.orders import OrderItem, Shipment, ShipmentStatus

NOW = datetime(2026, 11, 18, 9, 30, tzinfo=ZoneInfo("Europe/Istanbul"))
ORDERS = OrderFile.model_validate(demo_orders(NOW)).orders
SHIPMENTS = [(order, shipment) for order in ORDERS for shipment in order.shipments]
CARRIERS = set(REGISTERED)
TRACKING_STYLE = {
    "ups": r"1Z[0-9A-Z]{16}",
    "fedex": r"\d{12}",
    "dhl": r"\d{10}",
    "ptt": r"[A-Z]{2}\d{9}TR",
    "hepsijet": r"HJ\d{12}",
    "yurtici": r"\d{12}",
    "aras": r"\d{13}",
    "mng": r"\d{11}",
    "surat": r"\d{12}",
    "digital": r"DG-\d{4}-\d",
}


def age(shipment: Shipment) -> timedelta:
    assert shipment.delivered_at is not None
    return NOW - shipment.delivered_at


def test_every_carrier_has_an_order_delivered_one_to_three_days_ago() -> None:
    delivered = [s for _, s in SHIPMENTS if s.delivered_at]
    recent = {s.carrier for s in delivered if timedelta(days=1) <= age(s) <= timedelta(days=3)}

    assert recent == CARRIERS | {"digital"}


def test_every_carrier_has_a_tracking_number_style() -> None:
    assert set(TRACKING_STYLE) == CARRIERS | {"digital"}, "give the carrier's tracking-number pattern in TRACKING_STYLE"


def test_tracking_numbers_follow_each_carriers_style() -> None:
    for _, shipment in SHIPMENTS:
        style, number = TRACKING_STYLE[shipment.carrier], shipment.tracking_number
        assert re.fullmatch(style, number), f"{shipment.carrier}: {number}"


def test_a_shipment_still_in_transit_has_no_delivery_time() -> None:
    in_transit = [s for _, s in SHIPMENTS if s.status is ShipmentStatus.IN_TRANSIT]

    assert in_transit and all(s.delivered_at is None for s in in_transit)
    assert all(s.delivered_at is not None for _, s in SHIPMENTS if s.status is ShipmentStatus.DELIVERED)


def test_one_delivery_is_too_old_for_the_default_thirty_day_claim_window() -> None:
    assert Rules().claim_window == timedelta(days=30)
    old = [s for _, s in SHIPMENTS if s.delivered_at and age(s) > Rules().claim_window]

    assert [age(s).days for s in old] == [45]


def test_a_laptop_makes_a_high_value_order_of_65000_lira() -> None:
    laptops = [s for _, s in SHIPMENTS if any("Bilgisayar" in item.name for item in s.items)]

    assert [s.value_minor for s in laptops] == [6_500_000]


def test_one_order_has_several_shipments_with_different_carriers() -> None:
    multi = [order for order in ORDERS if len(order.shipments) > 1]

    assert len(multi) == 1 and len({s.carrier for s in multi[0].shipments}) == len(multi[0].shipments)


def test_a_limited_edition_item_cannot_be_reshipped() -> None:
    (fixed,) = [s for _, s in SHIPMENTS if not s.reshippable]

    assert "Sınırlı Üretim" in fixed.items[0].name and fixed.status is ShipmentStatus.DELIVERED


def test_orders_are_placed_before_anything_is_delivered() -> None:
    for order, shipment in SHIPMENTS:
        assert order.placed_at < (shipment.delivered_at or NOW) <= NOW


def test_customers_have_turkish_names_phones_and_addresses() -> None:
    customers = {order.customer_id: order for order in ORDERS}
    names = "".join(order.buyer_name for order in customers.values())

    assert sorted(customers) == ["cust-1001", "cust-1002", "cust-1003", "cust-1004"]
    assert set("şğıİöüç") <= set(names.lower() + names)
    assert {order.address.city for order in ORDERS} == {"İstanbul", "Ankara", "İzmir"}
    for order in ORDERS:
        assert re.fullmatch(r"\+90 5\d\d \d{3} \d\d \d\d", order.recipient_phone or "")
        assert 35 < (order.address.lat or 0) < 43 and 25 < (order.address.lon or 0) < 45


def test_ids_follow_the_order_and_shipment_pattern() -> None:
    for order, shipment in SHIPMENTS:
        assert re.fullmatch(r"ord-\d{4}", order.order_id)
        assert re.fullmatch(rf"shp-{order.order_id[4:]}-\d", shipment.shipment_id)


def test_the_seed_moves_with_now() -> None:
    later = demo_orders(NOW + timedelta(days=400))["orders"][0]
    first = demo_orders(NOW)["orders"][0]

    shift = datetime.fromisoformat(later["placed_at"]) - datetime.fromisoformat(first["placed_at"])
    assert shift == timedelta(days=400)


def test_a_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        demo_orders(datetime(2026, 11, 18, 9, 30))


async def test_the_file_directory_reads_back_every_demo_order_and_the_journey_copy_the_first_start_seeds(
        tmp_path: Path) -> None:
    path = tmp_path / "data" / "orders.json"
    _, journey = seed_orders(path, NOW.astimezone(UTC))
    directory = FileOrderDirectory(path)

    for order in ORDERS:
        assert await directory.get(order.order_id) == order
    copy = await directory.get(journey.order_id)
    assert copy is not None and copy.customer_id == journey.customer_id
    assert await directory.get("ord-0000") is None


def test_a_file_listing_an_order_twice_is_refused(tmp_path: Path) -> None:
    document = demo_orders(NOW)
    path = tmp_path / "orders.json"
    path.write_text(json.dumps({"orders": document["orders"] * 2}), encoding="utf-8")

    with pytest.raises(ValueError, match="more than once"):
        FileOrderDirectory(path)


def test_the_seeded_document_is_plain_json_that_validates_as_orders() -> None:
    document = json.loads(json.dumps(demo_orders(NOW), ensure_ascii=False))

    assert OrderFile.model_validate(document).orders == ORDERS


PACKAGING_GRAMS = range(50, 301)
"""What a box and its filling add to the weight of what it holds."""


def grams(items: list[OrderItem], units: dict[str, int] | None = None) -> int:
    """What the lines weigh (`units`: only so many of each SKU)."""
    return sum((item.unit_weight_grams or 0) * (item.quantity if units is None else units.get(item.sku, 0))
               for item in items)


def test_every_parcel_s_line_states_its_unit_weight_and_no_digital_line_does() -> None:
    for _, shipment in SHIPMENTS:
        for item in shipment.items:
            assert (item.unit_weight_grams is None) == (item.digital is not None), item.sku


def test_a_declared_weight_and_a_packing_record_s_weigh_their_lines_and_one_box() -> None:
    declared = [s for _, s in SHIPMENTS if s.declared_weight_grams is not None]
    records = {s["shipment_id"]: s["packing_record"] for o in demo_orders(NOW)["orders"] for s in o["shipments"]
               if "packing_record" in s}

    assert declared and records
    for shipment in declared:
        box = (shipment.declared_weight_grams or 0) - grams(shipment.items)
        assert box in PACKAGING_GRAMS, shipment.shipment_id
        if (record := records.get(shipment.shipment_id)) is not None:
            packed = {line["sku"]: line["quantity"] for line in record["lines"]}
            assert record["weight_grams"] == grams(shipment.items, packed) + box


def test_two_orders_are_digital_goods_one_licence_key_and_one_gift_card() -> None:
    digital = [s for _, s in SHIPMENTS if s.is_digital]

    assert sorted(item.digital for s in digital for item in s.items) == ["gift_card", "licence_key"]
    assert all(s.carrier == "digital" for s in digital)
