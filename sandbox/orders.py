"""The sandbox's orders: the order service's stand-in keeps them by id and, given a file, writes every order
added to it (whole, replaced atomically) before it answers, so a tester's own orders outlive a restart.

``disputes sandbox-order`` adds one to a running sandbox (``POST /_sandbox/orders``):

    ./dev sandbox-order --order-id ord-9001 --package fedex:794600000001 --package yurtici:100200300400
    ./dev sandbox-order --file my-order.json      # an order in the order service's JSON format
"""

import argparse
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sandbox.send import instant, post
from schemas.common import plausible
from schemas.orders import Order, PackedOrder, ShipmentStatus


def write_document(path: Path, document: dict[str, Any]) -> Path:
    """Write an order document ``{"orders": [...]}`` to `path`, replacing it whole: a reader never sees half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(document, ensure_ascii=False, indent=2), encoding="utf-8")
    partial.replace(path)
    return path


class OrderBook:
    """Orders by id, as JSON-ready documents; with `path`, each one added is stored there before `add` returns."""

    def __init__(self, document: dict[str, Any] | None = None, path: Path | None = None) -> None:
        self.path = path
        self.orders: dict[str, dict[str, Any]] = {o["order_id"]: o for o in (document or {}).get("orders", [])}

    def get(self, order_id: str) -> dict[str, Any] | None:
        return self.orders.get(order_id)

    def add(self, order: Order, packing: PackedOrder | None = None) -> bool:
        """False (and nothing changes) when an order with its id is there already. The order is kept with its
        packages' packing records, when given."""
        if order.order_id in self.orders:
            return False
        self.orders[order.order_id] = packing.document(order) if packing else order.model_dump(mode="json")
        if self.path is not None:
            try:
                write_document(self.path, {"orders": list(self.orders.values())})
            except OSError:
                del self.orders[order.order_id]
                raise
        return True


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sandbox", help="the downstream sandbox's base URL (default: http://127.0.0.1 on "
                                          "DISPUTES_SANDBOX_PORT, where `disputes embedded` serves it)")
    parser.add_argument("--file", type=Path, help="an order in the order service's JSON format (other options unused)")
    parser.add_argument("--order-id", help="the order's id (required without --file)")
    parser.add_argument("--customer-id", default="cust-1001", help="whose order (the customer token's customer id)")
    parser.add_argument("--package", action="append", default=[], metavar="CARRIER:TRACKING[:in_transit]",
                        help="one package of the order, delivered unless marked in transit (repeat for several)")
    parser.add_argument("--price-minor", type=int, default=49_900, help="each package's item price, in kuruş")
    when = parser.add_mutually_exclusive_group()
    when.add_argument("--delivered-days-ago", type=float, default=1.0,
                      help="how long ago the packages were delivered (default: %(default)s)")
    when.add_argument("--delivered-at", type=instant,
                      help="when the packages were delivered, with its offset (for a case on a test clock: before the "
                           "clock's time; script the carrier with the same time)")
    parser.add_argument("--recipient", default="Ayşe Yılmaz", help="the buyer and recipient's name")
    parser.add_argument("--address", help="the delivery address's street line (default: one of the order's own, so "
                                           "orders of several customers never share an address the policy counts)")
    parser.add_argument("--lat", type=float, default=41.0082, help="the delivery address's latitude")
    parser.add_argument("--lon", type=float, default=28.9784, help="the delivery address's longitude")


def order_from(args: argparse.Namespace, now: datetime | None = None) -> Order:
    """The order the arguments describe, validated as the sandbox validates it (``ValueError`` otherwise)."""
    if args.file is not None:
        return Order.model_validate_json(_text(args.file))
    if not args.order_id or not args.package:
        raise ValueError("give --order-id and at least one --package (or --file)")
    try:
        delivered_at = args.delivered_at or (now or datetime.now(UTC)) - timedelta(days=args.delivered_days_ago)
        placed_at = delivered_at - timedelta(days=2)
    except OverflowError:
        placed_at = None
    if placed_at is None or not plausible(placed_at) or not plausible(delivered_at):
        raise ValueError("the delivery time, and the order placed two days before it, must be from 1970 to the year "
                         "9998 (--delivered-at, --delivered-days-ago)")
    shipments = [_shipment(args, spec, n, delivered_at) for n, spec in enumerate(args.package, start=1)]
    return Order.model_validate({
        "order_id": args.order_id, "customer_id": args.customer_id, "placed_at": placed_at,
        "buyer_name": args.recipient, "recipient_name": args.recipient,
        "address": {"line": args.address or f"İstiklal Cad. No: 1 ({args.order_id})", "district": "Beyoğlu",
                    "city": "İstanbul", "lat": args.lat, "lon": args.lon},
        "shipments": shipments,
    })


def _shipment(args: argparse.Namespace, spec: str, n: int, delivered_at: datetime) -> dict[str, Any]:
    carrier, _, rest = spec.partition(":")
    tracking, _, state = rest.partition(":")
    if not carrier or not tracking or state not in ("", ShipmentStatus.IN_TRANSIT.value):
        raise ValueError(f"--package {spec!r}: expected CARRIER:TRACKING or CARRIER:TRACKING:in_transit")
    delivered = state == ""
    return {
        "shipment_id": f"{args.order_id}-{n}", "carrier": carrier, "tracking_number": tracking,
        "status": ShipmentStatus.DELIVERED if delivered else ShipmentStatus.IN_TRANSIT,
        "delivered_at": delivered_at if delivered else None,
        "items": [{"sku": f"sku-{tracking}", "name": f"Paket {n}", "quantity": 1, "unit_price_minor": args.price_minor}],
    }


def packing_from(args: argparse.Namespace) -> PackedOrder | None:
    """The packing records in the order file given with ``--file`` (none without one)."""
    return PackedOrder.model_validate_json(_text(args.file)) if args.file is not None else None


def _text(file: Path) -> str:
    """The order file's text; a byte order mark that an editor put first is not part of the JSON."""
    return file.read_text(encoding="utf-8-sig")


async def send(sandbox: str, order: Order, packing: PackedOrder | None = None) -> tuple[int, Any]:
    """Add the order (with its packing records) on the sandbox; its status and answer (``SystemExit`` with one
    line when the sandbox cannot be reached)."""
    body = json.dumps(packing.document(order) if packing else order.model_dump(mode="json"), ensure_ascii=False)
    return await post(sandbox, "/_sandbox/orders", body.encode(), "sandbox")
