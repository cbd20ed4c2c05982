"""Turn the demo template (`orders.json`, ages in days) into an order file with absolute timestamps.

The template says how long ago each order was placed and each shipment delivered (``null``: not delivered
yet), so "delivered yesterday" and "delivered 45 days ago, outside the claim window" stay true whatever the
date the demo runs on.
"""

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from adapters.orders import OrderFile, PackingFile
from sandbox.orders import write_document

TEMPLATE = Path(__file__).with_name("orders.json")
JOURNEY = "ord-2009"
"""The demo order the banner's journey disputes (a copy of it, new at every start)."""


@dataclass(frozen=True, slots=True)
class Journey:
    """This start's copy of the journey's order and the customer it belongs to: a new customer at an address of
    their own at every start, as one customer's third claim in the abuse window, or a third account disputing
    deliveries to one address, would need a supervisor's decision."""

    order_id: str
    customer_id: str


def demo_orders(now: datetime) -> dict[str, Any]:
    """The demo orders as a JSON-ready ``{"orders": [...]}`` document (the `FileOrderDirectory` format)."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    template = json.loads(TEMPLATE.read_text(encoding="utf-8"))
    return {"orders": [_order(order, now) for order in template["orders"]]}


def seed_orders(path: Path, now: datetime) -> tuple[dict[str, Any], Journey]:
    """What `disputes embedded` starts with, written to `path`: the demo orders as of `now`, every other order
    the file held kept as it was (a tester's own, the journey orders of earlier starts), and a new copy of the
    journey's order for this start, so the banner's journey (which decides its case) can be run after every
    start. The document, and this start's journey."""
    demo = demo_orders(now)["orders"]
    content = path.read_bytes() if path.exists() else None
    kept = OrderFile.model_validate_json(content).orders if content else []
    packing = {packed.order_id: packed for packed in PackingFile.model_validate_json(content).orders} if content else {}
    copy = _journey_copy(next(order for order in demo if order["order_id"] == JOURNEY), f"{now:%y%m%d%H%M%S}")
    ours = {order["order_id"] for order in demo} | {copy["order_id"]}
    own = [packing[order.order_id].document(order) for order in kept if order.order_id not in ours]
    document = {"orders": demo + own + [copy]}
    write_document(path, document)
    return document, Journey(copy["order_id"], copy["customer_id"])


def _journey_copy(order: dict[str, Any], stamp: str) -> dict[str, Any]:
    address = order["address"]
    return order | {"order_id": f"{JOURNEY}-{stamp}", "customer_id": f"cust-{stamp}",
                    "address": address | {"line": f"{address['line']} (demo {stamp})"}}


def _order(template: dict[str, Any], now: datetime) -> dict[str, Any]:
    order = dict(template)
    order["placed_at"] = _ago(now, order.pop("placed_days_ago"))
    order["shipments"] = [_shipment(shipment, now) for shipment in order["shipments"]]
    return order


def _shipment(template: dict[str, Any], now: datetime) -> dict[str, Any]:
    shipment = dict(template)
    days = shipment.pop("delivered_days_ago")
    shipment["delivered_at"] = None if days is None else _ago(now, days)
    if (record := shipment.get("packing_record")) is not None:
        record = shipment["packing_record"] = dict(record)
        record["packed_at"] = _ago(now, record.pop("packed_days_ago"))
    return shipment


def _ago(now: datetime, days: float) -> str:
    return (now - timedelta(days=days)).isoformat()
