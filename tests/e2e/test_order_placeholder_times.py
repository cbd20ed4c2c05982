"""The order service's `DateTime.MinValue` (0001-01-01T00:00:00) for when the order was placed names no time: it is
unknown, and the case is assessed as any other (comparing the delivery with it overflowed, and every assessment of
the case failed). One with no instant in UTC is unknown too (it was kept, and could not be stored on MongoDB)."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from tests.e2e.conftest import CUSTOMER, INVESTIGATOR, eventually, orders_file_document
from tests.factories import order, shipment

PLACEHOLDER = order("ord-min", shipments=[shipment("shp-min")]).model_copy(
    update={"placed_at": datetime(1, 1, 1, tzinfo=UTC)}
)
NO_UTC = order("ord-no-utc", shipments=[shipment("shp-no-utc")]).model_copy(
    update={"placed_at": datetime(9999, 12, 31, 23, tzinfo=timezone(timedelta(hours=-5)))}  # no instant in UTC
)
NORMAL = order("ord-normal", shipments=[shipment("shp-normal")])


@pytest.fixture
def orders_document():
    return orders_file_document([PLACEHOLDER, NO_UTC, NORMAL])


@pytest.fixture
def carrier_cases():
    return [(o, "delivered", "Ayşe Yılmaz") for o in (PLACEHOLDER, NO_UTC, NORMAL)]


@pytest.mark.parametrize("order_id", ["ord-normal", "ord-min", "ord-no-utc"])
async def test_a_case_on_an_order_placed_at_the_minimum_datetime_is_assessed(api, log_audit, order_id):
    body = {"order_id": order_id, "statement": "Gelmedi.", "preferred_resolution": "refund"}
    opened = await api.post("/v1/disputes", json=body, headers=CUSTOMER)
    assert opened.status == 201, await opened.text()
    one = f"/v1/disputes/{(await opened.json())['id']}"

    async def assessed():
        case = await (await api.get(one, headers=INVESTIGATOR)).json()
        return case if case["evidence"] and case.get("recommendation") else None

    case = await eventually(assessed, timeout=8, explain=lambda: [
        line[:300] for line in log_audit.getvalue().splitlines() if "worker_pass_failed" in line][:2])
    assert case["recommendation"]["action"] and case["order"]["placed_at"] is None or order_id == "ord-normal"
