"""PTT's ``gonderiSorgu`` parser under the ways real replies differ from the samples (``properties``): a proof
that keeps the invariants, or a typed refusal. What PTT says of a parcel is read here from the variant itself,
with PTT's published status table (``durum-kodlari.md``), never through the mapping."""

import re
from xml.etree import ElementTree

import pytest
from hypothesis import given
from hypothesis import strategies as st

from carriers.http import HttpResponse
from carriers.ptt.codes import CODES
from carriers.ptt.mapping import parse_query_response
from carriers.turkish import ascii_key
from schemas.proof import NoteCode, ProofOfDelivery, ProofStatus
from tests.unit.carriers.conftest import RECEIVED
from tests.unit.carriers.properties import FIXTURES, PROPERTIES, sample, tolerant, truncations, xml_variants

ASKED = {
    "gonderiSorgu-delivered-to-addressee.xml": "KP02123456789",
    "gonderiSorgu-delivered-no-receiver.xml": "KP02123456789",
    "gonderiSorgu-delivered-to-relative.xml": "KP02987650001",
    "gonderiSorgu-accepted.xml": "KP02987654321",
    "gonderiSorgu-failed-attempt.xml": "KP02333333333",
    "gonderiSorgu-returned.xml": "KP02111111111",
    "gonderiSorgu-unknown-code.xml": "KP02555555555",
    "gonderiSorgu-no-movements.xml": "KP02777777777",
    "gonderiSorgu-not-found.xml": "KP02000000000",
    "gonderiSorgu-empty-return.xml": "KP02000000000",
    "gonderiSorgu-shuffled-duplicate.xml": "KP02444444444",
    "gonderiSorgu_referansNo-out-for-delivery.xml": "ORD-777",
}
PEOPLE = ("MEHMET", "Mehmet", "FATMA", "Ayşe", "AHMET", "Ahmet")


def _delivery_codes() -> frozenset[str]:
    rows = (FIXTURES / "ptt" / "durum-kodlari.md").read_text(encoding="utf-8").splitlines()
    cells = [[c.strip() for c in row.split("|")[1:-1]] for row in rows if re.match(r"^\| \d", row)]
    return frozenset(code for code, _, _, group, _ in cells if group == "TESLİM")


DELIVERY = _delivery_codes()


@st.composite
def variants(draw: st.DrawFn, original: bytes) -> bytes:
    """Up to three ``xml_variants`` changes, one at a time (a change can leave no element to change next)."""
    raw = original
    for _ in range(draw(st.integers(1, 3))):
        if not any(len(element) for element in elements(raw)):
            break
        raw = draw(xml_variants(raw, max_changes=1))
    return raw


def elements(raw: bytes) -> list[ElementTree.Element]:
    """Every element of the reply; none when it is no well-formed XML (the parser must refuse it)."""
    try:
        return list(ElementTree.fromstring(raw).iter())
    except ElementTree.ParseError:
        return []


def leaves(raw: bytes, name: str) -> list[str]:
    """The texts of every element called ``name`` in the reply."""
    return [(e.text or "").strip() for e in elements(raw) if e.tag.rpartition("}")[2] == name]


def ptt_says_delivered(raw: bytes) -> bool:
    """Some movement of the reply carries a code PTT files under delivery (TESLİM)."""
    return any(code in DELIVERY for code in leaves(raw, "IKODU"))


def parsed(raw: bytes, asked: str) -> ProofOfDelivery | None:
    return tolerant(lambda: parse_query_response(HttpResponse(200, {}, raw), asked, RECEIVED), asked=asked,
                    says_delivered=ptt_says_delivered(raw))


def assert_ptt_facts(proof: ProofOfDelivery, raw: bytes, asked: str) -> None:
    barcodes = leaves(raw, "BARNO")
    if proof.package_number is not None:  # a barcode query: the proof is about the barcode asked
        assert proof.package_number == asked and ascii_key(barcodes[0]) == ascii_key(asked)
    if proof.status_code is not None:
        assert proof.status_code in leaves(raw, "IKODU")
        if proof.status_code not in CODES:
            assert proof.status is ProofStatus.UNKNOWN
            assert any(n.code is NoteCode.STATUS_UNMAPPED for n in proof.notes)
    assert len(proof.notes) <= 3
    assert not any(person in repr(proof.notes) for person in PEOPLE)


@pytest.mark.parametrize("name", sorted(ASKED))
@PROPERTIES
@given(data=st.data())
def test_any_variant_of_a_ptt_reply_gives_a_sound_proof_or_a_typed_refusal(name: str, data: st.DataObject) -> None:
    raw = data.draw(variants(sample("ptt", name)), label="reply")
    proof = parsed(raw, ASKED[name])
    if proof is not None:
        assert_ptt_facts(proof, raw, ASKED[name])


@pytest.mark.parametrize("name", sorted(ASKED))
@PROPERTIES
@given(data=st.data())
def test_a_ptt_reply_cut_short_is_refused_or_read_soundly(name: str, data: st.DataObject) -> None:
    raw = data.draw(truncations(sample("ptt", name)), label="reply")
    parsed(raw, ASKED[name])


@PROPERTIES
@given(barcode=st.text(alphabet="KP0123456789 kp", min_size=1, max_size=16))
def test_proof_never_comes_from_another_barcode(barcode: str) -> None:
    raw = sample("ptt", "gonderiSorgu-delivered-to-addressee.xml").replace(
        b"<ax21:BARNO>KP02123456789</ax21:BARNO>", f"<ax21:BARNO>{barcode}</ax21:BARNO>".encode()
    )
    proof = parsed(raw, "KP02123456789")
    if proof is not None and barcode.strip():
        assert ascii_key(barcode) == ascii_key("KP02123456789")


@PROPERTIES
@given(code=st.text(alphabet="0123456789ABCXYZ-", min_size=1, max_size=8))
def test_any_movement_code_is_kept_and_only_ptts_delivery_codes_deliver(code: str) -> None:
    raw = sample("ptt", "gonderiSorgu-delivered-to-addressee.xml").replace(
        b"<ax21:IKODU>100</ax21:IKODU>", f"<ax21:IKODU>{code}</ax21:IKODU>".encode()
    )
    proof = parsed(raw, "KP02123456789")

    assert proof is not None
    assert proof.status_code in (code, "7")  # a code that only notes something leaves the earlier state
    assert (proof.status is ProofStatus.DELIVERED) <= (code in DELIVERY)
    assert (code not in CODES) == any(n.code is NoteCode.STATUS_UNMAPPED for n in proof.notes)
