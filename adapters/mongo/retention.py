"""Signature, photo and proof-document images, the images customers sent, and the carriers' raw replies, are
kept for a configured time after the case closes, and pushed events for a configured time after their receipt; then
they are deleted. A reference (a content hash: the same bytes on two cases, or in two pushes, are one copy) is
deleted only when nothing still needs it: no case cites it (`evidence_refs`, `by_attachment`), no stored push not yet
expired holds it (`refs`, `events_by_ref`), and it was not stored again lately (by a push whose event may not be
recorded yet: `STORED_LATELY`).

Cases are claimed through the schedule (`due.retention`, set by every save of a closed case that holds images, or of
a case that dropped an entry whose copies it no longer cites: `Dispute._room_for_evidence`), pushes likewise
(`due.push_retention`, set when they are recorded). A case's purge is recorded first
(`Dispute.delete_stored_copies`: markers for its images, a timeline entry, the references still to delete), saved
compare-and-set: a case changed meanwhile (a supervisor reopening it) keeps its images, cited and stored. Once
recorded, the case cites them no more, so two cases claimed at once that share a reference both see it free; its
copies are deleted, with the pushes attached to it unless another case holds its shipment or the case is on a test
clock (`Dispute.takes_its_pushes`: a clock's time never deletes what real time keeps), and a last save says so
and ends the lease. A worker that dies after the record leaves the case due (`Dispute.retention_due`), and the next
holder deletes what it recorded. A push is marked first (`expired`), so it no longer counts as keeping its own
references. A case that only dropped entries (no purge recorded: `images_deleted_at` unset) has their copies deleted,
those nothing else needs, and keeps its own and its pushes. An image or raw body nothing came to cite (its push never
recorded, or all its events recorded before; its case's save lost) is deleted by its check (`due.attachment_check`,
`due.raw_check`, set by each storing of it: see `adapters/mongo/evidence_store.py`).

The same claim anonymises a case's personal data once its own retention has passed since it closed
(`Dispute.anonymisation_due`, the later of the two stages, `due.retention` holding the earlier): what only storage
writes on the case (attachment views, undelivered messages, the first answer) is rewritten in the case's own save,
one write compare-and-set with `anonymised_at`, which makes it due no more: a case reopened meanwhile keeps all of it.
A case with messages still waiting for delivery (which the relay moves without a new version) waits an hour and is
looked at again (`hold_anonymisation`)."""

from datetime import datetime, timedelta
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from adapters.mongo.disputes import MongoDisputes
from adapters.mongo.errors import translate_driver_errors
from adapters.mongo.evidence_store import ATTACH_DUE, CHECK_DUE, LAST_STORED
from adapters.mongo.indexes import ATTACHMENTS, CARRIER_EVENTS, DISPUTES, RAW_PAYLOADS
from disputes.anonymise import anonymisation_reached
from disputes.errors import StaleVersion
from disputes.lanes import Lanes, Place
from disputes.model import Dispute
from disputes.ports import STORED_LATELY, Claimed, Clock
from disputes.work import WorkKind

Doc = dict[str, Any]


class _StoredCopies:
    """The images and raw bodies, deleted once nothing still needs them."""

    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self.disputes = db[DISPUTES]
        self.events = db[CARRIER_EVENTS]
        self.attachments = db[ATTACHMENTS]
        self.raw = db[RAW_PAYLOADS]

    async def delete_unneeded(self, refs: list[str], now: datetime) -> None:
        for ref in refs:
            if not await self.cited(ref):
                await self.delete(ref, now)

    def collection(self, ref: str) -> Any:
        """The collection of the copy `ref`: a raw body's, or an image's."""
        return self.raw if ref.startswith("raw_") else self.attachments

    async def delete(self, ref: str, now: datetime) -> None:
        """Delete the copy unless it was stored lately."""
        await self.collection(ref).delete_one(_not_lately(ref, now))

    async def cited(self, ref: str) -> bool:
        """Whether a case, or a stored push not expiring, cites `ref`."""
        if await self.disputes.count_documents({"evidence_refs": ref}, limit=1):
            return True
        return bool(await self.events.count_documents({"refs": ref, "expired": {"$ne": True}}, limit=1))


@translate_driver_errors
class AttachmentRetention:
    kind = WorkKind.RETENTION

    def __init__(self, db: AsyncDatabase[Doc], repository: MongoDisputes, clock: Clock, batch: int = 50) -> None:
        self.copies = _StoredCopies(db)
        self.repository = repository
        self.clock = clock
        self.batch = batch

    def lanes(self) -> Lanes:
        return Lanes(self.batch)

    async def handle(self, claimed: Claimed, place: Place) -> None:
        dispute, now = claimed.dispute, self.clock.now()
        assert dispute is not None  # a claim of disputes hands each one over
        anonymising = anonymisation_reached(dispute, self.repository.personal_data, now)
        deleting = dispute.retention_reached(self.repository.retention, now)
        try:
            if not (deleting or anonymising):  # due early (migrated, or kept longer since): its save says when it is
                await self.repository.save(dispute, ending=claimed.lease)
                return
            if deleting:
                if not dispute.copies_to_delete:  # else recorded by a pass that stopped before deleting them
                    dispute.delete_stored_copies(now)
                    await self.repository.save(dispute)
                await self._delete(dispute)
                dispute.stored_copies_deleted()
                await self.repository.save(dispute, ending=None if anonymising else claimed.lease)
            if anonymising and dispute.hold_anonymisation(now):
                await self.repository.save(dispute, ending=claimed.lease)
            elif anonymising:
                await self._anonymise(dispute, claimed)
        except StaleVersion:  # changed meanwhile (reopened): its save says what is due; nothing it cites was deleted
            return

    async def _anonymise(self, dispute: Dispute, claimed: Claimed) -> None:
        """The case anonymised, what only storage writes on it (views, messages, the first answer's key) with it, in
        one compare-and-set write that ends the lease: a case reopened meanwhile keeps all of it."""
        dispute.anonymise(self.clock.now())
        await self.repository.save_anonymised(dispute, ending=claimed.lease)

    async def _delete(self, dispute: Dispute) -> None:
        """The copies the case recorded to delete; once its images are recorded deleted, also the pushes attached to
        it (`Dispute.takes_its_pushes`: never a case on a test clock's), unless another case holds its shipment (a
        case that only dropped entries keeps them, for a case opened on its shipment after it)."""
        disputes, events = self.copies.disputes, self.copies.events
        shipment = {"order.carrier": dispute.order.carrier, "order.tracking_number": dispute.order.tracking_number}
        others = shipment | {"holds_shipment": True, "_id": {"$ne": dispute.id}}
        if dispute.takes_its_pushes and not await disputes.count_documents(others, limit=1):
            pushed = [e.key for e in dispute.evidence]
            await events.delete_many({"_id": {"$in": pushed}, ATTACH_DUE: {"$exists": False}})
        await self.copies.delete_unneeded(dispute.copies_to_delete, self.clock.now())


@translate_driver_errors
class PushRetention:
    """Deletes pushed events kept `keep_for` since their receipt, and what only they held. An event recorded before
    pushes were kept for a bounded time is due at its receipt: it is kept until `keep_for` after it."""

    kind = WorkKind.PUSH_RETENTION

    def __init__(self, db: AsyncDatabase[Doc], keep_for: timedelta, clock: Clock, batch: int = 50) -> None:
        self.copies = _StoredCopies(db)
        self.keep_for = keep_for
        self.clock = clock
        self.batch = batch

    def lanes(self) -> Lanes:
        return Lanes(self.batch)

    async def handle(self, claimed: Claimed, place: Place) -> None:
        events, key = self.copies.events, claimed.subject
        doc = await events.find_one({"_id": key}, {"refs": 1, "received_at": 1})
        if doc is None:  # gone with its case's images meanwhile
            return
        if (until := doc["received_at"] + self.keep_for) > (now := self.clock.now()):
            await events.update_one({"_id": key}, {"$set": {f"due.{self.kind}": until}})
            return
        await events.update_one({"_id": key}, {"$set": {"expired": True}})
        await self.copies.delete_unneeded(doc.get("refs", []), now)
        await events.delete_one({"_id": key})


@translate_driver_errors
class StoredCopyCheck:
    """An image or a raw body stored `STORED_LATELY` ago (`due.attachment_check`, `due.raw_check`: set by each storing of
    it): deleted if nothing cites it (the push that stored it was never recorded, or all its events were recorded
    before; the case's save of it lost), else left to the retention of what cites it. Stored again since its claim,
    it waits for the check that storing made due."""

    def __init__(self, db: AsyncDatabase[Doc], clock: Clock, kind: WorkKind, batch: int = 50) -> None:
        self.copies = _StoredCopies(db)
        self.clock = clock
        self.kind = kind
        self.batch = batch

    def lanes(self) -> Lanes:
        return Lanes(self.batch)

    async def handle(self, claimed: Claimed, place: Place) -> None:
        ref, now = claimed.subject, self.clock.now()
        if not await self.copies.cited(ref):
            await self.copies.delete(ref, now)
        else:
            await self.copies.collection(ref).update_one(_not_lately(ref, now), {"$unset": {CHECK_DUE[self.kind]: ""}})


def _not_lately(ref: str, now: datetime) -> Doc:
    """The copy `ref`, unless it was stored within `STORED_LATELY` of `now`."""
    return {"_id": ref, LAST_STORED: {"$not": {"$gt": now - STORED_LATELY}}}
