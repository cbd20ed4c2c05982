"""Items missing from a package that holds one SKU on several lines (a promotion split them at different prices), over
HTTP: the claim counts the SKU's units over its lines, payments get the units' share of those lines' value, fulfillment
the units decided as one item, and a free gift refunded sends payments nothing, while the customer is still told."""

import json

import pytest

from schemas.orders import OrderItem
from tests.e2e.conftest import CUSTOMER, INVESTIGATOR, e2e_orders, eventually
from tests.factories import order, shipment

ITEMS = [
    OrderItem(sku="SKU-A", name="Kupa", quantity=3, unit_price_minor=100),
    OrderItem(sku="SKU-A", name="Kupa", quantity=1, unit_price_minor=50_000),
    OrderItem(sku="SKU-B", name="Tabak (kampanya)", quantity=2, unit_price_minor=1_000),
    OrderItem(sku="SKU-B", name="Tabak", quantity=1, unit_price_minor=5_000),
    OrderItem(sku="GIFT", name="Hediye", quantity=1, unit_price_minor=0),
]
CLAIM = {
    "order_id": "ord-split", "statement": "Kutudan kupalar, bir tabak ve hediye eksik çıktı.",
    "preferred_resolution": "refund", "claim": "missing_items",
    "missing_items": [{"sku": "SKU-A", "quantity": 3}, {"sku": "SKU-B", "quantity": 1}, {"sku": "GIFT", "quantity": 1}],
}


@pytest.fixture
def orders_document() -> dict:
    document = e2e_orders()
    document["orders"].append(json.loads(order("ord-split", shipments=[shipment("shp-split", items=ITEMS)]).model_dump_json()))
    return document


async def test_a_sku_on_two_lines_is_refunded_and_reshipped_exactly_and_a_free_gift_sends_no_payment(
    api, sandbox, aiohttp_client
):
    downstream = await aiohttp_client(sandbox)
    opened = await api.post("/v1/disputes", json=CLAIM, headers=CUSTOMER)
    assert opened.status == 201, await opened.text()
    one = f"/v1/disputes/{(await opened.json())['id']}"
    decision = {
        "outcome": "refund", "reason_code": "items_missing", "note": "Paketleme kaydı incelendi.",
        "line_outcomes": [{"sku": "SKU-A", "outcome": "refund", "quantity": 3},
                          {"sku": "SKU-B", "outcome": "reship", "quantity": 1},
                          {"sku": "GIFT", "outcome": "refund", "quantity": 1}],
    }
    decided = await api.post(one + "/decision", json=decision, headers={**INVESTIGATOR, "If-Match": opened.headers["ETag"]})
    assert decided.status == 200, await decided.text()
    assert (await decided.json())["decision"]["lines"] == [
        {"sku": "SKU-A", "quantity": 3, "outcome": "refund", "amount_minor": 37_725},  # 50,300 × 3 / 4
        {"sku": "SKU-B", "quantity": 1, "outcome": "reship", "amount_minor": 2_333},  # 7,000 / 3, rounded down
        {"sku": "GIFT", "quantity": 1, "outcome": "refund", "amount_minor": 0},
    ]

    async def delivered() -> dict | None:
        ledger = await (await downstream.get("/_sandbox/received")).json()
        return ledger if "decision_made" in json.dumps(ledger["applied"].get("notifications", {})) else None

    ledger = await eventually(delivered)
    assert ledger is not None, "the decision was never told"
    sent = {service: [r["body"] for r in ledger["requests"] if r["service"] == service]
            for service in ("payments", "fulfillment")}
    assert [(p["sku"], p["quantity"], p["amount_minor"]) for p in sent["payments"]] == [("SKU-A", 3, 37_725)]
    assert [r["items"] for r in sent["fulfillment"]] == [
        [{"sku": "SKU-B", "name": "Tabak (kampanya)", "quantity": 1, "unit_price_minor": 1_000, "digital": None,
          "unit_weight_grams": None}]
    ]
