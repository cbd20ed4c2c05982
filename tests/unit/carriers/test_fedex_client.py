import pytest
from aiohttp import web
from pydantic import SecretStr

from carriers.auth import ClientCredentials
from carriers.base import PushCarrier
from carriers.errors import CarrierUnavailable
from carriers.fedex.client import FedexAdapter
from carriers.fedex.settings import FedexSettings
from carriers.retry import RetryBudget
from schemas.proof import ProofStatus

NUMBER = "128667043726"


class FakeFedex:
    """A stand-in for FedEx's token, track and tracking-documents endpoints."""

    def __init__(self, payloads, track: str = "fedex/track-delivered.json", spod_status: int = 200) -> None:
        self.payloads = payloads
        self.track_fixture = track
        self.spod_status = spod_status
        self.seen: dict[str, list[tuple[dict[str, str], object]]] = {"token": [], "track": [], "spod": []}

    async def token(self, request: web.Request) -> web.Response:
        self.seen["token"].append((dict(request.headers), dict(await request.post())))
        return web.Response(body=self.payloads.raw("fedex/token.json"), content_type="application/json")

    async def track(self, request: web.Request) -> web.Response:
        self.seen["track"].append((dict(request.headers), await request.json()))
        return web.Response(body=self.payloads.raw(self.track_fixture), content_type="application/json")

    async def spod(self, request: web.Request) -> web.Response:
        self.seen["spod"].append((dict(request.headers), await request.json()))
        if self.spod_status != 200:
            return web.json_response(
                {"errors": [{"code": "TRACKING.TRACKINGNUMBER.NOTFOUND"}]}, status=self.spod_status
            )
        return web.Response(body=self.payloads.raw("fedex/spod.json"), content_type="application/json")

    def routes(self):
        return [
            ("POST", "/oauth/token", self.token),
            ("POST", "/track/v1/trackingnumbers", self.track),
            ("POST", "/track/v1/trackingdocuments", self.spod),
        ]


async def fedex_for(fake: FakeFedex, adapter_at) -> FedexAdapter:
    return await adapter_at(
        FedexAdapter,
        FedexSettings,
        fake.routes(),
        credentials=ClientCredentials(client_id=SecretStr("api-key"), client_secret=SecretStr("secret-key")),
        retry=RetryBudget(attempts=2, total_seconds=5),
    )


async def test_a_pull_fetches_a_token_then_tracks_then_gets_the_spod(payloads, adapter_at) -> None:
    fake = FakeFedex(payloads)
    fedex = await fedex_for(fake, adapter_at)

    proof = await fedex.pull(NUMBER)

    [(_, form)] = fake.seen["token"]
    assert form == {"grant_type": "client_credentials", "client_id": "api-key", "client_secret": "secret-key"}
    [(track_headers, track_body)] = fake.seen["track"]
    assert track_headers["Authorization"] == "Bearer fedex-token-1"
    assert track_headers["X-locale"] == "en_US"
    assert track_body == {
        "includeDetailedScans": True,
        "trackingInfo": [{"trackingNumberInfo": {"trackingNumber": NUMBER}}],
    }
    [(spod_headers, spod_body)] = fake.seen["spod"]
    assert spod_headers["Authorization"] == "Bearer fedex-token-1"
    assert spod_body["trackDocumentDetail"] == {"documentType": "SIGNATURE_PROOF_OF_DELIVERY", "documentFormat": "PNG"}
    assert spod_body["trackDocumentSpecification"][0]["trackingNumberInfo"]["carrierCode"] == "FDXE"
    assert proof.status is ProofStatus.DELIVERED
    assert proof.document is not None and proof.document.media_type == "image/png"


async def test_an_unknown_number_is_not_found_and_asks_for_no_document(payloads, adapter_at, clock) -> None:
    fake = FakeFedex(payloads, track="fedex/track-not-found.json")
    fedex = await fedex_for(fake, adapter_at)
    proof = await fedex.pull("123456789012")
    assert (proof.status, proof.received_at) == (ProofStatus.NOT_FOUND, clock.now())
    assert fake.seen["spod"] == []


async def test_a_missing_spod_leaves_the_proof_without_a_document(payloads, adapter_at) -> None:
    fake = FakeFedex(payloads, spod_status=400)
    fedex = await fedex_for(fake, adapter_at)
    proof = await fedex.pull(NUMBER)
    assert (proof.status, proof.received_by, proof.document) == (ProofStatus.DELIVERED, "Reciever", None)


async def test_an_unavailable_document_service_fails_the_pull(payloads, adapter_at) -> None:
    fake = FakeFedex(payloads, spod_status=503)
    fedex = await fedex_for(fake, adapter_at)
    with pytest.raises(CarrierUnavailable):
        await fedex.pull(NUMBER)
    assert len(fake.seen["spod"]) == 2  # retried within its budget first


async def test_fedex_only_pulls(session, clock) -> None:
    settings = FedexSettings(credentials=ClientCredentials(client_id=SecretStr("a"), client_secret=SecretStr("b")))
    fedex = FedexAdapter(settings, session, clock=clock)
    assert not isinstance(fedex, PushCarrier) and not fedex.capabilities.push
