"""The carriers' circuit breakers, shared by the API and every worker: one document per carrier, keyed by
its code, each change one atomic single-document update (``carriers.breaker.BreakerStore``)."""

from collections.abc import Collection
from datetime import datetime
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
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self.breakers = db[CARRIER_BREAKERS]

    async def read(self, carrier: str) -> BreakerRecord:
        return _record(await self.breakers.find_one({"_id": carrier}))

    async def read_all(self, carriers: Collection[str]) -> dict[str, BreakerRecord]:
        found = {doc["_id"]: _record(doc) async for doc in self.breakers.find({"_id": {"$in": list(carriers)}})}
        return {carrier: found.get(carrier, CLOSED) for carrier in carriers}

    async def take_probe(self, carrier: str, now: datetime, until: datetime) -> BreakerRecord | None:
        cool_down_over = {"_id": carrier, "open_until": {"$lte": now}}
        free = {"$or": [{"probe_until": None}, {"probe_until": {"$lte": now}}]}
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
        record = _record(counted)
        if record.open_until is None and record.failures < threshold:
            return record
        # Checked again in the update: a success that reset the breaker meanwhile must not be overruled.
        still = {"_id": carrier, "$or": [{"failures": {"$gte": threshold}}, {"open_until": {"$ne": None}}]}
        opened = await self.breakers.find_one_and_update(
            still, {"$set": {"open_until": open_until}}, return_document=ReturnDocument.AFTER
        )
        return record if opened is None else _record(opened)

    async def succeeded(self, carrier: str) -> BreakerRecord:
        doc = await self.breakers.find_one_and_update(
            {"_id": carrier},
            {"$set": {"failures": 0, "open_until": None, "probe_until": None}},
            return_document=ReturnDocument.AFTER,
        )
        return _record(doc)

    async def release_probe(self, carrier: str) -> None:
        await self.breakers.update_one({"_id": carrier}, {"$set": {"probe_until": None}})


def _record(doc: Doc | None) -> BreakerRecord:
    if doc is None:
        return CLOSED
    return BreakerRecord(**{name: doc[name] for name in FIELDS if doc.get(name) is not None})
