"""Due background work in MongoDB. Each subject's document holds its schedule: `due.<kind>` (written by the
saves that change what is due) and `lease.<kind>` = {holder, until} (taken here). A claim is one atomic
find-and-modify on one document, served by the `claim_<kind>` index, that hands back the dispute as it found it;
renewing (all of a holder's leases of a kind at once) and releasing are updates by `_id`, conditional on the
holder. No save puts a lease back or erases another holder's: the save that ends a work may end its own holder's
lease in the same write (`adapters/mongo/leases.py`), conditional on the
holder as a release is."""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from adapters.mongo.disputes import found, from_doc
from adapters.mongo.indexes import ATTACHMENTS, CARRIER_EVENTS, DISPUTES, RAW_PAYLOADS
from adapters.mongo.stored_states import StoredStates
from disputes.model import Dispute
from disputes.ports import Claimed, Lease
from disputes.work import WorkKind

Doc = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Subjects:
    collection: str
    carrier: str
    """The field naming the subject's carrier (for `skip_carriers`)."""


SUBJECTS = {kind: Subjects(DISPUTES, "order.carrier") for kind in WorkKind} | {
    WorkKind.ATTACH_PUSHED: Subjects(CARRIER_EVENTS, "carrier"), WorkKind.PUSH_RETENTION: Subjects(CARRIER_EVENTS, "carrier"),
    WorkKind.ATTACHMENT_CHECK: Subjects(ATTACHMENTS, "carrier"), WorkKind.RAW_CHECK: Subjects(RAW_PAYLOADS, "carrier"),
}


class MongoSchedule:
    def __init__(self, db: AsyncDatabase[Doc], stored: StoredStates | None = None) -> None:
        self.db = db
        self.stored = stored
        """The disputes' repository's (`MongoDisputes.stored`): a save from a claimed dispute writes what it changed."""

    async def claim_due(
        self,
        kind: WorkKind,
        now: datetime,
        lease: timedelta,
        limit: int,
        holder: str,
        skip_carriers: frozenset[str] = frozenset(),
    ) -> list[Claimed]:
        subjects = SUBJECTS[kind]
        due = f"due.{kind}"
        query: Doc = {due: {"$lte": now}, f"lease.{kind}.until": {"$not": {"$gt": now}}}
        if skip_carriers:
            query[subjects.carrier] = {"$nin": sorted(skip_carriers)}
        held = {"$set": {f"lease.{kind}": {"holder": holder, "until": now + lease}}}
        disputes = subjects.collection == DISPUTES
        claimed = []
        for _ in range(limit):
            doc = await self.db[subjects.collection].find_one_and_update(
                query, held, projection=None if disputes else {"_id": 1}, sort=[(due, 1)]
            )
            if doc is None:
                break
            claimed.append(Claimed(doc["_id"], Lease(kind, holder), self._dispute(doc) if disputes else None))
        return claimed

    def _dispute(self, doc: Doc) -> Dispute:
        return found(self.stored, doc) if self.stored is not None else from_doc(doc)

    async def renew(self, kind: WorkKind, subjects: Collection[str], holder: str, until: datetime) -> set[str]:
        """One update for all the holder's leases of a kind (a second read only when some were lost)."""
        collection = self.db[SUBJECTS[kind].collection]
        held = {"_id": {"$in": list(subjects)}, f"lease.{kind}.holder": holder}
        result = await collection.update_many(held, {"$set": {f"lease.{kind}.until": until}})
        if result.matched_count == len(subjects):
            return set(subjects)
        return {doc["_id"] async for doc in collection.find(held, {"_id": 1})}

    async def release(self, kind: WorkKind, subject: str, holder: str) -> None:
        await self.db[SUBJECTS[kind].collection].update_one(
            {"_id": subject, f"lease.{kind}.holder": holder}, {"$unset": {f"lease.{kind}": ""}}
        )
