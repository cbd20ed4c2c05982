"""Disputes in MongoDB. Every state change is one atomic single-document write (compare-and-set on
`version`), and the outbox messages it causes live in the same document, so no transaction is needed.

Document = the aggregate's fields, `_id` = dispute id, plus fields derived for indexes: `shipment_key`,
`holds_shipment` (false once withdrawn), `queue_key` (the queue's order as one string, see `queue_key`),
`flagged` (whether the case carries abuse flags), and `due.<kind>` (when each kind of background work is next due:
the aggregate's own due times, the images' deletion, and the relay's next look at pending messages; absent
when not due). Leases live in `lease.<kind>`, which the schedule (`adapters/mongo/schedule.py`) takes: a save
never puts one back nor touches another holder's; the write that ends a work (a save, the last delivery) may end
its own holder's lease with it, conditional on the holder.
"""

import asyncio
from collections.abc import Sequence
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from operator import itemgetter
from typing import Any

import structlog
from pydantic import ValidationError
from pymongo import ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.cursor import AsyncCursor
from pymongo.errors import DocumentTooLarge, DuplicateKeyError, PyMongoError

from adapters.mongo.errors import too_large, translate_driver_errors
from adapters.mongo.indexes import DISPUTES, PERIOD_DECIDED, PERIOD_OPENED
from adapters.mongo.leases import write_ending
from adapters.mongo.stored_states import StoredStates
from adapters.observability import failure
from disputes.errors import ActiveDisputeExists, CaseFull, StaleVersion
from disputes.anonymise import APPENDED, PERSONAL_DATA_RETENTION
from disputes.model import Dispute, address_key
from disputes.policy import CustomerHistory, PastClaim, opening_of
from disputes.ports import (
    ERROR_KEPT, DisputePage, DisputeQuery, IdempotencyKeyTaken, Lease, Taking, ViewBound, queue_after, queue_position,
)
from disputes.reports import report_facts
from disputes.work import WorkKind
from schemas.common import Outcome
from schemas.dispute import DeliveredEffect, OutboxMessage, Status, TimelineEntry

Doc = dict[str, Any]
log = structlog.get_logger("storage")
HISTORY_LIMIT = 200  # enough to see any abuse pattern; bounds the read for a pathological account
APPEND_ONLY = ("outbox", "effects_delivered", "effects_parked", "attachment_views")
RELAY_DUE = f"due.{WorkKind.RELAY}"
WRITTEN_BY_ADD = ("idempotency",)  # a save never writes the key back: a later `add` may have taken it over
NOT_SAVED = ("_id", "version", "due", "lease", *APPEND_ONLY, *WRITTEN_BY_ADD)


def queue_key(decision_due: datetime, tie: str) -> str:
    """The queue's order, `queue_position` (decision due, then its tie: priority, opening, id), as one string that
    sorts the same way: the due time to the millisecond (what BSON stores) in fixed width, then the tie. One string
    field is what mongoeco's engine can sort from an index (a single-field index on a field holding strings in every
    document). Keys the release before wrote hold the id alone after the due time (`migrations._queue_ties`)."""
    return f"{_due_text(decision_due)}|{tie}"


def _due_text(at: datetime) -> str:
    """Fixed width to the millisecond, so the text sorts as the time does (a year before 1000 too)."""
    return at.astimezone(UTC).isoformat(timespec="milliseconds")[:23]


def due_times(
    dispute: Dispute, retention: timedelta, personal_data: timedelta = PERSONAL_DATA_RETENTION
) -> dict[str, datetime | None]:
    """`due.<kind>` of every kind a save sets (the relay's is moved only by new messages and deliveries)."""
    due = dispute.due_work() | {WorkKind.RETENTION: dispute.retention_work_due(retention, personal_data)}
    return {f"due.{kind}": at for kind, at in due.items()}


def to_doc(dispute: Dispute) -> Doc:
    """The document's state, without its schedule (`due`, `lease`)."""
    doc = dispute.model_dump(exclude={"id"})
    doc["evidence_refs"] = dispute.stored_refs()
    doc["_id"] = dispute.id
    doc["shipment_key"] = dispute.shipment_key
    doc["holds_shipment"] = dispute.status is not Status.WITHDRAWN
    doc["address_key"] = address_key(dispute)
    doc["queue_key"] = queue_key(*queue_position(dispute))
    doc["flagged"] = bool(dispute.abuse_flags)
    doc["facts"] = asdict(report_facts(dispute))
    return doc


DERIVED = (
    "shipment_key", "holds_shipment", "address_key", "queue_key", "flagged", "facts", "evidence_refs", "due", "lease",
)


def from_doc(doc: Doc) -> Dispute:
    """The dispute `doc` holds. Fields this release does not know are ignored at any depth (those of a proof or a
    recommendation too, which refuse unknown fields where code builds them): during a rolling deploy a later release
    stores cases with the optional fields it adds, and this one must read, decide and save them."""
    fields = {k: v for k, v in doc.items() if k not in DERIVED} | {"id": doc["_id"]}
    return Dispute.model_validate(fields, extra="ignore")


def _readable(docs: list[Doc]) -> list[Dispute]:
    """The disputes of a page, but those this release cannot read (a document written by a later release, or edited
    by hand): each is logged and left out, so one such case does not take every page it falls on with it."""
    items = []
    for doc in docs:
        try:
            items.append(from_doc(doc))
        except ValidationError as error:
            log.error("listed_dispute_unreadable", dispute_id=doc["_id"], **failure(error))
    return items


def saved_fields(doc: Doc) -> Doc:
    """The fields of a dispute document that a save writes, those that change only with its version: its state and
    its due times (`due.<kind>`, but the relay's, which deliveries move)."""
    due = {f"due.{kind}": at for kind, at in doc.get("due", {}).items() if kind != WorkKind.RELAY}
    return {k: v for k, v in doc.items() if k not in NOT_SAVED} | due


def _one(dispute_id: str, owner: str | None) -> Doc:
    return {"_id": dispute_id} if owner is None else {"_id": dispute_id, "customer_id": owner}


def found(stored: StoredStates, doc: Doc) -> Dispute:
    """The dispute `doc` holds, read to be changed: its state is kept for the save that follows."""
    stored.found(doc["_id"], doc["version"], saved_fields(doc))
    return from_doc(doc)


@translate_driver_errors
class MongoDisputes:
    def __init__(
        self, collection: AsyncCollection[Doc], retention: timedelta = timedelta(days=365), stored: StoredStates | None = None,
        personal_data: timedelta = PERSONAL_DATA_RETENTION,
    ) -> None:
        self.collection = collection
        self.retention = retention
        self.personal_data = personal_data
        """How long after a case closes its personal data is anonymised (`adapters/mongo/retention.py`)."""
        self.stored = stored or StoredStates()
        """Shared with the schedule, whose claims find the disputes their saves start from."""

    @classmethod
    def in_database(
        cls, db: Any, retention: timedelta = timedelta(days=365), personal_data: timedelta = PERSONAL_DATA_RETENTION
    ) -> "MongoDisputes":
        return cls(db[DISPUTES], retention, personal_data=personal_data)

    async def add(self, dispute: Dispute, now: datetime) -> None:
        doc = to_doc(dispute)
        doc["version"] = 1
        due = {name.removeprefix("due."): at for name, at in due_times(dispute, self.retention, self.personal_data).items() if at}
        doc["due"] = due | ({WorkKind.RELAY.value: dispute.messages_due} if dispute.outbox else {})
        for attempt in range(2):
            try:
                await self.collection.insert_one(doc)
                break
            except DuplicateKeyError as error:
                await self._shipment_held(error, doc["shipment_key"])
                key_value = (error.details or {}).get("keyValue") or {}
                if "idempotency.key" not in key_value or dispute.idempotency is None:
                    raise
                key = dispute.idempotency.key
                if attempt == 0 and await self._release_expired_key(key, now):
                    continue
                raise IdempotencyKeyTaken(key) from error
        dispute.version = 1
        dispute._new_messages.clear()

    async def _shipment_held(self, error: DuplicateKeyError, shipment_key: str) -> None:
        """Raise ActiveDisputeExists, naming the holder, when `error` is another case holding the shipment."""
        if "shipment_key" in ((error.details or {}).get("keyValue") or {}):
            holder = await self.collection.find_one({"shipment_key": shipment_key, "holds_shipment": True}, {"_id": 1})
            raise ActiveDisputeExists(holder["_id"] if holder else "unknown") from error

    async def get(self, dispute_id: str, owner: str | None = None) -> Dispute | None:
        doc = await self.collection.find_one(_one(dispute_id, owner))
        return found(self.stored, doc) if doc else None

    async def read(self, dispute_id: str, owner: str | None = None) -> Dispute | None:
        doc = await self.collection.find_one(_one(dispute_id, owner))
        return from_doc(doc) if doc else None  # decoded afresh: nothing the caller holds is stored

    async def save(self, dispute: Dispute, ending: Lease | None = None, taking: Taking | None = None) -> None:
        await self._save(dispute, ending, taking)

    async def save_anonymised(self, dispute: Dispute, ending: Lease | None = None) -> None:
        """The case `Dispute.anonymise` anonymised, saved with what only storage writes on it (`APPENDED`: its
        undelivered messages, parked effects and attachment views as anonymised, its first answer's key removed) in
        the save's one write, compare-and-set: the anonymisation is stored whole, or, the case changed meanwhile (a
        supervisor reopening it), not at all (`StaleVersion`)."""
        stored = dispute.model_dump(include=set(APPENDED))
        await self._save(dispute, ending, None, {name: value for name, value in stored.items() if value is not None},
                         [name for name, value in stored.items() if value is None])

    async def _save(
        self, dispute: Dispute, ending: Lease | None, taking: Taking | None, written: Doc | None = None,
        removed: Sequence[str] = (),
    ) -> None:
        """The save; with `written` and `removed`, also fields a save otherwise leaves as stored, set or removed in
        the same write (`written["outbox"]` then holds the new messages as well)."""
        due = due_times(dispute, self.retention, self.personal_data)
        fields = saved_fields(to_doc(dispute)) | {name: at for name, at in due.items() if at}
        changes, state = self.stored.changes(dispute.id, dispute.version, fields)
        update: Doc = {"$inc": {"version": 1}}
        if changes:
            update["$set"] = changes
        held = self.stored.holds(dispute.id, dispute.version)
        if unset := {name: "" for name, at in due.items() if at is None and held(name)}:
            update["$unset"] = unset
        if new := dispute.new_messages:
            update["$push"] = {"outbox": {"$each": [m.model_dump() for m in new]}}
            update["$min"] = {RELAY_DUE: dispute.messages_due}
        if dispute.resent:  # sent again: among the new messages, no longer parked
            update["$pull"] = {"effects_parked": {"id": {"$in": list(dispute.resent)}}}
        if written:
            update["$set"] = update.get("$set", {}) | written
            if "outbox" in written:
                update.pop("$push", None)
        if removed:
            update["$unset"] = update.get("$unset", {}) | {name: "" for name in removed}
        if taking is not None and not _due_at(due, taking):
            taking = None
        current = {"_id": dispute.id, "version": dispute.version}
        try:
            matched = (
                ending is None and taking is None and bool(dispute.taken_back)
                and await self._taking_back(dispute, current, update)
            ) or await write_ending(self.collection, current, update, ending, taking)
        except DuplicateKeyError as error:  # a withdrawn case reopened: another holds its shipment
            await self._shipment_held(error, dispute.shipment_key)
            raise
        except (PyMongoError, DocumentTooLarge) as error:  # the driver's own refusal is no PyMongoError
            if too_large(error):
                raise CaseFull("The change would take the case past the database's document limit (16 MiB), so nothing "
                               "was changed; summarise in the decision, or write shorter.") from error
            raise
        if not matched:
            raise StaleVersion("The dispute changed since it was read.")
        dispute.version += 1
        self.stored.keep(dispute.id, dispute.version, state)
        dispute._new_messages.clear()
        if dispute.resent:
            dispute._resent = ()
        if dispute.taken_back:
            dispute._taken_back = ()

    async def _taking_back(self, dispute: Dispute, current: Doc, update: Doc) -> bool:
        """The save's `update` made as an update pipeline that also drops the messages the change takes back that were
        never tried (`Dispute.taken_back`), in the one write, while no relay holds the case's lease (one taken and not
        given back, even run out: its pass may go on); whether it was made (then `dispute.outbox` is as stored). A
        pipeline, since one update document cannot both pull from the outbox and push to it; every value in it
        `$literal`, so no text reads as an expression."""
        taken_back = {"$literal": list(dispute.taken_back)}
        kept = {"$filter": {"input": "$outbox", "cond": {"$or": [
            {"$eq": [{"$indexOfArray": [taken_back, "$$this.id"]}, -1]},
            {"$gt": [{"$ifNull": ["$$this.attempts", 0]}, 0]},
            {"$ne": [{"$ifNull": ["$$this.tried_at", None]}, None]},
        ]}}}
        new = update.get("$push", {}).get("outbox", {}).get("$each", [])
        stage: Doc = {name: {"$literal": value} for name, value in update.get("$set", {}).items()}
        stage |= {"version": {"$add": ["$version", 1]}, "outbox": {"$concatArrays": [kept, {"$literal": new}]}}
        if new:
            stage[RELAY_DUE] = {"$min": [f"${RELAY_DUE}", {"$literal": dispute.messages_due}]}
        pipeline: list[Doc] = [{"$set": stage}]
        if unset := update.get("$unset"):
            pipeline.append({"$unset": list(unset)})
        after = await self.collection.find_one_and_update(
            current | {f"lease.{WorkKind.RELAY}": {"$exists": False}}, pipeline, {"outbox": 1},
            return_document=ReturnDocument.AFTER,
        )
        if after is None:
            return False
        dispute.outbox = [OutboxMessage.model_validate(m) for m in after["outbox"]]
        return True

    async def find_by_idempotency_key(self, key: str, now: datetime) -> Dispute | None:
        # The key alone (unique) finds the one holder; the expiry is checked here, since an equality-only filter is
        # what every engine serves from the index (mongoeco scans for the added range).
        doc = await self.collection.find_one({"idempotency.key": key})
        return from_doc(doc) if doc and doc["idempotency"]["expires_at"] > now else None

    async def query(self, query: DisputeQuery) -> DisputePage:
        filter_ = _filter(query)
        if query.only_ids:
            return DisputePage([], ids=await self._select(filter_, query))
        if _named(query):
            # A search names one dispute, order or shipment (or the ids of a page of an export): a handful of
            # documents, read from the search's own index (or by id) and put in queue order here. Sorted by the
            # database, mongoeco's engine would walk the queue's index instead (it sorts only from a single-field
            # index), reading every case to find those few.
            found = sorted([doc async for doc in self.collection.find(filter_)], key=itemgetter("queue_key"))
            docs = found[: query.limit + 1]
        else:
            cursor = _period(self.collection.find(filter_), query).sort("queue_key", 1).limit(query.limit + 1)
            docs = [doc async for doc in cursor]
        shown = docs[: query.limit]
        last = shown[-1] if len(docs) > query.limit else None  # the next page starts after it, read or not
        # An export's page (by ids) reads every case or fails: the export is cut, never silently short of a row.
        items = [from_doc(doc) for doc in shown] if query.ids is not None else _readable(shown)
        return DisputePage(items, (last["sla"]["decision_due"], last["queue_key"].partition("|")[2]) if last else None)

    async def _select(self, filter_: Doc, query: DisputeQuery) -> tuple[str, ...]:
        """The ids `query` selects, in queue order, by one query of ids and keys (served as the queue is)."""
        keys = {"_id": 1, "queue_key": 1}
        if _named(query):  # a handful, sorted here (as in `query`)
            found = sorted([doc async for doc in self.collection.find(filter_, keys)], key=itemgetter("queue_key"))
            return tuple(doc["_id"] for doc in found[: query.limit])
        cursor = _period(self.collection.find(filter_, keys), query).sort("queue_key", 1).limit(query.limit)
        return tuple([doc["_id"] async for doc in cursor.batch_size(query.limit)])

    async def customer_disputes(self, customer_id: str, before: tuple[datetime, str] | None, limit: int) -> DisputePage:
        filter_: Doc = {"customer_id": customer_id}
        if before is not None:
            opened, dispute_id = before
            filter_["$or"] = [{"opened_at": {"$lt": opened}}, {"opened_at": opened, "_id": {"$lt": dispute_id}}]
        cursor = self.collection.find(filter_).sort([("opened_at", -1), ("_id", -1)]).limit(limit + 1)
        docs = [doc async for doc in cursor]
        last = docs[limit - 1] if len(docs) > limit else None
        return DisputePage(_readable(docs[:limit]), (last["opened_at"], last["_id"]) if last else None)

    async def record_view(self, dispute_id: str, view: TimelineEntry, bound: ViewBound) -> bool:
        """One conditional `$push`: the filter matches only while the record has no entry at index `limit - 1` and no
        entry of the same viewer and attachment since `bound.since` (a missing `details.attachment` matches null, as
        the bound's `get` reads it)."""
        same_viewer = {"actor": view.actor, "role": view.role, "details.attachment": view.details.get("attachment"),
                       "at": {"$gte": bound.since}}
        filter_ = {"_id": dispute_id, f"attachment_views.{bound.limit - 1}": {"$exists": False},
                   "attachment_views": {"$not": {"$elemMatch": same_viewer}}}
        result = await self.collection.update_one(filter_, {"$push": {"attachment_views": view.model_dump()}})
        return result.matched_count == 1

    # --- evidence and assessment --------------------------------------------------------------------

    async def customer_history(self, dispute: Dispute, since: datetime) -> CustomerHistory:
        """Two queries, each served by its own index, sent together. As one `$or` (or `$unionWith`) they would
        be one round trip, but mongoeco's engine serves an `$or` of two indexed branches by scanning the
        collection, and a `$unionWith` costs it more than the two queries. `test_clock.id: None` matches a case
        on no clock (its `test_clock` null or missing). Both end at the case's opening: disputes opened later never
        count, so a later assessment reads the same history. The index reads up to the opening's instant; those opened
        at that very instant after this one (`Moment`: on a test clock, every case before an advance) are left out
        here, a few documents at most."""
        window = {"$gte": since, "$lte": dispute.opened_at}
        mine = self.collection.find(
            {"customer_id": dispute.customer_id, "opened_at": window, "_id": {"$ne": dispute.id},
             "test_clock.id": dispute.clock_id},
            {"opened_at": 1, "opened_seq": 1, "shipment_key": 1, "decision.outcome": 1, "status": 1,
             "closed_at": 1, "withdrawn_seq": 1},
        ).limit(HISTORY_LIMIT)
        same_address = self.collection.find(
            {"address_key": address_key(dispute), "opened_at": window, "test_clock.id": dispute.clock_id},
            {"customer_id": 1, "opened_at": 1, "opened_seq": 1},
        ).limit(HISTORY_LIMIT)
        claimed, at_address = await asyncio.gather(mine.to_list(), same_address.to_list())
        this = opening_of(dispute)

        def before(doc: Doc) -> bool:
            return (doc["opened_at"], doc.get("opened_seq") or 0, doc["_id"]) <= this

        claims = tuple(
            PastClaim(doc["opened_at"], doc["shipment_key"], _outcome(doc),
                      # a case withdrawn before `closed_at` was kept: as long ago as it was opened
                      doc.get("closed_at") or doc["opened_at"] if doc["status"] == Status.WITHDRAWN else None,
                      doc["_id"], doc.get("opened_seq"), doc.get("withdrawn_seq"))
            for doc in claimed if before(doc)
        )
        accounts = {doc["customer_id"] for doc in at_address if before(doc)} | {dispute.customer_id}
        return CustomerHistory(claims=claims, accounts_at_address=len(accounts))

    async def active_for_shipment(self, carrier: str, tracking_number: str) -> list[str]:
        cursor = self.collection.find(
            {"order.carrier": carrier, "order.tracking_number": tracking_number, "holds_shipment": True}, {"_id": 1}
        )
        return [doc["_id"] async for doc in cursor]

    # --- outbox --------------------------------------------------------------------------------------

    async def pending(self, dispute_id: str) -> list[OutboxMessage]:
        doc = await self.collection.find_one({"_id": dispute_id}, {"outbox": 1})
        return [OutboxMessage.model_validate(m) for m in (doc or {}).get("outbox", [])]

    async def sending(self, dispute_id: str, message: OutboxMessage, at: datetime) -> bool | None:
        before = await self.collection.find_one_and_update(
            {"_id": dispute_id, "outbox.id": message.id},
            {"$set": {"outbox.$.tried_at": message.tried_at or at, "outbox.$.never_reached": False,
                      "outbox.$.attempt_token": message.attempt_token}},
            {"outbox": 1},
            return_document=ReturnDocument.BEFORE,
        )
        stored = next((m for m in before["outbox"] if m["id"] == message.id), None) if before else None
        return None if stored is None else OutboxMessage.model_validate(stored).unreached

    async def deferred(self, dispute_id: str, message: OutboxMessage) -> None:
        if message.not_before is not None:
            await self.collection.update_one(
                {"_id": dispute_id, "outbox.id": message.id}, {"$set": {RELAY_DUE: message.not_before}}
            )

    async def delivered(
        self, dispute_id: str, message: OutboxMessage, at: datetime, ending: Lease | None = None,
        reference: str | None = None,
    ) -> None:
        """Record the delivery once: a message two relays delivered (one took over the other's lease) is moved
        out of the outbox by whichever records it first; the other finds it gone and records nothing. The last
        message leaves the outbox and the relay's due time (and the relay's lease, when `ending`) in one write."""
        effect = DeliveredEffect(id=message.id, kind=message.kind, key=message.key, delivered_at=at, reference=reference)
        moved = {"$pull": {"outbox": {"id": message.id}}, "$push": {"effects_delivered": effect.model_dump()}}
        last = {"_id": dispute_id, "outbox": {"$size": 1}, "outbox.id": message.id}
        if await write_ending(self.collection, last, moved | {"$unset": {RELAY_DUE: ""}}, ending):
            return
        after = await self.collection.find_one_and_update(
            {"_id": dispute_id, "outbox.id": message.id}, moved, {"outbox.id": 1}, return_document=ReturnDocument.AFTER
        )
        if after is None or not after.get("outbox"):  # gone meanwhile, or the others were delivered meanwhile
            await self._clear_due_if_empty(dispute_id)

    async def failed(
        self,
        dispute_id: str,
        message: OutboxMessage,
        error: str,
        retry_at: datetime,
        park: bool,
        held: Sequence[OutboxMessage] = (),
        queued: Sequence[OutboxMessage] = (),
    ) -> bool:
        """Parking moves the message and `held` out of the outbox in one write, if the message is still pending (and,
        recorded never reached, still carries its own attempt token: the write's filter says so): the
        messages waiting for it are pending then too (the relay sends none before the message it waits for). The same
        write queues `queued`, so a write made again, or by a relay racing this one, queues nothing; it is an update
        pipeline, since one update document cannot both pull from the outbox and push to it (every value in it
        `$literal`, so no text in a message reads as an expression)."""
        updated = message.model_copy(
            update={"attempts": message.attempts + 1, "last_error": error[:ERROR_KEPT], "attempt_token": None}
        )
        own: Doc = {"id": message.id}
        if message.never_reached:
            own["attempt_token"] = message.attempt_token
        pending = {"_id": dispute_id, "outbox": {"$elemMatch": own}}
        if park:
            parked = [updated, *held]
            ids = [m.id for m in parked]
            not_parked = {"$eq": [{"$indexOfArray": [{"$literal": ids}, "$$this.id"]}, -1]}
            unparked = {"$filter": {"input": "$outbox", "cond": not_parked}}
            stage: Doc = {
                "outbox": {"$concatArrays": [unparked, {"$literal": [m.model_dump() for m in queued]}]},
                "effects_parked": {"$concatArrays": [
                    {"$ifNull": ["$effects_parked", []]}, {"$literal": [m.model_dump() for m in parked]},
                ]},
            }
            if queued:
                stage[RELAY_DUE] = {"$min": [f"${RELAY_DUE}", {"$literal": min(m.created_at for m in queued)}]}
            result = await self.collection.update_one(pending, [{"$set": stage}])
            await self._clear_due_if_empty(dispute_id)
            return result.matched_count == 1
        result = await self.collection.update_one(
            pending,
            {
                "$set": {
                    "outbox.$.attempts": updated.attempts,
                    "outbox.$.last_error": updated.last_error,
                    "outbox.$.never_reached": updated.never_reached,
                    "outbox.$.attempt_token": None,
                    "outbox.$.not_before": retry_at,
                    RELAY_DUE: retry_at,
                }
            },
        )
        return result.matched_count == 1

    async def _clear_due_if_empty(self, dispute_id: str) -> None:
        await self.collection.update_one({"_id": dispute_id, "outbox": {"$size": 0}}, {"$unset": {RELAY_DUE: ""}})

    async def _release_expired_key(self, key: str, now: datetime) -> bool:
        result = await self.collection.update_one(
            {"idempotency.key": key, "idempotency.expires_at": {"$lte": now}}, {"$unset": {"idempotency": ""}}
        )
        return result.modified_count == 1


def _due_at(due: dict[str, datetime | None], taking: Taking) -> bool:
    """Whether the `due.<kind>` times a save writes make `taking`'s work due at `taking.now`."""
    at = due.get(f"due.{taking.lease.kind}")
    return at is not None and at <= taking.now


def _outcome(doc: Doc) -> Outcome | None:
    decision = doc.get("decision")
    return Outcome(decision["outcome"]) if decision else None


def _named(query: DisputeQuery) -> bool:
    """Whether the query names its few disputes: by id, order or shipment, or by a list of ids."""
    return bool(query.dispute_id or query.order_id or query.tracking_number or query.ids is not None)


def _filter(query: DisputeQuery) -> Doc:
    """Every value is typed (ids, enums, bools, ints, datetimes): a caller's value is never a query operator."""
    filter_: Doc = {}
    for field, values in (("status", [s.value for s in query.statuses]), ("priority", list(query.priorities))):
        if values:  # one value as an equality: the same match, which the embedded engine serves from its index
            filter_[field] = values[0] if len(values) == 1 else {"$in": values}
    for field, value in (
        ("_id", query.dispute_id),
        ("order.order_id", query.order_id),
        ("order.tracking_number", query.tracking_number),
        ("order.carrier", query.carrier),
        ("assignee", query.assignee),
        ("customer_id", query.customer_id),
        ("decision.overridden", query.overridden),
        ("needs_supervisor", query.needs_supervisor),
        ("flagged", query.flagged),
        ("channel", query.channel.value if query.channel else None),
        ("decision.outcome", query.outcome.value if query.outcome else None),
        ("compensation", query.compensation.value if query.compensation else None),
    ):
        if value is not None:
            filter_[field] = value
    if query.unassigned:
        filter_["assignee"] = None
    if query.ids is not None:  # with `dispute_id` too: those of the ids that are it
        filter_["_id"] = {"$in": [i for i in query.ids if query.dispute_id in (None, i)]}
    order = _range(
        ("$gte", _due_text(query.due_from) if query.due_from else None),
        ("$lt", _due_text(query.due_before) if query.due_before else None),  # every key of an earlier due time sorts before it
        ("$gt", queue_key(*queue_after(query.after)) if query.after else None),
    )
    for field, condition in (
        ("queue_key", order),
        ("opened_at", _range(("$gte", query.opened_from), ("$lt", query.opened_to))),
        ("decision.decided_at", _range(("$gte", query.decided_from), ("$lt", query.decided_to))),
    ):
        if condition:
            filter_[field] = condition
    for field in ("opened_at", "decision.decided_at"):  # an undecided case's null is no date on any engine
        if field in filter_:
            filter_[field] = {"$type": "date"} | filter_[field]
    return filter_


def _period(cursor: AsyncCursor[Doc], query: DisputeQuery) -> AsyncCursor[Doc]:
    """A period's cases read from the period's index: its range bounds the read, and the database keeps the
    `limit` first in queue order (a bounded sort). Left to itself the planner may walk the whole queue's index in
    order instead (it gives the sort), testing each case it fetches for the period: every case ever stored, for
    "decided last month"."""
    if query.decided_from or query.decided_to:
        return cursor.hint(PERIOD_DECIDED)
    if query.opened_from or query.opened_to:
        return cursor.hint(PERIOD_OPENED)
    return cursor


def _range(*bounds: tuple[str, object]) -> Doc:
    return {operator: value for operator, value in bounds if value is not None}
