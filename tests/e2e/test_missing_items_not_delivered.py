"""A missing-item claim on a parcel the carrier says is still on its way: FedEx's track reply (in its own wire format,
from the carrier sandbox) says in transit, with a weight light enough to pay the claim were the parcel delivered.
Nothing is paid: the case waits for the carrier's next word and the recommendation leaves the claim to a person, the
carrier's status first among the findings."""

import pytest

from tests.e2e.conftest import CUSTOMER, INVESTIGATOR, eventually, orders_file_document
from tests.factories import WEIGHED, order, shipment

# The seller declared 1.2 kg (six glasses of 110 g and twelve spoons of 25 g, boxed); the six glasses are claimed.
BOX = order("ord-transit", shipments=[
    shipment("shp-transit", carrier="fedex", items=WEIGHED[1:], declared_weight_grams=1_200),
])
CLAIM = {
    "order_id": "ord-transit", "statement": "Koli eksik geldi: çay bardakları yok.", "preferred_resolution": "refund",
    "claim": "missing_items", "missing_items": [{"sku": "sku-glass", "quantity": 6}],
}


@pytest.fixture
def orders_document():
    return orders_file_document([BOX])


@pytest.fixture
def carrier_cases():
    return [(BOX, "in_transit", "Ayşe Yılmaz")]


async def test_a_claim_on_a_parcel_fedex_says_is_in_transit_is_left_to_a_person_and_pays_nothing(
    api, sandbox, aiohttp_client
):
    downstream = await aiohttp_client(sandbox)
    opened = await api.post("/v1/disputes", json=CLAIM, headers=CUSTOMER)
    assert opened.status == 201, await opened.text()
    one = f"/v1/disputes/{(await opened.json())['id']}"

    async def assessed():
        case = await (await api.get(one, headers=INVESTIGATOR)).json()
        advice = case["recommendation"]
        weighed = advice is not None and any(f["code"].startswith("weight_") for f in advice["findings"])
        return case if weighed else None  # the policy has read the carrier's reply

    case = await eventually(assessed, timeout=15)
    assert case is not None, "the carrier's reply was not assessed"
    advice = case["recommendation"]
    assert [(e["proof"]["status"], e["proof"]["weight_grams"] is not None) for e in case["evidence"]] == [
        ("in_transit", True)
    ]
    assert (case["status"], case["decision"], advice["action"], advice["auto_resolve"], advice["lines"]) == (
        "awaiting_evidence", None, "needs_person", False, []
    )
    assert advice["findings"][0]["code"] == "carrier_status_not_delivered"
    assert "proof_shows_package_only" not in [f["code"] for f in advice["findings"]]
    received = await (await downstream.get("/_sandbox/received")).json()
    assert received["applied"].get("payments") is None
