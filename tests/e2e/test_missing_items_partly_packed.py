"""A missing-item claim the seller's packing record supports in part, over HTTP: two packs of coffee and the machine
claimed, the record shows the machine packed and one pack of two. Paying the one pack would reject the rest of the
claim, which only a person does: the policy names the pack and leaves the case to an investigator, who refunds it;
the rest of the claim is recorded as rejected, line by line. The customer appeals the rest, and the appeal's decision
pays only what the first did not."""

import json

import pytest

from schemas.orders import OrderItem, PackedLine, PackingRecord
from tests.e2e.conftest import CUSTOMER, INVESTIGATOR, e2e_orders, eventually, money_key
from tests.factories import NOW, effects_key, order, shipment

SHIPMENT_KEY = effects_key("ord-2002", "shp-2002-1")

MACHINE = OrderItem(sku="HB-KARACA-HATIR", name="Karaca Hatır Türk Kahvesi Makinesi", quantity=1,
                    unit_price_minor=249_900)
COFFEE = OrderItem(sku="HB-MEHMETEFENDI-500", name="Kurukahveci Mehmet Efendi Türk Kahvesi 500 g", quantity=2,
                   unit_price_minor=32_500)
COFFEE_ORDER = order("ord-2002", shipments=[shipment("shp-2002-1", items=[MACHINE, COFFEE], declared_weight_grams=2_650)])
ONE_PACK_SHORT = PackingRecord(
    shipment_id="shp-2002-1", packed_at=NOW, weight_grams=2_150, photo=True,
    lines=[PackedLine(sku="HB-KARACA-HATIR", quantity=1), PackedLine(sku="HB-MEHMETEFENDI-500", quantity=1)],
)
CLAIM = {
    "order_id": "ord-2002", "statement": "Kutudan bir paket kahve eksik çıktı.", "preferred_resolution": "refund",
    "claim": "missing_items",
    "missing_items": [{"sku": "HB-MEHMETEFENDI-500", "quantity": 2}, {"sku": "HB-KARACA-HATIR", "quantity": 1}],
}


@pytest.fixture
def orders_document() -> dict:
    placed = json.loads(COFFEE_ORDER.model_dump_json())
    placed["shipments"][0]["packing_record"] = json.loads(ONE_PACK_SHORT.model_dump_json())
    document = e2e_orders()
    document["orders"].append(placed)
    return document


@pytest.fixture
def app_changes(sandbox) -> dict:
    """Orders from the order service's stand-in, which also keeps the sellers' packing records."""
    return {"orders_url": str(sandbox.make_url("/")).rstrip("/")}


@pytest.fixture
def evidence_interval() -> float:
    return 0.02


async def test_the_policy_names_the_pack_the_packing_record_shows_unpacked_and_a_person_refunds_only_it(
    api, sandbox, aiohttp_client
):
    downstream = await aiohttp_client(sandbox)
    opened = await api.post("/v1/disputes", json=CLAIM, headers=CUSTOMER)
    assert opened.status == 201, await opened.text()
    one = f"/v1/disputes/{(await opened.json())['id']}"

    async def assessed():
        case = await (await api.get(one, headers=INVESTIGATOR)).json()
        return case if case["recommendation"] and case["recommendation"]["rule"] == "items_not_packed" else None

    case = await eventually(assessed, timeout=15)
    assert case is not None, "the packing record was never weighed"
    assert case["recommendation"]["lines"] == [{"sku": "HB-MEHMETEFENDI-500", "quantity": 1}]
    assert (case["recommendation"]["action"], case["recommendation"]["auto_resolve"]) == ("needs_person", False)
    assert case["status"] != "resolved" and case["decision"] is None

    decision = {"outcome": "refund", "reason_code": "items_missing", "note": "Bir paket kahve paketlenmemiş.",
                "line_outcomes": [{"sku": "HB-MEHMETEFENDI-500", "outcome": "refund", "quantity": 1}]}
    decided = await api.post(one + "/decision", json=decision, headers={**INVESTIGATOR, "If-Match": "*"})
    assert decided.status == 200, await decided.text()
    assert (await decided.json())["decision"]["lines"] == [
        {"sku": "HB-MEHMETEFENDI-500", "quantity": 1, "outcome": "refund", "amount_minor": 32_500},
        {"sku": "HB-MEHMETEFENDI-500", "quantity": 1, "outcome": "rejected", "amount_minor": 32_500},
        {"sku": "HB-KARACA-HATIR", "quantity": 1, "outcome": "rejected", "amount_minor": 249_900},
    ]

    async def paid():
        return (await (await downstream.get("/_sandbox/received")).json())["applied"].get("payments")

    assert await eventually(paid) == {f"{money_key(case)}:d1:refund:HB-MEHMETEFENDI-500": 1}
    [refund] = [r["body"] for r in (await (await downstream.get("/_sandbox/received")).json())["requests"]
                if r["service"] == "payments"]
    assert (refund["amount_minor"], refund["sku"], refund["quantity"]) == (32_500, "HB-MEHMETEFENDI-500", 1)
    told = await (await api.get(one, headers=CUSTOMER)).json()
    assert "325.00 TRY" in told["next_step"]["en"] and "325,00 TL" in told["next_step"]["tr"]


async def test_the_rejected_machine_is_appealed_and_the_second_decision_pays_only_what_the_first_did_not(
    api, sandbox, aiohttp_client
):
    downstream = await aiohttp_client(sandbox)
    opened = await api.post("/v1/disputes", json=CLAIM, headers=CUSTOMER)
    dispute_id = (await opened.json())["id"]
    one = f"/v1/disputes/{dispute_id}"
    pack = {"outcome": "refund", "reason_code": "items_missing", "note": "Bir paket kahve paketlenmemiş.",
            "line_outcomes": [{"sku": "HB-MEHMETEFENDI-500", "outcome": "refund", "quantity": 1}]}
    assert (await api.post(one + "/decision", json=pack, headers={**INVESTIGATOR, "If-Match": "*"})).status == 200

    repeated = await api.post(one + "/appeal", json={"statement": "  KUTUDAN BİR PAKET KAHVE EKSİK ÇIKTI. "},
                              headers=CUSTOMER)
    assert (repeated.status, repeated.content_type) == (422, "application/problem+json")
    problem = await repeated.json()
    assert problem["field"] == "statement" and "new explanation" in problem["detail"]
    appealed = await api.post(one + "/appeal", json={"statement": "Makine de kutuda yoktu; kutu hafifti."},
                              headers=CUSTOMER)
    assert appealed.status == 200 and (await appealed.json())["status"] == "appealed"

    both_packs = {**pack, "line_outcomes": [{"sku": "HB-MEHMETEFENDI-500", "outcome": "refund", "quantity": 2}]}
    refused = await api.post(one + "/decision", json=both_packs, headers={**INVESTIGATOR, "If-Match": "*"})
    assert (refused.status, (await refused.json())["field"]) == (422, "line_outcomes.0.quantity")
    machine = {**pack, "note": "Makine de eksikmiş.",
               "line_outcomes": [{"sku": "HB-KARACA-HATIR", "outcome": "refund", "quantity": 1}]}

    async def weighed():  # the packing record read: the recommendation names the one pack it shows missing
        advice = (await (await api.get(one, headers=INVESTIGATOR)).json())["recommendation"]
        return advice if advice and advice["lines"] else None

    assert (await eventually(weighed))["lines"] == [{"sku": "HB-MEHMETEFENDI-500", "quantity": 1}]
    against = await api.post(one + "/decision", json=machine, headers={**INVESTIGATOR, "If-Match": "*"})
    assert (against.status, (await against.json())["field"]) == (422, "override_reason")  # the record shows it packed
    machine["override_reason"] = "Kutunun tartısı makinenin ağırlığını tutmuyor; müşterinin fotoğrafı da öyle."
    decided = await api.post(one + "/decision", json=machine, headers={**INVESTIGATOR, "If-Match": "*"})
    assert decided.status == 200, await decided.text()
    assert (await decided.json())["decision"]["overridden"] is True
    assert (await decided.json())["decision"]["lines"] == [
        {"sku": "HB-MEHMETEFENDI-500", "quantity": 1, "outcome": "rejected", "amount_minor": 32_500},
        {"sku": "HB-KARACA-HATIR", "quantity": 1, "outcome": "refund", "amount_minor": 249_900},
    ]

    async def both_paid():
        paid = (await (await downstream.get("/_sandbox/received")).json())["applied"].get("payments", {})
        return paid if len(paid) == 2 else None

    assert await eventually(both_paid) == {
        f"{SHIPMENT_KEY}:d1:refund:HB-MEHMETEFENDI-500": 1, f"{SHIPMENT_KEY}:d2:refund:HB-KARACA-HATIR": 1,
    }
