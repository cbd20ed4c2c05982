"""The partner webhook's parser (every Turkish carrier's push, Sürat's only way in) under the ways real bodies
differ from the samples (``properties``): a proof that keeps the invariants, or a typed refusal."""

import base64
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from carriers.partner.mapping import event_proof, read_event
from schemas.proof import NoteCode, ProofOfDelivery, ProofStatus
from tests.unit.carriers.conftest import RECEIVED
from tests.unit.carriers.properties import FIXTURES, PROPERTIES, json_variants, sample, sample_json, tolerant, truncations

SAMPLES = sorted(
    (path.parent.name, path.name) for folder in ("partner", "surat") for path in (FIXTURES / folder).glob("*.json")
)
MAX_BODY = 1 << 20


@st.composite
def variants(draw: st.DrawFn, original: Any) -> Any:
    """Up to three ``json_variants`` changes, each on a fresh copy of the last (a value the harness inserts
    is one shared object: changing it in place would change it for every later example)."""
    document = original
    for _ in range(draw(st.integers(1, 3))):
        document = json.loads(json.dumps(draw(json_variants(document, max_changes=1))))
    return document


def parsed(raw: bytes, carrier: str, asked: Any, says_delivered: bool) -> ProofOfDelivery | None:
    number = asked if isinstance(asked, str) else "not a number"
    return tolerant(
        lambda: event_proof(read_event(raw, carrier=carrier, max_body_bytes=MAX_BODY), RECEIVED).proof,
        asked=number,
        says_delivered=says_delivered,
    )


def field(document: Any, key: str) -> Any:
    return document.get(key) if isinstance(document, dict) else None


@pytest.mark.parametrize(("folder", "name"), SAMPLES)
@PROPERTIES
@given(data=st.data())
def test_any_variant_of_a_pushed_event_gives_a_sound_proof_or_a_typed_refusal(folder, name, data) -> None:
    original = sample_json(folder, name)
    variant = data.draw(variants(original), label="body")
    proof = parsed(json.dumps(variant).encode(), original["carrier"], field(variant, "tracking_number"),
                   says_delivered=field(variant, "status") == "delivered")
    if proof is not None:
        assert proof.status_code == field(variant, "status")


@pytest.mark.parametrize(("folder", "name"), SAMPLES)
@PROPERTIES
@given(data=st.data())
def test_a_pushed_event_cut_short_is_refused_unless_only_blanks_were_cut(folder: str, name: str, data: st.DataObject) -> None:
    original = sample(folder, name)
    raw = data.draw(truncations(original), label="body")
    document = json.loads(original)
    proof = parsed(raw, document["carrier"], document["tracking_number"], document["status"] == "delivered")
    assert proof is None or raw.strip() == original.strip()  # only the trailing line break was cut


ODD_IMAGES = st.one_of(
    st.none(),
    st.text(max_size=20),
    st.integers(),
    st.lists(st.text(max_size=5), max_size=2),
    st.fixed_dictionaries({"url": st.text(max_size=30)}),
    st.fixed_dictionaries({"content_b64": st.text(max_size=40), "media_type": st.sampled_from(
        ["image/png", "image/jpeg", "application/pdf", "text/html"])}),
    st.fixed_dictionaries({"content_b64": st.binary(max_size=80).map(lambda b: base64.b64encode(b).decode()),
                           "media_type": st.just("image/png")}),
)


@pytest.mark.parametrize("kind", ["signature", "photo"])
@PROPERTIES
@given(image=ODD_IMAGES)
def test_a_bad_image_costs_that_image_only(kind: str, image: Any) -> None:
    document = sample_json("partner", "masked-receiver.json") | {
        "photo": sample_json("partner", "delivered-with-proof.json")["photo"], kind: image,
    }
    proof = parsed(json.dumps(document).encode(), "hepsijet", "HJ123456789", says_delivered=True)

    assert proof is not None and proof.status is ProofStatus.DELIVERED and proof.received_by == "GAYE Ü***"
    other = proof.photo if kind == "signature" else proof.signature
    assert other is not None
    dropped = [note for note in proof.notes if note.code is NoteCode.ATTACHMENT_DROPPED]
    if getattr(proof, kind) is None and image is not None:
        assert [note.field for note in dropped] == [kind]
    else:
        assert dropped == []
