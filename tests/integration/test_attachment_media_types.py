"""Evidence intake, over either store, labels a stored image by what its bytes are, never by what the proof
claims: bytes that are no image or document (an HTML page, noise) are not stored at all, and the proof says why."""

import base64
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from adapters.memory import FixedClock, InMemoryEvidenceStore
from adapters.mongo.evidence_store import MongoEvidenceStore
from carriers.parsing import attachment_media_type
from disputes.intake import EvidenceIntake
from disputes.ports import EvidenceStore
from schemas.proof import Attachment, AttachmentKind, NoteCode, ProofOfDelivery, ProofSource, ProofStatus
from tests.factories import NOW

PNG = b"\x89PNG\r\n\x1a\n" + b"signature-pixels" * 50
JPEG = b"\xff\xd8\xff\xe0" + b"photo-pixels" * 50
HTML = b"<!DOCTYPE html><html><script>alert(1)</script>" + b" " * 100
NOISE = bytes(range(256))

type StoreAndCount = tuple[EvidenceIntake, Callable[[], Awaitable[int]]]


@pytest.fixture(params=["memory", "mongo"])
async def store(request: pytest.FixtureRequest, mongo_db: Any, unaudited_db: Any) -> StoreAndCount:
    """The intake over a store, and how many attachments the store holds."""
    if request.param == "memory":
        memory = InMemoryEvidenceStore()

        async def held_in_memory() -> int:
            return len(memory.attachments)

        return _intake(memory), held_in_memory

    async def held_in_mongo() -> int:
        return int(await unaudited_db.attachments.count_documents({}))

    return _intake(MongoEvidenceStore(mongo_db)), held_in_mongo


def _intake(store: EvidenceStore) -> EvidenceIntake:
    return EvidenceIntake(store, store, FixedClock(NOW), attachment_media_type)


def proof_with(kind: AttachmentKind, content: bytes, claimed: str) -> ProofOfDelivery:
    attachment = Attachment(kind=kind, content_b64=base64.b64encode(content).decode(), media_type=claimed)
    return ProofOfDelivery(carrier="yurtici", tracking_number="TRK1", status=ProofStatus.DELIVERED, delivered_at=NOW,
                           source=ProofSource.PUSH, received_at=NOW, **{kind.value: attachment})


@pytest.mark.parametrize(("content", "claimed", "stored_as"), [
    (JPEG, "image/png", "image/jpeg"),
    (PNG, "image/jpeg", "image/png"),
    (PNG, "application/octet-stream", "image/png"),
], ids=["a JPEG called PNG", "a PNG called JPEG", "a PNG called nothing in particular"])
async def test_an_image_is_stored_as_what_its_bytes_are(store: StoreAndCount, content: bytes, claimed: str,
                                                       stored_as: str) -> None:
    intake, _ = store

    stored = await intake.receive_pull("yurtici", proof_with(AttachmentKind.PHOTO, content, claimed), None, None)

    assert stored.photo is not None and stored.photo.ref is not None and stored.photo.media_type == stored_as
    assert await intake.attachments.attachment(stored.photo.ref) == (stored_as, content)
    assert stored.notes == ()


@pytest.mark.parametrize("content", [HTML, NOISE], ids=["an HTML page", "noise"])
@pytest.mark.parametrize("kind", [AttachmentKind.SIGNATURE, AttachmentKind.PHOTO])
async def test_bytes_that_are_no_image_are_not_stored_as_png_nor_at_all(store: StoreAndCount, kind: AttachmentKind,
                                                                          content: bytes) -> None:
    intake, held = store

    stored = await intake.receive_pull("yurtici", proof_with(kind, content, "image/png"), None, None)

    assert getattr(stored, kind.value) is None and stored.inline_attachments() == {}
    assert [(note.code, note.field) for note in stored.notes] == [(NoteCode.ATTACHMENT_DROPPED, kind.value)]
    assert await held() == 0
    assert stored.status is ProofStatus.DELIVERED and stored.delivered_at == NOW  # the rest of the proof stays
