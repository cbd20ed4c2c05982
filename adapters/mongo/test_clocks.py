"""Test clocks in MongoDB (sandbox only): one document per clock in `test_clocks`; the cases on a clock are
found through the `by_test_clock` index on the disputes' `test_clock.id`."""

from datetime import datetime
from typing import Any

from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

from adapters.mongo.errors import translate_driver_errors
from adapters.mongo.indexes import DISPUTES, TEST_CLOCKS
from disputes.model import TestClock

Doc = dict[str, Any]


@translate_driver_errors
class MongoTestClocks:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self.clocks = db[TEST_CLOCKS]
        self.disputes = db[DISPUTES]

    async def add(self, clock: TestClock) -> None:
        await self.clocks.insert_one({"_id": clock.id} | clock.model_dump(exclude={"id"}))

    async def get(self, clock_id: str) -> TestClock | None:
        return _clock(await self.clocks.find_one({"_id": clock_id}))

    async def advance(self, clock_id: str, to: datetime) -> TestClock | None:
        moved = await self.clocks.find_one_and_update(
            {"_id": clock_id, "frozen_time": {"$lte": to}},
            {"$set": {"frozen_time": to}},
            return_document=ReturnDocument.AFTER,
        )
        return _clock(moved) if moved is not None else await self.get(clock_id)

    async def disputes_on(self, clock_id: str) -> list[str]:
        return [doc["_id"] async for doc in self.disputes.find({"test_clock.id": clock_id}, {"_id": 1})]


def _clock(doc: Doc | None) -> TestClock | None:
    return None if doc is None else TestClock.model_validate(doc | {"id": doc["_id"]})
