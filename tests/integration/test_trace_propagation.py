"""A request's trace reaches the services it calls: the marketplace's (the outbox clients) and the carriers,
each call in a span of its own, through the process's one `ClientSession`, with the caller's `tracestate`."""

import aiohttp
import pytest
from aiohttp import web
from multidict import CIMultiDictProxy

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

type Headers = list[tuple[str, str]]
type Received = list[CIMultiDictProxy[str]]


async def calls_made(aiohttp_server, aiohttp_client, sent: Headers) -> tuple[Received, Received]:
    """The headers of the calls one request sent with `sent` makes (to the payments service, then a carrier), and
    of a call made outside any request or work."""
    received: Received = []

    async def downstream(request: web.Request) -> web.Response:
        received.append(request.headers)
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
        assert (await client.get("/work", headers=sent)).status == 200
        async with session.get(base + "/track"):  # outside any request or work: no trace to carry
            pass
    return received[:2], received[2:]


async def test_the_calls_a_request_makes_carry_its_trace_in_new_spans(aiohttp_server, aiohttp_client):
    (payments, carrier), [outside] = await calls_made(aiohttp_server, aiohttp_client, [("traceparent", CALLER)])

    payments_span, carrier_span = payments["traceparent"], carrier["traceparent"]
    assert payments_span[3:35] == carrier_span[3:35] == TRACE_ID
    assert len({payments_span[36:52], carrier_span[36:52], CALLER[36:52]}) == 3 and payments_span.endswith("-01")
    assert "traceparent" not in outside
    assert "tracestate" not in payments and "tracestate" not in carrier  # none came, none goes


async def test_the_calls_a_request_makes_carry_the_callers_tracestate_as_it_came(aiohttp_server, aiohttp_client):
    sent = [("traceparent", CALLER), ("tracestate", "rojo=00f067aa0ba902b7, congo=t61rcWkgMzE"), ("tracestate", "x@y=1")]
    (payments, carrier), [outside] = await calls_made(aiohttp_server, aiohttp_client, sent)

    for call in (payments, carrier):
        assert call.getall("tracestate") == ["rojo=00f067aa0ba902b7,congo=t61rcWkgMzE,x@y=1"]  # its lines combined
        assert call["traceparent"][3:35] == TRACE_ID
    assert "tracestate" not in outside


NEW_TRACE = {
    "an invalid traceparent": [("traceparent", "00-not-a-trace"), ("tracestate", "rojo=00f067aa0ba902b7")],
    "two traceparents": [("traceparent", CALLER), ("traceparent", CALLER), ("tracestate", "rojo=00f067aa0ba902b7")],
    "no traceparent": [("tracestate", "rojo=00f067aa0ba902b7")],
}
MALFORMED = {  # or without a member: dropped whole, and the trace continued all the same
    "a key twice": "rojo=1,rojo=2",
    "33 members": ",".join(f"k{n}=1" for n in range(33)),
    "a key outside the grammar": "Rojo=1",
    "empty": "",
}


@pytest.mark.parametrize("sent", NEW_TRACE.values(), ids=NEW_TRACE.keys())
async def test_a_new_trace_passes_on_no_tracestate(aiohttp_server, aiohttp_client, sent):
    (payments, carrier), _ = await calls_made(aiohttp_server, aiohttp_client, sent)

    assert payments["traceparent"][3:35] != TRACE_ID
    assert "tracestate" not in payments and "tracestate" not in carrier


@pytest.mark.parametrize("tracestate", MALFORMED.values(), ids=MALFORMED.keys())
async def test_a_malformed_tracestate_is_not_passed_on(aiohttp_server, aiohttp_client, tracestate):
    sent = [("traceparent", CALLER), ("tracestate", tracestate)]
    (payments, carrier), _ = await calls_made(aiohttp_server, aiohttp_client, sent)

    assert payments["traceparent"][3:35] == carrier["traceparent"][3:35] == TRACE_ID
    assert "tracestate" not in payments and "tracestate" not in carrier


async def test_a_tracestate_over_512_characters_is_passed_on_cut_by_whole_members(aiohttp_server, aiohttp_client):
    members = [f"k{n:02}=" + "v" * 60 for n in range(10)]  # 64 characters each: 649 with the commas
    sent = [("traceparent", CALLER), ("tracestate", ",".join(members[:5])), ("tracestate", ",".join(members[5:]))]
    (payments, carrier), _ = await calls_made(aiohttp_server, aiohttp_client, sent)

    assert payments.getall("tracestate") == carrier.getall("tracestate") == [",".join(members[:7])]  # 454
