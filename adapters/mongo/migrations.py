"""One-off changes to stored documents, run at start-up after the indexes and safe to run again (each finds
only documents still in the old shape, so a second run, or a second process running it at once, changes nothing).
A migration that has run is recorded in the `migrations` collection and skipped afterwards, so a start-up does
not scan the collections again. A new database (no document in any collection a migration changes) has every
migration recorded at once, with one write: only the indexes of an earlier version are looked for and dropped.

Schedule moved to `due.<kind>`: documents written before background work was scheduled by storage keep their
due times in top-level fields (`evidence_pull_due`, `assess_due`, `sla_check_due`, `outbox_due`, `purge_due` on
disputes; `attach_due` on carrier events) and the indexes that served them. They are given `due.<kind>` from
those fields, the two fields only storage wrote are removed, and the old indexes dropped.

Queue ordered by `queue_key`: disputes written before the queue's order was one string field are given their
`queue_key` (from `sla.decision_due`, `priority`, `opened_at` and `_id`), and the queue's indexes on (decision due, id)
dropped.

Queue ties: cases keyed before the cases due at one time were ordered by priority and opening hold the id alone after
the due time in `queue_key`, and sort after the others of their due time: they are keyed in full. The release before
keeps writing such keys during a rolling deploy, so every start-up keys them (found by a regex on the key, tested on
the queue index's keys), as it respells tracking numbers: the rollout ends with one restart.

Flagged cases: disputes written before the queue could be filtered on abuse flags are given `flagged`.

Claims from one field: the indexes on (due, lease) that claims used before are dropped (`claim_<kind>`
replaces them).

Shipments held on a clock: a test clock's case stored before its shipment was held on its clock only keeps the real
shipment's `shipment_key` (and so blocks the customer's real case): it is given the clock's (`Dispute.shipment_key`).

Purges recorded: a case whose images retention deleted before the case recorded it (`purged`, no
`images_deleted_at`) still showed their references and file names: it is made due for retention again, which
records it (`Dispute.delete_stored_copies`).

Purge flags dropped: the `purged` flags the purges above left on cases are removed once those cases are due for
retention; nothing reads them.

Pushes kept for a bounded time: pushed events stored before are given the references they hold (`refs`) and a
retention due time at their receipt, which retention moves to the end of their keeping (`adapters/mongo/retention.py`).

Copies cited: cases saved before they listed every reference they cite (`evidence_refs`: the raw replies of their
evidence were missing, or the field itself) list them, before the copies are checked.

Copies checked: images and raw bodies stored before every storing made them due for a check (no `due`) are made due
for it `STORED_LATELY` after they were last stored, so those nothing cites (a push never recorded or all of whose
events were recorded before, a case's save that lost) are deleted (`StoredCopyCheck`).

Copies checked again: the copies of entries a full case dropped before it recorded them for deletion
(`Dispute._room_for_evidence`) are cited by nothing, and their check had run: every copy whose check is not pending
is made due for it again, the same way.

Earlier pushes read: cases stored before they recorded that their first pull read the pushes stored before them
(`earlier_pushes_read`) record it where that pull is over (no pull due, or a pull failed), so a pull asked for later
goes to the carrier.

Events in push order: the index on a shipment's events by time (`events_by_tracking_number`) is dropped;
`events_in_order` replaces it, by time and place in the push (`seq`). Events stored before have no place: the
events of an old push keep an unspecified order among themselves.

Pushes in order: `events_in_order` is dropped; `events_by_push` replaces it, by time, push and place in the push
(`adapters/mongo/evidence_store.py`). Events stored before have no push: they keep the order they had (by time, then
place), ahead of any new event of their millisecond, so none is changed.

Hours to proof: cases stored when a proof pushed before the case opened counted negative hours to it keep 0 in their
report facts (`disputes.reports`), as their next save would write, so the carrier report's median reads no negative
time from cases that are never saved again (closed ones).

Decisions in their deadline: cases decided before a decision kept the deadline it was taken against
(`Decision.decision_due`) and reviewed again since (an appeal, a reopening) judged their decision against the new
review's deadline in their report facts; their `facts.within_sla` is written as their next save would write it, from
the deadline their decision reads as taken against (`Dispute._date_the_decision`), so the SLA report agrees on cases
never saved again.

Channels recorded: cases stored before the channel a case came through was recorded came through the order page, and
read so (`Dispute.channel`'s default); they are given `channel: order_page`, so the queue's channel filter (an
equality its index `queue_order_by_channel` serves) finds them as the reports count them.

Anonymised again: cases anonymised before an anonymised case stopped telling that its customer declared an
accessibility need still tell it (the opening's `accessibility_need`, the declaration relabelled
`decision_deadline_moved`, which nothing else writes, and the priority of 1 it raised), and their `images_deleted`
note reads "[anonymised]": each is written as anonymising writes it now (`disputes/anonymise.py`).

Placeholder times: proofs stored before the carriers' readers refused a time in the year 9999 (.NET's `MaxValue`,
`schemas.common.LATEST`) hold one, which has no local time in Istanbul (the customer's view of the case failed) and no
room for the policy's tolerances (its assessment failed): in a case's evidence and in a pushed event, such a delivery
time is none, noted unreadable as the readers note it now, and such a scan is left out.

Order placeholder time: cases opened before the order service's placeholder for no time (`0001-01-01`, `9999-…`) was
read as unknown keep it as their order's `placed_at`, which the push attacher cannot subtract a day from: it is none.

Handed over, marked: open cases the decision deadline handed to a supervisor before such a case was marked
`needs_supervisor` (in the supervisors' queue, and decided by one only) are marked, as `Dispute.deadline_reached`
marks them now.

Deadline rule apart: cases whose latest decision is the deadline rule's (the service's, reason `deadline_reached`)
counted it as automatic in their report facts; they are written as their next save would write them
(`facts.automatic` false, `facts.by_deadline_rule` true), so the SLA report tells them apart on cases never saved
again.

Tracking numbers in one spelling: cases and pushed events stored before tracking numbers were written in one spelling
(`schemas.common.one_spelling`: no blanks, capitals) keep the number as the orders service or the carrier wrote it,
which the pushes, pulls and searches of the same parcel, now in that spelling, would not match: it is written so. Their
keys stay (`shipment_key` and the effects' keys are the order's and shipment's ids, never the tracking number; a pulled
proof's key is matched by its content, `Dispute.attach_evidence`). This one is not recorded: during a rolling deploy
the release before keeps writing numbers as it got them after the first new instance started, so every start-up
respells what is not in the one spelling. A regex on the number (a letter a–z or a blank) finds only those documents,
tested on the keys of the index holding the number (`queue_order_by_tracking_number`, `events_by_push`) rather than on
the documents, and they are written `BATCH` to a round trip: on MongoDB a start-up with nothing to respell fetches no
document.
What the release before wrote after the last new instance started is respelt at the next start-up of any instance:
an upgrade from a release without the one spelling ends with one restart once the rollout is over (README, upgrades).

Money before the ledger: cases decided by a release that kept no money rows (`money`) would be missing from the money
ledger and their liabilities from the carrier report's, so a past period's bill would change on upgrade. Each is given
the rows its decisions sent, rebuilt from what the case holds by the rule that builds a new decision's
(`Dispute.money_before_ledger`: each decision on its timeline, the order, the keys of the messages it holds), marked
`rebuilt`, as its next save would write them (a case read without them is read with them); one decided without money
(a rejection) is given none. Like the respelling, this runs at every start-up, as the release before keeps deciding
cases during a rolling deploy: the decided cases without the field are read through the index on the decision's time
(`queue_by_decision_period`) and written `BATCH` to a round trip, each at the version it was read. The first run reads
every decided case; a run that wrote every case it read records the latest decision it saw (`money_before_ledger` in
`migrations`), and the next reads only the cases decided since (less `REREAD`); one that met a case changed meanwhile
records nothing, so the next reads the same cases again. A start-up after the rollout reads the cases decided since
the one before.

Each step that changes what a case shows writes it at a new version, so its `ETag` changes too."""

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from functools import reduce
from operator import getitem
from typing import Any

from pymongo import DESCENDING, UpdateOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import OperationFailure

from adapters.mongo.disputes import from_doc, queue_key
from adapters.mongo.evidence_store import LAST_STORED
from adapters.mongo.indexes import ATTACHMENTS, CARRIER_EVENTS, DISPUTES, PERIOD_DECIDED, RAW_PAYLOADS
from disputes.anonymise import anonymised_timeline, kept_priority
from disputes.model import ACCESSIBLE_PRIORITY, CLOCK_MARK, IMAGES_DELETED
from disputes.ports import STORED_LATELY, queue_tie
from disputes.reports import report_facts
from disputes.states import CLOSED
from disputes.work import WorkKind
from schemas.dispute import Channel, EffectKind
from schemas.common import EARLIEST, LATEST, one_spelling
from schemas.proof import MAX_NOTES, NoteCode, ProofOfDelivery

Doc = dict[str, Any]

DISPUTE_DUE = {
    "evidence_pull_due": WorkKind.PULL_EVIDENCE,
    "assess_due": WorkKind.ASSESS,
    "sla_check_due": WorkKind.SLA_CHECK,
    "outbox_due": WorkKind.RELAY,
    "purge_due": WorkKind.RETENTION,
}
"""Old field → kind. The first three are the aggregate's own fields and stay; the last two were storage's."""
STORAGE_ONLY = ("outbox_due", "purge_due")
EVENT_DUE = {"attach_due": WorkKind.ATTACH_PUSHED}
OLD_INDEXES = {
    DISPUTES: ("outbox_due", "evidence_pull_due", "sla_check_due", "assess_due", "purge_due"),
    CARRIER_EVENTS: ("events_attach_due",),
}
CLAIMS_BEFORE = tuple(f"due_{kind}" for kind in WorkKind)
QUEUE_BEFORE_KEY = ("queue", "queue_by_status", "queue_by_carrier", "queue_by_assignee", "by_customer", "queue_by_override")
EVENTS_BEFORE_ORDER = ("events_by_tracking_number",)
EVENTS_BEFORE_PUSH = ("events_in_order",)
DROPPED = {
    DISPUTES: (*OLD_INDEXES[DISPUTES], *QUEUE_BEFORE_KEY, *CLAIMS_BEFORE),
    CARRIER_EVENTS: (*OLD_INDEXES[CARRIER_EVENTS], *EVENTS_BEFORE_ORDER, *EVENTS_BEFORE_PUSH, *CLAIMS_BEFORE),
}
"""Every index a migration drops, by collection (a new database drops these alone: a migration dropping another
index names it here too)."""
MIGRATED = (DISPUTES, CARRIER_EVENTS, ATTACHMENTS, RAW_PAYLOADS)
"""The collections whose documents migrations change."""


INDEX_NOT_FOUND = 27

MIGRATIONS = "migrations"
SCHEDULE_IN_DUE = "schedule_in_due"
QUEUE_KEY = "queue_key"
CLAIM_INDEXES = "claim_indexes"
FLAGGED = "flagged"
SHIPMENT_ON_CLOCK = "shipment_on_clock"
PURGE_RECORDED = "purge_recorded"
PURGE_FLAGS_DROPPED = "purge_flags_dropped"
PUSHES_KEPT = "pushes_kept"
IMAGES_CHECKED = "images_checked"
RAWS_CHECKED = "raws_checked"
REFS_CITED = "refs_cited"
COPIES_RECHECKED = "copies_rechecked"
EVENTS_IN_ORDER = "events_in_order"
EVENTS_BY_PUSH = "events_by_push"
PUSHES_READ = "earlier_pushes_read"
PROOF_HOURS = "proof_hours_not_negative"
DECISIONS_IN_THEIR_DEADLINE = "decisions_in_their_deadline"
CHANNELS_RECORDED = "channels_recorded"
PERSONAL_DATA_DUE = "personal_data_due"
ANONYMISED_AGAIN = "anonymised_again"
PLACEHOLDER_TIMES = "placeholder_times"
ORDER_PLACEHOLDER = "order_placeholder_time"
HANDED_OVER_MARKED = "handed_over_marked"
RELABELLED_NEED = "decision_deadline_moved"
DEADLINE_RULE_APART = "deadline_rule_apart"
HANDED_OVER = "sla_deadline_reached"
MONEY_BEFORE_LEDGER = "money_before_ledger"
DECIDED: Doc = {"decision.decided_at": {"$gt": EARLIEST}}
REREAD = timedelta(hours=1)
"""How far before the latest decision the previous start-up saw the next one looks again for cases without money
rows: a decision the release before saved meanwhile dated earlier (its instance's clock behind, its save slow)."""
NOT_ONE_SPELLING = r"[a-z\s]"
"""A number holding a letter a–z or a blank is not in its one spelling (`schemas.common.one_spelling`)."""
NEW_VERSION: Doc = {"$inc": {"version": 1}}
"""A change to what a case shows is a new version (its ETag), as every save makes one."""
BATCH = 500


async def migrate(db: AsyncDatabase[Doc]) -> int:
    """Bring old documents to the current shape; returns how many were changed."""
    steps: dict[str, Callable[[AsyncDatabase[Doc]], Awaitable[int]]] = {
        SCHEDULE_IN_DUE: _schedule_in_due, QUEUE_KEY: _queue_key, CLAIM_INDEXES: _claim_indexes, FLAGGED: _flagged,
        SHIPMENT_ON_CLOCK: _shipment_on_clock, PURGE_RECORDED: _purge_recorded,
        PURGE_FLAGS_DROPPED: _purge_flags_dropped, PUSHES_KEPT: _pushes_kept, REFS_CITED: _refs_cited,
        IMAGES_CHECKED: _images_checked, RAWS_CHECKED: _raws_checked, COPIES_RECHECKED: _copies_rechecked,
        EVENTS_IN_ORDER: _events_in_order, PUSHES_READ: _pushes_read, EVENTS_BY_PUSH: _events_by_push,
        PROOF_HOURS: _proof_hours, DECISIONS_IN_THEIR_DEADLINE: _decisions_in_their_deadline,
        CHANNELS_RECORDED: _channels_recorded, PERSONAL_DATA_DUE: _personal_data_due,
        ANONYMISED_AGAIN: _anonymised_again, PLACEHOLDER_TIMES: _placeholder_times,
        ORDER_PLACEHOLDER: _order_placeholder, HANDED_OVER_MARKED: _handed_over_marked,
        DEADLINE_RULE_APART: _deadline_rule_apart,
    }
    done = {doc["_id"] async for doc in db[MIGRATIONS].find({"_id": {"$in": list(steps)}}, {"_id": 1})}
    pending = [name for name in steps if name not in done]
    if pending and not await _holds_documents(db):  # a new database: nothing in an old shape, at most old indexes
        for collection, names in DROPPED.items():
            await _drop_indexes(db, collection, names)
        await db[MIGRATIONS].bulk_write(
            [UpdateOne({"_id": name}, {"$setOnInsert": {"changed": 0}}, upsert=True) for name in pending]
        )
        return 0
    changed = 0
    for name, step in steps.items():
        if name not in done:
            count = await step(db)
            await db[MIGRATIONS].update_one({"_id": name}, {"$setOnInsert": {"changed": count}}, upsert=True)
            changed += count
    return changed + await _one_spelling(db) + await _queue_ties(db) + await _money_before_ledger(db)


async def _holds_documents(db: AsyncDatabase[Doc]) -> bool:
    for collection in MIGRATED:
        if await db[collection].find_one({}, {"_id": 1}, sort=[("_id", 1)]) is not None:
            return True
    return False


async def _schedule_in_due(db: AsyncDatabase[Doc]) -> int:
    changed = await _move_due(db, DISPUTES, DISPUTE_DUE, {"due": {"$exists": False}}, STORAGE_ONLY)
    changed += await _move_due(db, CARRIER_EVENTS, EVENT_DUE, {"attach_due": {"$exists": True}}, tuple(EVENT_DUE))
    for collection, names in OLD_INDEXES.items():
        await _drop_indexes(db, collection, names)
    return changed


async def _queue_key(db: AsyncDatabase[Doc]) -> int:
    old: Doc = {"queue_key": {"$exists": False}}
    changed = 0
    async for doc in db[DISPUTES].find(old, KEYED_BY):
        key = _keyed(doc)
        result = await db[DISPUTES].update_one({"_id": doc["_id"], **old}, {"$set": {"queue_key": key}})
        changed += result.modified_count
    await _drop_indexes(db, DISPUTES, QUEUE_BEFORE_KEY)
    return changed


KEYED_BY: Doc = {"sla.decision_due": 1, "priority": 1, "opened_at": 1, "queue_key": 1}
"""What a case's `queue_key` is made of."""
ID_ALONE = r"^[^|]*[|][^|]*$"
"""A `queue_key` holding the id alone after the due time, as the release before wrote it."""


def _keyed(doc: Doc) -> str:
    return queue_key(doc["sla"]["decision_due"], queue_tie(doc.get("priority", 0), doc["opened_at"], doc["_id"]))


async def _queue_ties(db: AsyncDatabase[Doc]) -> int:
    """Run at every start-up: only the cases whose key holds the id alone are read (tested on the keys of the queue's
    index), and written `BATCH` to a round trip; a save meanwhile, which writes the key in full, is left as it is."""
    changed, batch = 0, []
    async for doc in db[DISPUTES].find({"queue_key": {"$regex": ID_ALONE}}, KEYED_BY, hint="queue_order"):
        batch.append(UpdateOne({"_id": doc["_id"], "queue_key": doc["queue_key"]}, {"$set": {"queue_key": _keyed(doc)}}))
        if len(batch) == BATCH:
            changed += (await db[DISPUTES].bulk_write(batch, ordered=False)).modified_count
            batch = []
    return changed + ((await db[DISPUTES].bulk_write(batch, ordered=False)).modified_count if batch else 0)


async def _money_before_ledger(db: AsyncDatabase[Doc]) -> int:
    """Run at every start-up: the cases without money rows decided since the latest decision the run before saw (less
    `REREAD`; every decided case at the first run) are written as their next save would write them (`from_doc` reads
    them with their rows), `BATCH` to a round trip, each at the version it was read. When every one was written, the
    latest decision now is recorded for the next run; otherwise (one changed meanwhile) the next run reads them again."""
    done = await db[MIGRATIONS].find_one({"_id": MONEY_BEFORE_LEDGER})
    latest = await db[DISPUTES].find_one(
        DECIDED, {"decision.decided_at": 1}, sort=[("decision.decided_at", DESCENDING)], hint=PERIOD_DECIDED
    )
    since = done["through"] - REREAD if done else EARLIEST
    read, changed, batch = 0, 0, []
    without: Doc = {"decision.decided_at": {"$gt": since}, "money": {"$exists": False}}
    async for doc in db[DISPUTES].find(without, hint=PERIOD_DECIDED):
        rows = [money.model_dump() for money in from_doc(doc).money]
        current = {"_id": doc["_id"], "version": doc["version"], "money": {"$exists": False}}
        batch.append(UpdateOne(current, {"$set": {"money": rows}} | (NEW_VERSION if rows else {})))
        read += 1
        if len(batch) == BATCH:
            changed += (await db[DISPUTES].bulk_write(batch, ordered=False)).modified_count
            batch = []
    changed += (await db[DISPUTES].bulk_write(batch, ordered=False)).modified_count if batch else 0
    if latest is not None and changed == read:
        through = {"$max": {"through": latest["decision"]["decided_at"]}}
        await db[MIGRATIONS].update_one({"_id": MONEY_BEFORE_LEDGER}, through, upsert=True)
    return changed


async def _flagged(db: AsyncDatabase[Doc]) -> int:
    old: Doc = {"flagged": {"$exists": False}}
    unflagged = await db[DISPUTES].update_many({**old, "abuse_flags": {"$size": 0}}, {"$set": {"flagged": False}})
    flagged = await db[DISPUTES].update_many(old, {"$set": {"flagged": True}})
    return unflagged.modified_count + flagged.modified_count


async def _shipment_on_clock(db: AsyncDatabase[Doc]) -> int:
    changed = 0
    async for doc in db[DISPUTES].find({"test_clock.id": {"$type": "string"}}, {"shipment_key": 1, "test_clock.id": 1}):
        if CLOCK_MARK in (key := doc["shipment_key"]):
            continue
        clocked = {"$set": {"shipment_key": f"{key}{CLOCK_MARK}{doc['test_clock']['id']}"}}
        changed += (await db[DISPUTES].update_one({"_id": doc["_id"], "shipment_key": key}, clocked)).modified_count
    return changed


async def _purge_recorded(db: AsyncDatabase[Doc]) -> int:
    old: Doc = {"purged": True, "images_deleted_at": None, "closed_at": {"$ne": None}}
    changed = 0
    async for doc in db[DISPUTES].find(old, {"closed_at": 1}):
        due = {"$set": {f"due.{WorkKind.RETENTION}": doc["closed_at"]}}
        changed += (await db[DISPUTES].update_one({"_id": doc["_id"], **old}, due)).modified_count
    return changed


async def _personal_data_due(db: AsyncDatabase[Doc]) -> int:
    """Closed cases stored before their personal data was anonymised, not due for retention (their images deleted, or
    none held): due at once; the retention worker anonymises those closed long enough, and its save makes the others
    due when they are."""
    old: Doc = {"closed_at": {"$ne": None}, "anonymised_at": None, f"due.{WorkKind.RETENTION}": {"$exists": False}}
    changed = 0
    async for doc in db[DISPUTES].find(old, {"closed_at": 1}):
        due = {"$set": {f"due.{WorkKind.RETENTION}": doc["closed_at"]}}
        changed += (await db[DISPUTES].update_one({"_id": doc["_id"], **old}, due)).modified_count
    return changed


async def _anonymised_again(db: AsyncDatabase[Doc]) -> int:
    """Each anonymised case, found among every case by the index every collection has, written as anonymising writes
    it now where that differs, at the version it was read."""
    changed = 0
    read = {"anonymised_at": 1, "timeline": 1, "priority": 1, "version": 1, "outbox": 1, "effects_parked": 1}
    async for doc in db[DISPUTES].find({}, read).sort("_id", 1):
        if doc.get("anonymised_at") is None:
            continue
        timeline = [{**entry, "details": IMAGES_DELETED} if entry["action"] == "images_deleted" else entry
                    for entry in doc["timeline"] if entry["action"] != RELABELLED_NEED]
        kept = {"timeline": anonymised_timeline(timeline, ACCESSIBLE_PRIORITY),
                "priority": kept_priority(doc["priority"], ACCESSIBLE_PRIORITY),
                **{name: [_kept_alert(message) for message in doc.get(name, [])] for name in ("outbox", "effects_parked")}}
        if any(doc.get(name) != value for name, value in kept.items()):
            current = {"_id": doc["_id"], "version": doc["version"]}
            changed += (await db[DISPUTES].update_one(current, {"$set": kept, **NEW_VERSION})).modified_count
    return changed


async def _placeholder_times(db: AsyncDatabase[Doc]) -> int:
    """Cases and pushed events, each found among all by the index every collection has, written where a proof they
    hold changes (a case at the version it was read)."""
    changed = 0
    async for doc in db[DISPUTES].find({}, {"evidence": 1, "version": 1}).sort("_id", 1):
        evidence = [{**entry, "proof": _without_placeholders(entry["proof"])} for entry in doc.get("evidence", [])]
        if evidence != doc.get("evidence", []):
            current = {"_id": doc["_id"], "version": doc["version"]}
            changed += (await db[DISPUTES].update_one(current, {"$set": {"evidence": evidence}, **NEW_VERSION})).modified_count
    async for doc in db[CARRIER_EVENTS].find({}, {"proof": 1}).sort("_id", 1):
        if "proof" in doc and (proof := _without_placeholders(doc["proof"])) != doc["proof"]:
            changed += (await db[CARRIER_EVENTS].update_one({"_id": doc["_id"]}, {"$set": {"proof": proof}})).modified_count
    return changed


async def _order_placeholder(db: AsyncDatabase[Doc]) -> int:
    """Cases whose order's `placed_at` is the order service's placeholder for no time (.NET's MinValue or MaxValue),
    stored before such a time was read as unknown: it is unknown (none), at a new version."""
    changed = 0
    query: Doc = {"$or": [{"order.placed_at": {"$type": "date", "$lt": EARLIEST}}, {"order.placed_at": {"$gte": LATEST}}]}
    async for doc in db[DISPUTES].find(query, {"version": 1}):
        current = {"_id": doc["_id"], "version": doc["version"]}
        changed += (await db[DISPUTES].update_one(current, {"$set": {"order.placed_at": None}, **NEW_VERSION})).modified_count
    return changed


async def _handed_over_marked(db: AsyncDatabase[Doc]) -> int:
    """Open cases the deadline handed to a supervisor before such a case was marked as needing one: marked, at a new
    version, so they are in the supervisors' queue and decided by a supervisor only, as one handed over now."""
    changed = 0
    query: Doc = {"needs_supervisor": False, "status": {"$nin": sorted(CLOSED)},
                  "timeline.action": HANDED_OVER}
    async for doc in db[DISPUTES].find(query).sort("_id", 1):
        dispute = from_doc(doc)
        started = dispute.review_started_at
        if any(e.action == HANDED_OVER and e.details.get("rule") == "supervisor" and e.at >= started
               for e in dispute.timeline):
            current = {"_id": doc["_id"], "version": doc["version"], "needs_supervisor": False}
            marked = {"$set": {"needs_supervisor": True}, **NEW_VERSION}
            changed += (await db[DISPUTES].update_one(current, marked)).modified_count
    return changed


def _without_placeholders(proof: Doc) -> Doc:
    events = proof.get("events", [])
    kept = [event for event in events if not _placeholder(event.get("at"))]
    if len(kept) == len(events) and not _placeholder(proof.get("delivered_at")):
        return proof
    changed = {**proof, "events": kept}
    if _placeholder(proof.get("delivered_at")):
        note = {"code": NoteCode.FIELD_UNREADABLE.value, "field": "delivered_at", "reason": "a placeholder time"}
        changed |= {"delivered_at": None, "notes": [*proof.get("notes", []), note][:MAX_NOTES]}
    return changed


def _placeholder(at: object) -> bool:
    return isinstance(at, datetime) and at >= LATEST  # stored times are read aware (`tz_aware`)


def _kept_alert(message: Doc) -> Doc:
    priority = message.get("payload", {}).get("priority")
    if message.get("kind") != EffectKind.STAFF_ALERT or not isinstance(priority, int):
        return message
    return {**message, "payload": {**message["payload"], "priority": kept_priority(priority, ACCESSIBLE_PRIORITY)}}


async def _purge_flags_dropped(db: AsyncDatabase[Doc]) -> int:
    return (await db[DISPUTES].update_many({"purged": {"$exists": True}}, {"$unset": {"purged": ""}})).modified_count


async def _pushes_kept(db: AsyncDatabase[Doc]) -> int:
    old: Doc = {"refs": {"$exists": False}}
    changed = 0
    async for doc in db[CARRIER_EVENTS].find(old, {"proof": 1, "received_at": 1}):
        refs = ProofOfDelivery.model_validate(doc["proof"]).stored_refs() if "proof" in doc else set()
        kept: Doc = {"refs": sorted(refs)}
        if "received_at" in doc:
            kept[f"due.{WorkKind.PUSH_RETENTION}"] = doc["received_at"]
        changed += (await db[CARRIER_EVENTS].update_one({"_id": doc["_id"], **old}, {"$set": kept})).modified_count
    return changed


async def _refs_cited(db: AsyncDatabase[Doc]) -> int:
    """Every case's list, written `BATCH` cases to a round trip; a save meanwhile wrote its own, at a later version."""
    changed, batch = 0, []
    async for doc in db[DISPUTES].find({}).sort("_id", 1):  # every case, by the index every collection has
        if doc.get("evidence_refs") != (refs := from_doc(doc).stored_refs()):
            batch.append(UpdateOne({"_id": doc["_id"], "version": doc["version"]}, {"$set": {"evidence_refs": refs}}))
        if len(batch) == BATCH:
            changed += (await db[DISPUTES].bulk_write(batch, ordered=False)).modified_count
            batch = []
    return changed + ((await db[DISPUTES].bulk_write(batch, ordered=False)).modified_count if batch else 0)


async def _images_checked(db: AsyncDatabase[Doc]) -> int:
    return await _checked(db, ATTACHMENTS, WorkKind.ATTACHMENT_CHECK, "stored_at")


async def _raws_checked(db: AsyncDatabase[Doc]) -> int:
    return await _checked(db, RAW_PAYLOADS, WorkKind.RAW_CHECK, "received_at")


async def _copies_rechecked(db: AsyncDatabase[Doc]) -> int:
    return await _images_checked(db) + await _raws_checked(db)


async def _checked(db: AsyncDatabase[Doc], collection: str, kind: WorkKind, stored_at: str) -> int:
    """The copies whose check is not pending made due for it: one update for the whole collection (a pipeline
    reading each copy's own times), not a round trip per copy."""
    last_stored = {"$ifNull": [f"${LAST_STORED}", f"${stored_at}"]}
    due = {"$add": [last_stored, STORED_LATELY // timedelta(milliseconds=1)]}
    check = [{"$set": {"due": {"$mergeObjects": [{"$ifNull": ["$due", {}]}, {kind.value: due}]}}}]
    return (await db[collection].update_many({f"due.{kind}": {"$exists": False}}, check)).modified_count


async def _pushes_read(db: AsyncDatabase[Doc]) -> int:
    over: Doc = {"earlier_pushes_read": {"$exists": False}, "$or": [{"evidence_pull_due": None},
                                                                   {"evidence_pulls": {"$gt": 0}}]}
    return (await db[DISPUTES].update_many(over, {"$set": {"earlier_pushes_read": True}})).modified_count


async def _events_in_order(db: AsyncDatabase[Doc]) -> int:
    await _drop_indexes(db, CARRIER_EVENTS, EVENTS_BEFORE_ORDER)
    return 0


async def _proof_hours(db: AsyncDatabase[Doc]) -> int:
    negative = {"facts.hours_to_proof": {"$lt": 0, "$type": "number"}}  # a number: mongoeco has null below 0
    return (await db[DISPUTES].update_many(negative, {"$set": {"facts.hours_to_proof": 0.0}})).modified_count


async def _decisions_in_their_deadline(db: AsyncDatabase[Doc]) -> int:
    """The decided cases whose decision has no deadline of its own, found among every case by the index every
    collection has; a save meanwhile wrote its own facts, at a later version."""
    changed = 0
    async for doc in db[DISPUTES].find({}).sort("_id", 1):
        if not doc.get("decision") or "decision_due" in doc["decision"]:
            continue
        within = report_facts(from_doc(doc)).within_sla
        if doc.get("facts", {}).get("within_sla") != within:
            current = {"_id": doc["_id"], "version": doc["version"]}
            changed += (await db[DISPUTES].update_one(current, {"$set": {"facts.within_sla": within}})).modified_count
    return changed


async def _deadline_rule_apart(db: AsyncDatabase[Doc]) -> int:
    forced = {"decision.decided_by_role": "service", "decision.reason_code": "deadline_reached",
              "facts.by_deadline_rule": {"$ne": True}}
    update = {"$set": {"facts.automatic": False, "facts.by_deadline_rule": True}}
    return (await db[DISPUTES].update_many(forced, update)).modified_count


async def _one_spelling(db: AsyncDatabase[Doc]) -> int:
    """Run at every start-up: only the documents holding a number not in the one spelling are read."""
    changed = await _respelt(db[DISPUTES], "order.tracking_number", (), NEW_VERSION, "queue_order_by_tracking_number")
    return changed + await _respelt(db[CARRIER_EVENTS], "tracking_number", ("proof.tracking_number",), {}, "events_by_push")


async def _respelt(collection: AsyncCollection[Doc], field: str, also: tuple[str, ...], bump: Doc, index: str) -> int:
    """Write the number in `field` (and in `also`) in its one spelling, where it is not, `BATCH` documents to a
    round trip; a write meanwhile of the same document in the one spelling is left as it is. The filter is tested
    on the keys of `index`, which holds the field (without reading the documents that are in the one spelling)."""
    changed, batch = 0, []
    async for doc in collection.find({field: {"$regex": NOT_ONE_SPELLING}}, {field: 1}, hint=index):
        written = reduce(getitem, field.split("."), doc)
        respelt = {"$set": dict.fromkeys((field, *also), one_spelling(written))} | bump
        batch.append(UpdateOne({"_id": doc["_id"], field: written}, respelt))
        if len(batch) == BATCH:
            changed += (await collection.bulk_write(batch, ordered=False)).modified_count
            batch = []
    return changed + ((await collection.bulk_write(batch, ordered=False)).modified_count if batch else 0)


async def _channels_recorded(db: AsyncDatabase[Doc]) -> int:
    before: Doc = {"channel": {"$exists": False}}
    return (await db[DISPUTES].update_many(before, {"$set": {"channel": Channel.ORDER_PAGE.value}})).modified_count


async def _events_by_push(db: AsyncDatabase[Doc]) -> int:
    await _drop_indexes(db, CARRIER_EVENTS, EVENTS_BEFORE_PUSH)
    return 0


async def _claim_indexes(db: AsyncDatabase[Doc]) -> int:
    for collection in (DISPUTES, CARRIER_EVENTS):
        await _drop_indexes(db, collection, CLAIMS_BEFORE)
    return 0


async def _drop_indexes(db: AsyncDatabase[Doc], collection: str, names: tuple[str, ...]) -> None:
    """The indexes among `names` that exist; one another process starting at once dropped first is gone all the same."""
    existing = {index["name"] async for index in await db[collection].list_indexes()}
    for name in existing.intersection(names):
        try:
            await db[collection].drop_index(name)
        except OperationFailure as error:
            if error.code != INDEX_NOT_FOUND:
                raise


async def _move_due(
    db: AsyncDatabase[Doc], collection: str, fields: dict[str, WorkKind], old: Doc, drop: tuple[str, ...]
) -> int:
    changed = 0
    async for doc in db[collection].find(old, {field: 1 for field in fields}):
        due = {kind.value: doc[field] for field, kind in fields.items() if doc.get(field) is not None}
        update: Doc = {"$set": {"due": due}}
        if present := [field for field in drop if field in doc]:
            update["$unset"] = dict.fromkeys(present, "")
        result = await db[collection].update_one({"_id": doc["_id"], **old}, update)
        changed += result.modified_count
    return changed
