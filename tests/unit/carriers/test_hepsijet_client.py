"""HepsiJET's adapter over HTTP: only the carrier is faked, by a local server answering with the published
reply samples on HepsiJET's documented paths."""

import base64
import json

import pytest
from aiohttp import web
from pydantic import SecretStr

from carriers.errors import CarrierAuthError, CarrierUnavailable
from carriers.hepsijet.client import HepsijetAdapter
from carriers.hepsijet.settings import HepsijetSettings
from carriers.retry import RetryBudget
from carriers.transcript import recording
from schemas.proof import ProofSource, ProofStatus
from tests.unit.carriers.conftest import nth
from tests.unit.carriers.properties import sample

DELIVERED = "3539185854"
UNDELIVERED = "5000000879243"
TOKEN = "6322d15d-e3f2-4bea-90a3-d803fef33de8"  # token-ok.json
APIKEY = "hj-apikey-1"


class FakeHepsijet:
    """HepsiJET's token, tracking and track services, answering with the samples and recording each call."""

    def __init__(
        self,
        tracking: str = "tracking-delivered.json",
        *,
        tracking_statuses: tuple[int, ...] = (200,),
        track_statuses: tuple[int, ...] = (200,),
        token: str = "token-ok.json",
        token_status: int = 200,
    ) -> None:
        self.tracking, self.token = tracking, token
        self.tracking_statuses, self.track_statuses, self.token_status = tracking_statuses, track_statuses, token_status
        self.token_calls: list[dict[str, str]] = []
        self.tracking_calls: list[tuple[dict[str, str], object]] = []
        self.track_calls: list[tuple[dict[str, str], object]] = []

    async def get_token(self, request: web.Request) -> web.Response:
        self.token_calls.append(dict(request.headers))
        body = json.loads(sample("hepsijet", self.token))
        if "data" in body:  # a new token each time, so a refreshed one can be told apart
            body["data"]["token"] = f"{TOKEN}-{len(self.token_calls)}"
        return web.json_response(body, status=self.token_status)

    async def get_delivery_tracking(self, request: web.Request) -> web.Response:
        self.tracking_calls.append((dict(request.headers), await request.json()))
        return self._answer(nth(self.tracking_statuses, len(self.tracking_calls)), self.tracking)

    async def integration_track(self, request: web.Request) -> web.Response:
        self.track_calls.append((dict(request.headers), await request.json()))
        return self._answer(nth(self.track_statuses, len(self.track_calls)), "track-delivered.json")

    def _answer(self, status: int, name: str) -> web.Response:
        if status != 200:
            return web.Response(status=status, text="<html>gateway</html>", content_type="text/html")
        return web.Response(body=sample("hepsijet", name), content_type="application/json")

    def routes(self):
        return [
            ("GET", "/auth/getToken", self.get_token),
            ("POST", "/rest/deliveryTransaction/getDeliveryTracking", self.get_delivery_tracking),
            ("POST", "/rest/delivery/integration/track", self.integration_track),
        ]


async def adapter_for(fake: FakeHepsijet, adapter_at) -> HepsijetAdapter:
    return await adapter_at(
        HepsijetAdapter,
        HepsijetSettings,
        fake.routes(),
        username="pazaryeri",
        password=SecretStr("ş1fre"),
        apikey=SecretStr(APIKEY),
        retry=RetryBudget(attempts=3, total_seconds=10),
    )


async def test_a_delivered_parcel_is_tracked_then_its_receiver_asked_for(adapter_at, clock) -> None:
    fake = FakeHepsijet()
    hepsijet = await adapter_for(fake, adapter_at)

    proof = await hepsijet.pull(DELIVERED)

    assert (proof.status, proof.received_by, proof.source, proof.received_at) == (
        ProofStatus.DELIVERED, "Hassan Alzubieri", ProofSource.PULL, clock.now()
    )
    [token_headers] = fake.token_calls
    assert token_headers["Authorization"] == "Basic " + base64.b64encode("pazaryeri:ş1fre".encode()).decode()
    assert token_headers["apikey"] == APIKEY
    [(headers, body)] = fake.tracking_calls
    assert (headers["X-Auth-Token"], headers["apikey"], "Authorization" in headers) == (f"{TOKEN}-1", APIKEY, False)
    assert body == {"deliveries": [{"customerDeliveryNo": DELIVERED}]}
    [(headers, body)] = fake.track_calls
    assert (headers["X-Auth-Token"], headers["apikey"]) == (f"{TOKEN}-1", APIKEY)
    assert body == {"barcodes": [DELIVERED], "isTrackAdded": True}


async def test_a_parcel_not_delivered_needs_no_receiver_call(adapter_at) -> None:
    fake = FakeHepsijet("tracking-undelivered.json")
    proof = await (await adapter_for(fake, adapter_at)).pull(UNDELIVERED)
    assert (proof.status, len(proof.events)) == (ProofStatus.FAILED_ATTEMPT, 6)
    assert fake.track_calls == []


async def test_the_real_not_found_reply_is_a_result(adapter_at, clock) -> None:
    fake = FakeHepsijet("tracking-not-found.json")
    proof = await (await adapter_for(fake, adapter_at)).pull("5000000000000")
    assert (proof.status, proof.tracking_number) == (ProofStatus.NOT_FOUND, "5000000000000")
    assert (fake.track_calls, clock.sleeps) == ([], [])


async def test_both_replies_are_kept_as_received(adapter_at) -> None:
    fake = FakeHepsijet()
    hepsijet = await adapter_for(fake, adapter_at)
    with recording() as replies:
        await hepsijet.pull(DELIVERED)
    assert [(r.path.rpartition("/")[2], r.status, r.body) for r in replies] == [
        ("getDeliveryTracking", 200, sample("hepsijet", "tracking-delivered.json")),
        ("track", 200, sample("hepsijet", "track-delivered.json")),
    ]


async def test_the_token_is_reused_for_its_hour(adapter_at, clock) -> None:
    fake = FakeHepsijet("tracking-undelivered.json")
    hepsijet = await adapter_for(fake, adapter_at)
    await hepsijet.pull(UNDELIVERED)
    await hepsijet.pull(UNDELIVERED)
    assert len(fake.token_calls) == 1
    clock.advance(3600)
    await hepsijet.pull(UNDELIVERED)
    assert len(fake.token_calls) == 2
    assert fake.tracking_calls[-1][0]["X-Auth-Token"] == f"{TOKEN}-2"


async def test_a_token_hepsijet_no_longer_accepts_is_replaced_once(adapter_at) -> None:
    fake = FakeHepsijet(tracking_statuses=(401, 200))
    assert (await (await adapter_for(fake, adapter_at)).pull(DELIVERED)).status is ProofStatus.DELIVERED
    assert [h["X-Auth-Token"] for h, _ in fake.tracking_calls] == [f"{TOKEN}-1", f"{TOKEN}-2"]


class RefusingTokens(FakeHepsijet):
    """HepsiJET refusing the tokens it issued in the reply body: a FAIL (fail-detail-status.json) whose
    detailStatus is UNAUTHORIZED (enums.json), for tokens up to ``refused``; later tokens work."""

    def __init__(self, refused: int, **changes) -> None:
        super().__init__(**changes)
        self.refused = refused

    async def get_delivery_tracking(self, request: web.Request) -> web.Response:
        number = int(request.headers["X-Auth-Token"].rpartition("-")[2])
        if number > self.refused:
            return await super().get_delivery_tracking(request)
        self.tracking_calls.append((dict(request.headers), await request.json()))
        body = {**json.loads(sample("hepsijet", "fail-detail-status.json")), "detailStatus": "UNAUTHORIZED"}
        return web.json_response(body)


async def test_a_token_hepsijet_refuses_in_the_body_is_replaced_once(adapter_at, clock) -> None:
    fake = RefusingTokens(refused=1)
    hepsijet = await adapter_for(fake, adapter_at)
    assert (await hepsijet.pull(DELIVERED)).status is ProofStatus.DELIVERED
    await hepsijet.pull(DELIVERED)  # the next pull keeps the fresh token
    assert [h["X-Auth-Token"] for h, _ in fake.tracking_calls] == [f"{TOKEN}-1", f"{TOKEN}-2", f"{TOKEN}-2"]
    assert (len(fake.token_calls), clock.sleeps) == (2, [])


async def test_a_fresh_token_refused_in_the_body_too_is_an_authentication_failure(adapter_at, clock) -> None:
    fake = RefusingTokens(refused=99)
    with pytest.raises(CarrierAuthError):
        await (await adapter_for(fake, adapter_at)).pull(DELIVERED)
    assert (len(fake.token_calls), len(fake.tracking_calls), clock.sleeps) == (2, 2, [])


@pytest.mark.parametrize("token_status", [200, 401])
async def test_the_documented_bad_login_fails_at_once(adapter_at, clock, token_status: int) -> None:
    fake = FakeHepsijet(token="token-fail.json", token_status=token_status)
    with pytest.raises(CarrierAuthError):
        await (await adapter_for(fake, adapter_at)).pull(DELIVERED)
    assert (fake.tracking_calls, clock.sleeps) == ([], [])


async def test_a_transient_failure_of_either_call_is_retried(adapter_at, clock) -> None:
    fake = FakeHepsijet(tracking_statuses=(502, 200), track_statuses=(503, 200))
    hepsijet = await adapter_for(fake, adapter_at)
    proof = await hepsijet.pull(DELIVERED)
    assert (proof.status, proof.received_by) == (ProofStatus.DELIVERED, "Hassan Alzubieri")
    assert (len(fake.tracking_calls), len(fake.track_calls), len(clock.sleeps)) == (2, 2, 2)
    assert hepsijet.breaker.failures == 0


@pytest.mark.parametrize("status", [400, 403, 404, 422])
async def test_a_refused_receiver_call_leaves_the_delivery_standing_without_the_name(adapter_at, clock, status) -> None:
    fake = FakeHepsijet(track_statuses=(status,))
    proof = await (await adapter_for(fake, adapter_at)).pull(DELIVERED)
    assert (proof.status, proof.received_by) == (ProofStatus.DELIVERED, None)
    assert [(n.field, n.reason) for n in proof.notes] == [
        ("integration/track", f"HepsiJET refused the request (HTTP {status})")
    ]
    assert (len(fake.track_calls), clock.sleeps) == (1, [])


async def test_a_carrier_that_stays_down_is_unavailable(adapter_at) -> None:
    fake = FakeHepsijet(tracking_statuses=(503,))
    with pytest.raises(CarrierUnavailable):
        await (await adapter_for(fake, adapter_at)).pull(DELIVERED)
    assert len(fake.tracking_calls) == 3
