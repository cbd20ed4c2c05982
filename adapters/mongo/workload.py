"""The workload operators watch, read at every metrics scrape through indexes only, at a cost that follows the
open workload, never the history: one pass over the open cases' entries in `queue_order_by_status` (status and
`queue_key`, whose ranges are the deadlines: covered by the index on MongoDB), then the overdue range of it read
again for those with no SLA check scheduled (handed to a supervisor), the disputes with messages waiting, found
by the relay's partial index `claim_relay`, and the pushed events waiting to be attached, found by the attacher's
partial index `claim_attach_pushed` (their due time is when they were received). On the embedded default
(mongoeco) the pass reads the open cases' documents: about 0.85 s per scrape at 2,000 open cases, 6 s at 10,000
(measured)."""

from datetime import datetime, timedelta

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


@translate_driver_errors
class MongoWorkload:
    def __init__(self, disputes: AsyncCollection[Doc], events: AsyncCollection[Doc]) -> None:
        self.disputes = disputes
        self.events = events

    async def workload(self, now: datetime, due_within: timedelta) -> Workload:
        # "<due>|" sorts before every key "<due>|<id>" of that due time.
        due_soon, due_now = queue_key(now + due_within, ""), queue_key(now, "")
        pipeline: list[Doc] = [
            {"$match": {"status": {"$in": OPEN}}},
            {"$project": {"_id": 0, "status": 1, "queue_key": 1}},  # covered by the index on MongoDB
            {"$group": {
                "_id": "$status",
                "open": {"$sum": 1},
                "before_soon": {"$sum": {"$cond": [{"$lt": ["$queue_key", due_soon]}, 1, 0]}},
                "overdue": {"$sum": {"$cond": [{"$lt": ["$queue_key", due_now]}, 1, 0]}},
            }},
        ]
        groups = [doc async for doc in await self.disputes.aggregate(pipeline)]
        by_state = dict.fromkeys(map(Status, OPEN), 0) | {Status(g["_id"]): g["open"] for g in groups}
        overdue = sum(g["overdue"] for g in groups)
        with_supervisor = await self._with_supervisor(due_now) if overdue else 0
        pending, oldest = await self._outbox()
        waiting, received = await self._pushed()
        soon = sum(g["before_soon"] for g in groups) - overdue
        return Workload(
            by_state, soon, overdue - with_supervisor, pending, oldest, waiting, received, with_supervisor
        )

    async def _with_supervisor(self, due_now: str) -> int:
        """The overdue open cases whose SLA check is no longer scheduled: the deadline rule handed them to a
        supervisor. The overdue range of `queue_order_by_status`, whose documents are read (few: those past due)."""
        pipeline: list[Doc] = [
            {"$match": {"status": {"$in": OPEN}, "queue_key": {"$lt": due_now}, SLA_CHECK_DUE: None}},
            {"$group": {"_id": None, "n": {"$sum": 1}}},
        ]
        found = [doc async for doc in await self.disputes.aggregate(pipeline)]
        return int(found[0]["n"]) if found else 0

    async def _outbox(self) -> tuple[int, datetime | None]:
        pipeline: list[Doc] = [
            {"$match": {RELAY_DUE: {"$exists": True}}},
            {"$project": {"outbox.created_at": 1}},
            {"$unwind": "$outbox"},
            {"$group": {"_id": None, "pending": {"$sum": 1}, "oldest": {"$min": "$outbox.created_at"}}},
        ]
        found = [doc async for doc in await self.disputes.aggregate(pipeline)]
        return (found[0]["pending"], found[0]["oldest"]) if found else (0, None)

    async def _pushed(self) -> tuple[int, datetime | None]:
        pipeline: list[Doc] = [
            {"$match": {ATTACH_DUE: {"$exists": True}}},
            {"$group": {"_id": None, "waiting": {"$sum": 1}, "oldest": {"$min": f"${ATTACH_DUE}"}}},
        ]
        found = [doc async for doc in await self.events.aggregate(pipeline)]
        return (found[0]["waiting"], found[0]["oldest"]) if found else (0, None)
