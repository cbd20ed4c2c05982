"""DHL's parsers hold their invariants over every public sample, however the reply is changed.

Whether DHL "says delivered" is read here from the raw variant, in DHL's words (``statusCode``), never by
the mapping under test.
"""

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from carriers.dhl.mapping import parse_track_response
from carriers.dhl.webhook import parse_push
from carriers.errors import CarrierRejected
from schemas.proof import NoteCode, ProofStatus
from tests.unit.carriers.conftest import RECEIVED, ok
from tests.unit.carriers.properties import PROPERTIES, check, json_variants, sample, sample_json, tolerant, truncations

# (sample, number asked): every shipment and piece the pull samples answer for, and numbers they do not know
ASKED = [
    ("express-three-numbers.json", "7837361350"),
    ("express-three-numbers.json", "1600370450"),
    ("express-three-numbers.json", "1297318621"),
    ("express-delivered-signed.json", "1297318621"),
    ("express-four-pieces.json", "4191468945"),
    ("express-four-pieces.json", "JD014600012592400513"),
    ("express-four-pieces.json", "JD014600012592400516"),
    ("express-spec-example.json", "7777777770"),
    ("express-transit-pod-links.json", "7777777770"),
    ("parcel-de-delivered.json", "470800204932"),
    ("ecommerce-in-transit.json", "GMDBD8E9CCE94842E495B7"),
    ("duplicate-results.json", "470800204932"),
    ("express-three-numbers.json", "9999999999"),
]
KNOWN = {"PRE-TRANSIT", "TRANSIT", "DELIVERED", "FAILURE", "UNKNOWN"}


def entries_about(reply: Any, number: str) -> list[dict[str, Any]]:
    """The shipment entries that name ``number`` (as id or piece), or a lone entry that names none (no id, or a
    blank one)."""
    shipments = reply.get("shipments") if isinstance(reply, dict) else None
    if not isinstance(shipments, list):
        return []
    entries = [s for s in shipments if isinstance(s, dict)]
    about = [s for s in entries if str(s.get("id")).strip() == number or number in _pieces(s)]
    return about or [s for s in entries if s.get("id") is None or str(s.get("id")).strip() == ""][: len(entries) == 1]


def _pieces(entry: dict[str, Any]) -> list[Any]:
    details = entry.get("details")
    pieces = details.get("pieceIds") if isinstance(details, dict) else None
    return pieces if isinstance(pieces, list) else []


def says_delivered(reply: Any, number: str) -> bool:
    def code(entry: dict[str, Any]) -> Any:
        status = entry.get("status")
        return status.get("statusCode") if isinstance(status, dict) else None

    return any(isinstance(c, str) and c.strip().lower() == "delivered" for c in map(code, entries_about(reply, number)))


def descriptions(entry: dict[str, Any]) -> set[str]:
    return {e["description"] for e in entry.get("events", []) if "description" in e}


@pytest.mark.parametrize(("name", "number"), ASKED)
@PROPERTIES
@given(data=st.data())
def test_a_changed_reply_still_gives_a_sound_proof_for_the_number_asked(name: str, number: str, data) -> None:
    variant = data.draw(json_variants(sample_json("dhl", name)))

    tolerant(
        lambda: parse_track_response(ok(variant), number, RECEIVED),
        asked=number,
        says_delivered=says_delivered(variant, number),
    )


@pytest.mark.parametrize("number", ["7837361350", "1600370450", "1297318621"])
@PROPERTIES
@given(data=st.data())
def test_no_scan_of_another_shipment_reaches_the_proof(number: str, data) -> None:
    original = sample_json("dhl", "express-three-numbers.json")
    own = set().union(*(descriptions(s) for s in original["shipments"] if s["id"] == number))
    theirs = set().union(*(descriptions(s) for s in original["shipments"] if s["id"] != number)) - own
    variant = data.draw(json_variants(original))

    proof = tolerant(lambda: parse_track_response(ok(variant), number, RECEIVED), asked=number, says_delivered=True)

    assert proof is None or not {e.description for e in proof.events} & theirs


@PROPERTIES
@given(code=st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ-", min_size=2, max_size=12).filter(lambda c: c not in KNOWN))
def test_an_unknown_status_code_is_unknown_and_kept(code: str) -> None:
    reply = sample_json("dhl", "parcel-de-delivered.json")
    reply["shipments"][0]["status"]["statusCode"] = code

    proof = parse_track_response(ok(reply), "470800204932", RECEIVED)

    assert (proof.status, proof.status_code, proof.delivered_at) == (ProofStatus.UNKNOWN, code, None)
    assert any(note.code is NoteCode.STATUS_UNMAPPED for note in proof.notes)


@PROPERTIES
@given(link=st.text(max_size=30).filter(lambda t: not t.strip().lower().startswith(("http://", "https://"))))
def test_a_bad_signature_link_is_dropped_and_the_rest_of_the_proof_stays(link: str) -> None:
    reply = sample_json("dhl", "express-four-pieces.json")
    reply["shipments"][0]["details"]["proofOfDelivery"]["signatureUrl"] = link
    whole = parse_track_response(ok(sample_json("dhl", "express-four-pieces.json")), "JD014600012592400513", RECEIVED)

    proof = parse_track_response(ok(reply), "JD014600012592400513", RECEIVED)

    assert proof.signature is None
    assert (proof.status, proof.delivered_at, proof.document, proof.packages) == (
        whole.status,
        whole.delivered_at,
        whole.document,
        whole.packages,
    )
    assert link.strip() == "" or any(note.code is NoteCode.ATTACHMENT_DROPPED for note in proof.notes)


@pytest.mark.parametrize(("name", "number"), ASKED)
@PROPERTIES
@given(data=st.data())
def test_a_reply_cut_short_is_malformed_or_still_sound(name: str, number: str, data) -> None:
    raw = sample("dhl", name)
    body = data.draw(truncations(raw))

    tolerant(
        lambda: parse_track_response(ok(body), number, RECEIVED),
        asked=number,
        says_delivered=says_delivered(sample_json("dhl", name), number),
    )


@pytest.mark.parametrize("name", ["push-delivered.json", "push-validate.json"])
@PROPERTIES
@given(data=st.data())
def test_a_changed_push_gives_sound_proofs_for_the_shipments_it_names(name: str, data) -> None:
    variant = data.draw(json_variants(sample_json("dhl", name)))

    try:
        events = parse_push(json.dumps(variant).encode(), RECEIVED)
    except CarrierRejected:
        return
    for event in events:
        assert entries_about(variant, event.tracking_number), "an event for a shipment the push does not name"
        check(event.proof, asked=event.tracking_number, says_delivered=says_delivered(variant, event.tracking_number))
