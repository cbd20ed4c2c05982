import pytest
from aiohttp import web
from pydantic import SecretStr

from carriers.auth import ClientCredentials
from carriers.errors import CarrierAuthError
from carriers.mng.client import MngAdapter
from carriers.mng.settings import MngSettings
from carriers.retry import RetryBudget
from schemas.proof import ProofStatus
from tests.unit.carriers.conftest import nth

REF = "SIP-2024-0001"


class FakeMng:
    """A stand-in for MNG's token, status and track endpoints that records what reached it."""

    def __init__(self, payloads, status_replies: list[int] | None = None, track_status: int = 200) -> None:
        self.payloads = payloads
        self.status_replies = status_replies or [200]
        self.track_status = track_status
        self.tokens: list[tuple[dict[str, str], object]] = []
        self.calls: list[tuple[str, dict[str, str]]] = []

    async def token(self, request: web.Request) -> web.Response:
        self.tokens.append((dict(request.headers), await request.json()))
        return web.json_response({"jwt": f"mng-jwt-{len(self.tokens)}"})

    async def status(self, request: web.Request) -> web.Response:
        self.calls.append((request.path, dict(request.headers)))
        code = nth(self.status_replies, len([c for c in self.calls if "status" in c[0]]))
        if code != 200:
            return web.json_response({"error": "x"}, status=code)
        return web.Response(body=self.payloads.raw("mng/status-delivered.json"), content_type="application/json")

    async def track(self, request: web.Request) -> web.Response:
        self.calls.append((request.path, dict(request.headers)))
        if self.track_status != 200:
            return web.json_response({"error": "x"}, status=self.track_status)
        return web.Response(body=self.payloads.raw("mng/track.json"), content_type="application/json")

    def routes(self):
        return [
            ("POST", "/token", self.token),
            ("GET", "/standardqueryapi/getshipmentstatus/{ref}", self.status),
            ("GET", "/standardqueryapi/trackshipment/{ref}", self.track),
        ]


async def adapter_for(fake: FakeMng, adapter_at) -> MngAdapter:
    return await adapter_at(
        MngAdapter,
        MngSettings,
        fake.routes(),
        api_client=ClientCredentials(client_id=SecretStr("ibm-id"), client_secret=SecretStr("ibm-secret")),
        customer_number="332211",
        password=SecretStr("mng-pass"),
        retry=RetryBudget(attempts=3, total_seconds=10),
    )


async def test_a_pull_gets_a_token_then_the_status_and_the_history(payloads, adapter_at) -> None:
    fake = FakeMng(payloads)
    mng = await adapter_for(fake, adapter_at)

    proof = await mng.pull(REF)

    assert (proof.status, len(proof.events)) == (ProofStatus.DELIVERED, 3)
    [(token_headers, token_body)] = fake.tokens
    assert (token_headers["x-ibm-client-id"], token_headers["x-ibm-client-secret"]) == ("ibm-id", "ibm-secret")
    assert token_body == {"customerNumber": "332211", "password": "mng-pass", "identityType": 1}
    assert [path for path, _ in fake.calls] == [
        f"/standardqueryapi/getshipmentstatus/{REF}", f"/standardqueryapi/trackshipment/{REF}",
    ]
    for _, headers in fake.calls:
        assert headers["Authorization"] == "Bearer mng-jwt-1" and headers["x-ibm-client-id"] == "ibm-id"


async def test_an_expired_token_is_replaced_once(payloads, adapter_at) -> None:
    fake = FakeMng(payloads, status_replies=[401, 200])
    mng = await adapter_for(fake, adapter_at)
    assert (await mng.pull(REF)).status is ProofStatus.DELIVERED
    assert [h["Authorization"] for _, h in fake.calls] == ["Bearer mng-jwt-1", "Bearer mng-jwt-2", "Bearer mng-jwt-2"]


async def test_an_unknown_reference_is_not_found_and_has_no_history_asked(payloads, adapter_at) -> None:
    fake = FakeMng(payloads, status_replies=[404])
    mng = await adapter_for(fake, adapter_at)
    assert (await mng.pull("SIP-404")).status is ProofStatus.NOT_FOUND
    assert [path for path, _ in fake.calls] == ["/standardqueryapi/getshipmentstatus/SIP-404"]


async def test_a_missing_history_still_gives_the_status(payloads, adapter_at) -> None:
    fake = FakeMng(payloads, track_status=404)
    mng = await adapter_for(fake, adapter_at)
    proof = await mng.pull(REF)
    assert (proof.status, proof.events) == (ProofStatus.DELIVERED, ())


async def test_refused_client_keys_fail_at_once(payloads, adapter_at, clock) -> None:
    fake = FakeMng(payloads, status_replies=[403])
    mng = await adapter_for(fake, adapter_at)
    with pytest.raises(CarrierAuthError):
        await mng.pull(REF)
    assert clock.sleeps == []
