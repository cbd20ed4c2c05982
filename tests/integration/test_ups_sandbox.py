"""Scripted UPS cases pulled (and pushed) through the real UPS adapter against the carrier sandbox, whose replies
are UPS's public samples with the values changed: each scripted fact must come out of the adapter as UPS
would have reported it."""

import json
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from sandbox.carriers import SandboxShipment, create_carrier_sandbox
from sandbox.carriers.ups import render_alert
from carriers.errors import MalformedResponse
from carriers.turkish import ascii_key
from carriers.ups.client import UpsAdapter
from schemas.proof import NoteCode, PackageState, ProofStatus, RecipientRelation
from tests.integration.conftest import DELIVERED_AT, sandbox_adapter, scripted_shipment

SCRIPTED: dict[str, dict[str, Any]] = {
    "1ZSEQUENCE0000001": {
        "scenario": "delivered",
        "statuses": ["in_transit", "out_for_delivery", "failed_attempt", "delivered"],
    },
    "1ZRETURNED0000001": {"scenario": "in_transit", "statuses": ["in_transit", "returned"]},
    "1ZNEIGHBOUR000001": {"scenario": "delivered", "relation": "neighbour", "received_by": "Hatice Kaya"},
    "1ZPHOTOONLY000001": {"scenario": "delivered", "signed": False, "photographed": True},
    "1ZMASKED000000001": {"scenario": "delivered", "masked_name": True},
    "1ZFARSCAN00000001": {"scenario": "delivered", "scan_distance_m": 4800},
    "1ZNEWCODE00000001": {"scenario": "delivered", "status_code": "ZZ"},
    "1ZONTHEWAY0000001": {
        "scenario": "in_transit",
        "other_packages": [{"tracking_number": "1ZARRIVED00000002", "delivered": True}],
    },
    "1ZARRIVED00000001": {
        "scenario": "delivered",
        "other_packages": [{"tracking_number": "1ZONTHEWAY0000002", "delivered": False}],
    },
    "1ZGARBLED00000001": {"scenario": "delivered", "faults": ["garbage"]},
    "1ZUNKNOWN00000001": {"scenario": "unknown"},
}


def scripted(number: str, script: dict[str, Any]) -> SandboxShipment:
    return scripted_shipment("ups", number, **script)


@pytest.fixture
async def ups(aiohttp_server: Any, session: aiohttp.ClientSession) -> UpsAdapter:
    server: TestServer = await aiohttp_server(create_carrier_sandbox([scripted(n, s) for n, s in SCRIPTED.items()]))
    adapter = sandbox_adapter(server, session, "ups")
    assert isinstance(adapter, UpsAdapter)
    return adapter


async def test_a_status_sequence_is_read_pull_by_pull(ups) -> None:
    pulls = [await ups.pull("1ZSEQUENCE0000001") for _ in range(5)]

    assert [(p.status, p.status_code) for p in pulls] == [
        (ProofStatus.IN_TRANSIT, "I"),
        (ProofStatus.IN_TRANSIT, "I"),
        (ProofStatus.EXCEPTION, "X"),  # UPS reports a missed delivery as an exception scan
        (ProofStatus.DELIVERED, "D"),
        (ProofStatus.DELIVERED, "D"),
    ]
    assert [p.delivered_at for p in pulls] == [None, None, None, DELIVERED_AT, DELIVERED_AT]
    assert [event.code for event in pulls[-1].events] == ["OR", "DP", "OT", "48", "FS"]
    assert pulls[3].signature is not None and pulls[2].signature is None


async def test_a_parcel_on_its_way_back_is_an_exception_without_proof(ups) -> None:
    first, then = await ups.pull("1ZRETURNED0000001"), await ups.pull("1ZRETURNED0000001")

    assert (first.status, then.status, then.status_code, then.received_by) == (
        ProofStatus.IN_TRANSIT,
        ProofStatus.EXCEPTION,
        "X",
        None,
    )


async def test_the_signer_and_the_relation_are_the_ones_scripted(ups) -> None:
    proof = await ups.pull("1ZNEIGHBOUR000001")

    assert proof.recipient_relation is RecipientRelation.NEIGHBOUR
    assert ascii_key(proof.received_by) == ascii_key("Hatice Kaya")
    assert proof.location and proof.location.text == "Neighbor"


async def test_a_photo_without_signature(ups) -> None:
    proof = await ups.pull("1ZPHOTOONLY000001")

    assert (proof.signature, proof.document) == (None, None)
    assert proof.photo is not None and proof.photo.media_type == "image/png"


async def test_a_masked_name_arrives_masked(ups) -> None:
    proof = await ups.pull("1ZMASKED000000001")

    assert proof.received_by == "AYŞE Y***"


async def test_ups_states_no_coordinates_whatever_the_scan_distance(ups) -> None:
    proof = await ups.pull("1ZFARSCAN00000001")

    assert proof.location and (proof.location.lat, proof.location.address) == (None, "İSTANBUL, 34710, TR")


async def test_an_unknown_status_type_is_kept_with_its_code(ups) -> None:
    proof = await ups.pull("1ZNEWCODE00000001")

    assert (proof.status, proof.status_code, proof.delivered_at, proof.signature) == (
        ProofStatus.UNKNOWN,
        "ZZ",
        None,
        None,
    )
    assert [note.code for note in proof.notes] == [NoteCode.STATUS_UNMAPPED]


async def test_a_package_on_its_way_takes_no_proof_from_its_delivered_sibling(ups) -> None:
    proof = await ups.pull("1ZONTHEWAY0000001")

    assert (proof.status, proof.package_number) == (ProofStatus.IN_TRANSIT, "1ZONTHEWAY0000001")
    assert (proof.received_by, proof.signature, proof.photo, proof.delivered_at) == (None, None, None, None)
    assert proof.packages == (PackageState(number="1ZARRIVED00000002", status=ProofStatus.DELIVERED, status_code="D"),)


async def test_a_delivered_package_keeps_its_proof_beside_a_sibling_on_its_way(ups) -> None:
    proof = await ups.pull("1ZARRIVED00000001")

    assert (proof.status, proof.delivered_at) == (ProofStatus.DELIVERED, DELIVERED_AT)
    assert proof.signature is not None and ascii_key(proof.received_by) == ascii_key("Ayşe Yılmaz")
    assert proof.packages == (PackageState(number="1ZONTHEWAY0000002", status=ProofStatus.IN_TRANSIT, status_code="I"),)


async def test_a_garbled_reply_is_malformed_and_the_next_pull_reads_it(ups) -> None:
    with pytest.raises(MalformedResponse):
        await ups.pull("1ZGARBLED00000001")

    assert (await ups.pull("1ZGARBLED00000001")).status is ProofStatus.DELIVERED


async def test_a_number_ups_does_not_know_is_not_found(ups) -> None:
    assert (await ups.pull("1ZUNKNOWN00000001")).status is ProofStatus.NOT_FOUND


@pytest.mark.parametrize(
    ("number", "status", "code", "received_by"),
    [
        ("1ZMASKED000000001", ProofStatus.DELIVERED, "D", "AYŞE Y***"),
        ("1ZNEWCODE00000001", ProofStatus.UNKNOWN, "ZZ", None),
        ("1ZRETURNED0000001", ProofStatus.EXCEPTION, "X", None),
    ],
)
async def test_a_scripted_push_reads_as_scripted(ups, number: str, status: ProofStatus, code: str, received_by) -> None:
    body = render_alert(scripted(number, SCRIPTED[number]))
    [event] = ups.parse_webhook(json.dumps(body).encode())

    assert (event.proof.status, event.proof.status_code, event.proof.received_by) == (status, code, received_by)
    assert event.proof.delivered_at == (DELIVERED_AT if status is ProofStatus.DELIVERED else None)
