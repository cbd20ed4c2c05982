"""A staff directory stored before its active supervisors were kept apart (adapters/mongo/staff.py) is guarded from
its records at the first write that needs it: the last active supervisor is not taken away, even by two
supervisors removing each other at the same moment."""

import asyncio

import pytest

from adapters.mongo.indexes import STAFF, STAFF_SUPERVISORS
from adapters.mongo.staff import MongoStaffDirectory
from disputes.actors import Actor
from disputes.ports import LastActiveSupervisor
from disputes.staff import Staff
from schemas.common import Role
from schemas.staff import StaffMember
from tests.contract.test_staff_directory import ReadTogether

RECORDS = [
    {"_id": "inv-ayse", "name": "Ayşe", "role": "investigator", "active": True},
    {"_id": "sup-ali", "name": "Ali", "role": "supervisor", "active": True},
    {"_id": "sup-eski", "name": "Eski", "role": "supervisor", "active": False},
    {"_id": "sup-zeynep", "name": "Zeynep", "role": "supervisor", "active": True},
]


@pytest.fixture
async def directory(mongo_db) -> MongoStaffDirectory:
    await mongo_db[STAFF].insert_many(RECORDS)  # as the previous version stored them: no guard yet
    return MongoStaffDirectory(mongo_db)


async def test_the_guard_is_made_from_the_records_and_keeps_the_last_active_supervisor(directory, mongo_db) -> None:
    await directory.put(StaffMember(id="sup-ali", name="Ali", role=Role.INVESTIGATOR))

    with pytest.raises(LastActiveSupervisor):
        await directory.put(StaffMember(id="sup-zeynep", name="Zeynep", role=Role.SUPERVISOR, active=False))

    assert (await directory.get("sup-zeynep")).active
    assert await mongo_db[STAFF_SUPERVISORS].find_one({"_id": "active"}) == {"_id": "active", "ids": ["sup-zeynep"]}


async def test_two_supervisors_of_a_directory_stored_before_removing_each_other_leave_one(directory) -> None:
    staff = Staff(ReadTogether(directory))  # both have read their own records before either writes
    ali = StaffMember(id="sup-ali", name="Ali", role=Role.INVESTIGATOR)
    zeynep = StaffMember(id="sup-zeynep", name="Zeynep", role=Role.INVESTIGATOR)

    answers = await asyncio.gather(
        staff.put(Actor("sup-ali", Role.SUPERVISOR), zeynep),
        staff.put(Actor("sup-zeynep", Role.SUPERVISOR), ali),
        return_exceptions=True,
    )

    assert sorted(type(answer).__name__ for answer in answers) == ["StaffInactive", "bool"]
    records = await directory.page(None, 10)
    assert [m.id for m in records if m.active and m.role is Role.SUPERVISOR] in (["sup-ali"], ["sup-zeynep"])
