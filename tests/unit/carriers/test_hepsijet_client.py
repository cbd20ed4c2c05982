import base64

import pytest
from aiohttp import web
from pydantic import SecretStr

from carriers.errors import CarrierAuthError, CarrierUnavailable
from carriers.hepsijet.client import HepsijetAdapter
from carriers.hepsijet.settings import HepsijetSettings
from carriers.retry import RetryBudget
from schemas.proof import ProofSource, ProofStatus
from tests.unit.carriers.conftest import nth

NUMBER = "HJ100200300"


class FakeHepsijet:
    """A stand-in for HepsiJET's token and tracking endpoints that records what reached it."""

    def __init__(self, payloads, tracking_statuses: list[int] | None = None, token_status: int = 200) -> None:
        self.payloads = payloads
        self.tracking_statuses = tracking_statuses or [200]
        self.token_status = token_status
        self.token_requests: list[dict[str, str]] = []
        self.tracking_requests: list[tuple[dict[str, str], object]] = []

    async def token(self, request: web.Request) -> web.Response:
        self.token_requests.append(dict(request.headers))
        if self.token_status != 200:
            return web.json_response({"status": "FAIL"}, status=self.token_status)
        return web.json_response({"status": "OK", "data": {"token": f"hj-token-{len(self.token_requests)}"}})

    async def tracking(self, request: web.Request) -> web.Response:
        self.tracking_requests.append((dict(request.headers), await request.json()))
        status = nth(self.tracking_statuses, len(self.tracking_requests))
        if status == 200:
            body = self.payloads.raw("hepsijet/tracking-delivered.json")
            return web.Response(body=body, content_type="application/json")
        if status == 404:
            return web.Response(status=404, body=self.payloads.raw("hepsijet/tracking-not-found.json"))
        return web.json_response({"status": "FAIL"}, status=status)

    def routes(self):
        return [
            ("GET", "/auth/getToken", self.token),
            ("POST", "/deliveryTransaction/getDeliveryTracking", self.tracking),
        ]


async def adapter_for(fake: FakeHepsijet, adapter_at) -> HepsijetAdapter:
    return await adapter_at(
        HepsijetAdapter,
        HepsijetSettings,
        fake.routes(),
        username="pazaryeri",
        password=SecretStr("ş1fre"),
        retry=RetryBudget(attempts=3, total_seconds=10),
    )


async def test_a_pull_fetches_a_token_then_posts_the_tracking_query(payloads, adapter_at, clock) -> None:
    fake = FakeHepsijet(payloads)
    hepsijet = await adapter_for(fake, adapter_at)

    proof = await hepsijet.pull(NUMBER)

    assert (proof.status, proof.source, proof.received_at) == (ProofStatus.DELIVERED, ProofSource.PULL, clock.now())
    [token_headers] = fake.token_requests
    assert token_headers["Authorization"] == "Basic " + base64.b64encode("pazaryeri:ş1fre".encode()).decode()
    [(headers, body)] = fake.tracking_requests
    assert headers["X-Auth-Token"] == "hj-token-1" and "Authorization" not in headers
    assert body == {"deliveries": [{"customerDeliveryNo": NUMBER}]}


async def test_the_token_is_reused_until_it_expires(payloads, adapter_at, clock) -> None:
    fake = FakeHepsijet(payloads)
    hepsijet = await adapter_for(fake, adapter_at)
    await hepsijet.pull(NUMBER)
    await hepsijet.pull(NUMBER)
    assert len(fake.token_requests) == 1
    clock.advance(1800)
    await hepsijet.pull(NUMBER)
    assert len(fake.token_requests) == 2
    assert fake.tracking_requests[-1][0]["X-Auth-Token"] == "hj-token-2"


async def test_a_token_hepsijet_no_longer_accepts_is_replaced_once(payloads, adapter_at) -> None:
    fake = FakeHepsijet(payloads, tracking_statuses=[401, 200])
    hepsijet = await adapter_for(fake, adapter_at)
    assert (await hepsijet.pull(NUMBER)).status is ProofStatus.DELIVERED
    assert [h["X-Auth-Token"] for h, _ in fake.tracking_requests] == ["hj-token-1", "hj-token-2"]


async def test_refused_credentials_fail_at_once(payloads, adapter_at, clock) -> None:
    fake = FakeHepsijet(payloads, token_status=401)
    hepsijet = await adapter_for(fake, adapter_at)
    with pytest.raises(CarrierAuthError):
        await hepsijet.pull(NUMBER)
    assert fake.tracking_requests == [] and clock.sleeps == []


async def test_a_transient_failure_is_retried(payloads, adapter_at, clock) -> None:
    fake = FakeHepsijet(payloads, tracking_statuses=[502, 200])
    hepsijet = await adapter_for(fake, adapter_at)
    assert (await hepsijet.pull(NUMBER)).status is ProofStatus.DELIVERED
    assert len(clock.sleeps) == 1 and hepsijet.breaker.failures == 0


async def test_a_carrier_that_stays_down_is_unavailable(payloads, adapter_at) -> None:
    fake = FakeHepsijet(payloads, tracking_statuses=[503])
    hepsijet = await adapter_for(fake, adapter_at)
    with pytest.raises(CarrierUnavailable):
        await hepsijet.pull(NUMBER)
    assert len(fake.tracking_requests) == 3


async def test_an_unknown_delivery_is_a_not_found_result(payloads, adapter_at) -> None:
    fake = FakeHepsijet(payloads, tracking_statuses=[404])
    hepsijet = await adapter_for(fake, adapter_at)
    proof = await hepsijet.pull("HJ999")
    assert (proof.status, proof.tracking_number) == (ProofStatus.NOT_FOUND, "HJ999")
