"""UPS parsers under the ways real replies differ from their samples (``tests.unit.carriers.properties``).

Whether UPS "says delivered" is read from each variant here, in the test's own words: a status of the
asked package (``currentStatus`` or a scan's ``status``) of type ``D`` or with the delivered code ``011``.
"""

import base64
import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from carriers.http import HttpResponse
from carriers.ups.mapping import parse_track_response
from carriers.ups.webhook import parse_tracking_event
from schemas.proof import NoteCode, ProofOfDelivery, ProofStatus
from tests.unit.carriers.conftest import RECEIVED
from tests.unit.carriers.properties import PROPERTIES, json_variants, sample, sample_json, tolerant, truncations

ASKED = {
    "track-delivered-signature-photo.json": "1Z023E2X0214323462",
    "track-delivered-bad-attachments.json": "1Z023E2X0214323462",
    "track-delivered-no-proof.json": "1Z1442YY7229014688",
    "track-delivered-no-offsets.json": "1ZR760R60332160282",
    "track-in-transit.json": "1Z023E2X0214323462",
    "track-placeholder-images.json": "string",
    "track-not-found.json": "1Z023E2X0214323462",
}
MULTI = "track-multi-package.json"
PACKAGES = ("1Z023E2X0214323462", "1Z023E2X0214323471")
ALERTS = ("alert-delivered.json", "alert-delivered-photo.json", "alert-out-for-delivery.json")
KNOWN_TYPES = {"D", "I", "M", "MV", "U", "X"}
INFO = "trackResponse.shipment.package.deliveryInformation"
IMAGE_FIELDS = (("signature", "image"), ("deliveryPhoto", "photo"), ("pod", "content"))


def key(value: Any) -> str:
    return "".join(value.split()).upper() if isinstance(value, str) else ""


def packages(reply: Any) -> list[dict[str, Any]]:
    track = reply.get("trackResponse") if isinstance(reply, dict) else None
    shipments = track.get("shipment") if isinstance(track, dict) else None
    found = []
    for shipment in shipments if isinstance(shipments, list) else ():
        listed = shipment.get("package") if isinstance(shipment, dict) else None
        found += [p for p in listed if isinstance(p, dict)] if isinstance(listed, list) else []
    return found


def asked_packages(reply: Any, asked: str) -> list[dict[str, Any]]:
    """The packages of the reply that are the asked one: its number, or the reply's only, unnumbered package."""
    listed = packages(reply)
    mine = [p for p in listed if key(p.get("trackingNumber")) == key(asked)]
    if not mine and len(listed) == 1 and not key(listed[0].get("trackingNumber")):
        mine = listed
    return mine


def statuses(package: dict[str, Any]) -> list[Any]:
    scans = package.get("activity")
    listed = [scan.get("status") for scan in scans if isinstance(scan, dict)] if isinstance(scans, list) else []
    return [package.get("currentStatus"), *listed]


def delivered_word(status: Any) -> bool:
    if not isinstance(status, dict):
        return False
    codes = (status.get(field) for field in ("statusCode", "descriptionCode", "code"))
    return key(status.get("type")) == "D" or any(key(code) == "011" for code in codes)


def says_delivered(reply: Any, asked: str) -> bool:
    return any(delivered_word(status) for package in asked_packages(reply, asked) for status in statuses(package))


def images(reply: Any, asked: str) -> set[str]:
    """The base64 images the asked package's deliveryInformation carries, as sent."""
    found = set()
    for package in asked_packages(reply, asked):
        info = package.get("deliveryInformation")
        for part, field in IMAGE_FIELDS if isinstance(info, dict) else ():
            holder = info.get(part)
            if isinstance(holder, dict) and isinstance(holder.get(field), str):
                found.add("".join(holder[field].split()))
    return found


def parse(reply: Any, asked: str) -> ProofOfDelivery:
    body = json.dumps(reply).encode() if not isinstance(reply, bytes) else reply
    return parse_track_response(HttpResponse(200, {}, body), asked, RECEIVED)


@PROPERTIES
@given(data=st.data(), name=st.sampled_from(sorted(ASKED)))
def test_any_variant_of_a_track_reply_is_a_proof_of_the_asked_package_or_a_typed_refusal(data, name) -> None:
    asked = ASKED[name]
    variant = data.draw(json_variants(sample_json("ups", name)))

    proof = tolerant(lambda: parse(variant, asked), asked=asked, says_delivered=says_delivered(variant, asked))

    for attachment in (proof.signature, proof.photo, proof.document) if proof else ():
        assert attachment is None or attachment.content_b64 in images(variant, asked)


@PROPERTIES
@given(data=st.data(), asked=st.sampled_from(PACKAGES))
def test_a_multi_package_reply_never_lends_one_package_s_proof_to_another(data, asked) -> None:
    variant = data.draw(json_variants(sample_json("ups", MULTI)))

    proof = tolerant(lambda: parse(variant, asked), asked=asked, says_delivered=says_delivered(variant, asked))

    if proof is not None and proof.signature is not None:
        assert proof.signature.content_b64 in images(variant, asked), "a signature from another package"


@PROPERTIES
@given(name=st.sampled_from(sorted(ASKED)), data=st.data())
def test_a_track_reply_cut_short_is_never_a_crash(name, data) -> None:
    asked = ASKED[name]
    body = data.draw(truncations(sample("ups", name)))

    tolerant(lambda: parse(body, asked), asked=asked, says_delivered=True)


@PROPERTIES
@given(code=st.text(alphabet="ABCEFGHJKLNOPQRSTVWYZ", min_size=1, max_size=3).filter(lambda c: c not in KNOWN_TYPES))
def test_an_unknown_status_type_is_unknown_with_its_code_and_a_note(code) -> None:
    reply = sample_json("ups", "track-delivered-signature-photo.json")
    reply["trackResponse"]["shipment"][0]["package"][0]["activity"][0]["status"]["type"] = code

    proof = parse(reply, "1Z023E2X0214323462")

    assert (proof.status, proof.status_code) == (ProofStatus.UNKNOWN, code)
    assert NoteCode.STATUS_UNMAPPED in {note.code for note in proof.notes}
    assert (proof.signature, proof.delivered_at) == (None, None)


@PROPERTIES
@given(
    photo=st.one_of(
        st.text(max_size=40),
        st.binary(max_size=40).map(lambda raw: base64.b64encode(raw).decode()),
        st.binary(min_size=40, max_size=80).map(lambda raw: base64.b64encode(b"\x00" + raw).decode()),
    )
)
def test_a_bad_photo_is_dropped_with_a_note_and_the_rest_of_the_proof_stays(photo) -> None:
    reply = sample_json("ups", "track-delivered-signature-photo.json")
    reply["trackResponse"]["shipment"][0]["package"][0]["deliveryInformation"]["deliveryPhoto"]["photo"] = photo

    proof = parse(reply, "1Z023E2X0214323462")

    assert (proof.status, proof.received_by, proof.photo) == (ProofStatus.DELIVERED, "John", None)
    assert proof.signature is not None and proof.document is not None and proof.delivered_at is not None
    dropped = [note.field for note in proof.notes if note.code is NoteCode.ATTACHMENT_DROPPED]
    assert dropped == ([f"{INFO}.deliveryPhoto.photo"] if photo.strip() else [])


@PROPERTIES
@given(data=st.data(), name=st.sampled_from(ALERTS))
def test_any_variant_of_a_track_alert_is_a_proof_or_a_typed_refusal(data, name) -> None:
    variant = data.draw(json_variants(sample_json("ups", name)))
    number = variant.get("trackingNumber") if isinstance(variant, dict) else None
    asked = number if isinstance(number, str) else "1Z204W4R0308071865"

    proof = tolerant(
        lambda: parse_tracking_event(json.dumps(variant).encode(), RECEIVED).proof,
        asked=asked,
        says_delivered=delivered_word(variant.get("activityStatus") if isinstance(variant, dict) else None),
    )

    assert proof is None or proof.signature is None  # Track Alert carries no signature


@PROPERTIES
@given(data=st.data(), name=st.sampled_from(ALERTS))
def test_a_track_alert_cut_short_is_never_a_crash(data, name) -> None:
    body = data.draw(truncations(sample("ups", name)))

    tolerant(lambda: parse_tracking_event(body, RECEIVED).proof, asked="1Z204W4R0308071865", says_delivered=True)


def test_the_samples_read_as_the_properties_expect() -> None:
    """The test's own reading of the samples agrees with what each sample is (see PROVENANCE.md)."""
    assert says_delivered(sample_json("ups", "track-delivered-no-proof.json"), "1Z1442YY7229014688")
    assert not says_delivered(sample_json("ups", "track-in-transit.json"), "1Z023E2X0214323462")
    assert says_delivered(sample_json("ups", MULTI), PACKAGES[0])
    assert not says_delivered(sample_json("ups", MULTI), PACKAGES[1])
