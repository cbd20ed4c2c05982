"""Turn the demo template (`orders.json`, ages in days) into an order file with absolute timestamps.

The template says how long ago each order was placed and each shipment delivered (``null``: not delivered
yet), so "delivered yesterday" and "delivered 45 days ago, outside the claim window" stay true whatever the
date the demo runs on.
"""

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

TEMPLATE = Path(__file__).with_name("orders.json")


def demo_orders(now: datetime) -> dict[str, Any]:
    """The demo orders as a JSON-ready ``{"orders": [...]}`` document (the `FileOrderDirectory` format)."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    template = json.loads(TEMPLATE.read_text(encoding="utf-8"))
    return {"orders": [_order(order, now) for order in template["orders"]]}


def write_demo_orders(path: Path, now: datetime) -> Path:
    """Write the demo orders to `path` (replacing it whole, so a reader never sees half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(demo_orders(now), ensure_ascii=False, indent=2), encoding="utf-8")
    partial.replace(path)
    return path


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
