"""A database restored from a backup taken before a case was opened and refunded: the customer's retried opening opens
the case again, and its refund reaches payments under the key payments already applied, so it is not paid twice."""

import pytest

from adapters.web.keys import SERVICE
from tests.e2e.conftest import CUSTOMER, INVESTIGATOR, orders_file_document, settled
from tests.factories import effects_key, order, shipment

ORDER = order("ord-restored", shipments=[shipment("shp-restored-1"), shipment("shp-restored-2")])
REFUND = {"outcome": "refund", "reason_code": "carrier_no_proof", "note": "Kargo firması kanıt sunmadı."}


@pytest.fixture
def orders_document():
    return orders_file_document([ORDER])


async def open_and_refund(api, shipment_id: str, key: str) -> str:
    opened = await api.post("/v1/disputes", headers={**CUSTOMER, "Idempotency-Key": key}, json={
        "order_id": "ord-restored", "shipment_id": shipment_id, "preferred_resolution": "refund",
        "statement": "Teslim edildi görünüyor ama gelmedi."})
    assert opened.status == 201 and "Idempotent-Replayed" not in opened.headers, await opened.text()
    dispute_id = (await opened.json())["id"]
    decided = await api.post(f"/v1/disputes/{dispute_id}/decision", json=REFUND, headers={**INVESTIGATOR, "If-Match": '"1"'})
    assert decided.status == 200, await decided.text()
    await settled(api, dispute_id)
    return dispute_id


async def refunds(downstream) -> list[str]:
    received = await (await downstream.get("/_sandbox/received")).json()
    return [r["key"] for r in received["requests"] if r["service"] == "payments"]


async def test_a_case_opened_again_after_a_restore_refunds_under_the_first_refunds_key(api, sandbox, aiohttp_client):
    downstream = await aiohttp_client(sandbox)
    first = await open_and_refund(api, "shp-restored-1", "click-1")
    await api.app[SERVICE].repository.collection.delete_one({"_id": first})  # the backup predates the case

    again = await open_and_refund(api, "shp-restored-1", "click-1")

    key = f"{effects_key('ord-restored', 'shp-restored-1')}:d1:refund"
    assert again != first and await refunds(downstream) == [key, key]
    received = await (await downstream.get("/_sandbox/received")).json()
    assert received["applied"]["payments"] == {key: 1}  # answered as the first time, not paid again


async def test_another_package_of_the_order_is_refunded_under_its_own_key(api, sandbox, aiohttp_client):
    downstream = await aiohttp_client(sandbox)
    await open_and_refund(api, "shp-restored-1", "click-1")
    await open_and_refund(api, "shp-restored-2", "click-2")

    assert await refunds(downstream) == [
        f"{effects_key('ord-restored', f'shp-restored-{n}')}:d1:refund" for n in (1, 2)
    ]
