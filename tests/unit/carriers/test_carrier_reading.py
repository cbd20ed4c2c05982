"""The shared tolerant reader: one bad piece of proof is dropped with a note, never the whole proof; a
parcel that is not delivered carries no delivery facts; what the carrier answered is kept as it came."""

import base64
import json

import pytest

from carriers.http import HttpRequest, HttpResponse
from carriers.parsing import ProofNotes, parse_timestamp, sniff
from carriers.status import UNMAPPED, count_unmapped, status_table
from carriers.transcript import keep, recording, transcript_bytes
from schemas.proof import AttachmentKind, NoteCode, ProofOfDelivery, ProofSource, ProofStatus, RecipientRelation
from tests.unit.carriers.conftest import NOW

PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452") + bytes(40)
JPEG = b"\xff\xd8\xff\xe0" + bytes(40)
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + bytes(40)
PDF = b"%PDF-1.4\n" + bytes(40)
HTML = b"<html><body>UPS Proof of Delivery: signed by the receiver</body></html>"


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


@pytest.mark.parametrize(("raw", "media"), [(PNG, "image/png"), (JPEG, "image/jpeg"), (WEBP, "image/webp"),
                                            (PDF, "application/pdf"), (b"  <!DOCTYPE html><p>", "text/html"),
                                            (b"GIF89a......", "image/gif"), (b"II*\x00......", "image/tiff"),
                                            (b"plain words", None)])
def test_media_types_come_from_the_bytes(raw: bytes, media: str | None) -> None:
    assert sniff(raw) == media


def test_a_usable_image_is_kept_with_the_media_type_its_bytes_show() -> None:
    notes = ProofNotes()
    attachment = notes.inline(AttachmentKind.PHOTO, b64(JPEG)[:20] + "\n" + b64(JPEG)[20:], "photo")
    assert attachment is not None and attachment.media_type == "image/jpeg" and attachment.content() == JPEG
    assert notes.items == ()


@pytest.mark.parametrize(
    ("content", "kind", "reason"),
    [
        ("not base64!", AttachmentKind.SIGNATURE, "not valid base64"),
        (b64(b"\x89PNG"), AttachmentKind.SIGNATURE, "only 4 bytes: a placeholder, not an image"),
        (b64(b"NO IMAGE AVAILABLE" * 3), AttachmentKind.PHOTO, "the content is not a recognised image or document"),
        (b64(HTML), AttachmentKind.SIGNATURE, "the content is not a recognised image or document"),
    ],
)
def test_an_unusable_attachment_is_dropped_with_a_note_saying_why(
    content: str, kind: AttachmentKind, reason: str
) -> None:
    notes = ProofNotes()
    assert notes.inline(kind, content, "deliveryInformation.x") is None
    [note] = notes.items
    assert (note.code, note.field, note.reason) == (NoteCode.ATTACHMENT_DROPPED, "deliveryInformation.x", reason)


def test_an_html_proof_letter_is_a_usable_document() -> None:
    document = ProofNotes().inline(AttachmentKind.DOCUMENT, b64(HTML), "pod.content")
    assert document is not None and document.media_type == "text/html"


def test_a_link_that_is_no_web_address_is_dropped_with_a_note() -> None:
    notes = ProofNotes()
    assert notes.linked(AttachmentKind.SIGNATURE, "ftp://pod.example/s.png", "signatureUrl") is None
    assert notes.linked(AttachmentKind.SIGNATURE, "  ", "signatureUrl") is None  # nothing sent: nothing noted
    assert [n.reason for n in notes.items] == ["the link is not an absolute http(s) URL"]


def test_an_unknown_status_code_is_unknown_noted_and_counted_by_carrier_and_code() -> None:
    table = status_table("acme", "status", {"DL": ProofStatus.DELIVERED})
    before = UNMAPPED[("acme", "Q7")]
    notes = ProofNotes()
    assert notes.status(table, "q7", "status.code") is ProofStatus.UNKNOWN
    assert notes.status(table, "DL", "status.code") is ProofStatus.DELIVERED
    assert UNMAPPED[("acme", "Q7")] == before + 1
    assert [(n.code, n.field) for n in notes.items] == [(NoteCode.STATUS_UNMAPPED, "status.code")]


def test_an_unreadable_optional_field_costs_that_field_only() -> None:
    notes = ProofNotes()
    assert notes.optional("deliveredAt", lambda: parse_timestamp("31.02.2024", carrier="x", what="t")) is None
    assert [n.code for n in notes.items] == [NoteCode.FIELD_UNREADABLE]


@pytest.mark.parametrize("status", [s for s in ProofStatus if s is not ProofStatus.DELIVERED])
def test_a_parcel_that_is_not_delivered_carries_no_delivery_facts(status: ProofStatus) -> None:
    proof = ProofOfDelivery.model_validate({
        "carrier": "fedex", "tracking_number": "T1", "status": status, "source": ProofSource.PULL,
        "received_at": NOW, "delivered_at": NOW, "received_by": "Ayşe", "recipient_relation": "neighbour",
        "photo": {"kind": "photo", "url": "https://pod.example/p.png"}, "location": {"text": "Front Door"},
    })
    assert (proof.delivered_at, proof.received_by, proof.photo, proof.location) == (None,) * 4
    assert proof.recipient_relation is RecipientRelation.UNKNOWN


def test_a_pull_transcript_keeps_each_data_reply_as_received_without_query_strings() -> None:
    request = HttpRequest("GET", "https://api.carrier.test/track/1Z9?apikey=secret")
    with recording() as replies:
        keep(request, HttpResponse(200, {"Content-Type": "application/json"}, '{"ad":"Ayşe"}'.encode()))
        keep(request, HttpResponse(200, {}, PNG))
    keep(request, HttpResponse(200, {}, b"after the recording: not kept"))
    document = json.loads(transcript_bytes("ups", replies))
    assert document == {"carrier": "ups", "replies": [
        {"method": "GET", "url": "https://api.carrier.test/track/1Z9", "status": 200,
         "content_type": "application/json", "body": '{"ad":"Ayşe"}'},
        {"method": "GET", "url": "https://api.carrier.test/track/1Z9", "status": 200, "content_type": "",
         "body_base64": b64(PNG)},
    ]}
    assert transcript_bytes("ups", replies) == transcript_bytes("ups", list(replies))  # stored once


def test_notes_are_kept_once_and_never_more_than_a_proof_holds() -> None:
    notes = ProofNotes()
    for index in range(150):
        notes.unreadable(f"events.{index}.date", "the value could not be read")
        notes.unreadable(f"events.{index}.date", "the value could not be read")
    assert len(notes.items) == 100 == len(set(notes.items))
    ProofOfDelivery(carrier="ptt", tracking_number="T1", status=ProofStatus.IN_TRANSIT, source=ProofSource.PULL,
                    received_at=NOW, notes=notes.items)


def test_past_its_bound_the_unmapped_code_counter_counts_new_codes_together() -> None:
    for index in range(600):
        count_unmapped("acme", f"C{index}")
    count_unmapped("acme", "C1")
    assert len(UNMAPPED) == 501 and UNMAPPED[("acme", "C1")] == 2 and UNMAPPED[("acme", "(other)")] == 100
