"""What carriers send, stored before we answer them: raw bodies (for audit), images by reference, and one
document per pushed event keyed by the carrier's event identity, so a redelivered event changes nothing (a push's
events are inserted together, `RECORD_CHUNK` at a time); the write that marks an event attached ends the
attacher's lease on it (see `adapters/mongo/schedule.py`), conditional on the holder.
Customers' images share the attachments collection, labelled with the dispute and customer they belong to.

A pushed event is kept `keep_for` from its receipt (`due.push_retention`, see `adapters/mongo/retention.py`), and
lists the references its proof holds (`refs`), so retention sees which images and raw bodies a stored push still
needs. Every storing of an image or a raw body makes it due for a check (`due.attachment_check`, `due.raw_check`,
`STORED_LATELY` after it, in the same write): by then its push is recorded or its case saved, or never will be, and
the check deletes a copy nothing cites. Recording the event changes nothing on the copies (no write added to a push's
intake)."""

from collections.abc import Collection, Sequence
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from bson import Binary, ObjectId
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, DuplicateKeyError

from adapters.mongo.errors import translate_driver_errors
from adapters.mongo.indexes import ATTACHMENTS, CARRIER_EVENTS, RAW_PAYLOADS
from adapters.mongo.leases import write_ending
from disputes.ports import STORED_LATELY, Lease, PushPage, StoredAttachment, StoredPush
from disputes.work import COPY_CHECKS, WorkKind
from schemas.dispute import Evidence
from schemas.proof import ProofOfDelivery, ProofStatus

Doc = dict[str, Any]
ATTACH_DUE = f"due.{WorkKind.ATTACH_PUSHED}"
CHECK_DUE = {kind: f"due.{kind}" for kind in COPY_CHECKS}
LAST_STORED = "last_stored_at"
IN_ORDER = [("received_at", 1), ("push", 1), ("seq", 1)]
"""A shipment's events in the order stored: by time of receipt (to the millisecond), then by push, then by place in
the push. `push` is one ObjectId for a push's events, made by the driver (no write of its own: a webhook stays two
writes), so a push's events never fall among those of another push of the same millisecond. One process's pushes keep
the order it stored them in (the id's time, then its counter, which wraps once in 16.7 million ids); different
processes' pushes of one millisecond, the order of their ids: the same on every read, and as true as the processes'
clocks. An event stored before pushes had an id has none: it sorts before those of its millisecond that have one, as
MongoDB sorts a missing field."""
LATEST_FIRST = [(field, -1) for field, _ in IN_ORDER]
DELIVERED = ProofStatus.DELIVERED.value
NO_PUSH = ObjectId(bytes(12))
"""Below every push's id: where an event stored before pushes had an id sorts."""
KEEP_PUSHES = timedelta(days=365)
"""How long a pushed event is kept from its receipt unless told otherwise (the default retention)."""
RECORD_CHUNK = 1000
"""Events written by one insert: the documents of a large push are built and sent a bounded number at a time."""
DUPLICATE_KEY = 11000


@translate_driver_errors
class MongoEvidenceStore:
    def __init__(self, db: AsyncDatabase[Doc], keep_for: timedelta = KEEP_PUSHES) -> None:
        self.events = db[CARRIER_EVENTS]
        self.attachments = db[ATTACHMENTS]
        self.raw = db[RAW_PAYLOADS]
        self.keep_for = keep_for

    async def put_raw(self, ref: str, carrier: str, body: bytes, at: datetime) -> None:
        doc = {"_id": ref, "carrier": carrier, "body": Binary(body), "received_at": at}
        await self._keep(self.raw, doc, at, WorkKind.RAW_CHECK)

    async def put_attachment(self, ref: str, attachment: StoredAttachment, at: datetime) -> None:
        doc = {"_id": ref, "kind": str(attachment.kind), "media_type": attachment.media_type,
               "content": Binary(attachment.content), **asdict(attachment.source), "stored_at": at}
        await self._keep(self.attachments, doc, at, WorkKind.ATTACHMENT_CHECK)

    async def record(self, evidence: Evidence, at: datetime) -> bool:
        """Store a pushed event; False when the carrier sent this event before."""
        return await self._insert_once(self.events, _event_document(evidence, at, self.keep_for, ObjectId(), 0))

    async def record_many(self, events: Sequence[Evidence], at: datetime) -> list[bool]:
        """One event with one insert, as `record`; more with one unordered insert per `RECORD_CHUNK` of them."""
        if len(events) == 1:
            return [await self.record(events[0], at)]
        stored: list[bool] = []
        push = ObjectId()
        for start in range(0, len(events), RECORD_CHUNK):
            chunk = [_event_document(evidence, at, self.keep_for, push, start + n)
                     for n, evidence in enumerate(events[start : start + RECORD_CHUNK])]
            stored += await self._insert_new(chunk)
        return stored

    async def attachment(self, ref: str) -> tuple[str, bytes] | None:
        doc = await self.attachments.find_one({"_id": ref})
        return (doc["media_type"], bytes(doc["content"])) if doc else None

    async def raw_reply(self, ref: str) -> bytes | None:
        doc = await self.raw.find_one({"_id": ref}, {"body": 1})
        return bytes(doc["body"]) if doc else None

    async def for_shipment(self, carrier: str, tracking_number: str, limit: int) -> list[Evidence]:
        """The latest first through `events_by_push` (read backwards), `limit` of them, put back in order; with no proof
        of delivery among a full window, the latest one before it, read the same way (a second query, on that path
        alone)."""
        shipment = {"carrier": carrier, "tracking_number": tracking_number}
        latest = await self.events.find(shipment).sort(LATEST_FIRST).limit(limit).to_list()
        if len(latest) == limit and not any(doc["proof"]["status"] == DELIVERED for doc in latest):
            proved = shipment | {"proof.status": DELIVERED}  # none in the window: the latest is before it
            latest += await self.events.find(proved).sort(LATEST_FIRST).limit(1).to_list()
        return [_evidence(doc) for doc in reversed(latest)]

    async def pushed_for(self, tracking_number: str, before: tuple[datetime, str] | None, limit: int) -> PushPage:
        """Through `pushes_by_tracking_number`, one query (a page and one more, to know whether another follows)."""
        filter_: Doc = {"tracking_number": tracking_number}
        if before is not None:
            at, key = before
            filter_["$or"] = [{"received_at": {"$lt": at}}, {"received_at": at, "_id": {"$lt": key}}]
        found = self.events.find(filter_, {"proof": 1, "received_at": 1, ATTACH_DUE: 1})
        docs = await found.sort([("received_at", -1), ("_id", -1)]).limit(limit + 1).to_list()
        items = [StoredPush(_evidence(doc), doc["received_at"], WorkKind.ATTACH_PUSHED.value in doc.get("due", {}))
                 for doc in docs[:limit]]
        last = docs[limit - 1] if len(docs) > limit else None
        return PushPage(items, (last["received_at"], last["_id"]) if last else None)

    async def waiting(self, key: str) -> Evidence | None:
        doc = await self.events.find_one({"_id": key, ATTACH_DUE: {"$exists": True}})
        return _evidence(doc) if doc else None

    async def waiting_with(self, event: Evidence, limit: int) -> list[Evidence]:
        """The shipment's waiting events through `events_by_push`, read without a sort and put in order
        here while fewer than `limit` wait (one query, nearly always, whose order no index needs to give). With
        `limit` waiting or more, the event is read by its `_id` and the earliest others with the sort."""
        proof = event.proof
        shipment = {"carrier": proof.carrier, "tracking_number": proof.tracking_number, ATTACH_DUE: {"$exists": True}}
        docs = await self.events.find(shipment).limit(limit).to_list()
        if len(docs) < limit:
            return _in_order(docs) if any(doc["_id"] == event.key for doc in docs) else []
        if (doc := await self.events.find_one({"_id": event.key, ATTACH_DUE: {"$exists": True}})) is None:
            return []
        earliest = self.events.find(shipment | {"_id": {"$ne": event.key}}).sort(IN_ORDER).limit(limit - 1)
        return _in_order([*(await earliest.to_list() if limit > 1 else []), doc])

    async def attached(self, key: str, ending: Lease | None = None, others: Collection[str] = ()) -> None:
        """One write for `others`, then one with the holder's lease (a second only when another holder took it over)."""
        if others:
            await self.events.update_many({"_id": {"$in": list(others)}}, {"$unset": {ATTACH_DUE: ""}})
        await write_ending(self.events, {"_id": key}, {"$unset": {ATTACH_DUE: ""}}, ending)

    async def _keep(self, collection: Any, doc: Doc, at: datetime, check: WorkKind) -> None:
        """The first copy of these bytes stored (`doc`), in the one write with when they were last stored (`LAST_STORED`:
        retention keeps a copy stored lately, see `disputes.ports.STORED_LATELY`) and their `check`, due that long
        after; storing them again moves both on. A copy deleted between the two writes of a storing again (by its check
        or a retention) is stored anew: it is there once this returns."""
        latest = {LAST_STORED: at, CHECK_DUE[check]: at + STORED_LATELY}
        while not await self._insert_once(collection, doc | {LAST_STORED: at, "due": {check.value: at + STORED_LATELY}}):
            if (await collection.update_one({"_id": doc["_id"]}, {"$max": latest})).matched_count:
                return

    @staticmethod
    async def _insert_once(collection: Any, doc: Doc) -> bool:
        try:
            await collection.insert_one(doc)
        except DuplicateKeyError:
            return False
        return True

    async def _insert_new(self, docs: list[Doc]) -> list[bool]:
        """Per document, whether this insert stored it (False: its `_id` was taken, perhaps earlier in `docs`).
        Any other refusal, or a write concern not met, is raised: the documents stored meanwhile are duplicates
        when the carrier sends them again."""
        try:
            await self.events.insert_many(docs, ordered=False)
        except BulkWriteError as error:
            refused = error.details.get("writeErrors", [])
            if error.details.get("writeConcernErrors") or any(each["code"] != DUPLICATE_KEY for each in refused):
                raise
            taken = {each["index"] for each in refused}
            return [index not in taken for index in range(len(docs))]
        return [True] * len(docs)


def _event_document(evidence: Evidence, at: datetime, keep_for: timedelta, push: ObjectId, seq: int) -> Doc:
    """The event stored as received `at`, at position `seq` of its `push` (the events of one push share both)."""
    proof = evidence.proof
    due = {WorkKind.ATTACH_PUSHED.value: at, WorkKind.PUSH_RETENTION.value: at + keep_for}
    return {"_id": evidence.key, "carrier": proof.carrier, "tracking_number": proof.tracking_number,
            "proof": proof.model_dump(), "refs": sorted(proof.stored_refs()), "received_at": at, "push": push,
            "seq": seq, "due": due}


def _in_order(docs: list[Doc]) -> list[Evidence]:
    """As `IN_ORDER` sorts them (an event stored before it had a push or a position sorts first, as MongoDB sorts a
    missing field)."""
    def order(doc: Doc) -> tuple[datetime, ObjectId, int]:
        return doc["received_at"], doc.get("push", NO_PUSH), doc.get("seq", -1)

    return [_evidence(doc) for doc in sorted(docs, key=order)]


def _evidence(doc: Doc) -> Evidence:
    # fields a later release added to the proof are ignored, as on a stored case (`from_doc` in `disputes.py`)
    return Evidence(key=doc["_id"], proof=ProofOfDelivery.model_validate(doc["proof"], extra="ignore"))
