"""Aras Kargo's ``GetQueryJSON`` reader under the ways real replies differ from the samples: every sample's
JSON document and SOAP envelope mutated, cut short, given codes nobody mapped.

The carrier's own status is read here from each variant, the carrier's way (DOC §2.2.1: ``DURUM_KODU`` 6 is
delivered; without a code, ``DURUMU`` saying ``TESLİM EDİLDİ``), for our records only: those whose
``MUSTERI_OZEL_KODU`` or ``KARGO_TAKIP_NO`` is the asked number.
"""

import json
from collections.abc import Iterator
from typing import Any
from xml.etree import ElementTree
from xml.sax.saxutils import escape

from hypothesis import given
from hypothesis import strategies as st

from carriers.aras.mapping import parse_query_response
from carriers.http import HttpResponse
from schemas.proof import NoteCode, ProofStatus
from tests.unit.carriers.conftest import RECEIVED
from tests.unit.carriers.properties import PROPERTIES, json_variants, sample, tolerant, truncations, xml_variants

NUMBER = "100"
REPLIES = (
    "delivered.xml", "delivered-no-receiver.xml", "in-transit.xml", "failed-attempt.xml", "redirected.xml",
    "partial-delivery.xml", "returned.xml", "several-records.xml", "duplicate-records.xml", "not-found.xml",
    "not-found-nil.xml",
)
RESULT = "{http://tempuri.org/}GetQueryJSONResult"
KNOWN_CODES = {"1", "2", "3", "4", "5", "6", "7"}


def elements(raw: bytes) -> list[ElementTree.Element]:
    """The reply's elements; none when it is not well-formed XML (a mutation can make it so)."""
    try:
        return list(ElementTree.fromstring(raw).iter())
    except ElementTree.ParseError:
        return []


def document_of(raw: bytes) -> Any:
    """The JSON document in a reply's first ``GetQueryJSONResult``; None when there is none or it is no JSON."""
    result = next((element for element in elements(raw) if element.tag == RESULT), None)
    try:
        return json.loads(result.text or "null") if result is not None else None
    except ValueError:
        return None


def reply(document: Any) -> bytes:
    text = escape(json.dumps(document, ensure_ascii=False))
    return (
        '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>'
        f'<GetQueryJSONResponse xmlns="http://tempuri.org/"><GetQueryJSONResult>{text}</GetQueryJSONResult>'
        "</GetQueryJSONResponse></s:Body></s:Envelope>"
    ).encode()


def changed(data: st.DataObject, document: Any) -> Any:
    """``document`` with one to three changes, each drawn on a fresh copy of the last (``json_variants``
    inserts its empty lists and objects as shared values: changing them in place would leak between cases)."""
    for _ in range(data.draw(st.integers(1, 3), label="changes")):
        document = data.draw(json_variants(document, max_changes=1), label="variant")
    return document


def changed_xml(data: st.DataObject, raw: bytes) -> bytes:
    """``raw`` with one to three changes, each on the last result (``xml_variants`` needs well-formed XML
    with an element that has children: a reply past that is left as it is)."""
    for _ in range(data.draw(st.integers(1, 3), label="changes")):
        if not any(len(element) for element in elements(raw)):
            break
        raw = data.draw(xml_variants(raw, max_changes=1), label="variant")
    return raw


def parse(raw: bytes):
    return parse_query_response(HttpResponse(200, {}, raw), NUMBER, RECEIVED)


def _as_text(value: Any) -> str | None:
    return str(value).strip() if isinstance(value, str | int | float) and not isinstance(value, bool) else None


def ours(document: Any) -> Iterator[dict[str, Any]]:
    """Our records, wherever they are in the document."""
    if isinstance(document, dict):
        if NUMBER in (_as_text(document.get("MUSTERI_OZEL_KODU")), _as_text(document.get("KARGO_TAKIP_NO"))):
            yield document
            return
        document = list(document.values())
    if isinstance(document, list):
        for child in document:
            yield from ours(child)


def says_delivered(document: Any) -> bool:
    for record in ours(document):
        code, words = _as_text(record.get("DURUM_KODU")), _as_text(record.get("DURUMU")) or ""
        if code == "6" or (not code and "TESLİM EDİLDİ" in words.upper()):
            return True
    return False


@given(data=st.data())
@PROPERTIES
def test_any_change_to_the_json_document_gives_a_sound_proof_or_a_typed_refusal(data: st.DataObject) -> None:
    variant = changed(data, document_of(sample("aras", data.draw(st.sampled_from(REPLIES), label="sample"))))

    proof = tolerant(lambda: parse(reply(variant)), asked=NUMBER, says_delivered=says_delivered(variant))

    if proof is not None and not any(ours(variant)):
        assert proof.status is ProofStatus.NOT_FOUND, "proof read from another number's record"
    if proof is not None and proof.status is ProofStatus.UNKNOWN and proof.status_code:
        assert any(note.code is NoteCode.STATUS_UNMAPPED for note in proof.notes)


@given(data=st.data())
@PROPERTIES
def test_any_change_to_the_soap_envelope_gives_a_sound_proof_or_a_typed_refusal(data: st.DataObject) -> None:
    variant = changed_xml(data, sample("aras", data.draw(st.sampled_from(REPLIES), label="sample")))

    tolerant(lambda: parse(variant), asked=NUMBER, says_delivered=says_delivered(document_of(variant)))


@given(data=st.data())
@PROPERTIES
def test_a_reply_cut_short_anywhere_is_refused_or_still_sound(data: st.DataObject) -> None:
    raw = sample("aras", data.draw(st.sampled_from(REPLIES), label="sample"))
    cut = data.draw(truncations(raw), label="cut")

    tolerant(lambda: parse(cut), asked=NUMBER, says_delivered=says_delivered(document_of(raw)))


@given(data=st.data())
@PROPERTIES
def test_a_json_document_cut_short_is_refused_or_not_found(data: st.DataObject) -> None:
    text = json.dumps(document_of(sample("aras", data.draw(st.sampled_from(REPLIES), label="sample"))))
    cut = text[: data.draw(st.integers(0, len(text) - 1), label="length")]
    raw = reply(None).replace(b"null", escape(cut).encode())

    proof = tolerant(lambda: parse(raw), asked=NUMBER, says_delivered=False)

    assert proof is None or proof.status is ProofStatus.NOT_FOUND


@given(
    name=st.sampled_from(("delivered.xml", "in-transit.xml", "several-records.xml", "duplicate-records.xml")),
    code=st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-", min_size=1, max_size=8).filter(
        lambda c: c not in KNOWN_CODES
    ),
)
@PROPERTIES
def test_a_status_code_nobody_mapped_is_kept_unknown_with_a_note(name: str, code: str) -> None:
    document = document_of(sample("aras", name))
    for record in ours(document):
        record["DURUM_KODU"] = code

    proof = parse(reply(document))

    assert (proof.status, proof.status_code) == (ProofStatus.UNKNOWN, code)
    assert (proof.delivered_at, proof.received_by) == (None, None)
    assert [(note.code, note.field) for note in proof.notes] == [(NoteCode.STATUS_UNMAPPED, "DURUM_KODU")]


@given(data=st.data())
@PROPERTIES
def test_another_numbers_delivery_never_becomes_ours(data: st.DataObject) -> None:
    """``several-records.xml``: record 101 is delivered, ours (100) is on its way; shuffled, repeated, changed."""
    variant = changed(data, document_of(sample("aras", "several-records.xml")))

    proof = tolerant(lambda: parse(reply(variant)), asked=NUMBER, says_delivered=says_delivered(variant))

    assert proof is None or proof.status is not ProofStatus.DELIVERED or says_delivered(variant)
