"""Images (carriers' and customers') and carriers' raw replies live in their own collections, by reference, and
are deleted a configured time after the case closes."""

import base64
from datetime import timedelta

from adapters.memory import FixedClock, InMemoryOrders
from adapters.mongo.disputes import MongoDisputes
from adapters.mongo.evidence_store import MongoEvidenceStore
from adapters.mongo.retention import AttachmentRetention
from adapters.mongo.schedule import MongoSchedule
from carriers.parsing import attachment_media_type
from disputes.actors import SYSTEM
from disputes.intake import EvidenceIntake
from disputes.ports import STORED_LATELY, CarrierSource, StoredAttachment
from disputes.rules import Rules
from disputes.schedule import DueWork
from disputes.service import DisputeService, OpenRequest, Upload
from schemas.common import Resolution
from schemas.dispute import Evidence
from schemas.proof import Attachment, AttachmentKind, ProofOfDelivery, ProofSource, ProofStatus
from tests.factories import CUSTOMER, NOW, CountedCleaner, order, shipment

PNG = b"\x89PNG\r\n\x1a\n" + b"signature-pixels" * 50


def signed_proof(tracking: str) -> ProofOfDelivery:
    return ProofOfDelivery(
        carrier="yurtici", tracking_number=tracking, status=ProofStatus.DELIVERED, delivered_at=NOW,
        signature=Attachment(kind=AttachmentKind.SIGNATURE, content_b64=base64.b64encode(PNG).decode(), media_type="image/png"),
        source=ProofSource.PUSH, received_at=NOW,
    )


async def test_images_are_stored_by_reference_and_deleted_after_the_retention(mongo_db):
    clock = FixedClock(NOW)
    repository = MongoDisputes.in_database(mongo_db, retention=timedelta(days=30))
    store = MongoEvidenceStore(mongo_db)
    orders = InMemoryOrders([order("ord-1"), order("ord-2", shipments=[shipment("shp-2")])])
    service = DisputeService(repository, orders, clock, Rules())
    ids = [(await service.open(CUSTOMER, OpenRequest(o, None, "Gelmedi.", Resolution.REFUND), None)).dispute.id
           for o in ("ord-1", "ord-2")]
    intake = EvidenceIntake(store, store, clock, attachment_media_type)
    stored = await intake.receive_pull("yurtici", signed_proof("TRKSHP1"), None, b'{"as": "the carrier sent it"}')
    raw_ref = stored.raw_ref
    assert stored.signature.ref and stored.signature.content_b64 is None
    for dispute_id in ids:  # the same image on two cases
        await service.apply(SYSTEM, dispute_id, lambda d: d.attach_evidence(SYSTEM, Evidence(key="push:x:1", proof=stored), NOW))
    doc = await mongo_db.disputes.find_one({"_id": ids[0]})
    assert doc["evidence_refs"] == sorted([stored.signature.ref, raw_ref]) and base64.b64encode(PNG).decode()[:40] not in str(doc)

    await service.withdraw(CUSTOMER, ids[0], "Buldum")
    worker_clock = FixedClock(NOW + timedelta(days=29))
    retention = DueWork(
        MongoSchedule(mongo_db, repository.stored), AttachmentRetention(mongo_db, repository, worker_clock), worker_clock,
        "worker-1",
    )
    assert await retention.run_once() == 0
    worker_clock.current = NOW + timedelta(days=31)
    assert await retention.run_once() == 1
    assert await store.attachment(stored.signature.ref) == ("image/png", PNG), "still referenced by an open case"
    assert await mongo_db.raw_payloads.count_documents({"_id": raw_ref}) == 1

    clock.advance(days=40)
    await service.withdraw(CUSTOMER, ids[1], "Buldum")
    worker_clock.current = clock.now() + timedelta(days=31)
    assert await retention.run_once() == 1
    assert await retention.run_once() == 0
    assert await store.attachment(stored.signature.ref) is None
    assert await mongo_db.raw_payloads.count_documents({"_id": raw_ref}) == 0


async def test_a_customers_images_follow_the_same_retention_as_the_carriers(mongo_db):
    clock = FixedClock(NOW)
    repository = MongoDisputes.in_database(mongo_db, retention=timedelta(days=30))
    store = MongoEvidenceStore(mongo_db)
    service = DisputeService(
        repository, InMemoryOrders([order("ord-1")]), clock, Rules(), attachments=store, clean_image=CountedCleaner()
    )
    opened = await service.open(CUSTOMER, OpenRequest("ord-1", None, "Gelmedi.", Resolution.REFUND), None)
    door = Upload("kapi.png", "image/png", PNG)
    added = await service.add_information(CUSTOMER, opened.dispute.id, "Kapının fotoğrafı ekte.", [door])
    ref = added.customer_evidence[0].images[0].ref
    doc = await mongo_db.disputes.find_one({"_id": opened.dispute.id})
    assert doc["evidence_refs"] == [ref] and PNG not in bytes(str(doc), "utf-8")
    labelled = await mongo_db.attachments.find_one({"_id": ref})
    assert (labelled["kind"], labelled["dispute_id"], labelled["customer_id"]) == (
        "customer_image", opened.dispute.id, CUSTOMER.customer_id)

    await service.withdraw(CUSTOMER, opened.dispute.id, "Buldum")
    worker_clock = FixedClock(NOW + timedelta(days=29))
    retention = DueWork(
        MongoSchedule(mongo_db, repository.stored), AttachmentRetention(mongo_db, repository, worker_clock), worker_clock,
        "worker-1",
    )
    assert await retention.run_once() == 0 and await store.attachment(ref) == ("image/png", PNG)
    worker_clock.current = NOW + timedelta(days=31)
    assert await retention.run_once() == 1
    assert await store.attachment(ref) is None


class DeletedMeanwhile(MongoEvidenceStore):
    """A store whose copy the check deletes just after a second storing found it there (two writes apart)."""

    async def _insert_once(self, collection, doc):
        stored = await super()._insert_once(collection, doc)
        if not stored:
            await collection.delete_one({"_id": doc["_id"]})
        return stored


async def test_a_copy_deleted_while_it_was_stored_again_is_there_once_the_storing_returns(mongo_db):
    store = DeletedMeanwhile(mongo_db)
    image = StoredAttachment(AttachmentKind.SIGNATURE, "image/png", PNG, CarrierSource("yurtici", "TRK1"))
    body = b'{"event": 1}'
    for _ in range(2):  # a carrier's retry of a push whose events were never recorded: the same bytes again
        await store.put_attachment("att_sig", image, NOW + STORED_LATELY)
        await store.put_raw("raw_body", "yurtici", body, NOW + STORED_LATELY)

    assert await store.attachment("att_sig") == ("image/png", PNG)
    assert await mongo_db.raw_payloads.find_one({"_id": "raw_body"}) is not None
