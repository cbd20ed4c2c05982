"""Due background work in MongoDB. Each subject's document holds its schedule: `due.<kind>` (written by the
saves that change what is due) and `lease.<kind>` = {holder, until, claim} (taken here). A claim of one is one
atomic find-and-modify, served by the `claim_<kind>` index, that hands back the dispute as it found it. A claim of
more takes a batch in a bounded number of round trips, not one per subject: it reads the ids of the earliest due
(the same index), leases them with one update conditional per document on the work still being due and free (each
document's write is atomic: another worker's claim in between takes it, not both), and reads back those its claim
token marks (with the disputes); subjects another worker took in between are replaced by the next due, a few rounds
at most. Renewing (all of a holder's leases of a kind at once) and releasing are updates by `_id`, conditional on the
holder. No save puts a lease back or erases another holder's: the save that ends a work may end its own holder's
lease in the same write (`adapters/mongo/leases.py`), conditional on the
holder as a release is. A claimed dispute this release cannot read (written by a newer release, edited by hand) is
not handed out: it keeps the lease the claim took, a pause as for work that failed, and is logged (its id and the
fields that could not be read, never their values); the claim hands out the rest.

Leases and due times are judged by each process's own clock (`now`): the processes' clocks must agree (NTP), by
much less than the lease less the heartbeat. `check_clock` compares this machine's clock with the database server's,
which the workers do once as they start.

A claim of many (`_take`) and a renewal (`renew`) are each one `update_many`: a write of many documents, which the
driver does not retry (MongoDB manual, "Retryable Writes": single-document writes only). One cut by a failover of the
replica set's primary fails (`StorageUnavailable`): a claim may have leased subjects its caller never learns of, which
wait out their lease; a renewal may have renewed none, and the work whose leases pass before the next one succeeds is
abandoned, to be claimed again (its effects' idempotency keys keep a repeat from applying twice). So the lease should
outlast the set's failover: "the median time before a cluster elects a new primary should not typically exceed 12
seconds" with the default settings (manual, "Replica Set Elections"), after the 10 s `electionTimeoutMillis` in which
the old primary is missed (`lease_seconds`, whose default of 10 s is shorter: a failover then costs a burst of
repeated work)."""

import uuid
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from pymongo.asynchronous.database import AsyncDatabase

from adapters.mongo.disputes import found, from_doc
from adapters.mongo.errors import translate_driver_errors
from adapters.mongo.indexes import ATTACHMENTS, CARRIER_EVENTS, DISPUTES, RAW_PAYLOADS
from adapters.mongo.stored_states import StoredStates
from adapters.observability import failure
from disputes.model import Dispute
from disputes.ports import Claimed, Lease
from disputes.work import WorkKind
from schemas.dispute import EffectKind

log = structlog.get_logger("storage")
Doc = dict[str, Any]
CLAIM_ROUNDS = 3
"""Rounds of a claim of many: another round only when other workers took some of the ids the last one read."""
NEXT_MESSAGE_KIND = "outbox.0.kind"
"""The kind of a dispute's next outbox message, whose service is its lane in the relay."""


@dataclass(frozen=True, slots=True)
class Subjects:
    collection: str
    carrier: str
    """The field naming the subject's carrier (its lane, for `skip_lanes`; the relay's is its next message's service)."""


SUBJECTS = {kind: Subjects(DISPUTES, "order.carrier") for kind in WorkKind} | {
    WorkKind.ATTACH_PUSHED: Subjects(CARRIER_EVENTS, "carrier"), WorkKind.PUSH_RETENTION: Subjects(CARRIER_EVENTS, "carrier"),
    WorkKind.ATTACHMENT_CHECK: Subjects(ATTACHMENTS, "carrier"), WorkKind.RAW_CHECK: Subjects(RAW_PAYLOADS, "carrier"),
}


@translate_driver_errors
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
        skip_lanes: frozenset[str] = frozenset(),
    ) -> list[Claimed]:
        subjects = SUBJECTS[kind]
        due = f"due.{kind}"
        query: Doc = {due: {"$lte": now}, f"lease.{kind}.until": {"$not": {"$gt": now}}}
        if skip_lanes and kind is WorkKind.RELAY:
            query[NEXT_MESSAGE_KIND] = {"$nin": sorted(k.value for k in EffectKind if k.service in skip_lanes)}
        elif skip_lanes:
            query[subjects.carrier] = {"$nin": sorted(skip_lanes)}
        taken = {"holder": holder, "until": now + lease}
        if limit == 1:
            for _ in range(CLAIM_ROUNDS):  # another round only when the one it took cannot be read
                doc = await self.db[subjects.collection].find_one_and_update(
                    query, {"$set": {f"lease.{kind}": taken}}, projection=self._projection(kind), sort=[(due, 1)]
                )
                if doc is None:
                    return []
                if (one := self._claimed(kind, holder, doc)) is not None:
                    return [one]
            return []
        claimed: list[Claimed] = []
        for _ in range(CLAIM_ROUNDS):
            wanted = limit - len(claimed)
            ids = [doc["_id"] async for doc in self.db[subjects.collection].find(query, {"_id": 1}).sort(due, 1).limit(wanted)]
            claimed += await self._take(kind, query, ids, taken)
            if len(ids) < wanted or len(claimed) == limit:
                break  # nothing more is due, or the batch is full: no subject was lost to another worker
        return claimed

    async def _take(self, kind: WorkKind, query: Doc, ids: list[str], taken: Doc) -> list[Claimed]:
        """Lease those of `ids` that `query` still finds, in one update (atomic per document); the subjects taken, in
        the order of `ids` (no second read when every one was taken and no dispute is to be handed back)."""
        if not ids:
            return []
        collection, token = self.db[SUBJECTS[kind].collection], uuid.uuid4().hex
        ours = {"_id": {"$in": ids}}
        result = await collection.update_many(ours | query, {"$set": {f"lease.{kind}": taken | {"claim": token}}})
        projection = self._projection(kind)
        if result.matched_count == len(ids) and projection is not None:
            return [Claimed(subject, Lease(kind, taken["holder"])) for subject in ids]
        if not result.matched_count:
            return []
        leased = {doc["_id"]: doc async for doc in collection.find(ours | {f"lease.{kind}.claim": token}, projection)}
        claimed = (self._claimed(kind, taken["holder"], leased[subject]) for subject in ids if subject in leased)
        return [one for one in claimed if one is not None]

    @staticmethod
    def _projection(kind: WorkKind) -> Doc | None:
        """What a claim reads back: the dispute, or the id of a subject that is not one."""
        return None if SUBJECTS[kind].collection == DISPUTES else {"_id": 1}

    def _claimed(self, kind: WorkKind, holder: str, doc: Doc) -> Claimed | None:
        """The work on `doc`, claimed; None when it is a dispute this release cannot read (left leased, logged)."""
        try:
            dispute = self._dispute(doc) if SUBJECTS[kind].collection == DISPUTES else None
        except Exception as error:  # one document must not fail the claim of the others
            log.error("claimed_dispute_unreadable", kind=kind.value, dispute_id=doc["_id"], **failure(error))
            return None
        return Claimed(doc["_id"], Lease(kind, holder), dispute)

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

    async def check_clock(self, bound: timedelta, wall: Callable[[], datetime] = lambda: datetime.now(UTC)) -> timedelta | None:  # noqa: E501
        """How far the database server's clock (`hello`'s `localTime`) is ahead of this machine's (`wall`), halfway
        through the round trip; a warning is logged beyond `bound`. None when the server does not say its time."""
        before = wall()
        answer = await self.db.command("hello")
        after = wall()
        server = answer.get("localTime")
        if not isinstance(server, datetime):
            return None
        skew = (server if server.tzinfo else server.replace(tzinfo=UTC)) - (before + (after - before) / 2)
        if abs(skew) > bound:
            log.warning("clock_skew", server_ahead_seconds=round(skew.total_seconds(), 3),
                        bound_seconds=bound.total_seconds())
        return skew

    async def release(self, kind: WorkKind, subject: str, holder: str) -> None:
        await self.db[SUBJECTS[kind].collection].update_one(
            {"_id": subject, f"lease.{kind}.holder": holder}, {"$unset": {f"lease.{kind}": ""}}
        )
