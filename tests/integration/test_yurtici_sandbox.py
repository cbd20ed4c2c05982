"""Yurtiçi through the real adapter against the carrier sandbox over loopback, one scripted case at a time.

Each shipment is scripted through the sandbox's admin API (``POST /_sandbox/shipments``), as an investigator or
tester would; the sandbox answers in Yurtiçi's format built from its reply samples, so what is asserted here is
what the mapping reads from that format."""

from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from sandbox.carriers import create_carrier_sandbox
from carriers.base import CarrierAdapter
from carriers.errors import CarrierAuthError
from schemas.proof import NoteCode, PackageState, ProofStatus
from schemas.proof import RecipientRelation as R
from tests.integration.conftest import DELIVERED_AT, sandbox_adapter

ADDRESSEE = "Ayşe Yılmaz"


@pytest.fixture
async def sandbox(aiohttp_server: Any) -> TestServer:
    return await aiohttp_server(create_carrier_sandbox([]))


def yurtici(sandbox: TestServer, session: aiohttp.ClientSession, **changes: Any) -> CarrierAdapter:
    return sandbox_adapter(sandbox, session, "yurtici", **changes)


async def scripted(sandbox: TestServer, session: aiohttp.ClientSession, number: str, **facts: Any) -> None:
    shipment = {
        "carrier": "yurtici", "tracking_number": number, "scenario": "delivered", "recipient_name": ADDRESSEE,
        "delivered_at": DELIVERED_AT.isoformat(), "lat": 40.9858, "lon": 29.0262, "city": "İstanbul",
        "district": "Kadıköy",
    } | facts
    async with session.post(sandbox.make_url("/_sandbox/shipments"), json=shipment) as response:
        assert response.status == 201, await response.text()


async def test_a_delivery_to_the_addressee_names_them_and_says_when(sandbox, session) -> None:
    await scripted(sandbox, session, "302817000001")
    proof = await yurtici(sandbox, session).pull("302817000001")

    assert (proof.status, proof.status_code, proof.delivered_at) == (ProofStatus.DELIVERED, "5", DELIVERED_AT)
    assert (proof.received_by, proof.recipient_relation) == (ADDRESSEE, R.RECIPIENT)
    assert proof.courier is not None and proof.courier.unit == "KADIKÖY"
    assert [e.code for e in proof.events][-1] == "Kargo Teslim Edildi"


@pytest.mark.parametrize("relation", ["neighbour", "doorman"])
async def test_a_scripted_signer_is_named_without_a_relation_yurtici_cannot_state(sandbox, session, relation) -> None:
    await scripted(sandbox, session, "302817000002", relation=relation, received_by="Nermin Aksoy")
    proof = await yurtici(sandbox, session).pull("302817000002")

    assert (proof.status, proof.received_by, proof.recipient_relation) == (
        ProofStatus.DELIVERED, "Nermin Aksoy", R.UNKNOWN
    )


async def test_a_masked_receiver_arrives_masked(sandbox, session) -> None:
    await scripted(sandbox, session, "302817000003", masked_name=True)
    proof = await yurtici(sandbox, session).pull("302817000003")

    assert (proof.received_by, proof.recipient_relation) == ("AYŞE Y***", R.UNKNOWN)


async def test_signature_photo_and_gps_scripted_for_a_delivery_do_not_exist_at_yurtici(sandbox, session) -> None:
    await scripted(sandbox, session, "302817000004", signed=True, photographed=True, scan_distance_m=4800)
    proof = await yurtici(sandbox, session).pull("302817000004")

    assert proof.status is ProofStatus.DELIVERED
    assert (proof.signature, proof.photo, proof.document, proof.location) == (None, None, None, None)


async def test_a_locker_delivery_names_nobody(sandbox, session) -> None:
    await scripted(sandbox, session, "302817000005", scenario="parcel_locker")
    proof = await yurtici(sandbox, session).pull("302817000005")

    assert (proof.status, proof.received_by, proof.recipient_relation) == (ProofStatus.DELIVERED, None, R.UNKNOWN)


async def test_a_status_sequence_moves_with_each_pull(sandbox, session) -> None:
    await scripted(sandbox, session, "302817000006", statuses=["in_transit", "failed_attempt", "delivered"])
    carrier = yurtici(sandbox, session)
    first, second, third = [await carrier.pull("302817000006") for _ in range(3)]

    assert [(p.status, p.status_code) for p in (first, second, third)] == [
        (ProofStatus.IN_TRANSIT, "1"), (ProofStatus.IN_TRANSIT, "1"), (ProofStatus.DELIVERED, "5")
    ]
    assert (first.delivered_at, second.delivered_at, third.delivered_at) == (None, None, DELIVERED_AT)
    assert second.events[-1].description == "Teslim Edilemedi — Alıcı Adreste Yok"


async def test_a_parcel_delivered_back_to_its_sender_is_returned_though_yurtici_says_dlv(sandbox, session) -> None:
    await scripted(sandbox, session, "302817000007", statuses=["returned"])
    proof = await yurtici(sandbox, session).pull("302817000007")

    assert (proof.status, proof.status_code) == (ProofStatus.RETURNED, "5")
    assert (proof.delivered_at, proof.received_by) == (None, None)


async def test_an_unknown_status_code_is_kept_and_noted(sandbox, session) -> None:
    await scripted(sandbox, session, "302817000008", status_code="8")
    proof = await yurtici(sandbox, session).pull("302817000008")

    assert (proof.status, proof.status_code, proof.delivered_at, proof.received_by) == (
        ProofStatus.UNKNOWN, "8", None, None
    )
    assert [n.code for n in proof.notes] == [NoteCode.STATUS_UNMAPPED]


async def test_each_package_of_a_shipment_gets_its_own_proof(sandbox, session) -> None:
    others = [{"tracking_number": "302817000010", "delivered": False}]
    await scripted(sandbox, session, "302817000009", other_packages=others)
    carrier = yurtici(sandbox, session)
    delivered, waiting = await carrier.pull("302817000009"), await carrier.pull("302817000010")

    assert (delivered.status, delivered.package_number, delivered.received_by) == (
        ProofStatus.DELIVERED, "302817000009", ADDRESSEE
    )
    assert delivered.packages == (PackageState(number="302817000010", status=ProofStatus.IN_TRANSIT, status_code="1"),)
    assert (waiting.status, waiting.package_number, waiting.received_by, waiting.delivered_at) == (
        ProofStatus.IN_TRANSIT, "302817000010", None, None
    )
    assert waiting.packages == (PackageState(number="302817000009", status=ProofStatus.DELIVERED, status_code="5"),)


async def test_a_key_yurtici_does_not_know_is_not_found(sandbox, session) -> None:
    assert (await yurtici(sandbox, session).pull("302817999999")).status is ProofStatus.NOT_FOUND


async def test_wrong_credentials_are_an_authentication_failure(sandbox, session) -> None:
    await scripted(sandbox, session, "302817000011")
    with pytest.raises(CarrierAuthError):
        await yurtici(sandbox, session, password="wrong").pull("302817000011")
