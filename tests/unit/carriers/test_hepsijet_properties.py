"""HepsiJET's parser under the ways real replies differ (``tests/unit/carriers/properties.py``): every sample,
mutated, still gives a proof that keeps the invariants, or a typed refusal."""

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from carriers.hepsijet.mapping import parse_tracking_response
from schemas.proof import NoteCode, ProofStatus
from tests.unit.carriers.conftest import RECEIVED, ok
from tests.unit.carriers.properties import PROPERTIES, json_variants, sample, sample_json, tolerant, truncations

# Each tracking sample, with the numbers it can be asked about.
ASKED = {
    "tracking-undelivered.json": ("5000000879243",),
    "tracking-in-transit.json": ("5000000879243",),
    "tracking-delivered.json": ("3539185854",),
    "tracking-delivered-published.json": ("HJT1000000001",),
    "tracking-no-transaction.json": ("3539185854",),
    "tracking-two-deliveries.json": ("5000000879243", "3539185854"),
    "tracking-attached-parcels.json": ("3539188794", "3539188794-1", "3539188794-2"),
    "tracking-not-found.json": ("3539185854",),
    "fail-detail-status.json": ("3539185854",),
}
CASES = [(name, number) for name, numbers in ASKED.items() for number in numbers]
RECEIVERS = ("track-delivered.json", "track-delivered-no-person.json", "track-failed-attempt.json")
KNOWN = set(sample_json("hepsijet", "enums.json")["deliveryStatus"])  # the published deliveryStatus values


def says_delivered(reply: Any, asked: str) -> bool:
    """HepsiJET's own word, in the variant: an entry for the asked number (as delivery or parcel) states
    DELIVERED, as its status or as one of its steps'."""
    entries = reply.get("data") if isinstance(reply, dict) else None
    return any(
        isinstance(entry, dict)
        and asked.upper() in (str(entry.get("customerDeliveryNo")).upper(), str(entry.get("barcode")).upper())
        and "DELIVERED" in (entry.get("deliveryStatus"), *_step_statuses(entry))
        for entry in (entries if isinstance(entries, list) else ())
    )


def _step_statuses(entry: dict[str, Any]) -> list[Any]:
    steps = entry.get("transactions")
    return [s.get("deliveryStatus") for s in steps if isinstance(s, dict)] if isinstance(steps, list) else []


def named_receivers(track: Any, asked: str) -> set[str]:
    """Every ``deliveredPerson`` the variant prints for the asked number, blanks stripped."""
    results = track.get("data") if isinstance(track, dict) else None
    return {
        detail["deliveredPerson"].strip()
        for result in (results if isinstance(results, list) else ())
        if isinstance(result, dict) and str(result.get("barcode")).upper() == asked.upper()
        for detail in (result.get("details") if isinstance(result.get("details"), list) else ())
        if isinstance(detail, dict) and isinstance(detail.get("deliveredPerson"), str)
    }


@pytest.mark.parametrize(("name", "asked"), CASES)
@PROPERTIES
@given(data=st.data())
def test_any_variant_of_a_tracking_reply_keeps_the_invariants(name: str, asked: str, data: st.DataObject) -> None:
    variant = data.draw(json_variants(sample_json("hepsijet", name)))
    tolerant(lambda: parse_tracking_response(ok(variant), asked, RECEIVED), asked=asked,
             says_delivered=says_delivered(variant, asked))


@pytest.mark.parametrize("receiver", RECEIVERS)
@PROPERTIES
@given(data=st.data())
def test_the_receiver_comes_only_from_the_asked_numbers_delivered_step(receiver: str, data: st.DataObject) -> None:
    asked = "3539185854"
    tracking = sample_json("hepsijet", "tracking-delivered.json")
    track = data.draw(json_variants(sample_json("hepsijet", receiver)))
    proof = tolerant(lambda: parse_tracking_response(ok(tracking), asked, RECEIVED, ok(track)), asked=asked,
                     says_delivered=True)
    assert proof is not None and proof.status is ProofStatus.DELIVERED  # a bad receiver reply costs the name only
    assert proof.received_by is None or proof.received_by in named_receivers(track, asked)


@pytest.mark.parametrize(("name", "asked"), CASES)
@PROPERTIES
@given(data=st.data())
def test_a_reply_cut_short_is_refused_or_read(name: str, asked: str, data: st.DataObject) -> None:
    raw = sample("hepsijet", name)
    body = data.draw(truncations(raw))
    tolerant(lambda: parse_tracking_response(ok(body), asked, RECEIVED), asked=asked,
             says_delivered=says_delivered(json.loads(raw), asked))


@PROPERTIES
@given(code=st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ_", min_size=1, max_size=24).filter(lambda c: c not in KNOWN))
def test_an_unknown_status_is_kept_as_unknown_with_its_code_and_a_note(code: str) -> None:
    body = sample_json("hepsijet", "tracking-delivered.json")
    body["data"][0]["deliveryStatus"] = code
    proof = parse_tracking_response(ok(body), "3539185854", RECEIVED, ok(sample("hepsijet", "track-delivered.json")))
    assert (proof.status, proof.status_code, proof.delivered_at, proof.received_by) == (
        ProofStatus.UNKNOWN, code, None, None
    )
    assert [note.code for note in proof.notes] == [NoteCode.STATUS_UNMAPPED]


@PROPERTIES
@given(order=st.permutations([0, 1]), copies=st.integers(1, 3))
def test_another_deliverys_proof_never_reaches_the_asked_one(order: list[int], copies: int) -> None:
    entries = sample_json("hepsijet", "tracking-two-deliveries.json")["data"]
    body = {"status": "OK", "data": [entries[i] for i in order] * copies}
    track = ok(sample("hepsijet", "track-delivered.json"))
    proof = parse_tracking_response(ok(body), "5000000879243", RECEIVED, track)
    assert (proof.status, proof.status_code, proof.received_by) == (ProofStatus.FAILED_ATTEMPT, "UNDELIVERED", None)


@PROPERTIES
@given(order=st.permutations([0, 1]))
def test_a_delivery_is_delivered_only_when_every_parcel_is(order: list[int]) -> None:
    parcels = sample_json("hepsijet", "tracking-attached-parcels.json")["data"]
    body = {"status": "OK", "data": [parcels[i] for i in order]}
    proof = parse_tracking_response(ok(body), "3539188794", RECEIVED)
    assert (proof.status, proof.package_number) == (ProofStatus.IN_TRANSIT, None)
    assert sorted((p.number, p.status) for p in proof.packages) == [
        ("3539188794-1", ProofStatus.DELIVERED), ("3539188794-2", ProofStatus.IN_TRANSIT)
    ]
