"""What carriers push, stored before we answer them: each event once by its identity, found by shipment in
the order received; raw bodies and images kept by content. (Claiming events to attach: test_claims.py.)"""

import base64
from datetime import timedelta

from schemas.proof import Attachment, AttachmentKind, ProofOfDelivery, ProofSource, ProofStatus
from tests.contract.conftest import Storage, pushed
from tests.factories import NOW

PNG = b"\x89PNG\r\n\x1a\n" + b"signature-pixels" * 50


async def test_a_pushed_event_is_recorded_once_by_its_identity(storage: Storage) -> None:
    first = pushed("yurtici:ev-1")
    again = pushed("yurtici:ev-1", at=NOW + timedelta(minutes=1))

    assert await storage.evidence.record(first, NOW) is True
    assert await storage.evidence.record(again, NOW + timedelta(minutes=1)) is False

    assert await storage.evidence.for_shipment("yurtici", "TRKshp1") == [first]


async def test_a_shipments_events_come_in_the_order_they_were_received(storage: Storage) -> None:
    late = pushed("yurtici:ev-a", at=NOW + timedelta(minutes=2))
    early = pushed("yurtici:ev-b", at=NOW + timedelta(minutes=1))
    await storage.evidence.record(late, NOW + timedelta(minutes=2))
    await storage.evidence.record(early, NOW + timedelta(minutes=1))

    assert await storage.evidence.for_shipment("yurtici", "TRKshp1") == [early, late]


async def test_a_shipments_events_are_only_its_own_carriers_on_its_tracking_number(storage: Storage) -> None:
    mine = pushed("yurtici:ev-1")
    await storage.evidence.record(mine, NOW)
    await storage.evidence.record(pushed("yurtici:ev-2", tracking_number="TRKshp2"), NOW)
    await storage.evidence.record(pushed("aras:ev-1", carrier="aras"), NOW)

    assert await storage.evidence.for_shipment("yurtici", "TRKshp1") == [mine]
    assert await storage.evidence.for_shipment("ptt", "TRKshp1") == []


async def test_a_raw_body_is_named_by_its_content(storage: Storage) -> None:
    first = await storage.evidence.store_raw("yurtici", b"<reply>1</reply>", NOW)
    again = await storage.evidence.store_raw("yurtici", b"<reply>1</reply>", NOW + timedelta(minutes=1))
    other = await storage.evidence.store_raw("yurtici", b"<reply>2</reply>", NOW)

    assert first == again != other


async def test_an_inline_image_is_stored_and_the_proof_keeps_a_reference_to_it(storage: Storage) -> None:
    inline = Attachment(kind=AttachmentKind.SIGNATURE, content_b64=base64.b64encode(PNG).decode(),
                        media_type="image/png")
    proof = ProofOfDelivery(carrier="yurtici", tracking_number="TRKshp1", status=ProofStatus.DELIVERED,
                            delivered_at=NOW, source=ProofSource.PUSH, received_at=NOW, signature=inline)

    stored = await storage.evidence.store_attachments(proof, NOW)
    again = await storage.evidence.store_attachments(proof, NOW + timedelta(minutes=1))

    assert stored.signature is not None and stored.signature.content_b64 is None and stored.signature.ref
    assert again.signature == stored.signature
    assert await storage.evidence.attachment(stored.signature.ref) == ("image/png", PNG)


async def test_an_unknown_attachment_is_not_found(storage: Storage) -> None:
    assert await storage.evidence.attachment("att_unknown") is None
