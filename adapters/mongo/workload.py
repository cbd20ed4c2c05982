"""The workload operators watch, read at every metrics scrape through indexes only: open cases counted per
state on `queue_order_by_status` (deadlines are ranges of its `queue_key`), pending outbox messages on the
relay's partial index `claim_relay` (only disputes with messages waiting are in it)."""

import asyncio
from datetime import datetime, timedelta

from pymongo.asynchronous.collection import AsyncCollection

from adapters.mongo.disputes import RELAY_DUE, Doc, queue_key
from adapters.mongo.errors import translate_driver_errors
from disputes.ports import Workload
from disputes.states import ACTIVE
from schemas.dispute import Status

OPEN = sorted(ACTIVE)


@translate_driver_errors
class MongoWorkload:
    def __init__(self, disputes: AsyncCollection[Doc]) -> None:
        self.disputes = disputes

    async def workload(self, now: datetime, due_within: timedelta) -> Workload:
        # Before every key of that due time: "<due>|" sorts before "<due>|<id>".
        due_soon, due_now = queue_key(now + due_within, ""), queue_key(now, "")
        by_state, soon, overdue = {}, 0, 0
        for status in OPEN:
            total, before_soon, before_now = await asyncio.gather(
                self._count(status), self._count(status, due_soon), self._count(status, due_now)
            )
            by_state[status] = total
            soon, overdue = soon + before_soon - before_now, overdue + before_now
        pending, oldest = await self._outbox()
        return Workload(by_state, soon, overdue, pending, oldest)

    async def _count(self, status: Status, key_before: str | None = None) -> int:
        query: Doc = {"status": status.value} | ({"queue_key": {"$lt": key_before}} if key_before else {})
        return await self.disputes.count_documents(query)

    async def _outbox(self) -> tuple[int, datetime | None]:
        pipeline: list[Doc] = [
            {"$match": {RELAY_DUE: {"$exists": True}}},
            {"$project": {"outbox.created_at": 1}},
            {"$unwind": "$outbox"},
            {"$group": {"_id": None, "pending": {"$sum": 1}, "oldest": {"$min": "$outbox.created_at"}}},
        ]
        found = [doc async for doc in await self.disputes.aggregate(pipeline)]
        return (found[0]["pending"], found[0]["oldest"]) if found else (0, None)

