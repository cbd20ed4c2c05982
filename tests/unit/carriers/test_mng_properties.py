"""MNG's parsers under the ways real replies differ from the samples (``tests.unit.carriers.properties``).

Whether MNG itself says "delivered" is read here from the varied reply, in the carrier's own terms (status
code 5 on a record of the asked reference, or, with no code, the delivered flag 1), never by the mapping.
"""

import copy
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from carriers.http import HttpResponse
from carriers.mng.mapping import DICTIONARY, read_events, read_shipment, shipment_proof
from schemas.proof import NoteCode, ProofOfDelivery, ProofStatus
from tests.unit.carriers.conftest import RECEIVED
from tests.unit.carriers.properties import PROPERTIES, check, json_variants, sample, sample_json, tolerant, truncations

ASKED = "SIPARIS-001"
PAIRS = [  # a getshipment sample and the trackshipment sample of the same shipment
    ("getshipment-delivered.json", "trackshipment-delivered.json"),
    ("getshipment-delivered-no-receiver.json", "trackshipment-sample.json"),
    ("getshipment-in-transit.json", "trackshipment-in-transit.json"),
    ("getshipment-failed-attempt.json", "trackshipment-failed-attempt.json"),
    ("getshipment-multi-piece.json", "trackshipment-multi-piece.json"),
    ("getshipment-duplicate.json", "trackshipment-numeric-status.json"),
]
TRACKS = sorted({track for _, track in PAIRS} | {"trackshipment-empty.json"})
CODES = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-", min_size=1, max_size=8).filter(
    lambda code: code not in DICTIONARY
)


@st.composite
def variants(draw: st.DrawFn, original: Any, changes: int = 3) -> Any:
    """``json_variants`` one change at a time, each on a copy: the harness adds its empty ``{}``/``[]`` as one
    shared object, so two changes in one pass can nest that object in itself."""
    document = original
    for _ in range(draw(st.integers(1, changes))):
        document = draw(json_variants(copy.deepcopy(document), max_changes=1))
    return document


def body(document: Any) -> HttpResponse:
    return HttpResponse(200, {}, document if isinstance(document, bytes) else json.dumps(document).encode())


def parse(shipment: Any, track: Any) -> ProofOfDelivery:
    events = read_events(body(track))
    return shipment_proof(read_shipment(body(shipment), ASKED), events, ASKED, RECEIVED)


def _words(value: Any) -> str | None:
    """A JSON string or number as MNG writes it (blank is nothing)."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    return str(value).strip() or None


def says_delivered(reply: Any) -> bool:
    """MNG's own words: a record of the asked reference with status code 5, or with no code and isDelivered 1."""
    records = reply if isinstance(reply, list) else [reply]
    for record in records:
        shipment = record.get("shipment") if isinstance(record, dict) else None
        if not isinstance(shipment, dict):
            continue
        names = {(_words(shipment.get(key)) or "").casefold() for key in ("referenceId", "shipmentId")}
        if ASKED.casefold() not in names:
            continue
        code, flag = _words(shipment.get("shipmentStatusCode")), shipment.get("isDelivered")
        if code == "5" or (code is None and (flag is True or _words(flag) == "1")):
            return True
    return False


@pytest.mark.parametrize(("shipment", "track"), PAIRS)
@PROPERTIES
@given(data=st.data())
def test_a_varied_shipment_reply_gives_a_sound_proof_or_a_typed_refusal(shipment, track, data) -> None:
    variant = data.draw(variants(sample_json("mng", shipment)), label="getshipment")

    tolerant(lambda: parse(variant, sample_json("mng", track)), asked=ASKED, says_delivered=says_delivered(variant))


@pytest.mark.parametrize(("shipment", "track"), PAIRS)
@PROPERTIES
@given(data=st.data())
def test_a_varied_history_never_makes_a_parcel_delivered(shipment, track, data) -> None:
    reply = sample_json("mng", shipment)
    variant = data.draw(variants(sample_json("mng", track)), label="trackshipment")

    tolerant(lambda: parse(reply, variant), asked=ASKED, says_delivered=says_delivered(reply))


@pytest.mark.parametrize("name", [shipment for shipment, _ in PAIRS] + TRACKS)
@PROPERTIES
@given(data=st.data())
def test_a_reply_cut_short_is_refused_or_still_sound(name, data) -> None:
    raw = sample("mng", name)
    cut = data.draw(truncations(raw), label="cut")
    if name.startswith("getshipment"):
        shipment, track = cut, sample("mng", "trackshipment-delivered.json")
    else:
        shipment, track = sample("mng", "getshipment-delivered.json"), cut

    tolerant(lambda: parse(shipment, track), asked=ASKED, says_delivered=says_delivered(decoded(shipment)))


def decoded(raw: bytes) -> Any:
    """The reply's JSON, or None for bytes that are no JSON (a cut can leave a whole document)."""
    try:
        return json.loads(raw)
    except ValueError:
        return None


@PROPERTIES
@given(code=CODES, data=st.data())
def test_an_unknown_status_code_is_unknown_and_kept(code, data) -> None:
    reply = sample_json("mng", data.draw(st.sampled_from([shipment for shipment, _ in PAIRS]), label="sample"))
    for record in reply:
        record["shipment"]["shipmentStatusCode"] = code

    proof = parse(reply, sample_json("mng", "trackshipment-delivered.json"))

    assert (proof.status, proof.status_code) == (ProofStatus.UNKNOWN, code)
    assert NoteCode.STATUS_UNMAPPED in {note.code for note in proof.notes}
    check(proof, asked=ASKED, says_delivered=False)


@PROPERTIES
@given(data=st.data())
def test_another_references_records_and_scans_never_give_the_proof(data) -> None:
    """A delivered record and a delivered scan of another reference, among the asked one's replies in any order."""
    own_shipment, own_track = data.draw(st.sampled_from(PAIRS[2:4]), label="own (not delivered)")
    [foreign] = sample_json("mng", "getshipment-delivered.json")
    foreign["shipment"].update(referenceId="SIPARIS-002", shipmentId="77")
    scan = sample_json("mng", "trackshipment-delivered.json")[-1] | {"referenceId": "SIPARIS-002"}
    records = data.draw(st.permutations([foreign, *sample_json("mng", own_shipment)]), label="records")
    events = data.draw(st.permutations([scan, *sample_json("mng", own_track)]), label="events")

    proof = parse(records, events)

    assert proof.status is not ProofStatus.DELIVERED and "5" not in {e.code for e in proof.events}
    check(proof, asked=ASKED, says_delivered=False)


@PROPERTIES
@given(pieces=st.lists(st.sampled_from([ASKED, "SIPARIS-001_PARCA1", "SIPARIS-001_PARCA2", "X 1"]), max_size=5))
def test_the_asked_reference_is_never_listed_as_one_of_its_pieces(pieces) -> None:
    reply = sample_json("mng", "getshipment-multi-piece.json")
    reply[0]["shipmentPieceList"] = [{"barcode": piece} for piece in pieces]

    proof = parse(reply, sample_json("mng", "trackshipment-multi-piece.json"))

    check(proof, asked=ASKED, says_delivered=True)
    assert proof.package_number is None
