"""FedEx's parsers hold the tolerant-reader invariants over every FedEx reply sample, changed the ways real
replies differ (``tests/unit/carriers/properties.py``)."""

import base64
import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from carriers.fedex.documents import read_spod
from carriers.fedex.mapping import parse_track_response, read_track_reply, track_proof
from carriers.parsing import ProofNotes
from carriers.status import UNMAPPED
from schemas.proof import NoteCode, ProofStatus
from tests.unit.carriers.conftest import RECEIVED, ok
from tests.unit.carriers.properties import PROPERTIES, json_variants, sample, sample_json, tolerant, truncations

# Each track sample with the number asked of it.
TRACK = {
    "track-delivered.json": "738488882438",
    "track-delivered-no-proof.json": "738488882438",
    "track-out-for-delivery.json": "231300687629630",
    "track-failed-attempt.json": "377101283611590",
    "track-returned.json": "076288115212522",
    "track-duplicate-results.json": "776094337676",
    "track-published-example.json": "128667043726",
    "track-multi-package.json": "738488882449",
    "track-not-found.json": "647719948679",
    "track-not-found-live.json": "02399989320920003663",
}
SPOD = ("spod-documents-sandbox.json", "spod-document-published.json")
CASES = st.sampled_from(sorted(TRACK.items()))


def says_delivered(reply: Any, asked: str) -> bool:
    """FedEx's own words: some result about the asked number has the latest status code DL (its
    ``latestStatusDetail.code``, or ``derivedCode`` when there is no code)."""
    return any(_code(result) == "DL" for result in _results_about(reply, asked))


def _results_about(reply: Any, asked: str) -> list[Any]:
    output = reply.get("output") if isinstance(reply, dict) else None
    groups = output.get("completeTrackResults") if isinstance(output, dict) else None
    found = []
    for group in groups if isinstance(groups, list) else ():
        results = group.get("trackResults") if isinstance(group, dict) else None
        for result in results if isinstance(results, list) else ():
            if isinstance(result, dict) and _number(group, result) == asked:
                found.append(result)
    return found


def _number(group: dict[str, Any], result: dict[str, Any]) -> str | None:
    info = result.get("trackingNumberInfo")
    named = info.get("trackingNumber") if isinstance(info, dict) else None
    if isinstance(named, str) and named.strip():
        return named.strip()
    number = group.get("trackingNumber")
    return number.strip() if isinstance(number, str) else None


def _code(result: dict[str, Any]) -> str | None:
    detail = result.get("latestStatusDetail")
    if not isinstance(detail, dict):
        return None
    code = detail.get("code")
    if isinstance(code, str) and code.strip():
        return code.strip().upper()
    derived = detail.get("derivedCode")
    return derived.strip().upper() if isinstance(derived, str) else None


@PROPERTIES
@given(data=st.data())
def test_any_variant_of_a_track_reply_reads_within_the_invariants(data: st.DataObject) -> None:
    name, asked = data.draw(CASES, label="sample")
    variant = data.draw(json_variants(sample_json("fedex", name)), label="variant")

    tolerant(
        lambda: parse_track_response(ok(variant), asked, RECEIVED),
        asked=asked,
        says_delivered=says_delivered(variant, asked),
    )


@PROPERTIES
@given(data=st.data())
def test_a_track_reply_cut_short_is_refused_as_malformed_or_read_within_the_invariants(data: st.DataObject) -> None:
    name, asked = data.draw(CASES, label="sample")
    cut = data.draw(truncations(sample("fedex", name)), label="cut")

    try:  # cutting only the final newline leaves the reply whole
        whole = says_delivered(json.loads(cut), asked)
    except ValueError:
        whole = False
    tolerant(lambda: parse_track_response(ok(cut), asked, RECEIVED), asked=asked, says_delivered=whole)


@PROPERTIES
@given(data=st.data())
def test_a_spod_reply_of_any_shape_gives_a_document_or_a_note_never_an_error(data: st.DataObject) -> None:
    variant = data.draw(json_variants(sample_json("fedex", data.draw(st.sampled_from(SPOD)))), label="variant")
    notes = ProofNotes()

    document = read_spod(ok(variant), notes)

    assert document is None or document.media_type in ("application/pdf", "image/png")
    assert all(note.code is NoteCode.ATTACHMENT_DROPPED for note in notes.items)


DUPLICATES = sample_json("fedex", "track-duplicate-results.json")["output"]["completeTrackResults"][0]["trackResults"]


@PROPERTIES
@given(results=st.permutations(DUPLICATES * 2))
def test_of_repeated_results_for_one_number_the_latest_state_always_wins(results: list[Any]) -> None:
    body = sample_json("fedex", "track-duplicate-results.json")
    body["output"]["completeTrackResults"][0]["trackResults"] = results

    proof = parse_track_response(ok(body), "776094337676", RECEIVED)

    assert (proof.status, proof.received_by) == (ProofStatus.DELIVERED, "D.HERRERA")


@PROPERTIES
@given(order=st.permutations([0, 1]), asked=st.sampled_from(["738488882438", "738488882449"]))
def test_proof_is_never_taken_from_the_other_package(order: list[int], asked: str) -> None:
    body = sample_json("fedex", "track-multi-package.json")
    groups = body["output"]["completeTrackResults"]
    body["output"]["completeTrackResults"] = [groups[i] for i in order]

    proof = parse_track_response(ok(body), asked, RECEIVED)

    delivered = asked == "738488882438"
    assert (proof.status is ProofStatus.DELIVERED) == delivered
    assert (proof.received_by == "CREILLY") == delivered
    assert [package.number for package in proof.packages] == [n for n in ("738488882438", "738488882449") if n != asked]


@PROPERTIES
@given(code=st.sampled_from(["ZQ", "X9", "TRACKING.NEW.CODE", "dl-"]))
def test_an_unknown_status_code_is_unknown_kept_noted_and_counted(code: str) -> None:
    body = sample_json("fedex", "track-delivered.json")
    body["output"]["completeTrackResults"][0]["trackResults"][0]["latestStatusDetail"]["code"] = code
    UNMAPPED.clear()  # the metric holds a bounded number of codes; other tests may have filled it

    proof = parse_track_response(ok(body), "738488882438", RECEIVED)

    assert (proof.status, proof.status_code, proof.received_by) == (ProofStatus.UNKNOWN, code, None)
    assert [note.code for note in proof.notes] == [NoteCode.STATUS_UNMAPPED]
    assert UNMAPPED == {("fedex", code.upper()): 1}


@PROPERTIES
@given(page=st.one_of(st.binary(max_size=31).map(lambda b: base64.b64encode(b).decode()), st.text(max_size=40)))
def test_a_bad_spod_page_is_dropped_with_a_note_and_the_rest_of_the_proof_stays(page: str) -> None:
    reply = sample_json("fedex", "spod-documents-sandbox.json")
    reply["output"]["documents"] = [page]
    notes = ProofNotes()

    document = read_spod(ok(reply), notes)
    found = read_track_reply(ok(sample("fedex", "track-delivered.json")), "738488882438")
    proof = track_proof(found, "738488882438", RECEIVED, document, notes)

    assert (proof.status, proof.received_by, proof.document) == (ProofStatus.DELIVERED, "CREILLY", None)
    assert [note.code for note in proof.notes] == ([NoteCode.ATTACHMENT_DROPPED] if page.strip() else [])
