"""The HTTP order directory against the downstream sandbox's order service over a real socket."""

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from adapters.demo import demo_orders
from adapters.downstream import Backoff
from adapters.orders import FileOrderDirectory, HttpOrderDirectory, OrderFile, OrdersUnavailable
from disputes.ports import PackingRecordUnavailable
from pydantic import ValidationError
from schemas.orders import MAX_LINES, MAX_QUANTITY, MAX_UNIT_PRICE_MINOR, Order, Shipment
from disputes.model import Dispute
from tests.unit.policy.builders import dispute as dispute_of_policy
from sandbox.downstream import (
    FAULTS,
    LEDGER,
    FaultSpec,
    create_downstream_sandbox,
    serve_downstream_sandbox,
)

NOW = datetime(2026, 11, 18, 9, 30, tzinfo=UTC)
DEMO = demo_orders(NOW)
BROKEN = {"order_id": "ord-9999", "customer_id": "cust-1001", "buyer_name": "Ayşe Yılmaz"}
IN_LIRA_SIGN = {**DEMO["orders"][0], "order_id": "ord-9998", "currency": "₺"}


@pytest.fixture
async def sandbox(aiohttp_server: Any) -> TestServer:
    return await aiohttp_server(create_downstream_sandbox({"orders": [*DEMO["orders"], BROKEN, IN_LIRA_SIGN]}))


FAST = Backoff(multiplier=0.001, max_wait=0.01, jitter=0.001)


@pytest.fixture
async def orders(sandbox: TestServer) -> AsyncIterator[HttpOrderDirectory]:
    async with aiohttp.ClientSession() as session:
        yield HttpOrderDirectory(session, str(sandbox.make_url("/")), 0.5, 3, backoff=FAST)


def fail_next(sandbox: TestServer, mode: str, times: int) -> None:
    spec = FaultSpec.model_validate({"service": "orders", "mode": mode, "times": times})
    sandbox.app[FAULTS].pending["orders"].extend([spec] * times)


def paths(sandbox: TestServer) -> list[str]:
    return [request["path"] for request in sandbox.app[LEDGER].requests]


async def test_a_known_order_is_returned_as_an_order(orders) -> None:
    expected = next(o for o in OrderFile.model_validate(DEMO).orders if o.order_id == "ord-2013")

    assert await orders.get("ord-2013") == expected


async def test_an_unknown_order_is_none(orders) -> None:
    assert await orders.get("ord-0000") is None


async def test_a_503_is_retried_until_the_order_comes_back(orders, sandbox) -> None:
    fail_next(sandbox, "error", 2)

    order = await orders.get("ord-2001")

    assert order is not None and order.order_id == "ord-2001"
    assert [r["status"] for r in sandbox.app[LEDGER].requests] == [503, 503, 200]


async def test_an_order_service_that_stays_down_is_unavailable(orders, sandbox) -> None:
    fail_next(sandbox, "error", 3)

    with pytest.raises(OrdersUnavailable, match="HTTP 503"):
        await orders.get("ord-2001")


async def test_an_unexpected_status_is_unavailable_without_retrying(orders, sandbox) -> None:
    fail_next(sandbox, "reject", 1)

    with pytest.raises(OrdersUnavailable, match="HTTP 400"):
        await orders.get("ord-2001")
    assert len(paths(sandbox)) == 1


async def test_an_invalid_order_names_the_fields_but_not_their_values(orders) -> None:
    with pytest.raises(OrdersUnavailable, match="placed_at") as raised:
        await orders.get("ord-9999")

    assert "Ayşe" not in str(raised.value)
    assert raised.value.__cause__ is None and raised.value.__suppress_context__


async def test_an_order_in_a_currency_that_is_no_iso_4217_code_is_an_invalid_order(orders) -> None:
    with pytest.raises(OrdersUnavailable, match=r"fields: currency\)"):
        await orders.get("ord-9998")


NOT_ITS_404 = [
    ("<html><head><title>404 Not Found</title></head><body><h1>404 Not Found</h1><hr>nginx</body></html>", "text/html"),
    ('{"message": "no Route matched with those values"}', "application/json"),  # a gateway's JSON, no problem document
    ("", "text/plain"),
]
"""404s that are not the order service's own (its problem document, ``application/problem+json``): a web server's
page, a gateway with no route for the path during a deploy, an empty answer."""


async def elsewhere(aiohttp_server: Any, body: str, media_type: str) -> TestServer:
    """A server that answers every path with this 404: a base URL that reaches something other than the order
    service."""
    async def page(request: web.Request) -> web.Response:
        return web.Response(status=404, text=body, content_type=media_type)

    app = web.Application()
    app.router.add_get("/{tail:.*}", page)
    return await aiohttp_server(app)


@pytest.mark.parametrize(("body", "media_type"), NOT_ITS_404, ids=["web server page", "gateway json", "empty"])
async def test_a_404_that_is_not_the_order_service_s_own_is_no_usable_answer_not_an_unknown_order(
    aiohttp_server, body, media_type
) -> None:
    server = await elsewhere(aiohttp_server, body, media_type)
    async with aiohttp.ClientSession() as session:
        orders = HttpOrderDirectory(session, str(server.make_url("/")), 0.5, 3, backoff=FAST)

        with pytest.raises(OrdersUnavailable, match=f"HTTP 404 as {media_type}"):
            await orders.get("ord-2001")
        with pytest.raises(PackingRecordUnavailable, match=f"HTTP 404 as {media_type}"):
            await orders.packing_record("ord-2002", "shp-2002-1")


async def test_an_order_answered_for_another_order_id_is_no_usable_answer(aiohttp_server) -> None:
    """A cache keyed wrongly, or a fall-back to the customer's latest order: the order claimed about is not this one."""
    latest = next(o for o in DEMO["orders"] if o["order_id"] == "ord-2013")

    async def latest_order(request: web.Request) -> web.Response:
        return web.json_response(latest)

    app = web.Application()
    app.router.add_get("/{tail:.*}", latest_order)
    server = await aiohttp_server(app)
    async with aiohttp.ClientSession() as session:
        orders = HttpOrderDirectory(session, str(server.make_url("/")), 0.5, 3, backoff=FAST)

        with pytest.raises(OrdersUnavailable, match="order_id"):
            await orders.get("ord-2001")
        assert (await orders.get("ord-2013")).order_id == "ord-2013"


ISO_4217 = ["TRY", "EUR", "USD", "JPY", "KWD", "CLF"]
"""Alphabetic codes from ISO 4217's list one: the lira, and currencies of 2, 0, 3 and 4 minor digits."""
NOT_ISO_4217 = ["try", "Try", "TL", "₺", "", "949", "TRYY", "TR", "TRY ", "TRY\n", "ＴＲＹ"]
"""The lira written otherwise: in lower case, by its Turkish abbreviation or sign, empty, by its ISO 4217 numeric code
(949), with a letter too many or too few, padded, in full-width letters."""


@pytest.mark.parametrize("currency", ISO_4217)
def test_an_order_names_its_currency_by_its_iso_4217_alphabetic_code(currency: str) -> None:
    assert Order.model_validate({**DEMO["orders"][0], "currency": currency}).currency == currency


@pytest.mark.parametrize("currency", NOT_ISO_4217)
def test_a_currency_written_any_other_way_is_refused(currency: str) -> None:
    with pytest.raises(ValidationError) as refused:
        Order.model_validate({**DEMO["orders"][0], "currency": currency})

    assert [error["loc"] for error in refused.value.errors()] == [("currency",)]


ODD_IDS = ["../ord-2001", "ord-2001?expand=all", "ord 2001/1#x", "sipariş-2001", '{"$ne":1}', "%2e%2e"]


@pytest.mark.parametrize("odd_id", ODD_IDS)
async def test_an_order_id_travels_quoted_as_one_path_segment(orders, sandbox, odd_id) -> None:
    assert await orders.get(odd_id) is None

    assert paths(sandbox) == [f"/orders/v1/orders/{odd_id}"]


async def test_the_served_sandbox_answers_from_the_seeded_orders(unused_tcp_port) -> None:
    runner = await serve_downstream_sandbox("127.0.0.1", unused_tcp_port, DEMO)
    try:
        async with aiohttp.ClientSession() as session:
            order = await HttpOrderDirectory(session, f"http://127.0.0.1:{unused_tcp_port}", 1.0, 1).get("ord-2012")
    finally:
        await runner.cleanup()

    assert order is not None and order.shipments[0].value_minor == 6_500_000


# --- the sellers' packing records -------------------------------------------------------------------------------


async def test_a_packing_record_is_read_from_the_order_service_and_none_is_none(orders, sandbox) -> None:
    record = await orders.packing_record("ord-2002", "shp-2002-1")

    assert record is not None and record.shipment_id == "shp-2002-1" and record.photo
    assert (record.packed("HB-MEHMETEFENDI-500"), record.packed("HB-KARACA-HATIR"), record.weight_grams) == (1, 1, 2_150)
    assert record.packed_at == NOW - timedelta(days=3)
    assert await orders.packing_record("ord-2001", "shp-2001-1") is None
    assert await orders.packing_record("ord-0000", "shp-0000-1") is None
    assert paths(sandbox)[0] == "/orders/v1/orders/ord-2002/shipments/shp-2002-1/packing-record"


async def test_an_order_service_that_stays_down_leaves_the_packing_record_unavailable(orders, sandbox) -> None:
    sandbox.app[FAULTS].pending["packing_records"].extend(
        [FaultSpec.model_validate({"service": "packing_records", "mode": "error"})] * 3
    )

    with pytest.raises(PackingRecordUnavailable, match="HTTP 503"):
        await orders.packing_record("ord-2002", "shp-2002-1")


async def test_the_order_file_carries_the_same_packing_records(tmp_path) -> None:
    path = tmp_path / "orders.json"
    path.write_text(json.dumps(DEMO), encoding="utf-8")
    directory = FileOrderDirectory(path)

    record = await directory.packing_record("ord-2002", "shp-2002-1")

    assert record is not None and record.packed("HB-MEHMETEFENDI-500") == 1
    assert await directory.packing_record("ord-2001", "shp-2001-1") is None


def test_an_order_worth_more_than_storage_can_hold_is_an_invalid_order() -> None:
    """Three units at 2⁶² kuruş overflowed the 64-bit integer the snapshot is stored as: opening was a 500."""
    shipment = {"shipment_id": "shp-1", "carrier": "ups", "tracking_number": "1Z", "status": "delivered",
                "items": [{"sku": "SKU-A", "name": "Saat", "quantity": 3, "unit_price_minor": 2**62}]}
    with pytest.raises(ValidationError, match="minor units"):
        Shipment.model_validate(shipment)
    most = {"sku": "SKU-A", "name": "Saat", "quantity": MAX_QUANTITY, "unit_price_minor": MAX_UNIT_PRICE_MINOR}
    largest = Shipment.model_validate({**shipment, "items": [most] * MAX_LINES})
    assert largest.value_minor < 2**63



def test_a_case_stored_before_the_bounds_reads_as_it_was_written() -> None:
    """The bounds are the order service's: a case's snapshot kept with 20,000 units on a line (stored before them)
    still reads, and so does every list that shows it."""
    dispute = dispute_of_policy()
    stored = json.loads(dispute.model_dump_json())
    stored["order"]["items"][0]["quantity"] = 20_000
    assert Dispute.model_validate(stored).order.items[0].quantity == 20_000
