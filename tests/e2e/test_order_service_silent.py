"""An order service that takes the request and never answers does not hold the customer who opens a dispute: the
lookup's budget (`DISPUTES_ORDERS_BUDGET_SECONDS`) ends it, tries and waits included, and the opening answers 503
well before a single try's timeout would have passed."""

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from tests.e2e.conftest import CUSTOMER

BUDGET = 1.0
TRY_TIMEOUT = 30.0  # what each of the three tries would wait without the budget
CLIENT_WAITS = 10.0  # the customer's page gives up by then: far above the budget, far below one try


@pytest.fixture
async def silent_orders(aiohttp_server) -> AsyncIterator[tuple[TestServer, list[str]]]:
    """Takes every request and answers none (until the test ends)."""
    asked: list[str] = []
    released = asyncio.Event()

    async def hold(request: web.Request) -> web.Response:
        asked.append(request.path)
        await released.wait()
        return web.Response(status=504)

    app = web.Application()
    app.router.add_get("/{tail:.*}", hold)
    server = await aiohttp_server(app)
    yield server, asked
    released.set()


@pytest.fixture
def app_changes(silent_orders) -> dict:
    server, _ = silent_orders
    return {"orders_url": str(server.make_url("/")).rstrip("/"), "orders_budget_seconds": BUDGET,
            "downstream_timeout_seconds": TRY_TIMEOUT, "downstream_attempts": 3}


async def test_an_order_service_that_never_answers_gets_the_opening_a_503_within_the_budget(api, silent_orders):
    _, asked = silent_orders
    body = {"order_id": "ord-1", "statement": "Kargo gelmedi.", "preferred_resolution": "refund"}
    opened = await api.post("/v1/disputes", json=body, headers=CUSTOMER,
                            timeout=aiohttp.ClientTimeout(total=CLIENT_WAITS))
    assert opened.status == 503, await opened.text()
    assert opened.content_type == "application/problem+json"
    assert (await opened.json())["type"].endswith(":unavailable")
    assert asked == ["/orders/v1/orders/ord-1"]  # one try, cut at the budget: no second try started past it
