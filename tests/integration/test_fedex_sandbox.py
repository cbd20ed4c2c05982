"""Every scripted FedEx case pulled through the real FedEx adapter from the carrier sandbox, over sockets.

The sandbox builds its replies from FedEx's own samples and the mapping reads them; the expected values here
are the scripted facts, so either side drifting from FedEx's format fails these tests.
"""

from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from sandbox.carriers import SandboxShipment, Scenario, create_carrier_sandbox
from carriers.fedex.client import FedexAdapter
from schemas.proof import NoteCode, PackageState, ProofOfDelivery, ProofStatus
from schemas.proof import RecipientRelation as R
from tests.integration.conftest import DELIVERED_AT, sandbox_adapter, scripted_shipment



def shipment(number: str, scenario: Scenario = Scenario.DELIVERED, **script: Any) -> SandboxShipment:
    return scripted_shipment("fedex", number, scenario, **script)


SCRIPTED = [
    shipment("FDX-SEQUENCE", statuses=["in_transit", "failed_attempt", "delivered"]),
    shipment("FDX-DOORMAN", relation="doorman", received_by="Hüseyin Aydın"),
    shipment("FDX-UNSIGNED", signed=False),
    shipment("FDX-MASKED", masked_name=True),
    shipment("FDX-NEWCODE", Scenario.IN_TRANSIT, status_code="ZQ"),
    shipment("FDX-PART-1", Scenario.IN_TRANSIT, other_packages=[{"tracking_number": "FDX-PART-2", "delivered": True}]),
    shipment("FDX-TWO-1", other_packages=[{"tracking_number": "FDX-TWO-2", "delivered": True}]),
    shipment("FDX-BACK", Scenario.IN_TRANSIT, statuses=["out_for_delivery", "failed_attempt", "returned"]),
    shipment("FDX-GPS", photographed=True, scan_distance_m=4_000),
    shipment("FDX-NOBODY", Scenario.UNKNOWN),
]


@pytest.fixture
async def sandbox(aiohttp_server: Any) -> TestServer:
    return await aiohttp_server(create_carrier_sandbox(SCRIPTED))


def fedex(sandbox: TestServer, session: aiohttp.ClientSession) -> FedexAdapter:
    adapter = sandbox_adapter(sandbox, session, "fedex")
    assert isinstance(adapter, FedexAdapter)
    return adapter


async def spod_requests(session: aiohttp.ClientSession, sandbox: TestServer) -> int:
    async with session.get(sandbox.make_url("/_sandbox/requests")) as response:
        seen = (await response.json())["requests"]
    return sum(1 for entry in seen if entry["endpoint"] == "documents")


async def test_a_status_sequence_is_read_one_pull_at_a_time(sandbox, session) -> None:
    carrier = fedex(sandbox, session)

    pulls = [await carrier.pull("FDX-SEQUENCE") for _ in range(4)]

    assert [(p.status, p.status_code) for p in pulls] == [
        (ProofStatus.IN_TRANSIT, "DP"),
        (ProofStatus.FAILED_ATTEMPT, "DE"),
        (ProofStatus.DELIVERED, "DL"),
        (ProofStatus.DELIVERED, "DL"),
    ]
    assert pulls[1].events[-1].description == "Delivery exception: Customer not available or business closed"
    assert (pulls[1].delivered_at, pulls[1].document) == (None, None)
    assert pulls[2].delivered_at == DELIVERED_AT and pulls[2].document is not None
    assert [e.code for e in pulls[2].events] == ["PU", "DP", "DE", "DL"]


async def test_the_signer_and_where_they_took_it(sandbox, session) -> None:
    proof = await fedex(sandbox, session).pull("FDX-DOORMAN")

    assert (proof.received_by, proof.recipient_relation) == ("HÜSEYİN AYDIN", R.DOORMAN)
    assert proof.location is not None
    assert (proof.location.text, proof.location.address) == ("Receptionist/Front Desk", "İSTANBUL, 34710, TR")
    assert proof.document is not None and proof.document.media_type == "application/pdf"


async def test_an_unsigned_delivery_offers_no_spod_and_none_is_asked_for(sandbox, session) -> None:
    proof = await fedex(sandbox, session).pull("FDX-UNSIGNED")

    assert (proof.status, proof.document) == (ProofStatus.DELIVERED, None)
    assert await spod_requests(session, sandbox) == 0


async def test_a_masked_name_arrives_masked(sandbox, session) -> None:
    assert (await fedex(sandbox, session).pull("FDX-MASKED")).received_by == "AYŞE Y***"


async def test_a_status_code_nobody_mapped_is_kept_and_noted(sandbox, session) -> None:
    proof = await fedex(sandbox, session).pull("FDX-NEWCODE")

    assert (proof.status, proof.status_code) == (ProofStatus.UNKNOWN, "ZQ")
    assert [(note.code, note.field) for note in proof.notes] == [(NoteCode.STATUS_UNMAPPED, "latestStatusDetail.code")]


async def test_another_package_is_listed_and_lends_no_proof(sandbox, session) -> None:
    proof = await fedex(sandbox, session).pull("FDX-PART-1")

    assert (proof.status, proof.package_number, proof.received_by) == (ProofStatus.IN_TRANSIT, "FDX-PART-1", None)
    assert proof.packages == (PackageState(number="FDX-PART-2", status=ProofStatus.DELIVERED, status_code="DL"),)


async def test_a_package_s_weight_says_how_many_packages_its_shipment_has(sandbox, session) -> None:
    one, of_two = await fedex(sandbox, session).pull("FDX-DOORMAN"), await fedex(sandbox, session).pull("FDX-TWO-1")

    assert (one.weight_grams, one.package_count) == (450, 1)  # the delivered sample's 0.45 KG, "count": "1"
    assert (of_two.status, of_two.weight_grams, of_two.package_count) == (ProofStatus.DELIVERED, 450, 2)


async def test_a_parcel_sent_back_reads_as_returned(sandbox, session) -> None:
    carrier = fedex(sandbox, session)

    statuses = [(await carrier.pull("FDX-BACK")).status for _ in range(3)]

    assert statuses == [ProofStatus.IN_TRANSIT, ProofStatus.FAILED_ATTEMPT, ProofStatus.RETURNED]


async def test_fedex_gives_no_coordinates_and_no_photo_whatever_is_scripted(sandbox, session) -> None:
    proof: ProofOfDelivery = await fedex(sandbox, session).pull("FDX-GPS")

    assert proof.status is ProofStatus.DELIVERED and proof.photo is None
    assert proof.location is not None and (proof.location.lat, proof.location.lon) == (None, None)


async def test_an_unknown_number_is_not_found(sandbox, session) -> None:
    proof = await fedex(sandbox, session).pull("FDX-NOBODY")

    assert (proof.status, proof.status_code) == (ProofStatus.NOT_FOUND, "TRACKING.TRACKINGNUMBER.NOTFOUND")


async def test_a_case_scripted_through_the_admin_api_is_pulled_as_scripted(sandbox, session) -> None:
    script = shipment("FDX-LATER", Scenario.NEIGHBOUR, received_by="Hatice Kaya").model_dump(mode="json")
    async with session.post(sandbox.make_url("/_sandbox/shipments"), json=script) as response:
        assert response.status == 201

    proof = await fedex(sandbox, session).pull("FDX-LATER")

    assert (proof.status, proof.received_by) == (ProofStatus.DELIVERED, "HATİCE KAYA")
    assert proof.recipient_relation is R.UNKNOWN  # FedEx files a neighbour under OTHER
    assert proof.location is not None and proof.location.text == "Neighbor"
