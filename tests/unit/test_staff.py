"""The staff directory and assignment: supervisors keep the directory; a case goes only to an active member on
record; only staff the directory lets work cases change one; taking a case again, or a retried bulk assignment,
changes nothing more."""

from typing import Any

import pytest

from adapters.memory import InMemoryStaffDirectory
from disputes.actors import Actor
from disputes.duty import Duty
from disputes.errors import Forbidden, OwnStaffRecord, StaffInactive, Unprocessable
from disputes.rules import Rules
from disputes.service import DisputeService
from disputes.staff import Assignments, Staff
from schemas.common import Outcome, Role
from schemas.dispute import ReasonCode, Status
from schemas.staff import AssignmentOutcome, StaffMember, StaffRecord
from tests.factories import CUSTOMER, INVESTIGATOR, NOW, OTHER_INVESTIGATOR, SUPERVISOR, order

AYSE = StaffMember(id=INVESTIGATOR.id, name="Ayşe Demir", role=Role.INVESTIGATOR)
MEHMET = StaffMember(id=OTHER_INVESTIGATOR.id, name="Mehmet Kaya", role=Role.INVESTIGATOR)
ZEYNEP = StaffMember(id=SUPERVISOR.id, name="Zeynep Arslan", role=Role.SUPERVISOR)
EMRE = StaffMember(id="inv-emre", name="Emre Çelik", role=Role.INVESTIGATOR, active=False)
AS_EMRE = Actor(EMRE.id, Role.INVESTIGATOR)


@pytest.fixture
async def directory() -> InMemoryStaffDirectory:
    directory = InMemoryStaffDirectory()
    for member in (AYSE, MEHMET, ZEYNEP, EMRE):
        await directory.put(member)
    return directory


@pytest.fixture
def service(repository, orders, clock, directory) -> DisputeService:
    return DisputeService(repository, orders, clock, Rules(), duty=Duty(directory))


@pytest.fixture
def staff(directory) -> Staff:
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
    deniz = StaffMember(id="inv-deniz", name="Deniz Aydın", role=Role.INVESTIGATOR)

    assert await staff.put(SUPERVISOR, deniz)
    with pytest.raises(Forbidden):
        await staff.put(INVESTIGATOR, deniz.model_copy(update={"active": False}))
    with pytest.raises(Forbidden):
        await staff.page(CUSTOMER, None, 10)
    listed = [m.id for m in await staff.page(INVESTIGATOR, None, 10)]
    assert listed == ["inv-ayse", "inv-deniz", "inv-emre", "inv-mehmet", "sup-zeynep"]


async def test_a_case_goes_to_an_active_member_on_record(assignments, cases):
    assigned = await assignments.assign(SUPERVISOR, cases[0].id, MEHMET.id)

    assert assigned.assignee == MEHMET.id


@pytest.mark.parametrize(("assignee", "why"), [("inv-nobody", "No staff member"), ("inv-emre", "inactive")])
async def test_an_unknown_or_inactive_assignee_is_refused_naming_the_field(assignments, cases, service, assignee, why):
    with pytest.raises(Unprocessable, match=why) as refused:
        await assignments.assign(SUPERVISOR, cases[0].id, assignee)

    assert refused.value.facts == {"field": "assignee"}
    assert (await service.get(SUPERVISOR, cases[0].id)).assignee is None


async def test_an_active_member_takes_a_case_and_an_inactive_one_takes_none(assignments, cases):
    taken = await assignments.assign(INVESTIGATOR, cases[0].id, None)
    assert taken.assignee == INVESTIGATOR.id

    with pytest.raises(StaffInactive):
        await assignments.assign(AS_EMRE, cases[1].id, None)


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


async def test_taking_a_case_one_already_holds_again_changes_nothing(assignments, cases, service):
    taken = await assignments.assign(INVESTIGATOR, cases[0].id, None)  # then a second click, or a retry

    again = await assignments.assign(INVESTIGATOR, cases[0].id, INVESTIGATOR.id, {taken.version})

    assert again.version == taken.version  # the version the investigator reviewed still stands for their decision
    assert [e.action for e in again.timeline].count("assigned") == 1


class DeactivatedMeanwhile(InMemoryStaffDirectory):
    """Another supervisor deactivates Mehmet between a write's read of his record and the write itself."""

    def __init__(self) -> None:
        super().__init__()
        self.raced = False

    async def put_over(self, member: StaffMember, stored: StaffMember | None) -> bool | None:
        if member.id == MEHMET.id and not self.raced:
            self.raced = True
            await self.put(MEHMET.model_copy(update={"active": False}))
        return await super().put_over(member, stored)


async def test_a_rename_racing_a_deactivation_never_reactivates_the_member() -> None:
    directory = DeactivatedMeanwhile()
    for member in (MEHMET, ZEYNEP):
        await directory.put(member)

    renamed, _ = await Staff(directory).write(SUPERVISOR, MEHMET.id, StaffRecord(name="Mehmet Kaya Yıldız",
                                                                                 role=Role.INVESTIGATOR), NOW)

    stored = await directory.get(MEHMET.id)
    assert directory.raced and stored is not None and (stored.name, stored.active) == ("Mehmet Kaya Yıldız", False)
    assert renamed == stored


async def test_a_bulk_assignment_gives_no_more_cases_to_a_member_deactivated_while_it_runs(
    directory, assignments, cases, service
):
    looked_up = 0
    get = directory.get

    async def deactivated_after_the_first_case(staff_id: str) -> StaffMember | None:
        nonlocal looked_up
        if staff_id == MEHMET.id and (looked_up := looked_up + 1) == 3:  # asked at the start, for case 1, for case 2
            await directory.put(MEHMET.model_copy(update={"active": False}))  # by another supervisor, meanwhile
        return await get(staff_id)

    directory.get = deactivated_after_the_first_case
    results = await assignments.assign_many(SUPERVISOR, [c.id for c in cases], MEHMET.id)

    assert [r.outcome for r in results] == [AssignmentOutcome.ASSIGNED, *[AssignmentOutcome.CONFLICT] * 2]
    assert [(await service.get(SUPERVISOR, c.id)).assignee for c in cases] == [MEHMET.id, None, None]
    assert "inactive" in (results[1].detail or "")


async def test_a_supervisor_deactivated_while_a_bulk_assignment_runs_assigns_no_more_cases(
    directory, assignments, cases, service
):
    await directory.put(ZEYNEP.model_copy(update={"id": "sup-other", "name": "Başka Şef"}))  # who deactivates her
    looked_up = 0
    get = directory.get

    async def deactivated_after_the_first_case(staff_id: str) -> StaffMember | None:
        nonlocal looked_up
        if staff_id == ZEYNEP.id and (looked_up := looked_up + 1) == 3:  # asked at the start, for case 1, for case 2
            await directory.put(ZEYNEP.model_copy(update={"active": False}))
        return await get(staff_id)

    directory.get = deactivated_after_the_first_case
    results = await assignments.assign_many(SUPERVISOR, [c.id for c in cases], MEHMET.id)

    assert [(await service.get(SUPERVISOR, c.id)).assignee for c in cases] == [MEHMET.id, None, None], results
    assert [r.outcome for r in results] == [AssignmentOutcome.ASSIGNED, *[AssignmentOutcome.CONFLICT] * 2]


async def test_a_bulk_assignment_starts_the_review_of_an_appeal_already_theirs_once(assignments, cases, service, clock):
    case = cases[0]
    await assignments.assign(SUPERVISOR, case.id, MEHMET.id)
    await service.decide(OTHER_INVESTIGATOR, case.id, None, Outcome.REJECTED, ReasonCode.PROOF_OF_DELIVERY,
                         "İmza var.", None)
    clock.advance(days=1)
    appealed = await service.appeal(CUSTOMER, case.id, "Teslim alan ben değilim.")
    assert appealed.assignee == MEHMET.id  # a decided case keeps its assignee, who then has its appeal

    [first] = await assignments.assign_many(SUPERVISOR, [case.id], MEHMET.id)
    [again] = await assignments.assign_many(SUPERVISOR, [case.id], MEHMET.id)

    after = await service.get(SUPERVISOR, case.id)
    assert (first.outcome, after.status) == (AssignmentOutcome.ASSIGNED, Status.UNDER_REVIEW)  # as taking it would
    assert (again.outcome, again.version) == (AssignmentOutcome.ALREADY_ASSIGNED, first.version)  # a retry: no more


async def test_a_bulk_assignment_of_a_decided_case_to_its_holder_is_a_conflict(assignments, cases, service):
    await assignments.assign(SUPERVISOR, cases[0].id, MEHMET.id)
    await service.decide(OTHER_INVESTIGATOR, cases[0].id, None, Outcome.REFUND, ReasonCode.CARRIER_NO_PROOF, "Yok.", None)

    [result] = await assignments.assign_many(SUPERVISOR, [cases[0].id], MEHMET.id)

    assert result.outcome is AssignmentOutcome.CONFLICT  # as assigning it alone is refused


async def test_bulk_assignment_is_for_supervisors_and_to_active_members(assignments, cases, service):
    with pytest.raises(Forbidden):
        await assignments.assign_many(INVESTIGATOR, [cases[0].id], MEHMET.id)
    with pytest.raises(Unprocessable):
        await assignments.assign_many(SUPERVISOR, [cases[0].id], EMRE.id)

    assert (await service.get(SUPERVISOR, cases[0].id)).assignee is None


OFF_DUTY = [
    (AS_EMRE, "inactive"),
    (Actor("inv-nobody", Role.INVESTIGATOR), "not in the staff directory"),
    (Actor(MEHMET.id, Role.SUPERVISOR), "makes you an investigator"),  # a supervisor's token, an investigator's record
]
OFF_DUTY_IDS = ["inactive", "not on record", "demoted"]


def staff_work(service: DisputeService, actor: Actor, case_id: str, version: int) -> dict[str, Any]:
    """Each change a member of staff makes to a case, by the use case for it."""
    return {
        "take": service.assign(actor, case_id, None),
        "note": service.add_note(actor, case_id, "Kapıcıyla konuşuldu."),
        "ask the customer": service.request_information(actor, case_id, "Komşunuza sordunuz mu?"),
        "message the customer": service.message_customer(actor, case_id, "İnceliyoruz."),
        "ask the carrier": service.request_evidence(actor, case_id),
        "release": service.release(actor, case_id),
        "decide": service.decide(actor, case_id, {version}, Outcome.REFUND, ReasonCode.CARRIER_NO_PROOF, "Yok.", None),
        "reopen": service.reopen(actor, case_id, "Yeni kanıt."),
        "clear flags": service.clear_flags(actor, case_id, "Yanlış işaret."),
    }


@pytest.mark.parametrize(("actor", "why"), OFF_DUTY, ids=OFF_DUTY_IDS)
async def test_staff_the_directory_does_not_let_work_cases_change_none(service, cases, actor, why):
    case = cases[0]
    work = staff_work(service, actor, case.id, case.version)

    refused = {}
    for name, change in work.items():
        try:
            await change
        except StaffInactive as error:
            refused[name] = error.detail
    assert list(refused) == list(work), "went through: " + ", ".join(set(work) - set(refused))
    assert all(why in detail for detail in refused.values())
    after = await service.read(SUPERVISOR, case.id)
    assert (after.version, after.assignee, after.status) == (case.version, None, case.status)


@pytest.mark.parametrize(("actor", "why"), OFF_DUTY, ids=OFF_DUTY_IDS)
async def test_staff_the_directory_does_not_let_work_cases_assign_none(assignments, cases, service, actor, why):
    with pytest.raises(StaffInactive, match=why):
        await assignments.assign(actor, cases[0].id, MEHMET.id)
    with pytest.raises((StaffInactive, Forbidden)):  # an investigator's token may not bulk assign at all
        await assignments.assign_many(actor, [cases[0].id], MEHMET.id)

    assert (await service.read(SUPERVISOR, cases[0].id)).assignee is None


async def test_a_member_deactivated_mid_case_decides_nothing_more(service, cases, directory):
    case = await service.assign(INVESTIGATOR, cases[0].id, None)
    await directory.put(AYSE.model_copy(update={"active": False}))

    with pytest.raises(StaffInactive):
        await service.decide(INVESTIGATOR, case.id, {case.version}, Outcome.REFUND, ReasonCode.CARRIER_NO_PROOF,
                             "Kanıt yok.", None)

    assert (await service.read(SUPERVISOR, case.id)).decision is None


async def test_a_supervisors_record_covers_an_investigators_work_and_customers_are_not_asked(service, cases):
    taken = await service.assign(Actor(ZEYNEP.id, Role.INVESTIGATOR), cases[0].id, None)
    withdrawn = await service.withdraw(CUSTOMER, cases[1].id, "Komşuda buldum.")

    assert taken.assignee == ZEYNEP.id and withdrawn.status.value == "withdrawn"


@pytest.mark.parametrize("change", [{"active": False}, {"role": Role.INVESTIGATOR}], ids=["deactivate", "demote"])
async def test_a_supervisor_neither_deactivates_nor_demotes_themselves(staff, directory, change):
    with pytest.raises(OwnStaffRecord):
        await staff.put(SUPERVISOR, ZEYNEP.model_copy(update=change))

    assert await directory.get(ZEYNEP.id) == ZEYNEP
    assert not await staff.put(SUPERVISOR, ZEYNEP.model_copy(update={"name": "Zeynep Arslan Kaya"}))


@pytest.mark.parametrize(("record", "why"), [
    (ZEYNEP.model_copy(update={"active": False}), "inactive"),
    (ZEYNEP.model_copy(update={"role": Role.INVESTIGATOR}), "makes you an investigator"),
    (None, "not in the staff directory"),
], ids=["inactive", "demoted", "not on record"])
async def test_only_an_active_supervisor_on_record_changes_the_directory_while_there_is_one(
        staff, directory, record, why):
    other = StaffMember(id="sup-ali", name="Ali Şahin", role=Role.SUPERVISOR)
    await directory.put(other)
    if record is None:
        del directory.members[ZEYNEP.id]
    else:
        await directory.put(record)

    with pytest.raises(StaffInactive, match=why):
        await staff.put(SUPERVISOR, MEHMET.model_copy(update={"active": False}))

    assert (await directory.get(MEHMET.id)) == MEHMET


async def test_while_no_supervisor_is_active_a_supervisor_adds_the_first_records():
    directory = InMemoryStaffDirectory()
    staff = Staff(directory)

    assert await staff.put(SUPERVISOR, ZEYNEP)  # a new deployment's directory is empty
    with pytest.raises(StaffInactive):
        await staff.put(Actor("sup-ali", Role.SUPERVISOR), MEHMET)  # now one is active: the others need a record
    assert [m.id for m in await staff.page(SUPERVISOR, None, 10)] == [ZEYNEP.id]
