"""MNG's adapter over HTTP, only the carrier faked: the calls it makes, with which headers, in which order,
and what it does with MNG's refusals (public samples from ``tests/fixtures/carriers/mng``)."""

from collections.abc import Sequence

import pytest
from aiohttp import web
from pydantic import SecretStr

from carriers.auth import ClientCredentials
from carriers.errors import CarrierAuthError, CarrierUnavailable, MalformedResponse
from carriers.mng.client import MngAdapter
from carriers.mng.settings import MngSettings
from carriers.retry import RetryBudget
from schemas.proof import ProofStatus
from tests.unit.carriers.conftest import nth
from tests.unit.carriers.properties import sample

REF = "SIPARIS-001"
SHIPMENT = f"/standardqueryapi/getshipment/{REF}"
TRACK = f"/standardqueryapi/trackshipment/{REF}"


class FakeMng:
    """MNG's token, getshipment and trackshipment endpoints, answering with its samples; records the calls."""

    def __init__(
        self,
        shipment: Sequence[tuple[int, str]] = ((200, "getshipment-delivered.json"),),
        track: tuple[int, str] = (200, "trackshipment-delivered.json"),
        token: tuple[int, str] = (200, "token.json"),
    ) -> None:
        self.shipment, self.track, self.token_reply = shipment, track, token
        self.tokens: list[tuple[dict[str, str], object]] = []
        self.calls: list[tuple[str, dict[str, str]]] = []

    async def token(self, request: web.Request) -> web.Response:
        self.tokens.append((dict(request.headers), await request.json()))
        status, name = self.token_reply
        return _sample(status, name)

    async def query(self, request: web.Request) -> web.Response:
        self.calls.append((request.path, dict(request.headers)))
        if "/getshipment/" in request.path:
            return _sample(*nth(self.shipment, len([c for c in self.calls if "/getshipment/" in c[0]])))
        return _sample(*self.track)

    def routes(self) -> list[tuple[str, str, object]]:
        return [
            ("POST", "/token", self.token),
            ("GET", "/standardqueryapi/getshipment/{ref}", self.query),
            ("GET", "/standardqueryapi/trackshipment/{ref}", self.query),
        ]


def _sample(status: int, name: str) -> web.Response:
    return web.Response(status=status, body=sample("mng", name), content_type="application/json")


async def adapter_for(fake: FakeMng, adapter_at, **settings: object) -> MngAdapter:
    return await adapter_at(
        MngAdapter,
        MngSettings,
        fake.routes(),
        api_client=ClientCredentials(client_id=SecretStr("ibm-id"), client_secret=SecretStr("ibm-secret")),
        customer_number="332211",
        password=SecretStr("mng-pass"),
        retry=RetryBudget(attempts=3, total_seconds=10),
        **settings,
    )


async def test_a_pull_gets_a_token_then_the_shipment_and_its_history(adapter_at) -> None:
    fake = FakeMng()
    mng = await adapter_for(fake, adapter_at, api_version="v1")

    proof = await mng.pull(REF)

    assert (proof.status, proof.received_by, len(proof.events)) == (ProofStatus.DELIVERED, "Sema Kudu", 4)
    [(token_headers, token_body)] = fake.tokens
    assert (token_headers["x-ibm-client-id"], token_headers["x-ibm-client-secret"]) == ("ibm-id", "ibm-secret")
    assert token_headers["x-api-version"] == "v1"
    assert token_body == {"customerNumber": 332211, "password": "mng-pass", "identityType": 1}
    assert [path for path, _ in fake.calls] == [SHIPMENT, TRACK]
    for _, headers in fake.calls:
        assert headers["Authorization"] == "Bearer test.jwt.token"
        assert (headers["x-ibm-client-id"], headers["x-ibm-client-secret"]) == ("ibm-id", "ibm-secret")
        assert (headers["x-api-version"], headers["Accept"]) == ("v1", "application/json")


async def test_the_token_is_fetched_once_for_several_pulls(adapter_at) -> None:
    fake = FakeMng()
    mng = await adapter_for(fake, adapter_at)

    for _ in range(3):
        await mng.pull(REF)

    assert len(fake.tokens) == 1 and len(fake.calls) == 6


async def test_a_token_refused_on_a_data_call_is_replaced_once(adapter_at) -> None:
    fake = FakeMng(shipment=[(401, "error-401-gateway.json"), (200, "getshipment-delivered.json")])
    mng = await adapter_for(fake, adapter_at)

    assert (await mng.pull(REF)).status is ProofStatus.DELIVERED
    assert len(fake.tokens) == 2 and [path for path, _ in fake.calls] == [SHIPMENT, SHIPMENT, TRACK]


async def test_an_unknown_reference_is_not_found_and_its_history_is_not_asked(adapter_at) -> None:
    fake = FakeMng(shipment=[(404, "error-404-not-found.json")])
    mng = await adapter_for(fake, adapter_at)

    proof = await mng.pull(REF)

    assert (proof.status, proof.tracking_number) == (ProofStatus.NOT_FOUND, REF)
    assert [path for path, _ in fake.calls] == [SHIPMENT]


async def test_an_empty_shipment_list_is_not_found_too(adapter_at) -> None:
    fake = FakeMng(shipment=[(200, "getshipment-not-found.json")])
    mng = await adapter_for(fake, adapter_at)

    assert (await mng.pull(REF)).status is ProofStatus.NOT_FOUND
    assert len(fake.calls) == 1


async def test_a_missing_history_still_gives_the_shipments_status(adapter_at) -> None:
    fake = FakeMng(track=(404, "error-404-not-found.json"))
    mng = await adapter_for(fake, adapter_at)

    proof = await mng.pull(REF)

    assert (proof.status, proof.events, proof.delivered_at) == (ProofStatus.DELIVERED, (), None)


async def test_client_keys_the_gateway_refuses_fail_at_once(adapter_at, clock) -> None:
    fake = FakeMng(token=(401, "error-401-gateway.json"))
    mng = await adapter_for(fake, adapter_at)

    with pytest.raises(CarrierAuthError):
        await mng.pull(REF)
    assert (len(fake.tokens), fake.calls, clock.sleeps) == (1, [], [])


async def test_a_server_fault_is_retried_then_reported_unavailable(adapter_at, clock) -> None:
    fake = FakeMng(shipment=[(500, "error-500-business.json")])
    mng = await adapter_for(fake, adapter_at)

    with pytest.raises(CarrierUnavailable):
        await mng.pull(REF)
    assert len(fake.calls) == 3 and len(clock.sleeps) == 2


async def test_a_server_fault_followed_by_an_answer_gives_the_proof(adapter_at) -> None:
    fake = FakeMng(shipment=[(500, "error-500-business.json"), (200, "getshipment-in-transit.json")])
    mng = await adapter_for(fake, adapter_at)

    assert (await mng.pull(REF)).status is ProofStatus.IN_TRANSIT


async def test_a_reply_about_another_reference_is_malformed_and_not_retried(adapter_at, clock) -> None:
    fake = FakeMng()
    mng = await adapter_for(fake, adapter_at)

    with pytest.raises(MalformedResponse):
        await mng.pull("SIPARIS-002")
    assert (len(fake.calls), clock.sleeps) == (1, [])
