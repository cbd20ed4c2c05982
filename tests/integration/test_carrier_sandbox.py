"""The carrier sandbox against the real adapters (``carriers.registry.create_adapter``) over loopback sockets:
every scenario through every carrier's own wire format, its handshakes, its faults, and its pushes."""

import asyncio
import math
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from prometheus_client import CollectorRegistry
from structlog.testing import capture_logs

from adapters.bootstrap import SystemClock
from adapters.carrier_gateway import CarrierMetrics, RegistryGateway
from adapters.demo import demo_orders
from adapters.memory import FixedClock, InMemoryDisputes, InMemoryEvidenceStore, InMemoryOrders
from adapters.orders import OrderFile
from sandbox.carriers import (
    SandboxShipment,
    Scenario,
    create_carrier_sandbox,
    demo_shipments,
    sandbox_carrier_settings,
    serve_carrier_sandbox,
)
from carriers.base import CarrierAdapter, PushCarrier
from carriers.errors import CarrierAuthError, CarrierUnavailable, MalformedResponse, WebhookRejected
from carriers.parsing import attachment_media_type
from carriers.registry import CARRIERS, create_adapter
from carriers.turkish import ascii_key
from disputes.actors import SYSTEM, Actor
from disputes.intake import EvidenceIntake
from disputes.policy import CustomerHistory, PolicySettings, recommend
from disputes.rules import Rules
from disputes.service import DisputeService, OpenRequest
from schemas.common import Resolution, Role
from schemas.dispute import Claim, Evidence, MissingItem, pull_key
from schemas.proof import ProofOfDelivery, ProofStatus
from schemas.proof import RecipientRelation as R
from schemas.recommendation import PolicyRule, RecommendedAction
from sandbox.carriers.registry import SANDBOX_CARRIERS
from tests.registered import PULLED as PULL
from tests.registered import PUSHED as PUSH

TOKENS = tuple(code for code, carrier in SANDBOX_CARRIERS.items() if carrier.token_lifetime is not None)
HOME = (40.9858, 29.0262)  # the delivery address (Kadıköy)
DELIVERED_AT = datetime(2026, 11, 17, 11, 42, 7, tzinfo=UTC)
S = Scenario

# The relation each carrier's own words come to, for each delivered scenario; a scenario not listed comes to
# UNKNOWN. DHL, Yurtiçi, Aras, MNG and PTT name people, not relations (the addressee's name counts as the
# recipient), FedEx files a neighbour under OTHER and both a hand-over and a doorstep under RESIDENCE (a type of
# place, naming no one).
RELATIONS: dict[str, dict[Scenario, R]] = {
    "ups": {S.DELIVERED: R.RECIPIENT, S.NEIGHBOUR: R.NEIGHBOUR, S.DOORMAN: R.DOORMAN,
            S.PARCEL_LOCKER: R.PARCEL_LOCKER, S.SAFE_PLACE: R.SAFE_PLACE, S.UNSIGNED: R.RECIPIENT,
            S.FAR_GPS: R.RECIPIENT},
    "dhl": {S.DELIVERED: R.RECIPIENT, S.FAR_GPS: R.RECIPIENT},
    "fedex": {S.DOORMAN: R.DOORMAN, S.PARCEL_LOCKER: R.PICKUP_POINT},
    "hepsijet": {},  # HepsiJET names who took it, and prints the addressee masked: no relation to read
    "yurtici": {S.DELIVERED: R.RECIPIENT, S.UNSIGNED: R.RECIPIENT, S.FAR_GPS: R.RECIPIENT},
    "aras": {S.DELIVERED: R.RECIPIENT, S.UNSIGNED: R.RECIPIENT, S.FAR_GPS: R.RECIPIENT},
    "mng": {S.DELIVERED: R.RECIPIENT, S.UNSIGNED: R.RECIPIENT, S.FAR_GPS: R.RECIPIENT},
    "ptt": {S.DELIVERED: R.RECIPIENT, S.PARCEL_LOCKER: R.PARCEL_LOCKER, S.UNSIGNED: R.RECIPIENT,
            S.FAR_GPS: R.RECIPIENT},
}
SIGNED = {S.DELIVERED, S.NEIGHBOUR, S.DOORMAN, S.FAR_GPS}
PHOTOGRAPHED = {S.DELIVERED, S.NEIGHBOUR, S.PARCEL_LOCKER, S.SAFE_PLACE, S.FAR_GPS}
SIGNATURE_CARRIERS = {"ups", "dhl", "fedex"}  # FedEx's as the SPOD letter, also kept as the document
PHOTO_CARRIERS = {"ups"}
# What wrong credentials are, for every carrier we pull from, and how its refusal reaches us; None: the carrier's
# answer does not say it refuses the credentials (a test of its own says what then happens).
WRONG_CREDENTIALS: dict[str, tuple[dict[str, Any], type[Exception]] | None] = {
    "ups": ({"credentials": {"client_id": "sandbox-ups-client-id", "client_secret": "wrong"}}, CarrierAuthError),
    "dhl": ({"api_key": "wrong"}, CarrierAuthError),
    "fedex": ({"credentials": {"client_id": "wrong", "client_secret": "wrong"}}, CarrierAuthError),
    "hepsijet": ({"password": "wrong"}, CarrierAuthError),
    "mng": ({"password": "wrong"}, CarrierAuthError),
    "yurtici": ({"password": "wrong"}, CarrierAuthError),  # a SOAP fault that refuses the credentials
    "ptt": ({"password": "wrong"}, CarrierAuthError),  # a SOAP fault that refuses the credentials
    "aras": None,  # see test_arass_fault_for_wrong_credentials_names_none_so_it_is_retried_as_the_service_failing
}


def number(scenario: Scenario) -> str:
    return f"SBX-{scenario.value.upper()}"  # a tracking number in its one spelling, as the service asks for it


def shipment(carrier: str, scenario: Scenario, tracking_number: str | None = None) -> SandboxShipment:
    return SandboxShipment(
        carrier=carrier,
        tracking_number=tracking_number or number(scenario),
        scenario=scenario,
        recipient_name="Ayşe Yılmaz",
        delivered_at=DELIVERED_AT if scenario.delivered else None,
        lat=HOME[0],
        lon=HOME[1],
        city="İstanbul",
        district="Kadıköy",
        postal_code="34710",
    )


SHIPMENTS = [shipment(code, scenario) for code in (*PULL, "surat") for scenario in Scenario]


def metres(lat: float, lon: float) -> float:
    """Great-circle distance from the delivery address."""
    lat0, lon0 = map(math.radians, HOME)
    lat1, lon1 = math.radians(lat), math.radians(lon)
    a = math.sin((lat1 - lat0) / 2) ** 2 + math.cos(lat0) * math.cos(lat1) * math.sin((lon1 - lon0) / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(a))


@pytest.fixture
async def sandbox(aiohttp_server: Any) -> TestServer:
    return await aiohttp_server(create_carrier_sandbox(SHIPMENTS))


class Target:
    """The service's webhook endpoint, stood in for: it records what the sandbox pushes and answers 202."""

    def __init__(self) -> None:
        self.received: list[tuple[str, dict[str, str], bytes]] = []
        self.arrived = asyncio.Event()

    async def receive(self, request: web.Request) -> web.Response:
        self.received.append((request.match_info["carrier"], dict(request.headers), await request.read()))
        self.arrived.set()
        return web.json_response({"received": 1, "duplicates": 0}, status=202)


@pytest.fixture
async def target(aiohttp_server: Any) -> tuple[Target, str]:
    stand_in = Target()
    app = web.Application()
    app.router.add_post("/v1/carriers/{carrier}/webhooks", stand_in.receive)
    server = await aiohttp_server(app)
    return stand_in, str(server.make_url("")).rstrip("/")


def base(sandbox: TestServer) -> str:
    return str(sandbox.make_url("")).rstrip("/")


def adapter(sandbox: TestServer, session: aiohttp.ClientSession, code: str, **changes: Any) -> CarrierAdapter:
    return create_adapter(code, sandbox_carrier_settings(base(sandbox))[code] | changes, session)


async def control(session: aiohttp.ClientSession, sandbox: TestServer, method: str, path: str, **body: Any) -> Any:
    async with session.request(method, sandbox.make_url(path), json=body or None) as response:
        return response.status, (await response.json() if response.content_type.endswith("json") else None)


async def data_calls(session: aiohttp.ClientSession, sandbox: TestServer, code: str) -> list[dict[str, Any]]:
    """The requests that reached the carrier's API (its token endpoint aside)."""
    _, seen = await control(session, sandbox, "GET", "/_sandbox/requests")
    return [e for e in seen["requests"] if e["carrier"] == code and e["endpoint"] != "token"]


async def inject(session: aiohttp.ClientSession, sandbox: TestServer, **fault: Any) -> None:
    status, answer = await control(session, sandbox, "POST", "/_sandbox/faults", **fault)
    assert status == 200, answer


# --- every scenario through every carrier ------------------------------------------------------------------


@pytest.mark.parametrize("scenario", list(Scenario))
@pytest.mark.parametrize("code", PULL)
async def test_each_scenario_pulls_through_the_carriers_own_format(sandbox, session, code, scenario) -> None:
    proof = await adapter(sandbox, session, code).pull(number(scenario))

    assert (proof.carrier, proof.tracking_number) == (code, number(scenario))
    if not scenario.delivered:
        expected = ProofStatus.NOT_FOUND if scenario is S.UNKNOWN else ProofStatus.IN_TRANSIT
        assert (proof.status, proof.delivered_at, proof.signature, proof.photo) == (expected, None, None, None)
        return
    assert proof.status is ProofStatus.DELIVERED
    assert proof.delivered_at == DELIVERED_AT
    assert proof.recipient_relation is RELATIONS[code].get(scenario, R.UNKNOWN)
    assert (proof.signature is not None) == (scenario in SIGNED and code in SIGNATURE_CARRIERS)
    assert (proof.photo is not None) == (scenario in PHOTOGRAPHED and code in PHOTO_CARRIERS)
    if code == "fedex":
        assert (proof.document is not None) == (scenario in SIGNED)
    assert_location(code, scenario, proof)


@pytest.mark.parametrize("code", PULL)
async def test_pulling_a_parcel_in_transit_again_reads_the_same_scans(sandbox, session, code) -> None:
    """Through the gateway, so each proof is compared as kept: stamped when received, its carrier's reply stored
    and pointed at."""
    store = InMemoryEvidenceStore()
    intake = EvidenceIntake(store, store, SystemClock(), attachment_media_type)
    gateway = RegistryGateway({code: adapter(sandbox, session, code)}, intake, SystemClock(),
                              CarrierMetrics(CollectorRegistry()))
    first = await gateway.pull(code, number(S.IN_TRANSIT))
    again = await gateway.pull(code, number(S.IN_TRANSIT))

    assert first.events == again.events  # Aras answers with its latest status only: no scans
    assert first.raw_ref is not None and again.raw_ref is not None  # each reply kept
    assert pull_key(first) == pull_key(again)  # retried pulls add no evidence
    shipment = next(s for s in SHIPMENTS if s.tracking_number == number(S.IN_TRANSIT) and s.carrier == code)
    assert all(e.at <= shipment.last_scan_at for e in first.events if e.at)


def assert_location(code: str, scenario: Scenario, proof: ProofOfDelivery) -> None:
    location = proof.location
    if code in ("ups", "fedex"):  # the place in words, and the delivery address
        assert location is not None and location.text and location.address and location.lat is None
    elif code == "dhl":
        assert location is not None and location.address and "34710" in location.address
    else:
        assert location is None


@pytest.mark.parametrize("code", PULL)
async def test_the_recipients_name_reaches_the_proof_in_the_carriers_spelling(sandbox, session, code) -> None:
    proof = await adapter(sandbox, session, code).pull(number(S.DELIVERED))

    assert ascii_key(proof.received_by) == ascii_key("Ayşe Yılmaz")


# --- handshakes ----------------------------------------------------------------------------------------------


def test_every_carrier_we_pull_from_says_what_wrong_credentials_get() -> None:
    assert set(WRONG_CREDENTIALS) == set(PULL), "describe the carrier's wrong credentials in WRONG_CREDENTIALS"


@pytest.mark.parametrize(("code", "changes", "refusal"),
                         [(code, *wrong) for code, wrong in WRONG_CREDENTIALS.items() if wrong is not None])
async def test_wrong_credentials_get_the_carriers_refusal_at_once(sandbox, session, code, changes, refusal) -> None:

    with pytest.raises(refusal):
        await adapter(sandbox, session, code, **changes).pull(number(S.DELIVERED))
    _, seen = await control(session, sandbox, "GET", "/_sandbox/requests")
    assert seen["counts"] == {code: 1}  # refused, not retried


async def test_arass_fault_for_wrong_credentials_names_none_so_it_is_retried_as_the_service_failing(
    sandbox, session
) -> None:
    """Aras answers WCF's generic ``InternalServiceFault`` (``fault.xml``), which says nothing of credentials."""
    with pytest.raises(CarrierUnavailable, match="InternalServiceFault"):
        await adapter(sandbox, session, "aras", password="wrong").pull(number(S.DELIVERED))
    _, seen = await control(session, sandbox, "GET", "/_sandbox/requests")
    assert seen["counts"] == {"aras": 3}  # the sandbox settings' three tries


@pytest.mark.parametrize("code", TOKENS)
async def test_a_token_is_fetched_once_and_reused(sandbox, session, code) -> None:
    carrier = adapter(sandbox, session, code)
    for _ in range(3):
        await carrier.pull(number(S.DELIVERED))

    _, seen = await control(session, sandbox, "GET", "/_sandbox/requests")
    assert [e["endpoint"] for e in seen["requests"]].count("token") == 1


# --- faults, as the adapter sees them ------------------------------------------------------------------------


@pytest.mark.parametrize("code", PULL)
async def test_an_outage_is_retried_until_the_carrier_answers(sandbox, session, code) -> None:
    await inject(session, sandbox, carrier=code, mode="error")

    proof = await adapter(sandbox, session, code).pull(number(S.DELIVERED))

    assert proof.status is ProofStatus.DELIVERED
    assert [(e["fault"], e["status"]) for e in await data_calls(session, sandbox, code)][:2] == [
        ("error", 503),
        (None, 200),
    ]


@pytest.mark.parametrize("code", PULL)
async def test_an_outage_longer_than_the_retry_budget_is_unavailable(sandbox, session, code) -> None:
    await inject(session, sandbox, carrier=code, mode="error", times=5)

    with pytest.raises(CarrierUnavailable):
        await adapter(sandbox, session, code).pull(number(S.DELIVERED))
    assert len(await data_calls(session, sandbox, code)) == 3  # the generated budget: three attempts


@pytest.mark.parametrize("code", PULL)
async def test_a_garbled_answer_is_malformed_and_not_retried(sandbox, session, code) -> None:
    await inject(session, sandbox, carrier=code, mode="garbage")

    with pytest.raises(MalformedResponse):
        await adapter(sandbox, session, code).pull(number(S.DELIVERED))
    assert [(e["fault"], e["status"]) for e in await data_calls(session, sandbox, code)] == [("garbage", 200)]


@pytest.mark.parametrize("code", PULL)
async def test_a_slow_answer_within_the_timeout_is_still_read(sandbox, session, code) -> None:
    await inject(session, sandbox, carrier=code, mode="latency", delay_seconds=0.05)

    proof = await adapter(sandbox, session, code).pull(number(S.DELIVERED))

    assert proof.status is ProofStatus.DELIVERED
    assert (await data_calls(session, sandbox, code))[0]["fault"] == "latency"


@pytest.mark.parametrize("code", PULL)
async def test_a_call_that_hangs_times_out_and_is_tried_again(sandbox, session, code) -> None:
    await inject(session, sandbox, carrier=code, mode="timeout", delay_seconds=5)

    proof = await adapter(sandbox, session, code, timeout_seconds=0.2).pull(number(S.DELIVERED))

    assert proof.status is ProofStatus.DELIVERED
    calls = await data_calls(session, sandbox, code)
    assert (calls[0]["fault"], calls[0]["status"], calls[1]["status"]) == ("timeout", None, 200)


async def test_throttling_is_waited_out_as_long_as_retry_after_says(sandbox, session) -> None:
    for code in PULL:
        await inject(session, sandbox, carrier=code, mode="throttle", delay_seconds=1)

    with capture_logs() as logs:
        proofs = await asyncio.gather(*(adapter(sandbox, session, c).pull(number(S.DELIVERED)) for c in PULL))

    assert all(proof.status is ProofStatus.DELIVERED for proof in proofs)
    waits = {e["carrier"]: e["wait_seconds"] for e in logs if e["event"] == "carrier_call_retry"}
    assert waits == dict.fromkeys(PULL, 1.0)


@pytest.mark.parametrize("code", TOKENS)
async def test_an_expired_token_is_replaced_and_the_call_repeated(sandbox, session, code) -> None:
    carrier = adapter(sandbox, session, code)
    await carrier.pull(number(S.DELIVERED))
    await inject(session, sandbox, carrier=code, mode="expired_token")

    proof = await carrier.pull(number(S.DELIVERED))

    assert proof.status is ProofStatus.DELIVERED
    _, seen = await control(session, sandbox, "GET", "/_sandbox/requests")
    assert [e["endpoint"] for e in seen["requests"]].count("token") == 2
    assert any(e["fault"] == "expired_token" and e["status"] == 401 for e in seen["requests"])


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        ({"carrier": "dhl", "mode": "expired_token"}, "issues no tokens"),
        ({"carrier": "surat", "mode": "error"}, "only pushes"),
        ({"carrier": "aramex", "mode": "error"}, "plays no carrier"),
        ({"carrier": "ups", "mode": "meteor"}, "not valid"),
    ],
)
async def test_a_fault_the_carrier_cannot_have_is_refused(sandbox, session, fault, reason) -> None:
    status, answer = await control(session, sandbox, "POST", "/_sandbox/faults", **fault)

    assert status == 422 and reason in answer["title"]


async def test_cleared_faults_no_longer_apply(sandbox, session) -> None:
    await inject(session, sandbox, carrier="dhl", mode="error", times=3)
    status, _ = await control(session, sandbox, "DELETE", "/_sandbox/faults")

    await adapter(sandbox, session, "dhl").pull(number(S.DELIVERED))

    assert status == 204
    assert [e["status"] for e in await data_calls(session, sandbox, "dhl")] == [200]


# --- pushes ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", PUSH)
async def test_a_push_reaches_the_service_signed_the_carriers_way(sandbox, session, target, code) -> None:
    stand_in, url = target
    status, answer = await control(session, sandbox, "POST", "/_sandbox/push",
                                   carrier=code, tracking_number=number(S.NEIGHBOUR), target=url)

    assert (status, answer["status"], answer["response"]) == (200, 202, {"received": 1, "duplicates": 0})
    (carrier_code, headers, body), = stand_in.received
    carrier = adapter(sandbox, session, code)
    assert carrier_code == code and isinstance(carrier, PushCarrier)
    carrier.verify_webhook(headers, body, datetime.now(UTC))
    (event,) = carrier.parse_webhook(body)
    assert (event.tracking_number, event.proof.status) == (number(S.NEIGHBOUR), ProofStatus.DELIVERED)
    assert event.proof.delivered_at == DELIVERED_AT
    assert ascii_key(event.proof.received_by) == ascii_key("Hatice Kaya")
    if code not in ("ups", "dhl"):  # the partner format carries all the evidence
        assert event.proof.recipient_relation is R.NEIGHBOUR
        location = event.proof.location
        assert event.proof.signature and event.proof.photo and location and location.lat and location.lon
        assert metres(location.lat, location.lon) < 250


@pytest.mark.parametrize("code", PUSH)
async def test_a_push_does_not_pass_for_another_secret(sandbox, session, target, code) -> None:
    stand_in, url = target
    await control(session, sandbox, "POST", "/_sandbox/push", carrier=code, tracking_number=number(S.DELIVERED),
                  target=url)
    other = {"ups": {"webhook_credential": "another-credential-of-at-least-32-characters"},
             "dhl": {"webhook_token": "another-token-of-at-least-32-characters"}}.get(
        code, {"partner_webhook": {"secrets": ["another-secret-of-at-least-32-characters"]}}
    )

    carrier = adapter(sandbox, session, code, **other)
    assert isinstance(carrier, PushCarrier)
    with pytest.raises(WebhookRejected):
        carrier.verify_webhook(stand_in.received[0][1], stand_in.received[0][2], datetime.now(UTC))


async def test_an_in_transit_push_says_so(sandbox, session, target) -> None:
    stand_in, url = target
    await control(session, sandbox, "POST", "/_sandbox/push", carrier="ups", tracking_number=number(S.IN_TRANSIT),
                  target=url)

    carrier = adapter(sandbox, session, "ups")
    assert isinstance(carrier, PushCarrier)
    (event,) = carrier.parse_webhook(stand_in.received[0][2])
    assert (event.proof.status, event.proof.delivered_at) == (ProofStatus.IN_TRANSIT, None)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"carrier": "fedex", "tracking_number": number(S.DELIVERED)}, 409),  # FedEx does not push
        ({"carrier": "ups", "tracking_number": number(S.UNKNOWN)}, 409),  # nothing the carrier knows
        ({"carrier": "ups", "tracking_number": "NOPE"}, 404),
    ],
)
async def test_what_cannot_be_pushed_is_refused(sandbox, session, target, body, expected) -> None:
    status, _ = await control(session, sandbox, "POST", "/_sandbox/push", **body, target=target[1])

    assert status == expected and target[0].received == []


async def test_a_push_to_a_service_that_is_not_listening_is_a_bad_gateway(sandbox, session, unused_tcp_port) -> None:
    status, answer = await control(session, sandbox, "POST", "/_sandbox/push", carrier="ups",
                                   tracking_number=number(S.DELIVERED), target=f"http://127.0.0.1:{unused_tcp_port}")

    assert status == 502 and "did not answer" in answer["title"]


async def test_with_auto_push_on_an_added_shipment_is_pushed(aiohttp_server, session, target) -> None:
    stand_in, url = target
    server = await aiohttp_server(create_carrier_sandbox(push_target=url))
    status, switch = await control(session, server, "PUT", "/_sandbox/auto-push", enabled=True)

    added = shipment("hepsijet", S.DOORMAN, "HJ900000000001").model_dump(mode="json")
    status, answer = await control(session, server, "POST", "/_sandbox/shipments", **added)

    assert switch == {"enabled": True, "target": url}
    assert status == 201 and [p["status"] for p in answer["pushed"]] == [202]
    assert [(c, b"HJ900000000001" in b) for c, _, b in stand_in.received] == [("hepsijet", True)]


async def test_shipments_of_push_only_carriers_are_pushed_at_start_up(aiohttp_server, target) -> None:
    stand_in, url = target
    await aiohttp_server(create_carrier_sandbox([shipment("surat", S.DELIVERED), shipment("ups", S.DELIVERED)],
                                                push_target=url))

    await asyncio.wait_for(stand_in.arrived.wait(), 5)

    assert [carrier for carrier, _, _ in stand_in.received] == ["surat"]


# --- the sandbox's own endpoints -----------------------------------------------------------------------------


async def test_a_shipment_added_at_run_time_is_listed_and_pulled(sandbox, session) -> None:
    added = shipment("dhl", S.DOORMAN, "1234567890").model_dump(mode="json")
    status, _ = await control(session, sandbox, "POST", "/_sandbox/shipments", **added)

    _, listed = await control(session, sandbox, "GET", "/_sandbox/shipments?carrier=dhl")
    proof = await adapter(sandbox, session, "dhl").pull("1234567890")

    assert status == 201 and added in listed["shipments"] and len(listed["shipments"]) == len(Scenario) + 1
    assert ascii_key(proof.received_by) == ascii_key("Hüseyin Aydın")


async def test_a_delivery_added_without_a_time_happened_an_hour_ago(sandbox, session) -> None:
    added = {"carrier": "aras", "tracking_number": "7021000000001", "scenario": "delivered",
             "recipient_name": "Zeynep Öztürk", "lat": 38.4598, "lon": 27.0966}
    await control(session, sandbox, "POST", "/_sandbox/shipments", **added)

    proof = await adapter(sandbox, session, "aras").pull("7021000000001")

    assert proof.delivered_at is not None
    assert abs(datetime.now(UTC) - timedelta(hours=1) - proof.delivered_at) < timedelta(minutes=1)


@pytest.mark.parametrize(
    "body",
    [
        {"carrier": "ups", "tracking_number": "1Z1", "scenario": "lost", "recipient_name": "Gizli Ad",
         "lat": 1, "lon": 1},
        {"carrier": "ups", "tracking_number": {"$ne": 1}, "scenario": "delivered", "recipient_name": "Gizli Ad"},
        {"carrier": "aramex", "tracking_number": "1", "scenario": "delivered", "recipient_name": "Gizli Ad",
         "lat": 1, "lon": 1},
    ],
)
async def test_an_invalid_shipment_is_refused_without_echoing_it(sandbox, session, body) -> None:
    async with session.post(sandbox.make_url("/_sandbox/shipments"), json=body) as response:
        status, text = response.status, await response.text()

    assert status == 422 and "Gizli" not in text


@pytest.mark.parametrize(("path", "body"), [
    ("/_sandbox/shipments", {"carrier": "kolaygelsn", "tracking_number": "1", "scenario": "delivered",
                             "recipient_name": "Ad", "lat": 1, "lon": 1}),
    ("/_sandbox/faults", {"carrier": "kolaygelsn", "mode": "error"}),
])
async def test_a_carrier_the_sandbox_does_not_play_is_refused_naming_those_it_plays(sandbox, session, path,
                                                                                    body) -> None:
    status, answer = await control(session, sandbox, "POST", path, **body)

    assert status == 422 and "kolaygelsn" in answer["title"]
    assert answer["detail"] == f"It plays {', '.join(sorted(SANDBOX_CARRIERS))}."


@pytest.mark.parametrize(("body", "fields"), [
    ({"carrier": "ups", "tracking_number": "1Z1", "scenario": "doorman"}, ["recipient_name", "lat", "lon"]),
    ([{"carrier": "ups", "tracking_number": "1Z1", "scenario": "doorman", "recipient_name": "Ad", "lat": 1}],
     ["0.lon"]),
])
async def test_a_shipment_missing_a_field_is_refused_naming_it_as_sent(sandbox, session, body, fields) -> None:
    async with session.post(sandbox.make_url("/_sandbox/shipments"), json=body) as response:
        status, answer = response.status, await response.json()

    assert status == 422 and [e["field"] for e in answer["errors"]] == fields


@pytest.mark.parametrize("body", [b"{carrier", b"[" * 100_000 + b"]" * 100_000])
async def test_a_shipment_body_that_is_not_json_is_refused(sandbox, session, body) -> None:
    async with session.post(sandbox.make_url("/_sandbox/shipments"), data=body) as response:
        assert response.status == 422 and "not JSON" in (await response.json())["title"]


async def test_the_request_log_counts_requests_per_carrier(sandbox, session) -> None:
    await adapter(sandbox, session, "ups").pull(number(S.DELIVERED))
    await adapter(sandbox, session, "mng").pull(number(S.DELIVERED))

    _, seen = await control(session, sandbox, "GET", "/_sandbox/requests")
    status, _ = await control(session, sandbox, "DELETE", "/_sandbox/requests")
    _, after = await control(session, sandbox, "GET", "/_sandbox/requests")

    assert seen["counts"] == {"ups": 2, "mng": 3}  # UPS: token, track; MNG: token, status, history
    assert {e["endpoint"] for e in seen["requests"]} == {"token", "track", "status"}
    assert status == 204 and after == {"requests": [], "pushes": [], "counts": {}}


def test_the_generated_settings_build_every_registered_carrier() -> None:
    settings = sandbox_carrier_settings("http://127.0.0.1:8091/")

    assert set(settings) == set(CARRIERS)
    for code, entry in CARRIERS.items():
        built = entry.settings.model_validate(settings[code])
        assert built.base_url == f"http://127.0.0.1:8091/{code}" and built.retry.total_seconds <= 5


async def test_the_served_sandbox_lists_what_it_plays(session, unused_tcp_port) -> None:
    runner = await serve_carrier_sandbox("127.0.0.1", unused_tcp_port, None, None)
    try:
        async with session.get(f"http://127.0.0.1:{unused_tcp_port}/_sandbox/carriers") as response:
            carriers = (await response.json())["carriers"]
    finally:
        await runner.cleanup()

    assert set(carriers) == set(CARRIERS)
    assert carriers["surat"] == {"base_path": "/surat", "pull": False, "push": True, "tokens": False}
    assert carriers["fedex"] == {"base_path": "/fedex", "pull": True, "push": False, "tokens": True}


# --- the demo -----------------------------------------------------------------------------------------------


NOW = datetime(2026, 11, 18, 9, 30, tzinfo=UTC)
DEMO = demo_shipments(NOW)
ORDERS = {  # digital deliveries have no carrier: the digital delivery provider's sandbox stands in for them
    (s["carrier"], s["tracking_number"]): (o, s)
    for o in demo_orders(NOW)["orders"] for s in o["shipments"] if s["carrier"] != "digital"
}


def test_the_demo_shipments_are_the_demo_orders_parcels_seen_from_the_carriers() -> None:
    assert {s.key for s in DEMO} == set(ORDERS) and len(DEMO) == len(ORDERS)
    for demo in DEMO:
        order, ordered = ORDERS[demo.key]
        assert demo.recipient_name == order["recipient_name"]
        address = order["address"]
        assert (demo.lat, demo.lon, demo.city) == (address["lat"], address["lon"], address["city"])
        if ordered["delivered_at"] is None:
            assert demo.scenario is S.IN_TRANSIT
        else:
            assert demo.delivered_at is not None
            assert abs(demo.delivered_at - datetime.fromisoformat(ordered["delivered_at"])) < timedelta(seconds=1)


def test_the_demo_mixes_strong_proof_with_every_kind_of_doubt() -> None:
    scenarios = [s.scenario for s in DEMO]

    assert scenarios.count(S.DELIVERED) > len(DEMO) / 2
    assert {S.NEIGHBOUR, S.PARCEL_LOCKER, S.FAR_GPS, S.UNSIGNED, S.IN_TRANSIT} <= set(scenarios)


async def test_the_demo_s_package_fedex_weighed_light_is_paid_by_the_weight_rule_on_its_own(aiohttp_server, session) -> None:
    server = await aiohttp_server(create_carrier_sandbox(DEMO))
    orders = InMemoryOrders(OrderFile.model_validate(demo_orders(NOW)).orders)
    service = DisputeService(InMemoryDisputes(), orders, FixedClock(NOW), Rules())
    power_bank = MissingItem(sku="YD-ANKER-737", quantity=1)
    claim = OpenRequest("ord-2017", None, "Kutudan şarj cihazı çıkmadı.", Resolution.REFUND,
                        claim=Claim.MISSING_ITEMS, missing_items=(power_bank,))
    dispute = (await service.open(Actor("cust-1002", Role.CUSTOMER, "cust-1002"), claim, None)).dispute
    proof = await adapter(server, session, "fedex").pull(dispute.order.tracking_number)

    dispute.attach_evidence(SYSTEM, Evidence(key="fedex-pull", proof=proof), NOW)
    advice = recommend(dispute, CustomerHistory(), NOW, PolicySettings())

    assert (advice.rule, advice.action, advice.auto_resolve, advice.lines) == (
        PolicyRule.PACKED_UNDERWEIGHT, RecommendedAction.REFUND, True, [power_bank]
    )
    assert [f.code for f in advice.findings[:2]] == ["weight_below_declared", "shortfall_covers_claimed"]


async def test_every_demo_order_gets_its_evidence_from_its_carrier(aiohttp_server, session) -> None:
    server = await aiohttp_server(create_carrier_sandbox(DEMO))
    pulled = [s for s in DEMO if s.carrier in PULL]

    proofs = await asyncio.gather(*(adapter(server, session, s.carrier).pull(s.tracking_number) for s in pulled))

    for demo, proof in zip(pulled, proofs, strict=True):
        _, ordered = ORDERS[demo.key]
        assert proof.status.value == ordered["status"]
