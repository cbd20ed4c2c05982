"""The staff directory in MongoDB: one document per member, `_id` = staff id; each written in one atomic write.

"At least one active supervisor remains" spans records, so one more document keeps it, the guard (collection
`STAFF_SUPERVISORS`, `_id` "active"): the ids of the active supervisors. A record that is not an active
supervisor's is written only after one atomic update of the guard has taken its id out, on the condition that
another id stays in (or none was there): of two supervisors removing each other at the same moment, the second
update finds only the id it would take out and is refused, whatever order the records' writes then take. That
condition on the set itself is the compare-and-set: no version is needed to tell that the guard changed. Every
write is to one document; none needs a transaction.

Once a put is done (or cut short), the guard may hold fewer supervisors than the records, never more: a record
leaving supervision leaves the guard before its write (and again after it, in case a promotion put it back
meanwhile); one entering joins it after its write, and leaves again unless its record still is one. A guard short of
a supervisor only refuses too much, until a put of that supervisor's record puts it back. The first write that
needs the guard makes it from the records, read in `_id` order (a database from before it has none).
"""

from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from adapters.mongo.errors import translate_driver_errors
from adapters.mongo.indexes import STAFF, STAFF_SUPERVISORS
from disputes.duty import supervises
from disputes.ports import LastActiveSupervisor
from schemas.staff import StaffMember

Doc = dict[str, Any]
GUARD: Doc = {"_id": "active"}


def _member(doc: Doc) -> StaffMember:
    """The record `doc` holds; fields a later release added are ignored, as on a stored case (`from_doc` in `disputes.py`)."""
    return StaffMember.model_validate({k: v for k, v in doc.items() if k != "_id"} | {"id": doc["_id"]}, extra="ignore")


def _doc(member: StaffMember) -> Doc:
    return member.model_dump(mode="json", exclude={"id"}) | {"_id": member.id}


@translate_driver_errors
class MongoStaffDirectory:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self.collection = db[STAFF]
        self.guard = db[STAFF_SUPERVISORS]

    async def get(self, staff_id: str) -> StaffMember | None:
        doc = await self.collection.find_one({"_id": staff_id})
        return _member(doc) if doc else None

    async def put(self, member: StaffMember) -> bool:
        await self._leaving_supervision(member)
        result = await self.collection.replace_one({"_id": member.id}, _doc(member), upsert=True)
        await self._follow(member)
        return result.upserted_id is not None

    async def put_over(self, member: StaffMember, stored: StaffMember | None) -> bool | None:
        """The record is replaced only where every field is still as `stored` had it (inserted only where none is)."""
        await self._leaving_supervision(member)
        if stored is None:
            try:
                await self.collection.insert_one(_doc(member))
                written = True
            except DuplicateKeyError:
                written = False
        else:
            written = bool((await self.collection.replace_one(_doc(stored), _doc(member))).matched_count)
        if not written:  # changed meanwhile: the guard follows the record as it now is
            if (now := await self.get(member.id)) is not None:
                await self._follow(now)
            return None
        await self._follow(member)
        return stored is None

    async def _leaving_supervision(self, member: StaffMember) -> None:
        """Before a record that is not an active supervisor's is written: its id out of the guard, while another stays
        in (or none was there); LastActiveSupervisor otherwise."""
        await self._ensure_guard()
        if not supervises(member):
            others_stay = {"$or": [{"ids": {"$size": 0}}, {"ids": {"$elemMatch": {"$ne": member.id}}}]}
            taken_out = await self.guard.update_one(GUARD | others_stay, {"$pull": {"ids": member.id}})
            if not taken_out.matched_count:
                raise LastActiveSupervisor(member.id)

    async def add(self, member: StaffMember) -> bool:
        await self._ensure_guard()
        try:
            await self.collection.insert_one(_doc(member))
        except DuplicateKeyError:
            return False
        await self._follow(member)
        return True

    async def page(self, after: str | None, limit: int) -> list[StaffMember]:
        filter_: Doc = {"_id": {"$gt": after}} if after is not None else {}
        return [_member(doc) async for doc in self.collection.find(filter_).sort("_id", 1).limit(limit)]

    async def _follow(self, written: StaffMember) -> None:
        """Bring the guard in step with the record just written: an active supervisor's id joins it, and leaves
        again unless the record (read afresh) still is one; any other leaves it."""
        if supervises(written):
            await self.guard.update_one(GUARD, {"$addToSet": {"ids": written.id}})
            stored = await self.get(written.id)
            if stored is not None and supervises(stored):
                return
        await self.guard.update_one(GUARD, {"$pull": {"ids": written.id}})

    async def _ensure_guard(self) -> None:
        """Make the guard from the records when there is none yet (a new database, or one from before it)."""
        if await self.guard.find_one(GUARD, {"_id": 1}) is not None:
            return
        ids = [doc["_id"] async for doc in self.collection.find({}).sort("_id", 1) if supervises(_member(doc))]
        try:
            await self.guard.insert_one(GUARD | {"ids": ids})
        except DuplicateKeyError:
            return  # another write made it first
