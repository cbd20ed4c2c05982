"""Console sessions ended by signing out: one document per session in `signed_out_sessions`, `_id` = the session's
digest (found by it alone), written in one upsert. MongoDB's TTL monitor deletes a record by `purge_at`, the
session's remaining lifetime on the database's own clock (the one the monitor reads); it runs once a minute, and a
record still found past its time names a token refused by then anyway."""

from datetime import UTC, datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from adapters.mongo.errors import translate_driver_errors
from adapters.mongo.indexes import SIGNED_OUT_SESSIONS

Doc = dict[str, Any]


@translate_driver_errors
class MongoSignedOutSessions:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self.sessions = db[SIGNED_OUT_SESSIONS]

    async def end(self, session: str, until: datetime, now: datetime) -> None:
        record = {"until": until, "purge_at": datetime.now(UTC) + (until - now)}
        await self.sessions.update_one({"_id": session}, {"$max": record}, upsert=True)

    async def ended(self, session: str) -> bool:
        return await self.sessions.find_one({"_id": session}, {"_id": 1}) is not None
