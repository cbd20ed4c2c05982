"""The packages of one order are claimed one at a time (README: Missing items, and one package of several). Three
packages of one order lost together are one incident: the third claim is no pattern of repeated claims, and the
customer's account is not restricted for it."""

import pytest

from tests.e2e.conftest import CUSTOMER, INVESTIGATOR, eventually, orders_file_document
from tests.factories import order, shipment

ORDER = order("ord-set", shipments=[shipment("shp-set-1"), shipment("shp-set-2"), shipment("shp-set-3")])


@pytest.fixture
def orders_document():
    return orders_file_document([ORDER])


@pytest.fixture
def evidence_interval():
    return 0.02


async def test_three_packages_of_one_order_lost_together_raise_no_repeat_claims_signal(api):
    ids = []
    for n in (1, 2, 3):
        opened = await api.post("/v1/disputes", headers=CUSTOMER, json={
            "order_id": "ord-set", "shipment_id": f"shp-set-{n}", "preferred_resolution": "refund",
            "statement": "Siparişimin üç kolisi de teslim edildi görünüyor ama hiçbiri gelmedi."})
        assert opened.status == 201, await opened.text()
        ids.append((await opened.json())["id"])

    async def assessed():
        case = await (await api.get(f"/v1/disputes/{ids[2]}", headers=INVESTIGATOR)).json()
        return case if case["recommendation"] is not None else None

    third = await eventually(assessed, timeout=10)
    assert (third["abuse_flags"], third["needs_supervisor"]) == ([], False)
