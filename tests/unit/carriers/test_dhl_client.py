import json

import pytest
from aiohttp import web
from pydantic import SecretStr

from carriers.base import PushCarrier
from carriers.dhl.client import DhlAdapter
from carriers.dhl.settings import DhlSettings
from carriers.errors import CarrierUnavailable, MalformedResponse, WebhookRejected
from carriers.retry import RetryBudget
from schemas.proof import ProofSource, ProofStatus

NUMBER = "7777777770"


async def dhl_at(routes, adapter_at, **settings) -> DhlAdapter:
    return await adapter_at(DhlAdapter, DhlSettings, routes, api_key=SecretStr("dhl-key"), **settings)


async def test_a_pull_sends_the_api_key_and_tracking_number(payloads, adapter_at) -> None:
    seen: list[web.Request] = []

    async def shipments(request: web.Request) -> web.Response:
        seen.append(request)
        return web.Response(body=payloads.raw("dhl/shipments-example.json"), content_type="application/json")

    dhl = await dhl_at([("GET", "/track/shipments", shipments)], adapter_at)
    proof = await dhl.pull(NUMBER)
    assert (proof.tracking_number, proof.source) == (NUMBER, ProofSource.PULL)
    [request] = seen
    assert (request.headers["DHL-API-Key"], dict(request.query)) == ("dhl-key", {"trackingNumber": NUMBER})


async def test_a_404_is_a_not_found_result(payloads, adapter_at) -> None:
    async def missing(request: web.Request) -> web.Response:
        return web.Response(
            status=404, body=payloads.raw("dhl/not-found.json"), content_type="application/problem+json"
        )

    dhl = await dhl_at([("GET", "/track/shipments", missing)], adapter_at)
    assert (await dhl.pull("8264715546")).status is ProofStatus.NOT_FOUND


async def test_rate_limiting_is_waited_out_as_the_carrier_asks(payloads, adapter_at, clock) -> None:
    replies = iter(
        [
            web.Response(status=429, headers={"Retry-After": "3"}),
            web.Response(body=payloads.raw("dhl/shipments-example.json")),
        ]
    )

    async def limited(request: web.Request) -> web.Response:
        return next(replies)

    dhl = await dhl_at([("GET", "/track/shipments", limited)], adapter_at)
    await dhl.pull(NUMBER)
    assert clock.sleeps == [3]


async def test_a_carrier_that_stays_down_opens_the_breaker(adapter_at) -> None:
    calls: list[int] = []

    async def down(request: web.Request) -> web.Response:
        calls.append(1)
        return web.Response(status=503)

    dhl = await dhl_at(
        [("GET", "/track/shipments", down)],
        adapter_at,
        retry=RetryBudget(attempts=10, total_seconds=60),
        breaker={"failure_threshold": 3},
    )
    with pytest.raises(CarrierUnavailable):
        await dhl.pull(NUMBER)
    assert len(calls) == 3 and dhl.breaker.state == "open"


class TestPush:
    @pytest.fixture
    def dhl(self, session, clock) -> DhlAdapter:
        settings = DhlSettings(api_key=SecretStr("k"), webhook_header="X-Our-Token", webhook_token=SecretStr("tok-1"))
        return DhlAdapter(settings, session, clock=clock)

    def test_dhl_takes_pushed_events(self, dhl) -> None:
        assert isinstance(dhl, PushCarrier)

    def test_the_subscriber_token_is_checked(self, dhl, clock) -> None:
        dhl.verify_webhook({"x-our-token": "tok-1"}, b"{}", clock.now())
        with pytest.raises(WebhookRejected):
            dhl.verify_webhook({"x-our-token": "tok-2"}, b"{}", clock.now())

    def test_a_push_body_has_one_event_per_shipment(self, dhl, payloads, clock) -> None:
        body = payloads.json("dhl/shipments-example.json")
        second = json.loads(json.dumps(body["shipments"][0])) | {"id": "JD014600006281230704"}
        second["status"]["statusCode"] = "delivered"
        events = dhl.parse_webhook(json.dumps({"shipments": [body["shipments"][0], second]}).encode())
        assert [(e.tracking_number, e.proof.status) for e in events] == [
            (NUMBER, ProofStatus.PRE_TRANSIT),
            ("JD014600006281230704", ProofStatus.DELIVERED),
        ]
        assert all(e.proof.source is ProofSource.PUSH and e.proof.received_at == clock.now() for e in events)
        assert len({e.event_id for e in events}) == 2

    def test_the_same_push_twice_has_the_same_event_id(self, dhl, payloads) -> None:
        body = payloads.raw("dhl/shipments-example.json")
        assert dhl.parse_webhook(body)[0].event_id == dhl.parse_webhook(body)[0].event_id

    def test_a_pushed_shipment_without_an_id_is_malformed(self, dhl) -> None:
        with pytest.raises(MalformedResponse, match=r"shipments\.0\.id is missing"):
            dhl.parse_webhook(b'{"shipments": [{"status": {"statusCode": "delivered"}}]}')
