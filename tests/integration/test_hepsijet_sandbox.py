"""HepsiJET's real adapter against the sandbox's HepsiJET over loopback, one scripted case at a time: what
HepsiJET's replies can say reaches the proof, and what they cannot say never appears in it."""

import json
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from sandbox.carriers import SandboxShipment, create_carrier_sandbox
from sandbox.carriers.hepsijet import render_tracking
from carriers.errors import CarrierAuthError, MalformedResponse
from carriers.hepsijet.mapping import parse_tracking_response
from carriers.http import HttpResponse
from schemas.proof import NoteCode, PackageState, ProofOfDelivery, ProofStatus, RecipientRelation
from tests.integration.conftest import DELIVERED_AT, sandbox_adapter, scripted_shipment

CASES: dict[str, dict[str, Any]] = {
    "HJ100000000001": {"scenario": "delivered", "statuses": ["in_transit", "out_for_delivery", "delivered"]},
    "HJ100000000002": {"scenario": "in_transit", "statuses": ["out_for_delivery", "failed_attempt", "returned"]},
    "HJ100000000003": {"scenario": "neighbour", "received_by": "Hatice Kaya", "signed": True, "photographed": True,
                       "scan_distance_m": 4800},
    "HJ100000000004": {"scenario": "delivered", "masked_name": True},
    "HJ100000000005": {"scenario": "delivered", "status_code": "TELEPORTED"},
    "HJ100000000006": {"scenario": "delivered",
                       "other_packages": [{"tracking_number": "HJ100000000006-2", "delivered": False}]},
    "HJ100000000007": {"scenario": "delivered", "faults": ["error", "error"]},
    "HJ100000000008": {"scenario": "delivered", "faults": ["garbage"]},
    "HJ100000000009": {"scenario": "delivered", "statuses": ["delivered", "returned"]},
    "HJ100000000010": {"scenario": "parcel_locker"},
}


def shipment(number: str, script: dict[str, Any]) -> SandboxShipment:
    return scripted_shipment("hepsijet", number, **script)


@pytest.fixture
async def sandbox(aiohttp_server: Any) -> TestServer:
    return await aiohttp_server(create_carrier_sandbox([shipment(n, s) for n, s in CASES.items()]))


def hepsijet(sandbox: TestServer, session: aiohttp.ClientSession, **changes: Any) -> Any:
    return sandbox_adapter(sandbox, session, "hepsijet", **changes)


async def pulls(sandbox: TestServer, session: aiohttp.ClientSession, number: str, times: int) -> list[ProofOfDelivery]:
    carrier = hepsijet(sandbox, session)
    return [await carrier.pull(number) for _ in range(times)]


async def test_each_pull_finds_the_next_scripted_state(sandbox, session) -> None:
    proofs = await pulls(sandbox, session, "HJ100000000001", 4)
    assert [(p.status, p.status_code) for p in proofs] == [
        (ProofStatus.IN_TRANSIT, "DISPATCHING"),
        (ProofStatus.IN_TRANSIT, "DELIVERING"),
        (ProofStatus.DELIVERED, "DELIVERED"),
        (ProofStatus.DELIVERED, "DELIVERED"),
    ]
    assert [p.delivered_at for p in proofs] == [None, None, DELIVERED_AT, DELIVERED_AT]
    assert proofs[-1].received_by == "Ayşe Yılmaz"


async def test_a_failed_attempt_then_a_return(sandbox, session) -> None:
    proofs = await pulls(sandbox, session, "HJ100000000002", 3)
    assert [(p.status, p.status_code) for p in proofs] == [
        (ProofStatus.IN_TRANSIT, "DELIVERING"),
        (ProofStatus.FAILED_ATTEMPT, "RETRY"),
        (ProofStatus.RETURNED, "RETURNED"),
    ]
    assert proofs[1].events[-1].description.endswith("— RECIPIENT_NOT_FOUND")


async def test_the_receivers_call_does_not_move_the_parcel_along(sandbox, session) -> None:
    [delivered, returned] = await pulls(sandbox, session, "HJ100000000009", 2)
    assert (delivered.status, delivered.received_by) == (ProofStatus.DELIVERED, "Ayşe Yılmaz")
    assert returned.status is ProofStatus.RETURNED


async def test_what_hepsijet_cannot_say_never_reaches_the_proof(sandbox, session) -> None:
    [proof] = await pulls(sandbox, session, "HJ100000000003", 1)
    assert (proof.status, proof.delivered_at, proof.received_by) == (ProofStatus.DELIVERED, DELIVERED_AT, "Hatice Kaya")
    assert proof.recipient_relation is RecipientRelation.UNKNOWN
    assert (proof.signature, proof.photo, proof.location, proof.courier) == (None, None, None, None)


def test_the_tracking_reply_names_who_took_the_parcel_masked_and_when_so_the_proof_keeps_them_without_the_second_call(
) -> None:
    """As Hepsiburada's published delivered reply: ``deliveredPerson`` masked and ``deliveredDate`` on the
    delivered entry. Read with integration/track refused, the proof keeps both."""
    delivered = shipment("HJ100000000001", {"scenario": "delivered"})
    [entry] = render_tracking(delivered)
    assert (entry["deliveredPerson"], entry["deliveredDate"]) == ("AYŞE Y***", "2026-11-17T14:42:07+03:00")
    reply = HttpResponse(200, {}, json.dumps({"status": "OK", "data": [entry]}).encode())
    proof = parse_tracking_response(reply, "HJ100000000001", DELIVERED_AT, HttpResponse(404, {}, b""))
    assert (proof.status, proof.received_by, proof.delivered_at) == (ProofStatus.DELIVERED, "AYŞE Y***", DELIVERED_AT)
    locker = shipment("HJ100000000010", {"scenario": "parcel_locker"})
    assert "deliveredPerson" not in render_tracking(locker)[0]
    in_transit = shipment("HJ100000000002", {"scenario": "in_transit"})
    assert {"deliveredPerson", "deliveredDate"}.isdisjoint(render_tracking(in_transit)[0])


async def test_a_locker_delivery_names_nobody(sandbox, session) -> None:
    [proof] = await pulls(sandbox, session, "HJ100000000010", 1)
    assert (proof.status, proof.received_by, proof.notes) == (ProofStatus.DELIVERED, None, ())


async def test_a_masked_name_arrives_masked(sandbox, session) -> None:
    [proof] = await pulls(sandbox, session, "HJ100000000004", 1)
    assert (proof.received_by, proof.recipient_relation) == ("AYŞE Y***", RecipientRelation.UNKNOWN)


async def test_an_unknown_status_code_is_kept_with_a_note(sandbox, session) -> None:
    [proof] = await pulls(sandbox, session, "HJ100000000005", 1)
    assert (proof.status, proof.status_code, proof.delivered_at) == (ProofStatus.UNKNOWN, "TELEPORTED", None)
    assert [n.code for n in proof.notes] == [NoteCode.STATUS_UNMAPPED]


async def test_other_packages_are_reported_beside_the_asked_one(sandbox, session) -> None:
    [proof] = await pulls(sandbox, session, "HJ100000000006", 1)
    assert (proof.status, proof.package_number) == (ProofStatus.DELIVERED, "HJ100000000006")
    assert proof.packages == (
        PackageState(number="HJ100000000006-2", status=ProofStatus.IN_TRANSIT, status_code="DELIVERING"),
    )


async def test_scripted_outages_are_retried(sandbox, session) -> None:
    [proof] = await pulls(sandbox, session, "HJ100000000007", 1)
    assert proof.status is ProofStatus.DELIVERED


async def test_a_scripted_garbled_answer_is_malformed(sandbox, session) -> None:
    with pytest.raises(MalformedResponse):
        await hepsijet(sandbox, session).pull("HJ100000000008")


async def test_an_unknown_number_is_not_found(sandbox, session) -> None:
    [proof] = await pulls(sandbox, session, "HJ999999999999", 1)
    assert proof.status is ProofStatus.NOT_FOUND


@pytest.mark.parametrize("changes", [{"apikey": "wrong"}, {"password": "wrong"}])
async def test_without_the_customers_apikey_and_login_nothing_is_answered(sandbox, session, changes) -> None:
    with pytest.raises(CarrierAuthError):
        await hepsijet(sandbox, session, **changes).pull("HJ100000000001")
