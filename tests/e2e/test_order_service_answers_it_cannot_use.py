"""Opening a dispute while the order service, or a gateway before it, answers in a way the service cannot use: the
customer gets 503 with Retry-After (README, "Running in production": the opening answers 503 when the order service
gives no usable answer), never a 500, and never 422 `unknown-order` for an order the order service did not say is
unknown. Only the order service's own 404, its problem document, says that."""

import asyncio
from collections.abc import AsyncIterator

import pytest
from structlog.testing import capture_logs

from tests.e2e.conftest import CUSTOMER, INVESTIGATOR
from tests.e2e.test_access_and_bad_input import assert_problem
from tests.factories import order, shipment


def answer(status: str, media_type: str, body: bytes) -> bytes:
    head = f"HTTP/1.1 {status}\r\nContent-Type: {media_type}\r\nContent-Length: {len(body)}\r\n\r\n"
    return head.encode() + body


NGINX_404 = b"<html><head><title>404 Not Found</title></head><body><h1>404 Not Found</h1><hr>nginx</body></html>"
ANSWERS = {
    "ord-head-too-long": b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nSet-Cookie: s=" + b"a" * 9000 + b"\r\n\r\n",
    "ord-gateway-404": answer("404 Not Found", "text/html", NGINX_404),
    "ord-answered-with-another": answer(  # the same customer's other order: a cache keyed wrongly, a fall-back
        "200 OK", "application/json", order("ord-latest", shipments=[shipment("shp-latest")]).model_dump_json().encode()
    ),
    "ord-credential-rotated": answer("401 Unauthorized", "application/problem+json",
                                     b'{"type": "about:blank", "title": "Unauthorized", "status": 401}'),
    "ord-unknown": answer("404 Not Found", "application/problem+json",
                          b'{"type": "about:blank", "title": "Not Found", "status": 404, "detail": "No such order."}'),
}
"""What the order service (or what stands before it) answers for each order id the customer opens on."""


@pytest.fixture
async def order_service() -> AsyncIterator[str]:
    """A server on 127.0.0.1 that answers each order lookup with the bytes of `ANSWERS` its path names."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        request = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
        path = request.split(" ", 2)[1]
        writer.write(ANSWERS[path.rsplit("/", 1)[-1]])
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    server.close()
    await server.wait_closed()


@pytest.fixture
def app_changes(order_service) -> dict:
    return {"orders_url": order_service, "downstream_attempts": 1}


async def open_on(api, order_id: str):
    body = {"order_id": order_id, "statement": "Gelmedi.", "preferred_resolution": "refund"}
    return await api.post("/v1/disputes", json=body, headers=CUSTOMER)


@pytest.mark.parametrize("order_id", ["ord-head-too-long", "ord-gateway-404", "ord-answered-with-another"])
async def test_an_answer_the_service_cannot_use_makes_the_opening_503_and_opens_nothing(api, order_id) -> None:
    refused = await open_on(api, order_id)

    assert (refused.status, "Retry-After" in refused.headers) == (503, True), await refused.text()
    assert (await assert_problem(refused, 503))["type"] == "urn:dispute-service:problem:unavailable"
    history = await (await api.get("/v1/customers/cust-1/disputes", headers=INVESTIGATOR)).json()
    assert history["items"] == []


async def test_the_order_service_s_own_404_is_an_unknown_order(api) -> None:
    refused = await open_on(api, "ord-unknown")

    assert (await assert_problem(refused, 422))["type"] == "urn:dispute-service:problem:unknown-order"


async def test_an_order_service_refusing_the_service_is_logged_with_what_it_answered_and_nothing_personal(api) -> None:
    with capture_logs() as logs:
        refused = await open_on(api, "ord-credential-rotated")
        await open_on(api, "ord-answered-with-another")

    await assert_problem(refused, 503)
    said = [(line["error"], line["reason"]) for line in logs if line["event"] == "dependency_unavailable"]
    assert said == [("OrdersUnavailable", "orders answered HTTP 401"),
                    ("OrdersUnavailable", "orders answered an invalid order (fields: order_id, another order's)")]
    assert not any(value in str(logs) for value in ("Ayşe", "Şükrü", "Bağdat", "+90 532"))
