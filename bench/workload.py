"""What the benchmark sends: order files, tokens, and the requests of each scenario (built before the
clock starts, each one distinct where the service would otherwise answer 409 or call it a duplicate)."""

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sandbox.carriers import sandbox_carrier_settings
from adapters.web.auth import HmacTokens
from carriers.partner import signing
from schemas.common import Role

SECRET = "bench-jwt-secret-" + "x" * 32
TOKENS = HmacTokens(SECRET, "dispute-service", "dispute-service")
CUSTOMERS = 50
CLOSED_PORT = "http://127.0.0.1:9"  # carriers "live" here when nothing should be pulled
CARRIER_SETTINGS = sandbox_carrier_settings(CLOSED_PORT)
UPS_HEADER = CARRIER_SETTINGS["ups"]["webhook_header"]
UPS_CREDENTIAL = CARRIER_SETTINGS["ups"]["webhook_credential"]
HEPSIJET_SECRET = CARRIER_SETTINGS["hepsijet"]["partner_webhook"]["secrets"][0]
Request = dict[str, Any]

UNLIMITED = {"rate_limit_client_burst": 10**9, "rate_limit_client_per_second": 1e9,
             "rate_limit_webhook_burst": 10**9, "rate_limit_webhook_per_second": 1e9}
"""The load comes from a few tokens: the buckets are still taken from on every request (their cost is measured),
never emptied."""


def customer(i: int) -> str:
    return f"cust-{i % CUSTOMERS:03d}"


def bearer(role: Role, sub: str, customer_id: str | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS.mint(sub, role, customer_id, ttl=timedelta(hours=2))}"}


CUSTOMER_AUTH = {customer(i): bearer(Role.CUSTOMER, customer(i), customer(i)) for i in range(CUSTOMERS)}
INVESTIGATOR_AUTH = bearer(Role.INVESTIGATOR, "inv-bench")


def order(order_id: str, customer_id: str, carrier: str, tracking: str, now: datetime) -> dict[str, Any]:
    return {
        "order_id": order_id,
        "customer_id": customer_id,
        "placed_at": (now - timedelta(days=5)).isoformat(),
        "buyer_name": "Bench Buyer",
        "recipient_name": "Bench Recipient",
        "recipient_phone": "+90 500 000 00 00",
        "address": {"line": f"Bench Sok. No:{order_id}", "district": "Kadıköy", "city": "İstanbul", "lat": 40.98, "lon": 29.05},
        "shipments": [
            {
                "shipment_id": f"{order_id}-s1",
                "carrier": carrier,
                "tracking_number": tracking,
                "status": "delivered",
                "delivered_at": (now - timedelta(days=2)).isoformat(),
                "items": [{"sku": "sku-bench", "name": "Bench item", "quantity": 1, "unit_price_minor": 129_900}],
            }
        ],
    }


def order_ids(prefix: str, count: int) -> list[str]:
    return [f"{prefix}-{i:06d}" for i in range(count)]


def write_orders(path: Path, prefix: str, count: int, carrier: str = "yurtici") -> list[str]:
    """An order file for the service's `orders_file`: one delivered shipment per order."""
    now = datetime.now(UTC)
    ids = order_ids(prefix, count)
    orders = [order(oid, customer(i), carrier, f"TRK{prefix.upper()}{i:08d}", now) for i, oid in enumerate(ids)]
    path.write_text(json.dumps({"orders": orders}), encoding="utf-8")
    return ids


def open_requests(ids: list[str], with_key: bool = False) -> list[Request]:
    requests = []
    for i, order_id in enumerate(ids):
        headers = {**CUSTOMER_AUTH[customer(i)], "Content-Type": "application/json"}
        if with_key:
            headers["Idempotency-Key"] = f"open-{order_id}"
        body = {"order_id": order_id, "statement": "Paket gelmedi, kapıda kimse yoktu.", "preferred_resolution": "refund"}
        requests.append({"method": "POST", "path": "/v1/disputes", "headers": headers, "body": json.dumps(body)})
    return requests


def ups_webhooks(prefix: str, count: int) -> list[Request]:
    """UPS Track Alert events, each for another tracking number (UPS derives no event id; ours is derived
    from number, status and time, so distinct numbers are distinct events)."""
    headers = {UPS_HEADER: UPS_CREDENTIAL, "Content-Type": "application/json"}
    requests = []
    for i in range(count):
        event = {
            "trackingNumber": f"1Z{prefix.upper()}{i:010d}",
            "localActivityDate": "20240423",
            "localActivityTime": "095004",
            "activityLocation": {"city": "CHARLOTTE", "stateProvince": "NC", "postalCode": "28209", "country": "US"},
            "activityStatus": {"type": "D", "code": "FS", "description": "Delivered", "descriptionCode": "011"},
            "gmtActivityDate": "20240423",
            "gmtActivityTime": "135004",
            "actualDeliveryDate": "20240423",
            "actualDeliveryTime": "095004",
            "receivedBy": "Bench",
        }
        requests.append({"method": "POST", "path": "/v1/carriers/ups/webhooks", "headers": headers, "body": json.dumps(event)})
    return requests


def partner_webhooks(prefix: str, count: int, carrier: str = "hepsijet") -> list[Request]:
    """Signed partner-webhook events (signed now: the replay window is 300 s, so build them just before use)."""
    now = datetime.now(UTC).replace(microsecond=0)
    stamp = int(time.time())
    requests = []
    for i in range(count):
        event = {
            "event_id": f"bench-{prefix}-{i:08d}",
            "carrier": carrier,
            "tracking_number": f"HJ{prefix.upper()}{i:010d}",
            "status": "delivered",
            "delivered_at": (now - timedelta(hours=1)).isoformat(),
            "received_by": "Bench",
            "recipient_relation": "recipient",
            "occurred_at": (now - timedelta(hours=1)).isoformat(),
        }
        body = json.dumps(event)
        headers = {signing.HEADER: signing.sign(HEPSIJET_SECRET, body.encode(), stamp), "Content-Type": "application/json"}
        requests.append({"method": "POST", "path": f"/v1/carriers/{carrier}/webhooks", "headers": headers, "body": body})
    return requests


def list_requests(filters: str = "") -> list[Request]:
    return [{"method": "GET", "path": f"/v1/disputes?limit=50{filters}", "headers": INVESTIGATOR_AUTH}]


def get_requests(dispute_ids: list[str]) -> list[Request]:
    return [{"method": "GET", "path": f"/v1/disputes/{i}", "headers": INVESTIGATOR_AUTH} for i in dispute_ids]


def baseline_requests() -> list[Request]:
    return [{"method": "GET", "path": "/baseline", "headers": {}}]
