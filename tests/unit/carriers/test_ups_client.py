import asyncio
import base64

import pytest
from aiohttp import web
from pydantic import SecretStr

from carriers.auth import REFUSAL_HOLD_SECONDS, ClientCredentials
from carriers.errors import BadRequest, CarrierAuthError, CarrierUnavailable
from carriers.retry import RetryBudget
from carriers.transcript import recording
from carriers.ups.client import UpsAdapter
from carriers.ups.settings import UpsSettings
from schemas.proof import ProofStatus
from tests.unit.carriers.conftest import nth
from tests.unit.carriers.properties import sample, sample_json

NUMBER = "1Z023E2X0214323462"
# What UPS answers with each status: its samples (tests/fixtures/carriers/ups/PROVENANCE.md).
REPLIES = {
    200: "track-delivered-signature-photo.json",
    400: "error-invalid-inquiry.json",
    401: "error-auth.json",
    403: "error-auth.json",
    404: "track-not-found-404.json",
    500: "error-server.json",
    429: "error-server.json",
    503: "error-server.json",
}
# RFC 6749 §5.2: a token endpoint refuses a client it cannot authenticate with 400 and an error code (UPS's
# OAuthClientCredentials.yaml lists 400 "Invalid Request" for /security/v1/oauth/token).
TOKEN_REFUSAL = b'{"error": "invalid_client"}'


class FakeUps:
    """A stand-in for the UPS token and Track endpoints that records what reached it."""

    def __init__(
        self, track_statuses: list[int] | None = None, token_statuses: list[int] | None = None,
        token_headers: dict[str, str] | None = None,
    ) -> None:
        self.track_statuses = track_statuses or [200]
        self.token_statuses = token_statuses or [200]
        self.token_headers = token_headers or {}
        self.token_requests: list[tuple[dict[str, str], dict[str, str]]] = []
        self.track_requests: list[web.Request] = []

    async def token(self, request: web.Request) -> web.Response:
        self.token_requests.append((dict(request.headers), dict(await request.post())))
        if (status := nth(self.token_statuses, len(self.token_requests))) != 200:
            body = TOKEN_REFUSAL if status == 400 else sample("ups", REPLIES[status])
            return web.Response(status=status, body=body, headers=self.token_headers, content_type="application/json")
        body = sample_json("ups", "token.json") | {"access_token": f"ups-token-{len(self.token_requests)}"}
        return web.json_response(body)

    async def track(self, request: web.Request) -> web.Response:
        self.track_requests.append(request)
        status = nth(self.track_statuses, len(self.track_requests))
        return web.Response(status=status, body=sample("ups", REPLIES[status]), content_type="application/json")

    def routes(self):
        return [
            ("POST", "/security/v1/oauth/token", self.token),
            ("GET", "/api/track/v1/details/{number}", self.track),
        ]


async def adapter_for(fake: FakeUps, adapter_at) -> UpsAdapter:
    return await adapter_at(
        UpsAdapter,
        UpsSettings,
        fake.routes(),
        credentials=ClientCredentials(client_id=SecretStr("ups-id"), client_secret=SecretStr("ups-secret")),
        transaction_src="disputes",
        retry=RetryBudget(attempts=3, total_seconds=10),
    )


async def test_a_pull_sends_the_token_request_then_the_track_request(adapter_at) -> None:
    fake = FakeUps()
    ups = await adapter_for(fake, adapter_at)

    proof = await ups.pull(NUMBER)

    assert proof.status is ProofStatus.DELIVERED
    [(token_headers, token_form)] = fake.token_requests
    assert token_headers["Authorization"] == "Basic " + base64.b64encode(b"ups-id:ups-secret").decode()
    assert token_form == {"grant_type": "client_credentials"}
    [track] = fake.track_requests
    assert track.match_info["number"] == NUMBER
    assert dict(track.query) == {"locale": "en_US", "returnSignature": "true", "returnPOD": "true"}
    assert track.headers["Authorization"] == "Bearer ups-token-1"
    assert track.headers["transactionSrc"] == "disputes"
    assert len(track.headers["transId"]) == 32


async def test_the_token_is_fetched_once_for_many_pulls(adapter_at) -> None:
    fake = FakeUps()
    ups = await adapter_for(fake, adapter_at)
    await ups.pull(NUMBER)
    await ups.pull(NUMBER)
    assert len(fake.token_requests) == 1
    assert len({r.headers["transId"] for r in fake.track_requests}) == 2


async def test_an_expired_token_is_replaced_and_the_pull_succeeds(adapter_at) -> None:
    fake = FakeUps(track_statuses=[401, 200])
    ups = await adapter_for(fake, adapter_at)
    assert (await ups.pull(NUMBER)).status is ProofStatus.DELIVERED
    assert [r.headers["Authorization"] for r in fake.track_requests] == ["Bearer ups-token-1", "Bearer ups-token-2"]


async def test_a_blocked_merchant_is_rejected_without_retrying(adapter_at) -> None:
    fake = FakeUps(track_statuses=[403])
    ups = await adapter_for(fake, adapter_at)
    with pytest.raises(CarrierAuthError):
        await ups.pull(NUMBER)
    assert len(fake.track_requests) == 1


async def test_a_transient_503_is_retried_without_waiting_for_real(adapter_at, clock) -> None:
    fake = FakeUps(track_statuses=[503, 503, 200])
    ups = await adapter_for(fake, adapter_at)
    assert (await ups.pull(NUMBER)).status is ProofStatus.DELIVERED
    assert len(fake.track_requests) == 3 and len(clock.sleeps) == 2
    assert ups.breaker.failures == 0


async def test_an_unknown_number_is_a_not_found_result(adapter_at, clock) -> None:
    fake = FakeUps(track_statuses=[404])
    ups = await adapter_for(fake, adapter_at)
    proof = await ups.pull("1Z999")
    assert (proof.status, proof.tracking_number, proof.received_at) == (ProofStatus.NOT_FOUND, "1Z999", clock.now())


async def test_a_number_that_is_not_a_plain_identifier_is_refused_before_any_call(adapter_at) -> None:
    fake = FakeUps()
    ups = await adapter_for(fake, adapter_at)
    with pytest.raises(BadRequest, match="not a plain identifier"):
        await ups.pull("../security/v1/oauth/token")
    assert (fake.token_requests, fake.track_requests) == ([], [])


async def test_refused_credentials_are_an_authentication_failure_at_once(adapter_at) -> None:
    fake = FakeUps(track_statuses=[401])
    ups = await adapter_for(fake, adapter_at)
    with pytest.raises(CarrierAuthError):
        await ups.pull(NUMBER)
    assert len(fake.track_requests) == 2  # one fresh token is tried, then UPS's refusal stands


@pytest.mark.parametrize("status", [400, 401, 403])
async def test_a_token_endpoint_refusing_our_credentials_is_an_authentication_failure(adapter_at, status) -> None:
    fake = FakeUps(token_statuses=[status])
    ups = await adapter_for(fake, adapter_at)
    with pytest.raises(CarrierAuthError) as refused:
        await ups.pull(NUMBER)
    assert refused.value.status == status
    assert (len(fake.token_requests), fake.track_requests) == (1, [])


@pytest.mark.parametrize("status", [301, 308, 404, 405])
async def test_a_token_endpoint_that_redirects_or_is_not_there_fails_every_pull_as_our_configuration_naming_the_address(
    adapter_at, status
) -> None:
    """Not a refusal of our credentials, but as much every case's: the cases wait and operators are alerted (a
    BadRequest would give each case up as a pull that is not possible, and alert no one)."""
    async def moved(request: web.Request) -> web.Response:
        return web.Response(status=status, headers={"Location": "https://elsewhere.example/token"})

    fake = FakeUps()
    fake.token = moved  # type: ignore[method-assign]
    ups = await adapter_for(fake, adapter_at)
    with pytest.raises(CarrierAuthError) as failed:
        await ups.pull(NUMBER)
    assert failed.value.status == status
    assert "base_url" in str(failed.value) and fake.track_requests == []


@pytest.mark.parametrize(("status", "headers", "failure"), [
    (401, {}, CarrierAuthError), (429, {"Retry-After": "120"}, CarrierUnavailable),
])
async def test_concurrent_pulls_meeting_a_failing_token_endpoint_ask_it_once(adapter_at, status, headers, failure):
    fake = FakeUps(token_statuses=[status], token_headers=headers)
    ups = await adapter_for(fake, adapter_at)
    results = await asyncio.gather(*(ups.pull(NUMBER) for _ in range(10)), return_exceptions=True)
    assert all(isinstance(result, failure) for result in results)
    assert (len(fake.token_requests), fake.track_requests) == (1, [])


async def test_refused_credentials_are_not_sent_again_for_every_pull(adapter_at, clock) -> None:
    fake = FakeUps(token_statuses=[401, 200])
    ups = await adapter_for(fake, adapter_at)
    for _ in range(20):
        with pytest.raises(CarrierAuthError):
            await ups.pull(NUMBER)
    assert len(fake.token_requests) == 1
    clock.advance(REFUSAL_HOLD_SECONDS)  # credentials put right meanwhile are used
    assert (await ups.pull(NUMBER)).status is ProofStatus.DELIVERED
    assert len(fake.token_requests) == 2


async def test_an_invalid_inquiry_is_a_bad_request_not_retried(adapter_at) -> None:
    fake = FakeUps(track_statuses=[400])
    ups = await adapter_for(fake, adapter_at)
    with pytest.raises(BadRequest):
        await ups.pull(NUMBER)
    assert len(fake.track_requests) == 1


async def test_a_server_fault_is_retried_within_the_budget_then_reported_unavailable(adapter_at) -> None:
    fake = FakeUps(track_statuses=[500])
    ups = await adapter_for(fake, adapter_at)
    with pytest.raises(CarrierUnavailable):
        await ups.pull(NUMBER)
    assert len(fake.track_requests) == 3


async def test_the_track_reply_is_kept_as_received_and_the_token_reply_is_not(adapter_at) -> None:
    fake = FakeUps()
    ups = await adapter_for(fake, adapter_at)
    with recording() as replies:
        await ups.pull(NUMBER)
    [reply] = replies
    assert (reply.method, reply.status, reply.body) == ("GET", 200, sample("ups", REPLIES[200]))
    assert reply.path.endswith(f"/api/track/v1/details/{NUMBER}")
