"""Retention settings lowered since the stored cases and pushes were dated: each save dates retention by the settings
of the process that saves (`due.retention`, `due.push_retention`), so a case closed before a lower setting would
keep the later date it was given. At start-up, after the migrations, storage compares the settings in force with
those it last dated by (recorded in `migrations` as `retention_dated_by`): when one is lower, or none is recorded
(a database dated before the record), every case and push still waiting for retention is dated again by the
settings in force, earlier only (a raised setting is checked by the retention pass itself, which finds a case it
claimed early not yet due and saves it with the later date). Each move is compare-and-set on the date read (and the
case's version): a save meanwhile dated it by its own settings. Running it again, or in two processes at once,
moves nothing more. Every process should run with the same retention settings: a process still on a longer one
dates the cases it saves by it."""

from datetime import datetime, timedelta
from typing import Any

import structlog
from pydantic import ValidationError
from pymongo.asynchronous.database import AsyncDatabase

from adapters.mongo.disputes import MongoDisputes, from_doc
from adapters.mongo.indexes import CARRIER_EVENTS, DISPUTES
from adapters.mongo.migrations import MIGRATIONS
from disputes.ports import Clock
from disputes.work import WorkKind

Doc = dict[str, Any]
DATED_BY = "retention_dated_by"

log = structlog.get_logger("storage")


async def date_retention(db: AsyncDatabase[Doc], disputes: MongoDisputes, keep_pushes: timedelta, clock: Clock) -> int:
    """Date again, by the settings in force, what waits for retention when a setting was lowered since the last
    dating; how many cases and pushes were moved."""
    now = clock.now()
    in_force = {
        "images_seconds": disputes.retention.total_seconds(),
        "personal_data_seconds": disputes.personal_data.total_seconds(),
        "pushes_seconds": keep_pushes.total_seconds(),
    }
    record = await db[MIGRATIONS].find_one({"_id": DATED_BY}) or {}
    dated_by = record.get("settings")
    moved = 0
    if dated_by is None or any(seconds < dated_by.get(name, 0) for name, seconds in in_force.items()):
        cases = await _cases(db, disputes, now)
        pushes = await _pushes(db, keep_pushes, now)
        log.info("retention_dated_again", cases=cases, pushes=pushes)
        moved = cases + pushes
    if dated_by != in_force:
        await db[MIGRATIONS].update_one({"_id": DATED_BY}, {"$set": {"settings": in_force}}, upsert=True)
    return moved


async def _cases(db: AsyncDatabase[Doc], disputes: MongoDisputes, now: datetime) -> int:
    field, moved = f"due.{WorkKind.RETENTION}", 0
    async for doc in db[DISPUTES].find({field: {"$gt": now}}):
        dated = doc["due"][WorkKind.RETENTION]
        try:
            at = from_doc(doc).retention_work_due(disputes.retention, disputes.personal_data)
        except ValidationError:  # a case this release cannot read keeps its date; the rest start on time
            log.warning("retention_not_dated", dispute_id=doc["_id"])
            continue
        if at is not None and at < dated:
            read = {"_id": doc["_id"], "version": doc["version"], field: dated}
            moved += (await db[DISPUTES].update_one(read, {"$set": {field: at}})).modified_count
    return moved


async def _pushes(db: AsyncDatabase[Doc], keep_pushes: timedelta, now: datetime) -> int:
    field, moved = f"due.{WorkKind.PUSH_RETENTION}", 0
    async for doc in db[CARRIER_EVENTS].find({field: {"$gt": now}}, {"received_at": 1, "due": 1}):
        dated = doc["due"][WorkKind.PUSH_RETENTION]
        if "received_at" in doc and (until := doc["received_at"] + keep_pushes) < dated:
            moved += (await db[CARRIER_EVENTS].update_one({"_id": doc["_id"], field: dated}, {"$set": {field: until}})
                      ).modified_count
    return moved
