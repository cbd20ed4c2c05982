"""The staff directory and assignment: supervisors keep the directory; a case goes only to an active member on
record; bulk assignment reports each case and changes nothing more when retried."""

import pytest

from adapters.memory import InMemoryStaffDirectory
from disputes.actors import Actor
from disputes.errors import Forbidden, Unprocessable
from disputes.staff import Assignments, Staff
from schemas.common import Outcome, Role
from schemas.dispute import ReasonCode
from schemas.staff import AssignmentOutcome, StaffMember
from tests.factories import CUSTOMER, INVESTIGATOR, OTHER_INVESTIGATOR, SUPERVISOR, order

MEHMET = StaffMember(id=OTHER_INVESTIGATOR.id, name="Mehmet Kaya", role=Role.INVESTIGATOR)
EMRE = StaffMember(id="inv-emre", name="Emre Çelik", role=Role.INVESTIGATOR, active=False)


@pytest.fixture
async def staff() -> Staff:
    directory = InMemoryStaffDirectory()
    for member in (MEHMET, EMRE):
        await directory.put(member)
    return Staff(directory)


@pytest.fixture
def assignments(service, staff) -> Assignments:
    return Assignments(service, staff)


@pytest.fixture
async def cases(service, orders, request_for):
    opened = []
    for number in range(3):
        orders.orders[f"ord-s{number}"] = order(f"ord-s{number}")
        opened.append((await service.open(CUSTOMER, request_for(f"ord-s{number}"), None)).dispute)
    return opened


async def test_only_a_supervisor_keeps_the_directory(staff):
    zeynep = StaffMember(id="sup-zeynep", name="Zeynep Arslan", role=Role.SUPERVISOR)

    assert await staff.put(SUPERVISOR, zeynep)
    with pytest.raises(Forbidden):
        await staff.put(INVESTIGATOR, zeynep.model_copy(update={"active": False}))
    with pytest.raises(Forbidden):
        await staff.page(CUSTOMER, None, 10)
    assert [m.id for m in await staff.page(INVESTIGATOR, None, 10)] == ["inv-emre", "inv-mehmet", "sup-zeynep"]


async def test_a_case_goes_to_an_active_member_on_record(assignments, cases):
    assigned = await assignments.assign(SUPERVISOR, cases[0].id, MEHMET.id)

    assert assigned.assignee == MEHMET.id


@pytest.mark.parametrize(("assignee", "why"), [("inv-nobody", "No staff member"), ("inv-emre", "inactive")])
async def test_an_unknown_or_inactive_assignee_is_refused_naming_the_field(assignments, cases, service, assignee, why):
    with pytest.raises(Unprocessable, match=why) as refused:
        await assignments.assign(SUPERVISOR, cases[0].id, assignee)

    assert refused.value.facts == {"field": "assignee"}
    assert (await service.get(SUPERVISOR, cases[0].id)).assignee is None


async def test_taking_a_case_needs_no_record_but_an_inactive_member_takes_none(assignments, cases, staff):
    taken = await assignments.assign(INVESTIGATOR, cases[0].id, None)  # inv-ayse is not on record: the token says who
    assert taken.assignee == INVESTIGATOR.id

    with pytest.raises(Forbidden):
        await assignments.assign(Actor(EMRE.id, Role.INVESTIGATOR), cases[1].id, None)


async def test_bulk_assignment_reports_each_case_in_the_order_given(assignments, cases, service):
    closed = cases[2]
    current = await service.get(SUPERVISOR, closed.id)
    await service.decide(
        SUPERVISOR, closed.id, {current.version}, Outcome.REFUND, ReasonCode.CARRIER_NO_PROOF, "Kanıt yok.", None
    )
    ids = [cases[0].id, "dsp_unknown", closed.id, cases[1].id]

    results = await assignments.assign_many(SUPERVISOR, ids, MEHMET.id)

    assert [(r.dispute_id, r.outcome) for r in results] == [
        (cases[0].id, AssignmentOutcome.ASSIGNED), ("dsp_unknown", AssignmentOutcome.NOT_FOUND),
        (closed.id, AssignmentOutcome.CONFLICT), (cases[1].id, AssignmentOutcome.ASSIGNED),
    ]
    assert results[0].version == (await service.get(SUPERVISOR, cases[0].id)).version
    assert results[2].detail and results[2].version is None


async def test_a_retried_bulk_assignment_changes_nothing_more(assignments, cases, service):
    ids = [c.id for c in cases]
    first = await assignments.assign_many(SUPERVISOR, ids, MEHMET.id)

    again = await assignments.assign_many(SUPERVISOR, ids, MEHMET.id)

    assert {r.outcome for r in first} == {AssignmentOutcome.ASSIGNED}
    assert {r.outcome for r in again} == {AssignmentOutcome.ALREADY_ASSIGNED}
    assert [r.version for r in again] == [r.version for r in first]
    for case in cases:
        timeline = (await service.get(SUPERVISOR, case.id)).timeline
        assert [e.action for e in timeline].count("assigned") == 1


async def test_bulk_assignment_is_for_supervisors_and_to_active_members(assignments, cases, service):
    with pytest.raises(Forbidden):
        await assignments.assign_many(INVESTIGATOR, [cases[0].id], MEHMET.id)
    with pytest.raises(Unprocessable):
        await assignments.assign_many(SUPERVISOR, [cases[0].id], EMRE.id)

    assert (await service.get(SUPERVISOR, cases[0].id)).assignee is None
