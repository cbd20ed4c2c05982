"""MNG's real adapter against the carrier sandbox over loopback, for each thing a tracking number can be
scripted to say: the sandbox answers from MNG's public samples, the adapter reads them as MNG's replies."""

from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from sandbox.carriers import SandboxShipment, Scenario, create_carrier_sandbox, mng, sandbox_carrier_settings
from carriers.registry import create_adapter
from carriers.turkish import ascii_key
from schemas.proof import NoteCode, PackageState, ProofOfDelivery, ProofStatus
from schemas.proof import RecipientRelation as R
from tests.integration.conftest import DELIVERED_AT, scripted_shipment



def scripted(number: str, scenario: Scenario = Scenario.DELIVERED, **script: Any) -> SandboxShipment:
    return scripted_shipment("mng", number, scenario, **script)


SHIPMENTS = [
    scripted("SEQ-1", statuses=["in_transit", "out_for_delivery", "failed_attempt", "delivered"]),
    scripted("RET-1", Scenario.IN_TRANSIT, statuses=["in_transit", "failed_attempt", "returned"]),
    scripted("NEIGHBOUR-1", Scenario.NEIGHBOUR, received_by="Hatice Kaya", relation="neighbour"),
    scripted("MASKED-1", masked_name=True),
    scripted("PROOF-1", signed=True, photographed=True, scan_distance_m=4_000),
    scripted("PIECES-1", other_packages=[{"tracking_number": "PIECES-1-B", "delivered": True}]),
    scripted("CODE-1", status_code="9"),
    scripted("GONE-1", Scenario.UNKNOWN),
    scripted("FAULTY-1", faults=["error", "throttle"], latency_seconds=0.05),
]


@pytest.fixture
async def sandbox(aiohttp_server: Any) -> TestServer:
    return await aiohttp_server(create_carrier_sandbox(SHIPMENTS))


async def pull(sandbox: TestServer, session: aiohttp.ClientSession, number: str) -> ProofOfDelivery:
    settings = sandbox_carrier_settings(str(sandbox.make_url("")).rstrip("/"))["mng"]
    return await create_adapter("mng", settings, session).pull(number)


async def requests(sandbox: TestServer, session: aiohttp.ClientSession) -> list[dict[str, Any]]:
    async with session.get(sandbox.make_url("/_sandbox/requests")) as response:
        return [e for e in (await response.json())["requests"] if e["endpoint"] != "token"]


async def test_each_pull_reads_the_next_scripted_state_with_its_own_history(sandbox, session) -> None:
    proofs = [await pull(sandbox, session, "SEQ-1") for _ in range(5)]

    assert [(p.status, p.status_code) for p in proofs] == [
        (ProofStatus.IN_TRANSIT, "2"), (ProofStatus.IN_TRANSIT, "4"), (ProofStatus.FAILED_ATTEMPT, "6"),
        (ProofStatus.DELIVERED, "5"), (ProofStatus.DELIVERED, "5"),
    ]
    assert [[e.code for e in p.events] for p in proofs[:4]] == [
        ["1", "2"], ["1", "2", "4"], ["1", "2", "4", "6"], ["1", "2", "4", "6", "5"],
    ]
    assert [p.delivered_at for p in proofs] == [None, None, None, DELIVERED_AT, DELIVERED_AT]
    assert proofs[2].events[-1].description == "Adres bulunamadı"


async def test_a_parcel_on_its_way_back_is_returned(sandbox, session) -> None:
    states = [(await pull(sandbox, session, "RET-1")).status for _ in range(3)]

    assert states == [ProofStatus.IN_TRANSIT, ProofStatus.FAILED_ATTEMPT, ProofStatus.RETURNED]


async def test_a_neighbour_is_named_but_mng_says_no_relation(sandbox, session) -> None:
    proof = await pull(sandbox, session, "NEIGHBOUR-1")

    assert (proof.status, proof.received_by, proof.recipient_relation) == (
        ProofStatus.DELIVERED, "Hatice Kaya", R.UNKNOWN,
    )


async def test_a_masked_name_arrives_masked_and_is_no_match_for_the_addressee(sandbox, session) -> None:
    proof = await pull(sandbox, session, "MASKED-1")

    assert (proof.received_by, proof.recipient_relation) == ("AYŞE Y***", R.UNKNOWN)


async def test_signature_photo_and_position_never_come_from_mng(sandbox, session) -> None:
    proof = await pull(sandbox, session, "PROOF-1")

    assert proof.status is ProofStatus.DELIVERED and ascii_key(proof.received_by) == ascii_key("Ayşe Yılmaz")
    assert (proof.signature, proof.photo, proof.document, proof.location) == (None, None, None, None)
    assert proof.courier is not None and proof.courier.unit == "Kadıköy Şube"


async def test_the_other_pieces_of_the_shipment_are_listed_in_its_state(sandbox, session) -> None:
    proof = await pull(sandbox, session, "PIECES-1")

    assert (proof.status, proof.package_number) == (ProofStatus.DELIVERED, None)
    assert proof.packages == (
        PackageState(number="PIECES-1_PARCA1", status=ProofStatus.DELIVERED, status_code="5"),
        PackageState(number="PIECES-1-B", status=ProofStatus.DELIVERED, status_code="5"),
    )


async def test_a_status_code_nobody_mapped_is_unknown_and_kept(sandbox, session) -> None:
    proof = await pull(sandbox, session, "CODE-1")

    assert (proof.status, proof.status_code, proof.delivered_at, proof.received_by) == (
        ProofStatus.UNKNOWN, "9", None, None,
    )
    assert NoteCode.STATUS_UNMAPPED in {note.code for note in proof.notes}
    assert proof.events[-1].code == "9"


async def test_a_shipment_asked_by_its_mng_shipment_id_is_the_shipment_of_that_id(sandbox, session) -> None:
    base = str(sandbox.make_url("")).rstrip("/")
    by_reference = await pull(sandbox, session, "NEIGHBOUR-1")
    [record] = await _raw_shipment(sandbox, session, "NEIGHBOUR-1")
    shipment_id = record["shipment"]["shipmentId"]
    settings = sandbox_carrier_settings(base)["mng"] | {"key": "shipmentId"}

    proof = await create_adapter("mng", settings, session).pull(shipment_id)

    assert proof.tracking_number == shipment_id
    assert (proof.status, proof.delivered_at, proof.received_by, proof.recipient_relation) == (
        ProofStatus.DELIVERED, DELIVERED_AT, "Hatice Kaya", R.UNKNOWN,
    )
    assert (proof.courier, [(e.code, e.at) for e in proof.events]) == (
        by_reference.courier, [(e.code, e.at) for e in by_reference.events],
    )
    assert proof.events and proof.events[-1].code == "5"
    paths = [e["path"] for e in await requests(sandbox, session)][-2:]
    assert [p.rpartition("/")[0].rpartition("/")[2] for p in paths] == [
        "getshipmentByShipmentId", "trackshipmentByShipmentId",
    ]


async def _raw_shipment(sandbox: TestServer, session: aiohttp.ClientSession, reference: str) -> Any:
    """The sandbox's getshipment reply for ``reference``, as MNG sends it."""
    client = {"x-ibm-client-id": mng.CLIENT_ID, "x-ibm-client-secret": mng.CLIENT_SECRET}
    account = {"customerNumber": int(mng.CUSTOMER_NUMBER), "password": mng.PASSWORD, "identityType": 1}
    async with session.post(sandbox.make_url("/mng/token"), headers=client, json=account) as response:
        jwt = (await response.json())["jwt"]
    url = sandbox.make_url(f"/mng/standardqueryapi/getshipment/{reference}")
    async with session.get(url, headers={**client, "Authorization": f"Bearer {jwt}"}) as response:
        return await response.json()


async def test_a_reference_mng_does_not_know_is_not_found_after_one_call(sandbox, session) -> None:
    proof = await pull(sandbox, session, "GONE-1")

    assert proof.status is ProofStatus.NOT_FOUND
    assert [(e["endpoint"], e["status"]) for e in await requests(sandbox, session)] == [("status", 404)]


async def test_scripted_faults_are_retried_and_the_slow_answer_read(sandbox, session) -> None:
    proof = await pull(sandbox, session, "FAULTY-1")

    assert proof.status is ProofStatus.DELIVERED
    calls = [(e["endpoint"], e["fault"], e["status"]) for e in await requests(sandbox, session)]
    assert calls == [
        ("status", "error", 503), ("status", "throttle", 429), ("status", "latency", 200), ("track", None, 200),
    ]
