"""The staff directory in MongoDB: one document per member, `_id` = staff id; each write one atomic write."""

from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from adapters.mongo.errors import translate_driver_errors
from adapters.mongo.indexes import STAFF
from schemas.staff import StaffMember

Doc = dict[str, Any]


def _member(doc: Doc) -> StaffMember:
    return StaffMember.model_validate({k: v for k, v in doc.items() if k != "_id"} | {"id": doc["_id"]})


def _doc(member: StaffMember) -> Doc:
    return member.model_dump(mode="json", exclude={"id"}) | {"_id": member.id}


@translate_driver_errors
class MongoStaffDirectory:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self.collection = db[STAFF]

    async def get(self, staff_id: str) -> StaffMember | None:
        doc = await self.collection.find_one({"_id": staff_id})
        return _member(doc) if doc else None

    async def put(self, member: StaffMember) -> bool:
        result = await self.collection.replace_one({"_id": member.id}, _doc(member), upsert=True)
        return result.upserted_id is not None

    async def add(self, member: StaffMember) -> bool:
        try:
            await self.collection.insert_one(_doc(member))
        except DuplicateKeyError:
            return False
        return True

    async def page(self, after: str | None, limit: int) -> list[StaffMember]:
        filter_: Doc = {"_id": {"$gt": after}} if after is not None else {}
        return [_member(doc) async for doc in self.collection.find(filter_).sort("_id", 1).limit(limit)]
