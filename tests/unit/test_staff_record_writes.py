"""A supervisor's write of a staff record: name and role as given, `active` as given or, left out, as stored (a new
record is active); a precondition on the stored record (If-Match at the edge) that fails writes nothing."""

from datetime import UTC, datetime

import pytest

from adapters.memory import InMemoryStaffDirectory
from disputes.errors import NotFound, StaleVersion
from disputes.staff import Staff
from schemas.common import Role
from schemas.staff import StaffMember, StaffRecord
from tests.factories import INVESTIGATOR, SUPERVISOR

AT = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)
ZEYNEP = StaffMember(id=SUPERVISOR.id, name="Zeynep Arslan", role=Role.SUPERVISOR)
AYSE_GONE = StaffMember(id=INVESTIGATOR.id, name="Ayşe Demir", role=Role.INVESTIGATOR, active=False)
RENAMED = StaffRecord(name="Ayşe Demirci", role=Role.INVESTIGATOR)


@pytest.fixture
async def directory() -> InMemoryStaffDirectory:
    directory = InMemoryStaffDirectory()
    for member in (ZEYNEP, AYSE_GONE):
        await directory.put(member)
    return directory


async def test_a_rename_that_leaves_active_out_keeps_an_inactive_member_inactive(directory):
    written, created = await Staff(directory).write(SUPERVISOR, INVESTIGATOR.id, RENAMED, AT)
    assert not created and (written.name, written.active, written.changed_by) == ("Ayşe Demirci", False, SUPERVISOR.id)
    assert await directory.get(INVESTIGATOR.id) == written


async def test_active_given_is_written_and_a_new_record_left_without_it_is_active(directory):
    back, _ = await Staff(directory).write(SUPERVISOR, INVESTIGATOR.id, RENAMED.model_copy(update={"active": True}), AT)
    assert back.active is True
    new, created = await Staff(directory).write(SUPERVISOR, "inv-deniz", StaffRecord(name="Deniz", role="investigator"), AT)
    assert created and new.active is True


async def test_a_failed_precondition_writes_nothing_and_is_told_from_the_record_it_saw(directory):
    seen: list[StaffMember | None] = []

    def stale(stored: StaffMember | None) -> bool:
        seen.append(stored)
        return False

    with pytest.raises(StaleVersion):
        await Staff(directory).write(SUPERVISOR, INVESTIGATOR.id, RENAMED.model_copy(update={"active": True}), AT, stale)
    assert seen == [AYSE_GONE] and await directory.get(INVESTIGATOR.id) == AYSE_GONE
    with pytest.raises(StaleVersion):
        await Staff(directory).write(SUPERVISOR, "inv-new", RENAMED, AT, lambda stored: stored is not None)
    assert await directory.get("inv-new") is None


async def test_one_record_is_read_by_staff_and_a_missing_one_is_not_found(directory):
    assert await Staff(directory).member(INVESTIGATOR, INVESTIGATOR.id) == AYSE_GONE
    with pytest.raises(NotFound):
        await Staff(directory).member(SUPERVISOR, "inv-nobody")
