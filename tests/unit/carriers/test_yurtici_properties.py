"""Yurtiçi's queryShipment parser held to the tolerant-reader properties over every reply sample, mutated the
ways real replies differ (``tests/unit/carriers/properties.py``).

Whether the carrier said "delivered" is read here from the mutated reply itself: a detail about the asked key
(by cargoKey or invoiceKey, or one without a cargo key) whose ``operationCode`` is 5 or whose ``operationStatus`` is
DLV. A CarrierUnavailable (Yurtiçi's "unexpected error", outFlag 2 / errCode 936) is a typed answer the retry
policy understands, like the harness's CarrierRejected.
"""

import contextlib
from xml.etree import ElementTree

import pytest
from hypothesis import given
from hypothesis import strategies as st

from carriers.errors import CarrierUnavailable
from carriers.http import HttpResponse
from carriers.yurtici.mapping import parse_query_response
from schemas.proof import NoteCode, ProofOfDelivery, ProofStatus
from tests.unit.carriers.conftest import RECEIVED
from tests.unit.carriers.properties import PROPERTIES, check, sample, tolerant, truncations, xml_variants

# (sample, the number asked): every reply sample, and each key of the multi-package one.
CASES = [
    ("query-delivered.xml", "12520"),
    ("query-delivered-no-proof.xml", "12521"),
    ("query-in-transit.xml", "12522"),
    ("query-returned-delivered.xml", "12523"),
    ("query-not-processed.xml", "TEST001"),
    ("query-multi-package.xml", "10012"),
    ("query-multi-package.xml", "10013"),
    ("query-multi-package.xml", "A123456"),
    ("query-not-found.xml", "KEY404"),
    ("query-auth-error.xml", "12520"),
    ("query-unexpected-error.xml", "12520"),
    ("query-keys-missing.xml", "12520"),
    ("fault-auth.xml", "12520"),
    ("fault-key-not-found.xml", "KEY404"),
]
MAPPED_CODES = {"0", "1", "2", "3", "4", "5", "6"}


def local(element: ElementTree.Element) -> str:
    return element.tag.rpartition("}")[2]


def texts(detail: ElementTree.Element, name: str) -> list[str]:
    return [(child.text or "").strip() for child in detail if local(child) == name]


def about(detail: ElementTree.Element, asked: str) -> bool:
    """The detail may describe ``asked``: by its cargo key or invoice key, or it names no cargo key."""
    key = cargo_key(detail)
    return key == asked or asked in texts(detail, "invoiceKey") or key is None


def cargo_key(detail: ElementTree.Element) -> str | None:
    """The detail's cargo key, else its item's (the WSDL gives both): a key element that is empty or arrives
    repeated (where the WSDL has one) names no key, as every single-valued field read so."""
    own = texts(detail, "cargoKey")
    if len(own) == 1 and own[0]:
        return own[0]
    items = [child for child in detail if local(child) == "shippingDeliveryItemDetailVO"]
    keys = texts(items[0], "cargoKey") if len(items) == 1 else []
    return keys[0] if len(keys) == 1 and keys[0] else None


def says_delivered(body: bytes, asked: str) -> bool:
    """The carrier's own words, in the reply: some detail about ``asked`` has code 5 or status DLV."""
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError:
        return False
    details = [e for e in root.iter() if local(e) == "shippingDeliveryDetailVO" and about(e, asked)]
    return any("5" in texts(d, "operationCode") or "DLV" in texts(d, "operationStatus") for d in details)


@st.composite
def variants(draw: st.DrawFn, original: bytes) -> bytes:
    """Up to three changes, one ``xml_variants`` change at a time while the document is still XML with an
    element to change (the harness cannot draw a change in a root that has lost every child, nor read the
    control characters its own new texts may bring)."""
    body = original
    for _ in range(draw(st.integers(1, 3))):
        if not _changeable(body):
            break
        body = draw(xml_variants(body, max_changes=1))
    return body


def _changeable(body: bytes) -> bool:
    try:
        return len(ElementTree.fromstring(body)) > 0
    except ElementTree.ParseError:
        return False


def parsed(body: bytes, asked: str) -> ProofOfDelivery | None:
    with contextlib.suppress(CarrierUnavailable):
        return tolerant(
            lambda: parse_query_response(HttpResponse(200, {}, body), asked, RECEIVED),
            asked=asked,
            says_delivered=says_delivered(body, asked),
        )
    return None


@pytest.mark.parametrize(("name", "asked"), CASES)
@PROPERTIES
@given(data=st.data())
def test_any_variant_of_a_reply_gives_a_sound_proof_or_a_typed_refusal(name: str, asked: str, data) -> None:
    parsed(data.draw(variants(sample("yurtici", name))), asked)


def test_a_detail_whose_own_cargo_key_arrives_twice_is_about_its_item_s_key() -> None:
    body = sample("yurtici", "query-delivered.xml").replace(
        b"<cargoKey>12520</cargoKey>", b"<cargoKey>99</cargoKey><cargoKey>98</cargoKey>", 1
    )

    assert says_delivered(body, "12520")
    assert parsed(body, "12520").status is ProofStatus.DELIVERED


@pytest.mark.parametrize(("name", "asked"), CASES)
@PROPERTIES
@given(data=st.data())
def test_a_reply_cut_short_gives_a_sound_proof_or_a_typed_refusal(name: str, asked: str, data) -> None:
    parsed(data.draw(truncations(sample("yurtici", name))), asked)


@PROPERTIES
@given(code=st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_", min_size=1, max_size=10))
def test_an_unknown_operation_code_is_unknown_kept_and_noted(code: str) -> None:
    body = sample("yurtici", "query-delivered.xml").replace(
        b"<operationCode>5</operationCode>", f"<operationCode>{code}</operationCode>".encode()
    )
    proof = parsed(body, "12520")
    assert proof is not None
    if code in MAPPED_CODES:
        return
    assert (proof.status, proof.status_code) == (ProofStatus.UNKNOWN, code)
    assert (proof.delivered_at, proof.received_by) == (None, None)
    assert NoteCode.STATUS_UNMAPPED in [note.code for note in proof.notes]


@PROPERTIES
@given(order=st.permutations([0, 1]), asked=st.sampled_from(["10012", "10013"]))
def test_a_package_never_gets_its_siblings_proof_whatever_the_order(order: list[int], asked: str) -> None:
    root = ElementTree.fromstring(sample("yurtici", "query-multi-package.xml"))
    result = next(e for e in root.iter() if local(e) == "ShippingDeliveryVO")
    details = [e for e in result if local(e) == "shippingDeliveryDetailVO"]
    for detail in details:
        result.remove(detail)
    result.extend(details[i] for i in order)
    body = ElementTree.tostring(root, encoding="utf-8")
    proof = parsed(body, asked)
    assert proof is not None and proof.package_number == asked
    assert (proof.status is ProofStatus.DELIVERED) == (asked == "10012")
    assert [package.number for package in proof.packages] == [{"10012": "10013", "10013": "10012"}[asked]]
    check(proof, asked=asked, says_delivered=asked == "10012")

