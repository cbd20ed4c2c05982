"""Items missing from one package of an order with several, over HTTP: the claim names lines, the seller's packing
record comes from the order service, the refund of the missing lines' value reaches payments once, and another
package of the same order keeps its own dispute."""

import json

import pytest

from schemas.orders import PackedLine, PackingRecord
from tests.e2e.conftest import AGENT, CUSTOMER, INVESTIGATOR, e2e_orders, eventually, money_key
from tests.e2e.test_access_and_bad_input import assert_problem
from tests.e2e.test_console import CSRF, staff
from tests.factories import BOXED, NOW, effects_key, order, shipment

SHIPMENT_KEY = effects_key("ord-boxes", "shp-boxes-1")

BOXES = order("ord-boxes", shipments=[
    shipment("shp-boxes-1", items=BOXED, declared_weight_grams=2_400), shipment("shp-boxes-2"),
])
RECORD = PackingRecord(
    shipment_id="shp-boxes-1", packed_at=NOW, photo=True,
    lines=[PackedLine(sku="sku-kettle", quantity=1), PackedLine(sku="sku-glass", quantity=6),
           PackedLine(sku="sku-spoon", quantity=12)],
)
CLAIM = {
    "order_id": "ord-boxes", "shipment_id": "shp-boxes-1", "statement": "Kutudan iki bardak eksik çıktı.",
    "preferred_resolution": "refund", "claim": "missing_items", "missing_items": [{"sku": "sku-glass", "quantity": 2}],
}


@pytest.fixture
def orders_document() -> dict:
    boxes = json.loads(BOXES.model_dump_json())
    boxes["shipments"][0]["packing_record"] = json.loads(RECORD.model_dump_json())
    document = e2e_orders()
    document["orders"].append(boxes)
    return document


@pytest.fixture
def app_changes(sandbox) -> dict:
    """Orders from the order service's stand-in, which also keeps the sellers' packing records."""
    return {"orders_url": str(sandbox.make_url("/")).rstrip("/")}


async def received(downstream, service: str) -> list[dict]:
    requests = (await (await downstream.get("/_sandbox/received")).json())["requests"]
    return [r for r in requests if r["service"] == service]


async def test_a_missing_item_claim_refunds_the_missing_lines_value_once(api, sandbox, aiohttp_client):
    downstream = await aiohttp_client(sandbox)
    opened = await api.post("/v1/disputes", json=CLAIM, headers={**CUSTOMER, "Idempotency-Key": "box-1"})
    assert opened.status == 201, await opened.text()
    mine = await opened.json()
    assert (mine["claim"], mine["missing_items"]) == ("missing_items", [{"sku": "sku-glass", "quantity": 2}])
    assert "packing record" in mine["next_step"]["en"] and "paketleme kaydını" in mine["next_step"]["tr"]
    one = f"/v1/disputes/{mine['id']}"
    case = await (await api.get(one, headers=INVESTIGATOR)).json()
    assert case["packing"] == {"answered": True, "record": json.loads(RECORD.model_dump_json())}
    assert case["order"]["declared_weight_grams"] == 2_400

    decision = {"outcome": "refund", "reason_code": "items_missing", "note": "Paketleme kaydı ve ağırlık incelendi."}
    decided = await api.post(one + "/decision", json=decision, headers={**INVESTIGATOR, "If-Match": opened.headers["ETag"]})
    assert decided.status == 200, await decided.text()
    again = await api.post(one + "/decision", json=decision, headers={**INVESTIGATOR, "If-Match": decided.headers["ETag"]})
    assert again.status == 409  # a second decision pays nothing more

    refunds = await eventually(lambda: received(downstream, "payments"))
    assert [(r["key"], r["body"]["amount_minor"], r["body"]["sku"], r["body"]["quantity"]) for r in refunds] == [
        (f"{money_key(mine)}:d1:refund:sku-glass", 9_000, "sku-glass", 2)
    ]
    applied = (await (await downstream.get("/_sandbox/received")).json())["applied"]["payments"]
    assert applied == {f"{money_key(mine)}:d1:refund:sku-glass": 1}
    resolved = await (await api.get(one, headers=CUSTOMER)).json()
    assert resolved["decision"]["lines"] == [
        {"sku": "sku-glass", "quantity": 2, "outcome": "refund", "amount_minor": 9_000}
    ]
    assert "90.00 TRY" in resolved["next_step"]["en"] and "90,00 TL" in resolved["next_step"]["tr"]

    report = await api.get("/v1/reports/carriers?from=2026-11-01T00:00:00Z&to=2026-12-01T00:00:00Z", headers=INVESTIGATOR)
    [row] = (await report.json())["carriers"]
    assert (row["partial_outcomes"]["refund"], row["outcomes"]["refund"]) == (1, 0)


async def test_one_package_of_several_is_disputed_while_another_keeps_its_own_dispute(api):
    missing = await api.post("/v1/disputes", json=CLAIM, headers=CUSTOMER)
    assert missing.status == 201
    other = {"order_id": "ord-boxes", "shipment_id": "shp-boxes-2", "statement": "Bu paket hiç gelmedi.",
             "preferred_resolution": "reship"}
    by_phone = await api.post(
        "/v1/disputes", json={**other, "customer_id": "cust-1", "channel": "phone"}, headers=AGENT
    )
    assert by_phone.status == 201, await by_phone.text()
    assert ((await missing.json())["order"]["shipment_id"], (await by_phone.json())["order"]["shipment_id"]) == (
        "shp-boxes-1", "shp-boxes-2"
    )

    twice = await api.post("/v1/disputes", json={**CLAIM, "missing_items": [{"sku": "sku-spoon", "quantity": 1}]},
                           headers=CUSTOMER)
    assert twice.status == 409

    listed = await (await api.get("/v1/disputes", headers=CUSTOMER)).json()
    assert len(listed["items"]) == 2


@pytest.mark.parametrize(("change", "says"), [
    ({"missing_items": [{"sku": "sku-glass", "quantity": 7}]}, "Only 6 of sku-glass"),
    ({"missing_items": [{"sku": "sku-kettle", "quantity": 1}], "shipment_id": "shp-boxes-2", "claim": "not_received"},
     "belong to a missing_items claim"),
    ({"missing_items": [{"sku": {"$ne": ""}, "quantity": 1}]}, "missing_items.0.sku"),
    ({"missing_items": [{"sku": "sku-glass", "quantity": 0}]}, "missing_items.0.quantity"),
    ({"missing_items": []}, "Say which items are missing"),
])
async def test_a_bad_missing_item_claim_is_a_problem_and_stores_nothing(api, change, says):
    refused = await api.post("/v1/disputes", json={**CLAIM, **change}, headers=CUSTOMER)

    assert refused.status == 422 and refused.content_type == "application/problem+json"
    problem = await refused.json()
    assert says in json.dumps(problem)
    assert (await (await api.get("/v1/disputes", headers=CUSTOMER)).json())["items"] == []


async def test_an_investigator_reships_one_missing_line_and_refunds_part_of_another_rejecting_the_rest(
    api, sandbox, aiohttp_client
):
    downstream = await aiohttp_client(sandbox)
    lines = [{"sku": "sku-glass", "quantity": 2}, {"sku": "sku-spoon", "quantity": 3}]
    opened = await api.post("/v1/disputes", json={**CLAIM, "missing_items": lines}, headers=CUSTOMER)
    one = f"/v1/disputes/{(await opened.json())['id']}"
    decision = {"outcome": "refund", "reason_code": "items_missing", "note": "Bardaklar yeniden gönderilecek.",
                "line_outcomes": [{"sku": "sku-glass", "outcome": "reship", "quantity": 2},
                                  {"sku": "sku-spoon", "outcome": "refund", "quantity": 1}]}

    for line_outcomes, field, says in [
        (decision["line_outcomes"] * 2, "line_outcomes.2.sku", "each line once"),  # the rule, not the schema
        ([{"sku": "sku-spoon", "outcome": "refund", "quantity": 4}], "line_outcomes.0.quantity", "3 claimed"),
        ([{"sku": "sku-kettle", "outcome": "refund", "quantity": 1}], "line_outcomes.0.sku", "sku-kettle"),
    ]:
        refused = await api.post(one + "/decision", json={**decision, "line_outcomes": line_outcomes},
                                 headers={**INVESTIGATOR, "If-Match": "*"})
        problem = await assert_problem(refused, 422, "invalid-line-outcomes")
        assert problem["field"] == field and says in problem["detail"]
    decided = await api.post(one + "/decision", json=decision, headers={**INVESTIGATOR, "If-Match": "*"})
    assert decided.status == 200, await decided.text()
    assert (await decided.json())["decision"]["lines"] == [
        {"sku": "sku-glass", "quantity": 2, "outcome": "reship", "amount_minor": 9_000},
        {"sku": "sku-spoon", "quantity": 1, "outcome": "refund", "amount_minor": 1_250},
        {"sku": "sku-spoon", "quantity": 2, "outcome": "rejected", "amount_minor": 2_500},
    ]

    async def effects():
        ledger = (await (await downstream.get("/_sandbox/received")).json())["applied"]
        return ledger if {"payments", "fulfillment"} <= set(ledger) else None

    ledger = await eventually(effects)
    assert (ledger["payments"], ledger["fulfillment"]) == (
        {f"{SHIPMENT_KEY}:d1:refund:sku-spoon": 1}, {f"{SHIPMENT_KEY}:d1:reship:sku-glass": 1}
    )
    requests = (await (await downstream.get("/_sandbox/received")).json())["requests"]
    [reship] = [r["body"] for r in requests if r["service"] == "fulfillment"]
    [refund] = [r["body"] for r in requests if r["service"] == "payments"]
    assert ([(i["sku"], i["quantity"]) for i in reship["items"]], refund["amount_minor"]) == ([("sku-glass", 2)], 1_250)


async def test_a_line_s_quantity_is_part_of_the_decision_s_schema(api):
    opened = await api.post("/v1/disputes", json=CLAIM, headers=CUSTOMER)
    one = f"/v1/disputes/{(await opened.json())['id']}"
    decision = {"outcome": "refund", "reason_code": "items_missing", "note": "n",
                "line_outcomes": [{"sku": "sku-glass", "outcome": "refund", "quantity": 0}]}

    refused = await api.post(one + "/decision", json=decision, headers={**INVESTIGATOR, "If-Match": "*"})

    assert (refused.status, refused.content_type) == (422, "application/problem+json")
    assert "line_outcomes.0.quantity" in await refused.text()


async def test_the_console_decides_each_claimed_line_with_the_api_s_input_model(api, sandbox, aiohttp_client):
    downstream = await aiohttp_client(sandbox)
    lines = [{"sku": "sku-glass", "quantity": 2}, {"sku": "sku-spoon", "quantity": 3}]
    opened = await api.post("/v1/disputes", json={**CLAIM, "missing_items": lines}, headers=CUSTOMER)
    case = await opened.json()
    dispute_id = case["id"]
    page = await api.get(f"/console/disputes/{dispute_id}", headers=staff())
    shown = await page.text()
    assert 'name="line_sku" value="sku-glass"' in shown and 'max="2"' in shown and 'max="3"' in shown
    form = [("csrf", CSRF), ("outcome", "refund"), ("reason_code", "items_missing"), ("note", "Bir bardak eksik."),
            ("version", str(case["version"])), ("line_sku", "sku-glass"), ("line_outcome", ""),
            ("line_sku", "sku-spoon"), ("line_outcome", "rejected")]

    english = {"Cookie": staff()["Cookie"] + "; console_lang=en"}  # the domain's own detail
    too_many = await api.post(f"/console/disputes/{dispute_id}/decision", headers=english,
                              data=[*form, ("line_quantity", "3"), ("line_quantity", "3")])
    assert too_many.status == 422 and "3 of sku-glass decided, 2 claimed" in await too_many.text()
    decided = await api.post(f"/console/disputes/{dispute_id}/decision", headers=staff(), allow_redirects=False,
                             data=[*form, ("line_quantity", "1"), ("line_quantity", "3")])
    assert decided.status == 303, await decided.text()

    resolved = await (await api.get(f"/v1/disputes/{dispute_id}", headers=INVESTIGATOR)).json()
    assert resolved["decision"]["lines"] == [
        {"sku": "sku-glass", "quantity": 1, "outcome": "refund", "amount_minor": 4_500},
        {"sku": "sku-glass", "quantity": 1, "outcome": "rejected", "amount_minor": 4_500},
        {"sku": "sku-spoon", "quantity": 3, "outcome": "rejected", "amount_minor": 3_750},
    ]
    refunds = await eventually(lambda: received(downstream, "payments"))
    assert [(r["key"], r["body"]["amount_minor"]) for r in refunds] == [(f"{SHIPMENT_KEY}:d1:refund:sku-glass", 4_500)]


async def test_staff_and_the_carrier_report_keep_the_first_decision_s_refund_after_the_appeal_s(api):
    lines = [{"sku": "sku-glass", "quantity": 2}, {"sku": "sku-spoon", "quantity": 3}]
    opened = await api.post("/v1/disputes", json={**CLAIM, "missing_items": lines}, headers=CUSTOMER)
    one = f"/v1/disputes/{(await opened.json())['id']}"
    first = {"outcome": "refund", "reason_code": "items_missing", "note": "Bir bardak eksik.",
             "line_outcomes": [{"sku": "sku-glass", "outcome": "refund", "quantity": 1}]}
    assert (await api.post(one + "/decision", json=first, headers={**INVESTIGATOR, "If-Match": "*"})).status == 200
    appeal = {"statement": "Kaşıklar da kutuda yoktu, fotoğrafı ekledim."}
    assert (await api.post(one + "/appeal", json=appeal, headers=CUSTOMER)).status == 200
    second = {"outcome": "refund", "reason_code": "items_missing", "note": "Fotoğraf eksikleri gösteriyor."}
    decided = await api.post(one + "/decision", json=second, headers={**INVESTIGATOR, "If-Match": "*"})
    assert decided.status == 200, await decided.text()

    case = await (await api.get(one, headers=INVESTIGATOR)).json()
    assert [(line["sku"], line["quantity"]) for line in case["decision"]["lines"]] == [("sku-glass", 1), ("sku-spoon", 3)]
    assert case["compensated_lines"] == [
        {"decision": 1, "sku": "sku-glass", "quantity": 1, "outcome": "refund", "amount_minor": 4_500},
        {"decision": 2, "sku": "sku-glass", "quantity": 1, "outcome": "refund", "amount_minor": 4_500},
        {"decision": 2, "sku": "sku-spoon", "quantity": 3, "outcome": "refund", "amount_minor": 3_750},
    ]
    report = await api.get("/v1/reports/carriers?from=2026-11-01T00:00:00Z&to=2026-12-01T00:00:00Z", headers=INVESTIGATOR)
    [row] = (await report.json())["carriers"]
    assert (row["disputes"], row["partial_outcomes"]) == (1, {"refund": 2, "reship": 0, "rejected": 0, "undecided": 0})
