"""The staff directory on both backends: a record reads back as stored, a put replaces it (saying whether it was
new), an add never overwrites, and pages come in id order. Two supervisors removing each other at the same moment
leave one of them active: the other is refused as if the first change had come first."""

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest

from adapters.memory import InMemoryStaffDirectory
from adapters.mongo.staff import MongoStaffDirectory
from disputes.actors import Actor
from disputes.ports import LastActiveSupervisor
from disputes.staff import Staff
from schemas.common import Role
from schemas.staff import StaffMember

AYSE = StaffMember(id="inv-ayse", name="Ayşe Demir", role=Role.INVESTIGATOR)


@pytest.fixture(params=["memory", "mongo"])
def directory(request: pytest.FixtureRequest) -> Any:
    if request.param == "memory":
        return InMemoryStaffDirectory()
    return MongoStaffDirectory(request.getfixturevalue("mongo_db"))


async def test_a_record_reads_back_as_stored(directory) -> None:
    assert await directory.put(AYSE)

    assert await directory.get("inv-ayse") == AYSE
    assert await directory.get("inv-nobody") is None


async def test_who_last_wrote_a_record_and_when_read_back_as_stored(directory) -> None:
    written = AYSE.model_copy(update={"changed_by": "sup-zeynep", "changed_at": datetime(2026, 3, 2, 9, 30, tzinfo=UTC)})
    await directory.put(written)

    assert await directory.get("inv-ayse") == written
    assert await directory.page(None, 10) == [written]


async def test_a_put_replaces_the_record_and_says_it_was_not_new(directory) -> None:
    await directory.put(AYSE)
    left = AYSE.model_copy(update={"active": False, "role": Role.SUPERVISOR})

    assert not await directory.put(left)

    assert await directory.get("inv-ayse") == left


async def test_an_add_never_overwrites_a_record(directory) -> None:
    changed = AYSE.model_copy(update={"active": False})
    await directory.put(changed)

    assert not await directory.add(AYSE)
    assert await directory.add(StaffMember(id="inv-new", name="Yeni", role=Role.INVESTIGATOR))

    assert await directory.get("inv-ayse") == changed


async def test_pages_come_in_id_order(directory) -> None:
    for staff_id in ("sup-b", "inv-c", "inv-a", "sup-a"):
        await directory.put(StaffMember(id=staff_id, name=staff_id, role=Role.INVESTIGATOR))

    first = await directory.page(None, 3)
    rest = await directory.page(first[-1].id, 3)

    assert [m.id for m in first] == ["inv-a", "inv-c", "sup-a"]
    assert [m.id for m in rest] == ["sup-b"]
    assert await directory.page("sup-b", 3) == []


async def test_a_record_that_would_take_the_last_active_supervisor_away_is_refused(directory) -> None:
    zeynep = StaffMember(id="sup-zeynep", name="Zeynep", role=Role.SUPERVISOR)
    await directory.put(AYSE)  # while no supervisor is active, any record is stored
    await directory.put(zeynep)

    for change in ({"active": False}, {"role": Role.INVESTIGATOR}):
        with pytest.raises(LastActiveSupervisor):
            await directory.put(zeynep.model_copy(update=change))
    assert await directory.get("sup-zeynep") == zeynep

    await directory.add(StaffMember(id="sup-ali", name="Ali", role=Role.SUPERVISOR))
    assert not await directory.put(zeynep.model_copy(update={"active": False}))


class ReadTogether:
    """The directory, where the first two reads each wait (a bounded wait) for the other: two supervisors have both
    read their own record, and found themselves active supervisors, before either writes."""

    def __init__(self, directory: Any) -> None:
        self.directory = directory
        self.barrier = asyncio.Barrier(2)
        self.reads = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.directory, name)

    async def get(self, staff_id: str) -> StaffMember | None:
        member = await self.directory.get(staff_id)
        self.reads += 1
        if self.reads <= 2:
            async with asyncio.timeout(5):
                await self.barrier.wait()
        return member


@pytest.mark.parametrize("change", [{"role": Role.INVESTIGATOR}, {"active": False}], ids=["demote", "deactivate"])
async def test_two_supervisors_removing_each_other_at_once_leave_one_of_them_active(directory, change) -> None:
    ali, zeynep = (StaffMember(id=i, name=i, role=Role.SUPERVISOR) for i in ("sup-ali", "sup-zeynep"))
    for member in (ali, zeynep):
        await directory.put(member)
    staff = Staff(ReadTogether(directory))

    answers = await asyncio.gather(
        staff.put(Actor(ali.id, Role.SUPERVISOR), zeynep.model_copy(update=change)),
        staff.put(Actor(zeynep.id, Role.SUPERVISOR), ali.model_copy(update=change)),
        return_exceptions=True,
    )

    assert sorted(type(answer).__name__ for answer in answers) == ["StaffInactive", "bool"]
    winner = ali if answers[0] is False else zeynep
    supervisors = [m.id for m in await directory.page(None, 10) if m.active and m.role is Role.SUPERVISOR]
    assert supervisors == [winner.id]


async def test_a_put_over_a_record_read_writes_only_while_it_is_still_the_one_read(directory) -> None:
    assert await directory.put_over(AYSE, None) is True  # none was there
    assert await directory.put_over(AYSE.model_copy(update={"name": "Ayşe D."}), None) is None  # one is now
    left = AYSE.model_copy(update={"active": False})
    assert await directory.put(left) is False  # another supervisor's write, after AYSE was read

    renamed = AYSE.model_copy(update={"name": "Ayşe Demir Kaya"})
    assert await directory.put_over(renamed, AYSE) is None  # over what was read, not what is stored: nothing written
    assert await directory.get("inv-ayse") == left
    assert await directory.put_over(renamed.model_copy(update={"active": False}), left) is False
    assert await directory.get("inv-ayse") == renamed.model_copy(update={"active": False})
