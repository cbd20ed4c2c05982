"""Scripted DHL cases pulled through the real adapter from the sandbox, over a loopback socket.

The sandbox words each scripted fact in DHL's own reply (filled into DHL's public samples); the adapter
reads it back. What DHL's format cannot say (coordinates, photos, relations) stays unsaid.
"""

from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from sandbox.carriers import SandboxShipment, Scenario, create_carrier_sandbox
from sandbox.carriers.dhl import push
from sandbox.carriers.kit import View
from carriers.base import CarrierAdapter, PushCarrier
from schemas.proof import NoteCode, PackageState, ProofStatus, RecipientRelation
from tests.integration.conftest import DELIVERED_AT, sandbox_adapter, scripted_shipment



def scripted(number: str, scenario: Scenario = Scenario.DELIVERED, **script: Any) -> SandboxShipment:
    return scripted_shipment("dhl", number, scenario, **script)


CASES = [
    scripted("DHL-STEPS", statuses=["in_transit", "failed_attempt", "delivered"]),
    scripted("DHL-BACK", Scenario.IN_TRANSIT, statuses=["in_transit", "out_for_delivery", "returned"]),
    scripted("DHL-NEIGHBOUR", Scenario.NEIGHBOUR, received_by="Hatice Kaya"),
    scripted("DHL-UNSIGNED", signed=False),
    scripted("DHL-MASKED", masked_name=True, scan_distance_m=4_800),
    scripted("DHL-NEWCODE", Scenario.IN_TRANSIT, status_code="HELD-AT-CUSTOMS"),
    scripted(
        "DHL-PIECE-LATE", Scenario.IN_TRANSIT, other_packages=[{"tracking_number": "DHL-PIECE-2", "delivered": True}]
    ),
    scripted("DHL-PIECE-FIRST", other_packages=[{"tracking_number": "DHL-PIECE-3", "delivered": False}]),
    scripted("DHL-FLAKY", faults=["error", "error"]),
]


@pytest.fixture
async def dhl(aiohttp_server: Any, session: aiohttp.ClientSession) -> CarrierAdapter:
    sandbox: TestServer = await aiohttp_server(create_carrier_sandbox(CASES))
    return sandbox_adapter(sandbox, session, "dhl")


async def test_each_pull_finds_the_next_scripted_status(dhl) -> None:
    seen = [await dhl.pull("DHL-STEPS") for _ in range(4)]

    assert [(p.status, p.status_code) for p in seen] == [
        (ProofStatus.IN_TRANSIT, "transit"),
        (ProofStatus.FAILED_ATTEMPT, "failure"),
        (ProofStatus.DELIVERED, "delivered"),
        (ProofStatus.DELIVERED, "delivered"),
    ]
    assert [p.delivered_at for p in seen] == [None, None, DELIVERED_AT, DELIVERED_AT]
    assert seen[1].events[-1].description == "Delivery attempted; recipient not home"


async def test_a_parcel_sent_back_is_returned(dhl) -> None:
    for _ in range(2):
        await dhl.pull("DHL-BACK")

    proof = await dhl.pull("DHL-BACK")

    assert (proof.status, proof.status_code, proof.document) == (ProofStatus.RETURNED, "failure", None)


async def test_a_neighbour_who_signed_is_named_without_a_relation(dhl) -> None:
    proof = await dhl.pull("DHL-NEIGHBOUR")

    assert (proof.status, proof.received_by) == (ProofStatus.DELIVERED, "Hatice Kaya")
    assert proof.recipient_relation is RecipientRelation.UNKNOWN  # DHL names people, not relations
    assert proof.signature is not None and proof.document is not None


async def test_an_unsigned_delivery_has_no_epod_signature_or_signer(dhl) -> None:
    proof = await dhl.pull("DHL-UNSIGNED")

    assert (proof.status, proof.signature, proof.document, proof.received_by) == (ProofStatus.DELIVERED, None, None, None)
    assert proof.delivered_at == DELIVERED_AT


async def test_what_dhl_cannot_say_stays_unsaid(dhl) -> None:
    proof = await dhl.pull("DHL-MASKED")

    assert proof.received_by == "AYŞE Y***"  # a name scripted masked is printed so
    assert proof.location is not None and (proof.location.lat, proof.location.lon) == (None, None)
    assert proof.photo is None


async def test_a_status_code_no_mapping_knows_is_kept_as_unknown(dhl) -> None:
    proof = await dhl.pull("DHL-NEWCODE")

    assert (proof.status, proof.status_code) == (ProofStatus.UNKNOWN, "HELD-AT-CUSTOMS")
    assert any(note.code is NoteCode.STATUS_UNMAPPED for note in proof.notes)


async def test_a_piece_the_delivery_scan_leaves_out_is_not_delivered(dhl) -> None:
    proof = await dhl.pull("DHL-PIECE-LATE")

    assert (proof.status, proof.package_number, proof.delivered_at) == (ProofStatus.UNKNOWN, "DHL-PIECE-LATE", None)
    assert proof.packages == (
        PackageState(number="DHL-PIECE-2", status=ProofStatus.DELIVERED, status_code="delivered"),
    )


async def test_the_piece_that_arrived_first_is_delivered_and_the_other_is_not(dhl) -> None:
    proof = await dhl.pull("DHL-PIECE-FIRST")

    assert (proof.status, proof.package_number, proof.delivered_at) == (
        ProofStatus.DELIVERED,
        "DHL-PIECE-FIRST",
        DELIVERED_AT,
    )
    assert [(p.number, p.status) for p in proof.packages] == [("DHL-PIECE-3", ProofStatus.UNKNOWN)]


async def test_scripted_faults_are_retried_until_dhl_answers(dhl) -> None:
    assert (await dhl.pull("DHL-FLAKY")).status is ProofStatus.DELIVERED


async def test_a_push_reads_like_the_pull(dhl) -> None:
    assert isinstance(dhl, PushCarrier)
    webhook = push(CASES[2], View(datetime.now(UTC), "http://sandbox/dhl"))
    [event] = dhl.parse_webhook(webhook.body)

    assert (event.tracking_number, event.proof.status, event.proof.received_by) == (
        "DHL-NEIGHBOUR",
        ProofStatus.DELIVERED,
        "Hatice Kaya",
    )
