"""The workload operators watch, read at every metrics scrape through indexes only, at a cost that follows the
open workload, never the history: for each open state, its cases' entries in `queue_order_by_status` (status and
`queue_key`, whose ranges are the deadlines: covered by the index on MongoDB), and the overdue range of them read
again for those with no SLA check scheduled (handed to a supervisor); the disputes with messages waiting, found
by the relay's partial index `claim_relay`, and the pushed events waiting to be attached, found by the attacher's
partial index `claim_attach_pushed` (their due time is when they were received: covered by the index on MongoDB).
Each is a find, sorted as its index is ordered, which the embedded default's engine also serves from that index
(`adapters/mongo/engine.py`, changes 5 and 10); an aggregation's `$match` would make it test every document stored, closed ones included. On the embedded
default (mongoeco) the pass reads the open cases' documents: 0.34 s per scrape at 2,000 open cases, where the
aggregation it replaced took 0.76 s (measured in one process, 2026-12-07)."""

from bisect import bisect_left
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from pymongo.asynchronous.collection import AsyncCollection

from adapters.mongo.disputes import RELAY_DUE, Doc, queue_key
from adapters.mongo.errors import translate_driver_errors
from adapters.mongo.evidence_store import ATTACH_DUE
from disputes.ports import Workload
from disputes.states import ACTIVE
from disputes.work import WorkKind
from schemas.dispute import Status

OPEN = sorted(status.value for status in ACTIVE)
SLA_CHECK_DUE = f"due.{WorkKind.SLA_CHECK}"
EVERY_DATE = datetime.min.replace(tzinfo=UTC)
"""The earliest date: `$gte` it matches every date, and dates only."""


@translate_driver_errors
class MongoWorkload:
    def __init__(self, disputes: AsyncCollection[Doc], events: AsyncCollection[Doc]) -> None:
        self.disputes = disputes
        self.events = events

    async def workload(self, now: datetime, due_within: timedelta) -> Workload:
        # "<due>|" sorts before every key "<due>|<id>" of that due time.
        due_soon, due_now = queue_key(now + due_within, ""), queue_key(now, "")
        by_state: dict[Status, int] = {}
        soon = overdue = with_supervisor = 0
        for status in OPEN:
            keys = await self._queue_keys(status)
            late = bisect_left(keys, due_now)
            by_state[Status(status)] = len(keys)
            soon += bisect_left(keys, due_soon) - late
            overdue += late
            with_supervisor += await self._with_supervisor(status, due_now) if late else 0
        pending, oldest = await self._outbox()
        waiting, received = await self._pushed()
        return Workload(
            by_state, soon, overdue - with_supervisor, pending, oldest, waiting, received, with_supervisor
        )

    async def _queue_keys(self, status: str) -> list[str]:
        """The `queue_key`s of the cases in one state, in order: the entries of `queue_order_by_status` from the
        state's first (covered by the index on MongoDB)."""
        cursor = self.disputes.find({"status": status}, {"_id": 0, "queue_key": 1}).sort("queue_key", 1)
        return [doc["queue_key"] async for doc in cursor]

    async def _with_supervisor(self, status: str, due_now: str) -> int:
        """The overdue cases in one open state whose SLA check is no longer scheduled: the deadline rule handed them to
        a supervisor. The overdue range of the state's entries in `queue_order_by_status`, whose documents are read
        (few: those past due)."""
        query: Doc = {"status": status, "queue_key": {"$lt": due_now}, SLA_CHECK_DUE: None}
        return len([doc async for doc in self.disputes.find(query, {"_id": 1}).sort("queue_key", 1)])

    async def _outbox(self) -> tuple[int, datetime | None]:
        """The messages waiting and the oldest of them: the disputes in the relay's partial index `claim_relay`."""
        found = self.disputes.find({RELAY_DUE: {"$exists": True}}, {"_id": 0, "outbox.created_at": 1}).sort(RELAY_DUE, 1)
        created = [message["created_at"] async for doc in found for message in doc.get("outbox", [])]
        return len(created), min(created, default=None)

    async def _pushed(self) -> tuple[int, datetime | None]:
        """The pushed events waiting and the oldest of them (the earliest due): the entries of `claim_attach_pushed`,
        every date from the earliest one on. Covered by the index on MongoDB: a range of dates is bounded exactly on the
        index (its type bracketed to dates) and implies the index's filter (`$exists: true`), so with the projection
        of the indexed field alone no document is fetched; `$exists: true` would be (its bounds are inexact on an index
        that is not sparse, partial ones included: every event waiting would be read at each scrape)."""
        found = self.events.find({ATTACH_DUE: {"$gte": EVERY_DATE}}, {"_id": 0, ATTACH_DUE: 1}).sort(ATTACH_DUE, 1)
        received = [_at(doc, ATTACH_DUE) async for doc in found]
        return len(received), received[0] if received else None


def _at(doc: Doc, path: str) -> datetime:
    """The value at a dotted `path` of a document."""
    value: Any = doc
    for name in path.split("."):
        value = value[name]
    return cast(datetime, value)
