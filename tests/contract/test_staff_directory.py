"""The staff directory on both backends: a record reads back as stored, a put replaces it (saying whether it was
new), an add never overwrites, and pages come in id order."""

from typing import Any

import pytest

from adapters.memory import InMemoryStaffDirectory
from adapters.mongo.staff import MongoStaffDirectory
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
