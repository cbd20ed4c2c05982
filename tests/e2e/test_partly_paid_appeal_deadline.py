"""On a test clock advanced past its deadline, the appeal of a missing-items decision that paid part of the claim is
resolved by the deadline rule, as the appeal of a full rejection is (DESIGN §2: the SLA promise holds by
construction): the units no decision paid are refunded."""

from datetime import timedelta

import pytest

from tests.e2e.conftest import CUSTOMER, INVESTIGATOR, eventually, orders_file_document
from tests.e2e.test_test_clocks import at, case_where, new_clock
from tests.factories import BOXED, order, shipment

ORDERS = [order("ord-box", shipments=[shipment("shp-box", items=BOXED, carrier="ups")]),
          order("ord-box2", shipments=[shipment("shp-box2", items=BOXED, carrier="ups")])]
CLAIM = {"statement": "Kutudan iki bardak ve çaydanlık eksik çıktı.", "preferred_resolution": "refund",
         "claim": "missing_items", "missing_items": [{"sku": "sku-glass", "quantity": 2}, {"sku": "sku-kettle", "quantity": 1}]}


@pytest.fixture
def orders_document():
    return orders_file_document(ORDERS)


@pytest.fixture
def evidence_interval():
    return 0.02


@pytest.fixture
def app_changes():
    return {"test_clocks": True}


async def appealed_on_clock(api, clock_id: str, order_id: str, decision: dict) -> dict:
    opened = await api.post(f"/v1/test-clocks/{clock_id}/disputes", json=CLAIM | {"order_id": order_id}, headers=CUSTOMER)
    assert opened.status == 201, await opened.text()
    dispute_id = (await opened.json())["id"]
    assert await eventually(case_where(api, dispute_id, lambda c: c["recommendation"] is not None))
    one = f"/v1/disputes/{dispute_id}"
    decided = await api.post(one + "/decision", json=decision, headers={**INVESTIGATOR, "If-Match": "*"})
    assert decided.status == 200, await decided.text()
    appealed = await api.post(one + "/appeal", json={"statement": "Kutunun fotoğrafını çektim, çaydanlık yoktu."},
                              headers=CUSTOMER)
    assert appealed.status == 200, await appealed.text()
    return await (await api.get(one, headers=INVESTIGATOR)).json()


async def test_an_appeal_of_a_partly_paid_claim_is_decided_by_the_rule_at_its_deadline(api):
    clock = await new_clock(api)
    partly = {"outcome": "refund", "reason_code": "items_missing", "note": "Bir bardak eksik.",
              "line_outcomes": [{"sku": "sku-glass", "outcome": "refund", "quantity": 1}]}
    rejected = {"outcome": "rejected", "reason_code": "contents_confirmed", "note": "Kutu tamdı."}
    part = await appealed_on_clock(api, clock["id"], "ord-box", partly)
    whole = await appealed_on_clock(api, clock["id"], "ord-box2", rejected)
    due = max(at(part["sla"]["decision_due"]), at(whole["sla"]["decision_due"]))

    moved = await api.post(f"/v1/test-clocks/{clock['id']}/advance",
                           json={"frozen_time": (due + timedelta(hours=1)).isoformat()}, headers=INVESTIGATOR)
    assert moved.status == 200, await moved.text()

    resolved = [await eventually(case_where(api, case["id"], lambda c: c["status"] == "resolved"), timeout=15)
                for case in (whole, part)]
    assert all(resolved)
    decided = await (await api.get(f"/v1/disputes/{part['id']}", headers=INVESTIGATOR)).json()
    assert decided["decision"]["reason_code"] == "deadline_reached"
    assert [(line["sku"], line["quantity"], line["outcome"]) for line in decided["decision"]["lines"]] == [
        ("sku-glass", 1, "refund"), ("sku-kettle", 1, "refund")]
