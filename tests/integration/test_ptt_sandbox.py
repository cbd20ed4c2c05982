"""PTT and Sürat through the real adapters against the carrier sandbox over loopback, one scripted case each:
what the sandbox is told about a parcel (``SandboxShipment``'s scripted facts) comes back as PTT's pull, or as
the partner push (Sürat's only way in, PTT's other one), read by the service's own mapping."""

import math
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from sandbox.carriers import SandboxShipment, Scenario, create_carrier_sandbox, sandbox_carrier_settings
from carriers.base import PushCarrier
from carriers.errors import CarrierAuthError, CarrierRejected, MalformedResponse
from carriers.registry import create_adapter
from carriers.turkish import ascii_key
from schemas.proof import NoteCode, ProofOfDelivery, ProofStatus
from schemas.proof import RecipientRelation as R
from tests.integration.conftest import DELIVERED_AT, sandbox_adapter, scripted_shipment

HOME = (40.9858, 29.0262)


def parcel(number: str, scenario: Scenario = Scenario.DELIVERED, carrier: str = "ptt", **script: Any) -> SandboxShipment:
    return scripted_shipment(carrier, number, scenario, **script)


PARCELS = [
    parcel("KP100000000001", statuses=["in_transit", "out_for_delivery", "failed_attempt", "delivered"]),
    parcel("KP100000000002", Scenario.NEIGHBOUR, received_by="Hatice Kaya"),
    parcel("KP100000000003", relation=R.HOUSEHOLD_MEMBER),
    parcel("KP100000000004", Scenario.PARCEL_LOCKER),
    parcel("KP100000000005", status_code="9999"),
    parcel("KP100000000006", Scenario.IN_TRANSIT, statuses=["in_transit", "returned"]),
    parcel("KP100000000007", masked_name=True, signed=False, photographed=True, scan_distance_m=3_000),
    parcel("KP100000000008", other_packages=[{"tracking_number": "KP100000000009", "delivered": False}]),
    parcel("KP100000000010", faults=["error", "garbage"]),
    parcel("KP100000000011", Scenario.UNKNOWN),
    parcel("SRT100000000001", carrier="surat", statuses=["in_transit", "failed_attempt"], scenario=Scenario.IN_TRANSIT),
    parcel("SRT100000000002", carrier="surat", masked_name=True, relation=R.DOORMAN, received_by="Hüseyin Aydın"),
]


@pytest.fixture
async def sandbox(aiohttp_server: Any) -> TestServer:
    return await aiohttp_server(create_carrier_sandbox(PARCELS))


def ptt(sandbox: TestServer, session: aiohttp.ClientSession, **changes: Any) -> Any:
    return sandbox_adapter(sandbox, session, "ptt", **changes)


async def pull(sandbox: TestServer, session: aiohttp.ClientSession, number: str) -> ProofOfDelivery:
    proof: ProofOfDelivery = await ptt(sandbox, session).pull(number)
    assert (proof.carrier, proof.tracking_number) == ("ptt", number)
    return proof


async def test_a_status_sequence_is_read_one_step_per_pull(sandbox, session) -> None:
    seen = [await pull(sandbox, session, "KP100000000001") for _ in range(5)]

    assert [(p.status, p.status_code) for p in seen] == [
        (ProofStatus.IN_TRANSIT, "77"),
        (ProofStatus.IN_TRANSIT, "7"),
        (ProofStatus.FAILED_ATTEMPT, "101"),
        (ProofStatus.DELIVERED, "100"),
        (ProofStatus.DELIVERED, "100"),
    ]
    assert [p.delivered_at for p in seen] == [None, None, None, DELIVERED_AT, DELIVERED_AT]
    assert [e.code for e in seen[-1].events] == ["1", "77", "7", "101", "100"]
    assert seen[-1].package_number == "KP100000000001"


async def test_a_neighbour_who_signed_is_named_but_ptt_cannot_say_neighbour(sandbox, session) -> None:
    proof = await pull(sandbox, session, "KP100000000002")

    assert (proof.status, proof.recipient_relation) == (ProofStatus.DELIVERED, R.UNKNOWN)
    assert ascii_key(proof.received_by) == ascii_key("Hatice Kaya")


@pytest.mark.parametrize(
    ("number", "code", "relation"),
    [("KP100000000003", "812", R.HOUSEHOLD_MEMBER), ("KP100000000004", "202", R.PARCEL_LOCKER)],
)
async def test_a_delivery_ptt_words_by_who_took_it(sandbox, session, number: str, code: str, relation: R) -> None:
    proof = await pull(sandbox, session, number)

    assert (proof.status, proof.status_code, proof.recipient_relation) == (ProofStatus.DELIVERED, code, relation)


async def test_a_status_code_nobody_mapped_is_kept_and_never_read_as_delivered(sandbox, session) -> None:
    proof = await pull(sandbox, session, "KP100000000005")

    assert (proof.status, proof.status_code, proof.delivered_at) == (ProofStatus.UNKNOWN, "9999", None)
    assert [n.code for n in proof.notes] == [NoteCode.STATUS_UNMAPPED]


async def test_a_parcel_sent_back(sandbox, session) -> None:
    await pull(sandbox, session, "KP100000000006")
    proof = await pull(sandbox, session, "KP100000000006")

    assert (proof.status, proof.status_code) == (ProofStatus.RETURNED, "99")


async def test_ptts_pull_names_the_signer_with_no_images_or_coordinates(sandbox, session) -> None:
    proof = await pull(sandbox, session, "KP100000000007")

    assert proof.received_by == "AYŞE Y***"  # scripted masked
    assert (proof.signature, proof.photo, proof.location) == (None, None, None)


async def test_one_barcode_is_one_package(sandbox, session) -> None:
    proof = await pull(sandbox, session, "KP100000000008")

    assert (proof.package_number, proof.packages) == ("KP100000000008", ())
    assert (await pull(sandbox, session, "KP100000000009")).status is ProofStatus.NOT_FOUND


async def test_scripted_faults_for_one_number_come_in_order(sandbox, session) -> None:
    with pytest.raises(MalformedResponse):  # an outage retried, then a reply cut short: refused, not retried
        await pull(sandbox, session, "KP100000000010")
    proof = await pull(sandbox, session, "KP100000000010")

    assert proof.status is ProofStatus.DELIVERED
    async with session.get(sandbox.make_url("/_sandbox/requests")) as response:
        calls = [(e["fault"], e["status"]) for e in (await response.json())["requests"]]
    assert calls == [("error", 503), ("garbage", 200), (None, 200)]


async def test_a_number_ptt_does_not_know_is_not_found(sandbox, session) -> None:
    assert (await pull(sandbox, session, "KP100000000011")).status is ProofStatus.NOT_FOUND


async def test_a_reference_query_reads_the_same_parcel(sandbox, session) -> None:
    proof = await ptt(sandbox, session, key="referansNo").pull("KP100000000004")

    assert (proof.status, proof.package_number) == (ProofStatus.DELIVERED, None)


async def test_wrong_credentials_are_refused_once(sandbox, session) -> None:
    with pytest.raises(CarrierAuthError):
        await ptt(sandbox, session, password="wrong").pull("KP100000000001")


async def test_a_shipment_scripted_through_the_admin_api_is_pulled_as_scripted(sandbox, session) -> None:
    added = parcel("KP100000000012", statuses=["in_transit", "delivered"], relation=R.HOUSEHOLD_MEMBER)
    async with session.post(sandbox.make_url("/_sandbox/shipments"), json=added.model_dump(mode="json")) as answer:
        assert answer.status == 201

    first, second = await pull(sandbox, session, "KP100000000012"), await pull(sandbox, session, "KP100000000012")

    assert (first.status, second.status, second.status_code) == (ProofStatus.IN_TRANSIT, ProofStatus.DELIVERED, "812")


# --- pushes: the partner webhook ------------------------------------------------------------------------------


class Target:
    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []

    async def receive(self, request: web.Request) -> web.Response:
        self.received.append((dict(request.headers), await request.read()))
        return web.json_response({"received": 1, "duplicates": 0}, status=202)


async def pushed(sandbox, session, aiohttp_server, carrier: str, number: str) -> ProofOfDelivery:
    target = Target()
    app = web.Application()
    app.router.add_post("/v1/carriers/{carrier}/webhooks", target.receive)
    url = str((await aiohttp_server(app)).make_url("")).rstrip("/")
    async with session.post(sandbox.make_url("/_sandbox/push"),
                            json={"carrier": carrier, "tracking_number": number, "target": url}) as answer:
        assert answer.status == 200
    settings = sandbox_carrier_settings(str(sandbox.make_url("")).rstrip("/"))[carrier]
    adapter = create_adapter(carrier, settings, session)
    assert isinstance(adapter, PushCarrier)
    [(headers, body)] = target.received
    adapter.verify_webhook(headers, body, datetime.now(UTC))
    [event] = adapter.parse_webhook(body)
    return event.proof


def metres(lat: float, lon: float) -> float:
    lat0, lon0 = map(math.radians, HOME)
    lat1, lon1 = math.radians(lat), math.radians(lon)
    a = math.sin((lat1 - lat0) / 2) ** 2 + math.cos(lat0) * math.cos(lat1) * math.sin((lon1 - lon0) / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(a))


async def test_a_ptt_push_carries_the_masked_name_the_photo_and_the_far_scan(sandbox, session, aiohttp_server) -> None:
    proof = await pushed(sandbox, session, aiohttp_server, "ptt", "KP100000000007")

    assert (proof.status, proof.received_by, proof.recipient_relation) == (
        ProofStatus.DELIVERED, "AYŞE Y***", R.RECIPIENT,
    )
    assert (proof.signature, proof.photo is not None) == (None, True)
    assert proof.location is not None and proof.location.lat is not None and proof.location.lon is not None
    assert 2_500 < metres(proof.location.lat, proof.location.lon) < 3_500


async def test_surat_pushes_a_failed_attempt(sandbox, session, aiohttp_server) -> None:
    proof = await pushed(sandbox, session, aiohttp_server, "surat", "SRT100000000001")

    assert (proof.carrier, proof.status, proof.status_code, proof.delivered_at) == (
        "surat", ProofStatus.FAILED_ATTEMPT, "failed_attempt", None,
    )


async def test_surat_pushes_a_delivery_to_the_doorman_with_a_masked_name(sandbox, session, aiohttp_server) -> None:
    proof = await pushed(sandbox, session, aiohttp_server, "surat", "SRT100000000002")

    assert (proof.status, proof.received_by, proof.recipient_relation) == (
        ProofStatus.DELIVERED, "HÜSEYİN A***", R.DOORMAN,
    )
    assert proof.signature is not None and proof.photo is not None and proof.notes == ()


async def test_surat_cannot_be_pulled(sandbox, session) -> None:
    settings = sandbox_carrier_settings(str(sandbox.make_url("")).rstrip("/"))["surat"]
    with pytest.raises(CarrierRejected, match="no pull API"):
        await create_adapter("surat", settings, session).pull("SRT100000000002")
