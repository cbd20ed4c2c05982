from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from schemas.proof import Attachment, AttachmentKind, ProofOfDelivery, ProofOffer, ProofStatus, RecipientRelation

PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="


def proof(**changes: object) -> ProofOfDelivery:
    fields: dict[str, object] = {
        "carrier": "ups",
        "tracking_number": "1Z023E2X0214323462",
        "status": "delivered",
        "delivered_at": datetime(2021, 2, 10, 12, 13, 56, tzinfo=UTC),
        "received_by": "Ayşe Yılmaz",
        "recipient_relation": "neighbour",
        "signature": {"kind": "signature", "content_b64": PNG, "media_type": "image/png"},
        "photo": {"kind": "photo", "url": "https://example.test/photo.jpg"},
        "location": {"lat": 41.0082, "lon": 28.9784, "accuracy_m": 15, "text": "Front Door", "address": "Moda Cd. 1"},
        "courier": {"name": "Mehmet Kaya", "unit": "Kadıköy"},
        "source": "pull",
        "received_at": datetime(2021, 2, 10, 13, 0, tzinfo=UTC),
        "events": [{"at": datetime(2021, 2, 10, 12, 13, 56, tzinfo=UTC), "code": "FS", "description": "Delivered"}],
    }
    return ProofOfDelivery.model_validate(fields | changes)


def test_a_complete_proof_round_trips_through_json() -> None:
    original = proof()
    assert ProofOfDelivery.model_validate_json(original.model_dump_json()) == original
    assert original.recipient_relation is RecipientRelation.NEIGHBOUR


def test_repr_and_str_show_carrier_tracking_number_and_status_only() -> None:
    shown = repr(proof()) + str(proof()) + repr(proof().signature) + repr(proof().location) + repr(proof().courier)
    assert "1Z023E2X0214323462" in shown and "delivered" in shown
    for personal in ("Ayşe", "Moda", "Front Door", "Mehmet", "41.0082", PNG[:12], "Kadıköy"):
        assert personal not in shown


@pytest.mark.parametrize("field", ["delivered_at", "received_at"])
def test_naive_timestamps_are_rejected(field: str) -> None:
    with pytest.raises(ValidationError):
        proof(**{field: datetime(2021, 2, 10, 12, 0)})


@pytest.mark.parametrize("written", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"])
def test_a_time_whose_offset_takes_it_past_what_utc_can_hold_is_rejected(written: str) -> None:
    """No instant in UTC: it could be neither stored nor compared with any other time."""
    for changes in ({"delivered_at": written}, {"events": [{"at": written, "code": "FS"}]}):
        with pytest.raises(ValidationError):
            proof(**changes)


def test_unknown_fields_are_rejected() -> None:
    with pytest.raises(ValidationError):
        proof(mood="happy")


def test_the_model_is_frozen() -> None:
    with pytest.raises(ValidationError):
        proof().status = ProofStatus.RETURNED  # type: ignore[misc]


@pytest.mark.parametrize(
    "attachment",
    [
        {"kind": "signature"},
        {"kind": "signature", "url": "https://example.test/s.png", "ref": "blob-1"},
        {"kind": "signature", "content_b64": PNG},
        {"kind": "signature", "content_b64": "not base64!", "media_type": "image/png"},
        {"kind": "signature", "url": "javascript:alert(1)"},
        {"kind": "photo", "url": "https://example.test/p.jpg"},
    ],
    ids=["no form", "two forms", "inline without media type", "bad base64", "non-http link", "wrong slot"],
)
def test_an_invalid_signature_attachment_is_rejected(attachment: dict[str, str]) -> None:
    with pytest.raises(ValidationError):
        proof(signature=attachment)


def test_latitude_without_longitude_is_rejected() -> None:
    with pytest.raises(ValidationError):
        proof(location={"lat": 41.0})


def test_inline_attachments_are_listed_for_moving_to_storage() -> None:
    inline = proof().inline_attachments()
    assert list(inline) == [AttachmentKind.SIGNATURE]
    assert inline[AttachmentKind.SIGNATURE].content().startswith(b"\x89PNG")


def test_attachments_can_be_replaced_by_storage_references() -> None:
    stored = proof().with_attachment_refs({AttachmentKind.SIGNATURE: "blob-42"})
    assert stored.signature == Attachment(kind=AttachmentKind.SIGNATURE, ref="blob-42", media_type="image/png")
    assert stored.inline_attachments() == {}
    assert stored.photo == proof().photo
    assert proof().signature is not None and proof().signature.content_b64 == PNG  # the original is untouched


def test_replacing_a_missing_attachment_is_an_error() -> None:
    with pytest.raises(ValueError, match="no document"):
        proof().with_attachment_refs({AttachmentKind.DOCUMENT: "blob-1"})


def test_a_proof_of_checked_values_is_the_validated_proof() -> None:
    validated = proof()
    fields = {name: getattr(validated, name) for name in validated.model_fields_set}

    assembled = ProofOfDelivery.of_checked(**fields)

    assert assembled == validated and assembled.model_dump_json() == validated.model_dump_json()
    assert (assembled.packages, assembled.notes, assembled.offer) == ((), (), None)  # left out: the defaults


def test_a_proof_of_checked_values_keeps_delivery_facts_only_on_a_delivery_as_validation_does() -> None:
    validated = proof(status="in_transit")
    fields = {name: getattr(proof(), name) for name in proof().model_fields_set} | {"status": ProofStatus.IN_TRANSIT}

    assembled = ProofOfDelivery.of_checked(**fields)

    assert assembled == validated
    assert (assembled.delivered_at, assembled.received_by, assembled.signature, assembled.location) == (None,) * 4


def test_a_proof_stamped_on_receipt_is_the_copy_with_those_fields() -> None:
    original = proof(source="push")
    at = datetime(2021, 2, 10, 14, 0, tzinfo=UTC)
    offer = ProofOffer(signature=True, photo=True, gps=False, place_text=True, receiver_name=True, masked_names=False)

    received = original.as_received(at, "raw_0123", offer)

    assert received == original.model_copy(update={"received_at": at, "raw_ref": "raw_0123", "offer": offer})
    assert ProofOfDelivery.model_validate(received.model_dump()) == received
    assert (original.received_at, original.raw_ref) == (datetime(2021, 2, 10, 13, 0, tzinfo=UTC), None)


def test_a_proof_stored_with_a_year_9999_time_still_reads() -> None:
    """The carriers' readers now take no placeholder time, but one read before (.NET's `MaxValue`) may be stored with a
    case or a push: it still loads, or every read of them would fail."""
    from adapters.mongo.evidence_store import _evidence

    stored = {"carrier": "yurtici", "tracking_number": "YT123", "status": "delivered",
              "delivered_at": datetime(9999, 12, 31, 20, 59, 59, tzinfo=UTC),
              "received_at": datetime(2026, 11, 16, 11, 0, tzinfo=UTC), "source": "pull"}
    assert ProofOfDelivery.model_validate(stored).delivered_at is not None
    assert _evidence({"_id": "k", "proof": stored}).key == "k"
