"""A request's trace reaches the services it calls: the marketplace's (the outbox clients) and the carriers,
each call in a span of its own, through the process's one `ClientSession`."""

import aiohttp
from aiohttp import web

from pydantic import SecretStr

from adapters.downstream import PaymentsClient, Signer
from adapters.web.edge import edge
from adapters.tracing import propagation
from carriers.http import CarrierHttp, HttpRequest
from schemas.common import RefundDestination
from schemas.effects import RefundRequest

TRACE_ID = "0af7651916cd43dd8448eb211c80319c"
CALLER = f"00-{TRACE_ID}-b7ad6b7169203331-01"
REFUND = RefundRequest(
    dispute_id="dsp_1", order_id="ord-1", customer_id="cust-1", amount_minor=100, currency="TRY",
    destination=RefundDestination.ORIGINAL_PAYMENT, payment_method="card",
)
SIGNER = Signer("test", SecretStr("a-signing-secret-of-at-least-32-characters"))


async def test_the_calls_a_request_makes_carry_its_trace_in_new_spans(aiohttp_server, aiohttp_client):
    received: list[str | None] = []

    async def downstream(request: web.Request) -> web.Response:
        received.append(request.headers.get("traceparent"))
        return web.json_response({}, status=202)

    services = web.Application()
    services.router.add_post("/payments/v1/refunds", downstream)
    services.router.add_get("/track", downstream)
    server = await aiohttp_server(services)
    base = str(server.make_url("")).rstrip("/")

    async with aiohttp.ClientSession(trace_configs=[propagation()]) as session:
        async def handler(request: web.Request) -> web.Response:
            await PaymentsClient(session, base, 5, 1, signer=SIGNER).refund(REFUND, "key-1")
            await CarrierHttp(session, carrier="ups", timeout_seconds=5).send(HttpRequest("GET", base + "/track"))
            return web.json_response({})

        app = web.Application(middlewares=[edge])
        app.router.add_get("/work", handler)
        client = await aiohttp_client(app)
        assert (await client.get("/work", headers={"traceparent": CALLER})).status == 200
        async with session.get(base + "/track"):  # outside any request or work: no trace to carry
            pass

    payments, carrier, outside = received
    assert payments and carrier and payments[3:35] == carrier[3:35] == TRACE_ID
    assert len({payments[36:52], carrier[36:52], CALLER[36:52]}) == 3 and payments.endswith("-01")
    assert outside is None
