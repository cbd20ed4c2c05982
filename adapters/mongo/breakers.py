"""The carriers' circuit breakers, shared by the API and every worker: one document per carrier, keyed by
its code, each change one atomic single-document update (``carriers.breaker.BreakerStore``).

Every carrier call asks first whether its breaker lets it through (`read`). A breaker this store saw closed
within `known_closed` is taken as still closed without a read, so a healthy carrier's calls cost no round
trip. A breaker another process opened is seen here at this process's next failed call to that carrier (the
failure's write answers with the open breaker), or `known_closed` later: one call per process more than
without it reaches a failing carrier. Anything this store writes replaces what it knew; `read_all` (what carrier health shows)
always reads."""

import time
from collections.abc import Callable, Collection
from datetime import datetime, timedelta
from typing import Any

from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

from adapters.mongo.errors import translate_driver_errors
from adapters.mongo.indexes import CARRIER_BREAKERS
from carriers.breaker import CLOSED, BreakerRecord

Doc = dict[str, Any]
FIELDS = ("failures", "open_until", "probe_until", "last_failure_at")


@translate_driver_errors
class MongoBreakerStore:
    def __init__(
        self,
        db: AsyncDatabase[Doc],
        known_closed: timedelta = timedelta(seconds=10),
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.breakers = db[CARRIER_BREAKERS]
        self._known_closed = known_closed.total_seconds()
        self._monotonic = monotonic
        self._closed_at: dict[str, tuple[float, BreakerRecord]] = {}
        """Per carrier, when this store last saw its breaker closed, and the record it saw."""

    async def read(self, carrier: str) -> BreakerRecord:
        seen = self._closed_at.get(carrier)
        if seen is not None and self._monotonic() - seen[0] < self._known_closed:
            return seen[1]
        return self._seen(carrier, _record(await self.breakers.find_one({"_id": carrier})))

    def _seen(self, carrier: str, record: BreakerRecord) -> BreakerRecord:
        if record.open_until is None and record.probe_until is None:
            self._closed_at[carrier] = (self._monotonic(), record)
        else:
            self._closed_at.pop(carrier, None)
        return record

    async def read_all(self, carriers: Collection[str]) -> dict[str, BreakerRecord]:
        found = {doc["_id"]: _record(doc) async for doc in self.breakers.find({"_id": {"$in": list(carriers)}})}
        return {carrier: found.get(carrier, CLOSED) for carrier in carriers}

    async def take_probe(self, carrier: str, now: datetime, until: datetime) -> BreakerRecord | None:
        # `$type` keeps a closed breaker's null out on every engine: MongoDB's `$lte` brackets by type (manual, "Type
        # Bracketing in Query Predicates"); mongoeco's matches a null.
        cool_down_over = {"_id": carrier, "open_until": {"$type": "date", "$lte": now}}
        free = {"$or": [{"probe_until": None}, {"probe_until": {"$lte": now}}]}
        self._closed_at.pop(carrier, None)
        doc = await self.breakers.find_one_and_update(
            cool_down_over | free, {"$set": {"probe_until": until}}, return_document=ReturnDocument.AFTER
        )
        return None if doc is None else _record(doc)

    async def failed(self, carrier: str, now: datetime, threshold: int, open_until: datetime) -> BreakerRecord:
        counted = await self.breakers.find_one_and_update(
            {"_id": carrier},
            {"$inc": {"failures": 1}, "$set": {"last_failure_at": now, "probe_until": None}},
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )
        record = self._seen(carrier, _record(counted))
        if record.open_until is None and record.failures < threshold:
            return record
        # Checked again in the update: a success that reset the breaker meanwhile must not be overruled.
        still = {"_id": carrier, "$or": [{"failures": {"$gte": threshold}}, {"open_until": {"$ne": None}}]}
        opened = await self.breakers.find_one_and_update(
            still, {"$set": {"open_until": open_until}}, return_document=ReturnDocument.AFTER
        )
        return record if opened is None else self._seen(carrier, _record(opened))

    async def succeeded(self, carrier: str) -> BreakerRecord:
        doc = await self.breakers.find_one_and_update(
            {"_id": carrier},
            {"$set": {"failures": 0, "open_until": None, "probe_until": None}},
            return_document=ReturnDocument.AFTER,
        )
        return self._seen(carrier, _record(doc))

    async def release_probe(self, carrier: str) -> None:
        self._closed_at.pop(carrier, None)
        await self.breakers.update_one({"_id": carrier}, {"$set": {"probe_until": None}})


def _record(doc: Doc | None) -> BreakerRecord:
    if doc is None:
        return CLOSED
    return BreakerRecord(**{name: doc[name] for name in FIELDS if doc.get(name) is not None})
