"""Opening a dispute on an order the order service describes in a way the service cannot read: a currency that is no
ISO 4217 alphabetic code is answered as any other malformed order is (503, the order service gave no usable
answer), and nothing is opened."""

import json

import pytest

from tests.e2e.conftest import CUSTOMER, INVESTIGATOR, e2e_orders
from tests.e2e.test_access_and_bad_input import assert_problem
from tests.factories import order, shipment

UNREADABLE = {"ord-cur-lower": "try", "ord-cur-sign": "₺", "ord-cur-empty": "", "ord-cur-turkish": "TL",
              "ord-cur-numeric": "949"}
"""The lira as the order service might write it, but not by its ISO 4217 alphabetic code."""


def as_served(order_id: str, **changes: object) -> dict:
    """Order `order_id` of cust-1 as the order service answers it, with `changes` (None: the field left out)."""
    document = json.loads(order(order_id, shipments=[shipment(f"shp-{order_id}")]).model_dump_json()) | changes
    return {name: value for name, value in document.items() if value is not None}


@pytest.fixture
def orders_document() -> dict:
    document = e2e_orders()
    document["orders"] += [as_served(order_id, currency=currency) for order_id, currency in UNREADABLE.items()]
    document["orders"].append(as_served("ord-cur-euro", currency="EUR"))
    document["orders"].append(as_served("ord-no-placed-at", placed_at=None))
    document["orders"] += [
        delivered_at("ord-delivered-max", "9999-12-31T12:00:00Z"),
        delivered_at("ord-delivered-min", "0001-01-01T00:00:00+03:00"),
        sibling_in_transit("ord-sibling"),
    ]
    return document


NO_INSTANT = ("ord-delivered-max", "ord-delivered-min")


@pytest.fixture
def app_changes(sandbox) -> dict:
    """Orders from the order service's stand-in, which serves them as they are written."""
    return {"orders_url": str(sandbox.make_url("/")).rstrip("/")}


async def open_on(api, order_id: str):
    body = {"order_id": order_id, "statement": "Gelmedi.", "preferred_resolution": "refund"}
    return await api.post("/v1/disputes", json=body, headers=CUSTOMER)


@pytest.mark.parametrize("order_id", UNREADABLE)
async def test_an_order_in_no_iso_4217_currency_is_answered_as_a_malformed_order_and_nothing_is_opened(api, order_id):
    malformed = await assert_problem(await open_on(api, "ord-no-placed-at"), 503)

    refused = await open_on(api, order_id)

    assert (refused.status, refused.headers["Retry-After"]) == (503, "2")
    problem = await assert_problem(refused, 503)
    answer = ("type", "title", "detail")
    assert {k: problem[k] for k in answer} == {k: malformed[k] for k in answer}
    history = await (await api.get("/v1/customers/cust-1/disputes", headers=INVESTIGATOR)).json()
    assert history["items"] == []


async def test_an_order_in_an_iso_4217_currency_opens_its_dispute_in_it(api):
    opened = await open_on(api, "ord-cur-euro")

    assert opened.status == 201, await opened.text()
    case = await (await api.get(f"/v1/disputes/{(await opened.json())['id']}", headers=INVESTIGATOR)).json()
    assert case["order"]["currency"] == "EUR"



def sibling_in_transit(order_id: str) -> dict:
    served = json.loads(order(order_id, shipments=[shipment(f"shp-{order_id}"), shipment("shp-sib-2")]).model_dump_json())
    served["shipments"][1] |= {"status": "in_transit", "delivered_at": "0001-01-01T00:00:00+00:00"}
    return served


def delivered_at(order_id: str, written: str) -> dict:
    served = as_served(order_id)
    served["shipments"][0]["delivered_at"] = written
    return served


@pytest.mark.parametrize("order_id", NO_INSTANT)
async def test_a_delivery_stamped_with_a_placeholder_is_not_marked_delivered_not_an_internal_error(api, order_id):
    """.NET's `DateTime.MaxValue` and `MinValue` for the delivery are placeholders for "none", with no local time in
    Istanbul (the first overflowed the claim window's sum: a 500): the delivery has no time, and the claim is refused
    as on a shipment not marked delivered, nothing opened."""
    refused = await open_on(api, order_id)

    problem = await assert_problem(refused, 422)
    assert problem["type"].endswith(":not-delivered")


async def test_a_placeholder_on_another_shipment_of_the_order_costs_the_disputed_one_nothing(api):
    """A .NET order service's `DateTimeOffset.MinValue` on a shipment still in transit: the order was refused whole
    (503), and its delivered parcel could not be disputed."""
    body = {"order_id": "ord-sibling", "shipment_id": "shp-ord-sibling", "statement": "Gelmedi.",
            "preferred_resolution": "refund"}
    opened = await api.post("/v1/disputes", json=body, headers=CUSTOMER)
    assert opened.status == 201, await opened.text()
