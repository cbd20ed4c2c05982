"""The FedEx adapter over real HTTP, against a local stand-in that answers with FedEx's own reply samples."""

from collections.abc import Awaitable, Callable

import pytest
from aiohttp import web
from pydantic import SecretStr

from carriers.auth import ClientCredentials
from carriers.base import PushCarrier
from carriers.errors import BadRequest, CarrierAuthError, CarrierUnavailable
from carriers.fedex.client import FedexAdapter
from carriers.fedex.settings import FedexSettings
from carriers.retry import RetryBudget
from carriers.transcript import recording
from disputes.policy.findings import signature_finding
from schemas.dispute import Evidence
from schemas.proof import NoteCode, ProofStatus
from tests.unit.carriers.properties import sample

type Handler = Callable[[web.Request], Awaitable[web.Response]]


class FakeFedex:
    """A stand-in for FedEx's token, track and tracking-documents endpoints, replying with the samples."""

    def __init__(
        self,
        track: str = "track-delivered.json",
        *,
        track_status: int = 200,
        spod: str = "spod-documents-sandbox.json",
        spod_status: int = 200,
        token_status: int = 200,
    ) -> None:
        self.replies = {
            "token": ("token.json" if token_status == 200 else "token-error.json", token_status),
            "track": (track, track_status),
            "spod": (spod, spod_status),
        }
        self.seen: dict[str, list[tuple[dict[str, str], object]]] = {"token": [], "track": [], "spod": []}

    def endpoint(self, name: str) -> Handler:
        async def handle(request: web.Request) -> web.Response:
            body = dict(await request.post()) if name == "token" else await request.json()
            self.seen[name].append((dict(request.headers), body))
            fixture, status = self.replies[name]
            return web.Response(body=sample("fedex", fixture), status=status, content_type="application/json")

        return handle

    def routes(self) -> list[tuple[str, str, Handler]]:
        return [
            ("POST", "/oauth/token", self.endpoint("token")),
            ("POST", "/track/v1/trackingnumbers", self.endpoint("track")),
            ("POST", "/track/v1/trackingdocuments", self.endpoint("spod")),
        ]


async def fedex_for(fake: FakeFedex, adapter_at) -> FedexAdapter:
    return await adapter_at(
        FedexAdapter,
        FedexSettings,
        fake.routes(),
        credentials=ClientCredentials(client_id=SecretStr("api-key"), client_secret=SecretStr("secret-key")),
        retry=RetryBudget(attempts=2, total_seconds=5),
    )


async def test_a_pull_fetches_a_token_then_tracks_then_gets_the_spod(adapter_at) -> None:
    fake = FakeFedex()
    fedex = await fedex_for(fake, adapter_at)

    with recording() as replies:
        proof = await fedex.pull("738488882438")

    [(token_headers, form)] = fake.seen["token"]
    assert token_headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert form == {"grant_type": "client_credentials", "client_id": "api-key", "client_secret": "secret-key"}
    [(track_headers, track_body)] = fake.seen["track"]
    assert (track_headers["Authorization"], track_headers["X-locale"]) == ("Bearer access_token", "en_US")
    assert track_body == {
        "includeDetailedScans": True,
        "trackingInfo": [{"trackingNumberInfo": {"trackingNumber": "738488882438"}}],
    }
    [(spod_headers, spod_body)] = fake.seen["spod"]
    assert spod_headers["Authorization"] == "Bearer access_token"
    assert spod_body["trackDocumentSpecification"] == [
        {
            "trackingNumberInfo": {
                "trackingNumber": "738488882438",
                "carrierCode": "FDXG",
                "trackingNumberUniqueId": "12028~738488882438~FDEG",
            }
        }
    ]
    assert (proof.status, proof.received_by) == (ProofStatus.DELIVERED, "CREILLY")
    assert proof.document is not None and proof.document.media_type == "application/pdf"
    assert [reply.path.rsplit("/", 1)[-1] for reply in replies] == ["trackingnumbers", "trackingdocuments"]


async def test_a_pulled_delivery_with_its_spod_reads_as_signed(adapter_at) -> None:
    """FedEx's definition (track.json) asks /track/v1/trackingdocuments for "a letter that includes the recipient's
    signature as a proof of delivery", and the adapter says FedEx pulls supply a signature: a delivery whose SPOD
    came reads "Signature present", never "No signature" (which says it was withheld)."""
    fedex = await fedex_for(FakeFedex(), adapter_at)
    pulled = await fedex.pull("738488882438")
    stored = pulled.as_received(pulled.received_at, None, fedex.capabilities.pull)

    finding = signature_finding(Evidence(key="pull:spod", proof=stored))

    assert pulled.signature is not None and pulled.signature.media_type == "application/pdf"
    assert finding.code == "signature_present"


async def test_the_spod_is_asked_for_the_delivered_one_of_two_shipments_with_one_number(adapter_at) -> None:
    fake = FakeFedex("track-duplicate-results.json")
    fedex = await fedex_for(fake, adapter_at)

    proof = await fedex.pull("776094337676")

    [(_, spod_body)] = fake.seen["spod"]
    unique_id = spod_body["trackDocumentSpecification"][0]["trackingNumberInfo"]["trackingNumberUniqueId"]
    assert (proof.status, unique_id) == (ProofStatus.DELIVERED, "2460426000~776094337676~FX")
    assert proof.document is not None


@pytest.mark.parametrize(
    ("track", "number", "status"),
    [
        ("track-out-for-delivery.json", "231300687629630", ProofStatus.IN_TRANSIT),
        ("track-failed-attempt.json", "377101283611590", ProofStatus.FAILED_ATTEMPT),
        ("track-delivered-no-proof.json", "738488882438", ProofStatus.DELIVERED),  # FedEx offers no SPOD
        ("track-not-found.json", "647719948679", ProofStatus.NOT_FOUND),
    ],
)
async def test_no_spod_is_asked_for_unless_fedex_offers_one_for_a_delivery(adapter_at, track, number, status) -> None:
    fake = FakeFedex(track)
    fedex = await fedex_for(fake, adapter_at)

    proof = await fedex.pull(number)

    assert (proof.status, proof.document, fake.seen["spod"]) == (status, None, [])


@pytest.mark.parametrize(
    ("fixture", "status"),
    [("spod-not-found.json", 400), ("error-forbidden.json", 403), ("error-unauthorized.json", 401)],
    ids=["not found", "forbidden", "unauthorized after the token's replacement"],
)
async def test_a_refused_spod_leaves_the_delivery_without_its_document_and_says_why(adapter_at, fixture, status) -> None:
    """FedEx's definition (shared/specs/fedex/track.json) lists 400, 401 and 403 ``FORBIDDEN.ERROR`` ("We could
    not authorize your credentials. Please check your permissions…") for /track/v1/trackingdocuments: the
    document service may refuse a caller the track service answers. karrio fetches the same POD inside
    ``lib.failsafe`` (karrioapi/karrio, modules/connectors/fedex/karrio/providers/fedex/tracking.py), so no
    failure of it costs the tracking result."""
    fake = FakeFedex(spod=fixture, spod_status=status)
    fedex = await fedex_for(fake, adapter_at)

    proof = await fedex.pull("738488882438")

    assert (proof.status, proof.received_by, proof.document) == (ProofStatus.DELIVERED, "CREILLY", None)
    dropped = [(n.code, n.field, n.reason) for n in proof.notes if n.code is NoteCode.ATTACHMENT_DROPPED]
    assert dropped == [
        (NoteCode.ATTACHMENT_DROPPED, "output.document",
         f"FedEx refused the signature proof of delivery (HTTP {status})")
    ]
    assert len(fake.seen["spod"]) == (2 if status == 401 else 1)  # a 401 is tried once more with a new token


async def test_an_unavailable_document_service_fails_the_pull(adapter_at) -> None:
    fake = FakeFedex(spod="error-server.json", spod_status=503)
    fedex = await fedex_for(fake, adapter_at)

    with pytest.raises(CarrierUnavailable):
        await fedex.pull("738488882438")
    assert len(fake.seen["spod"]) == 2  # retried within its budget first


async def test_a_not_found_refusal_is_not_found(adapter_at) -> None:
    fedex = await fedex_for(FakeFedex("spod-not-found.json", track_status=400), adapter_at)
    assert (await fedex.pull("647719948679")).status is ProofStatus.NOT_FOUND


@pytest.mark.parametrize(
    ("fixture", "status", "refusal"),
    [
        ("error-bad-request.json", 400, BadRequest),
        ("error-unauthorized.json", 401, CarrierAuthError),
        ("error-server.json", 503, CarrierUnavailable),
    ],
)
async def test_fedex_errors_reach_the_caller_as_their_kind(adapter_at, fixture, status, refusal) -> None:
    fedex = await fedex_for(FakeFedex(fixture, track_status=status), adapter_at)
    with pytest.raises(refusal):
        await fedex.pull("738488882438")


async def test_refused_credentials_are_an_authentication_failure(adapter_at) -> None:
    fake = FakeFedex(token_status=401)
    fedex = await fedex_for(fake, adapter_at)

    with pytest.raises(CarrierAuthError):
        await fedex.pull("738488882438")
    assert (len(fake.seen["token"]), fake.seen["track"]) == (1, [])


async def test_fedex_only_pulls(session, clock) -> None:
    settings = FedexSettings(credentials=ClientCredentials(client_id=SecretStr("a"), client_secret=SecretStr("b")))
    fedex = FedexAdapter(settings, session, clock=clock)
    assert not isinstance(fedex, PushCarrier) and fedex.capabilities.push is None
    offer = fedex.capabilities.pull
    assert offer is not None and (offer.signature, offer.photo, offer.gps) == (True, False, False)
