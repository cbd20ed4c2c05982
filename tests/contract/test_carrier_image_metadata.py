"""A carrier's image as a case cites it (and staff are shown it) is written anew without its metadata: the GPS
position, make and serial of the courier's phone stay behind. A pulled image is cleaned before it is stored; a pushed
one is stored as sent (the webhook's answer waits for no decode) and cleaned when it is attached (`shown`). The raw
reply keeps the carrier's bytes exactly, and an image that cannot be decoded is kept as sent: it is proof."""

import base64
import io

from PIL import Image

from adapters.images import CarrierImages, DecodeTurns
from adapters.memory import FixedClock
from carriers.parsing import attachment_media_type
from disputes.intake import EvidenceIntake, PushedEvent, attachment_ref, raw_ref
from schemas.proof import Attachment, AttachmentKind, ProofOfDelivery, ProofSource, ProofStatus
from tests.contract.conftest import Storage
from tests.factories import NOW

MAKE, SERIAL, GPS, EXIF_IFD = 0x010F, 0xA431, 0x8825, 0x8769


def photo_with_gps() -> bytes:
    """A JPEG as a courier's phone takes it: its make, its serial and where it stood (40°58'55"N 29°03'27"E)."""
    exif = Image.Exif()
    exif[MAKE] = "CourierPhoneMaker"
    exif.get_ifd(EXIF_IFD)[SERIAL] = "SERIAL-12345"
    gps = exif.get_ifd(GPS)
    gps[1], gps[2], gps[3], gps[4] = "N", (40.0, 58.0, 55.0), "E", (29.0, 3.0, 27.0)
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def metadata(content: bytes) -> dict[str, object]:
    with Image.open(io.BytesIO(content)) as image:
        exif = image.getexif()
        return {"make": exif.get(MAKE), "serial": exif.get_ifd(EXIF_IFD).get(SERIAL), "gps": dict(exif.get_ifd(GPS)),
                "size": image.size}


def intake(storage: Storage) -> EvidenceIntake:
    return EvidenceIntake(storage.evidence, storage.evidence, FixedClock(NOW), attachment_media_type,
                          CarrierImages(DecodeTurns(1)))


def photo_proof(content: bytes, source: ProofSource) -> ProofOfDelivery:
    photo = Attachment(kind=AttachmentKind.PHOTO, content_b64=base64.b64encode(content).decode(),
                       media_type="image/jpeg")
    return ProofOfDelivery(carrier="surat", tracking_number="TRK1", status=ProofStatus.DELIVERED, delivered_at=NOW,
                           source=source, received_at=NOW, photo=photo)


async def raw_reply(storage: Storage, ref: str) -> bytes:
    if storage.name == "memory":
        return bytes(storage.evidence.raw[ref])
    doc = await storage.evidence.raw.find_one({"_id": ref})
    return bytes(doc["body"])


async def test_the_test_photo_carries_the_metadata_the_test_is_about() -> None:
    assert metadata(photo_with_gps()) == {
        "make": "CourierPhoneMaker", "serial": "SERIAL-12345", "size": (64, 48),
        "gps": {1: "N", 2: (40.0, 58.0, 55.0), 3: "E", 4: (29.0, 3.0, 27.0)},
    }


async def test_a_pulled_photo_is_stored_without_its_metadata_and_the_raw_reply_as_sent(storage: Storage) -> None:
    content = photo_with_gps()
    transcript = b'{"photo": "' + base64.b64encode(content) + b'"}'

    stored = await intake(storage).receive_pull("surat", photo_proof(content, ProofSource.PULL), None, transcript)

    assert stored.photo is not None and stored.photo.ref is not None
    media_type, kept = await storage.evidence.attachment(stored.photo.ref)
    assert media_type == "image/jpeg"
    assert metadata(kept) == {"make": None, "serial": None, "gps": {}, "size": (64, 48)}
    assert await storage.evidence.attachment(attachment_ref(content)) is None  # the phone's copy was never stored
    assert await raw_reply(storage, raw_ref(transcript)) == transcript


async def test_a_pushed_photo_is_stored_as_sent_and_shown_to_the_case_without_its_metadata(storage: Storage) -> None:
    content, body = photo_with_gps(), b'{"event": "ev-1"}'
    carrier_intake = intake(storage)
    await carrier_intake.receive_push("surat", body, [PushedEvent("ev-1", photo_proof(content, ProofSource.PUSH))], None)
    [event] = await storage.evidence.for_shipment("surat", "TRK1", 10)
    assert event.proof.photo is not None and event.proof.photo.ref == attachment_ref(content)  # no decode before 2xx

    shown = await carrier_intake.shown(event.proof)

    assert shown.photo is not None and shown.photo.ref not in (None, attachment_ref(content))
    media_type, kept = await storage.evidence.attachment(shown.photo.ref)
    assert media_type == "image/jpeg"
    assert metadata(kept) == {"make": None, "serial": None, "gps": {}, "size": (64, 48)}
    assert await raw_reply(storage, raw_ref(body)) == body


async def test_a_carrier_image_that_cannot_be_decoded_is_kept_as_sent(storage: Storage) -> None:
    broken = b"\xff\xd8\xff\xe0" + b"not-really-a-jpeg" * 40

    stored = await intake(storage).receive_pull("surat", photo_proof(broken, ProofSource.PULL), None, None)

    assert stored.photo is not None and stored.photo.ref == attachment_ref(broken)
    assert await storage.evidence.attachment(stored.photo.ref) == ("image/jpeg", broken)
