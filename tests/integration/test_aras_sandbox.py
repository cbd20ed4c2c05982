"""Aras Kargo's scripted cases, pulled through the real adapter from the carrier sandbox over a socket: the
sandbox answers from Aras's samples, the adapter reads them with its own mapping."""

from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from sandbox.carriers import SandboxShipment, Scenario, create_carrier_sandbox
from carriers.base import CarrierAdapter
from carriers.errors import CarrierUnavailable
from carriers.turkish import ascii_key
from schemas.proof import NoteCode, ProofStatus, RecipientRelation
from tests.integration.conftest import DELIVERED_AT, sandbox_adapter, scripted_shipment



def shipment(number: str, scenario: Scenario = Scenario.DELIVERED, **script: Any) -> SandboxShipment:
    return scripted_shipment("aras", number, scenario, **script)


SHIPMENTS = [
    shipment("ARS-SEQUENCE", statuses=["picked_up", "in_transit", "out_for_delivery", "failed_attempt", "delivered"]),
    shipment("ARS-RETURNED", Scenario.IN_TRANSIT, statuses=["in_transit", "returned"]),
    shipment("ARS-NEIGHBOUR", Scenario.NEIGHBOUR, received_by="Hatice Kaya"),
    shipment("ARS-RELATION", relation="doorman", received_by="Hüseyin Aydın"),
    shipment("ARS-MASKED", masked_name=True),
    shipment("ARS-EVIDENCE", signed=True, photographed=True, scan_distance_m=4_000),
    shipment("ARS-NEW-CODE", status_code="9"),
    shipment("ARS-PACKAGES", Scenario.IN_TRANSIT, other_packages=[{"tracking_number": "ARS-OTHER", "delivered": True}]),
    shipment("ARS-FLAKY", faults=["error", "error"]),
]


@pytest.fixture
async def sandbox(aiohttp_server: Any) -> TestServer:
    return await aiohttp_server(create_carrier_sandbox(SHIPMENTS))


def aras(sandbox: TestServer, session: aiohttp.ClientSession, **changes: Any) -> CarrierAdapter:
    return sandbox_adapter(sandbox, session, "aras", **changes)


async def test_each_pull_finds_the_next_scripted_state(sandbox, session) -> None:
    carrier = aras(sandbox, session)
    proofs = [await carrier.pull("ARS-SEQUENCE") for _ in range(6)]

    assert [(p.status, p.status_code) for p in proofs] == [
        (ProofStatus.IN_TRANSIT, "1"),
        (ProofStatus.IN_TRANSIT, "2"),
        (ProofStatus.IN_TRANSIT, "4"),
        (ProofStatus.FAILED_ATTEMPT, "3"),
        (ProofStatus.DELIVERED, "6"),
        (ProofStatus.DELIVERED, "6"),
    ]
    assert [p.delivered_at for p in proofs] == [None] * 4 + [DELIVERED_AT] * 2


async def test_a_parcel_going_back_is_returned(sandbox, session) -> None:
    carrier = aras(sandbox, session)
    first, then = await carrier.pull("ARS-RETURNED"), await carrier.pull("ARS-RETURNED")

    assert (first.status, then.status, then.delivered_at) == (ProofStatus.IN_TRANSIT, ProofStatus.RETURNED, None)


@pytest.mark.parametrize(("number", "name"), [("ARS-NEIGHBOUR", "Hatice Kaya"), ("ARS-RELATION", "Hüseyin Aydın")])
async def test_someone_else_signing_is_named_but_not_called_the_recipient(sandbox, session, number, name) -> None:
    proof = await aras(sandbox, session).pull(number)

    assert (proof.status, ascii_key(proof.received_by)) == (ProofStatus.DELIVERED, ascii_key(name))
    assert proof.recipient_relation is RecipientRelation.UNKNOWN  # Aras has names, no relation words


async def test_a_masked_name_is_never_taken_for_the_addressee(sandbox, session) -> None:
    proof = await aras(sandbox, session).pull("ARS-MASKED")

    assert (proof.received_by, proof.recipient_relation) == ("AYŞE Y***", RecipientRelation.UNKNOWN)


async def test_evidence_aras_cannot_carry_is_not_invented(sandbox, session) -> None:
    proof = await aras(sandbox, session).pull("ARS-EVIDENCE")

    assert proof.status is ProofStatus.DELIVERED
    assert (proof.signature, proof.photo, proof.location) == (None, None, None)


async def test_a_status_code_nobody_mapped_is_unknown_and_kept(sandbox, session) -> None:
    proof = await aras(sandbox, session).pull("ARS-NEW-CODE")

    assert (proof.status, proof.status_code, proof.delivered_at, proof.received_by) == (
        ProofStatus.UNKNOWN, "9", None, None,
    )
    assert [(n.code, n.field) for n in proof.notes] == [(NoteCode.STATUS_UNMAPPED, "DURUM_KODU")]


async def test_another_packages_delivery_is_not_ours(sandbox, session) -> None:
    proof = await aras(sandbox, session).pull("ARS-PACKAGES")

    assert (proof.status, proof.delivered_at, proof.received_by) == (ProofStatus.IN_TRANSIT, None, None)


async def test_scripted_outages_are_retried_within_the_budget(sandbox, session) -> None:
    proof = await aras(sandbox, session).pull("ARS-FLAKY")

    assert proof.status is ProofStatus.DELIVERED


async def test_scripted_outages_beyond_the_budget_leave_the_carrier_unavailable(aiohttp_server, session) -> None:
    sandbox = await aiohttp_server(create_carrier_sandbox([shipment("ARS-DOWN", faults=["error"] * 3)]))

    with pytest.raises(CarrierUnavailable):
        await aras(sandbox, session).pull("ARS-DOWN")


async def test_a_customer_code_that_is_not_ours_finds_nothing(sandbox, session) -> None:
    proof = await aras(sandbox, session, customer_code="999").pull("ARS-NEIGHBOUR")

    assert proof.status is ProofStatus.NOT_FOUND
