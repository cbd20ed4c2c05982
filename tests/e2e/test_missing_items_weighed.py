"""A missing-item claim weighed end to end: FedEx's track reply (in its own wire format, from the carrier sandbox)
carries the package's weight, lighter than the seller declared by more than the missing lines weigh, and the policy
refunds them on its own, once."""

import pytest

from tests.e2e.conftest import CUSTOMER, INVESTIGATOR, eventually, orders_file_document
from tests.factories import WEIGHED, order, shipment

# The delivered reply the FedEx sandbox serves (karrio's sample, track-duplicate-results.json) weighs the package
# 0.45 kg; the seller declared 1.2 kg (six glasses of 110 g and twelve spoons of 25 g, boxed): 750 g short, and the
# six glasses claimed weigh 660 g.
BOX = order("ord-heavy", shipments=[
    shipment("shp-heavy", carrier="fedex", items=WEIGHED[1:], declared_weight_grams=1_200),
])
CLAIM = {
    "order_id": "ord-heavy", "statement": "Koli eksik geldi: çay bardakları yok.", "preferred_resolution": "refund",
    "claim": "missing_items", "missing_items": [{"sku": "sku-glass", "quantity": 6}],
}


@pytest.fixture
def orders_document():
    return orders_file_document([BOX])


@pytest.fixture
def carrier_cases():
    return [(BOX, "delivered", "Ayşe Yılmaz")]


async def test_a_package_fedex_weighed_light_refunds_the_missing_lines_on_its_own_once(api, sandbox, aiohttp_client):
    downstream = await aiohttp_client(sandbox)
    opened = await api.post("/v1/disputes", json=CLAIM, headers=CUSTOMER)
    assert opened.status == 201, await opened.text()
    one = f"/v1/disputes/{(await opened.json())['id']}"

    async def resolved():
        case = await (await api.get(one, headers=INVESTIGATOR)).json()
        return case if case["status"] == "resolved" else None

    case = await eventually(resolved, timeout=15)
    assert case is not None, "the policy did not resolve the claim"
    weight, covered = case["recommendation"]["findings"][:2]
    assert (weight["code"], weight["facts"]["carrier_grams"], weight["facts"]["expected_grams"]) == (
        "weight_below_declared", 450, 1_200
    )
    assert (covered["code"], covered["facts"]["shortfall_grams"], covered["facts"]["claimed_grams"]) == (
        "shortfall_covers_claimed", 750, 660
    )
    assert [e["proof"]["weight_grams"] for e in case["evidence"]] == [450]
    assert (case["decision"]["reason_code"], case["decision"]["decided_by_role"]) == ("items_missing", "service")

    async def paid():
        return (await (await downstream.get("/_sandbox/received")).json())["applied"].get("payments")

    assert await eventually(paid) == {f"{case['id']}:d1:refund:sku-glass": 1}
    refund = next(r for r in (await (await downstream.get("/_sandbox/received")).json())["requests"]
                  if r["service"] == "payments")
    assert refund["body"]["amount_minor"] == 6 * 4_500
    assert (await (await downstream.get("/_sandbox/received")).json())["applied"].get("finance") is None
