"""The staff directory and assigning cases: a case goes only to an active investigator or supervisor on record.

A supervisor keeps the directory: an active supervisor on record, or any supervisor while none is (a new
deployment's first records). Nobody deactivates or demotes themselves, so the directory always keeps the active
supervisor who changes it. Two supervisors removing each other at the same moment both pass that check, so the
directory itself refuses a record that would take its last active supervisor away (`StaffDirectory.put`): the one
refused is answered as if the other's change had come first, as no longer an active supervisor. Assigning names
someone: whoever is named must be on record and active. Whoever assigns or takes a case must be on duty
(`disputes/duty.py`), as for every change staff make. Bulk assignment gives many cases to one person, each case on
its own (one atomic write each), and reports each; a case already theirs and under review is left as it is, so a
retried request changes nothing more (an appeal already theirs has its review started, as taking it would). The
assignee, and whoever assigns, are looked up again for each case: one deactivated while the request runs is given,
or gives, no more.

A record is written as a whole (`StaffRecord`) but for `active`, which a write that leaves it out keeps as stored.
A write may carry a precondition on the record as stored (the web edge's If-Match): refused with StaleVersion, nothing
written, when it fails. Each write replaces only the record it read (`StaffDirectory.put_over`, compare-and-set): one
written meanwhile is read again, the precondition checked again, so a rename never undoes a deactivation made in the
same instant, and of two writes quoting one record one goes through."""

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from disputes.actors import SYSTEM, Actor
from disputes.duty import supervises, why_off_duty
from disputes.errors import (
    AwaitsSupervisor,
    Conflict,
    Contended,
    InactiveStaff,
    NotFound,
    OwnStaffRecord,
    ReservedStaffId,
    StaffInactive,
    StaleVersion,
    UnknownStaff,
)
from disputes.model import Dispute
from disputes.ports import LastActiveSupervisor, StaffDirectory
from disputes.service import DisputeService, Expected
from schemas.common import Role
from schemas.staff import AssignmentOutcome, AssignmentResult, StaffMember, StaffRecord

STAFF = (Role.INVESTIGATOR, Role.SUPERVISOR)
DIRECTORY_PAGE = 100
WRITE_TRIES = 5
"""Reads and writes of a staff record before a change that kept losing to others gives up (409 `contended`)."""
RESERVED_IDS = frozenset({SYSTEM.id.casefold()})
"""The names the service itself acts under on a case's timeline: a staff member under one would be taken for it."""

type Precondition = Callable[[StaffMember | None], bool]
"""Whether a write may go ahead, given the record as stored (None: there is none)."""


@dataclass
class Staff:
    directory: StaffDirectory

    async def write(
        self, actor: Actor, staff_id: str, record: StaffRecord, at: datetime, precondition: Precondition | None = None
    ) -> tuple[StaffMember, bool]:
        """A supervisor writes `record` under `staff_id` (as `put`), `active` left out kept as stored (a new record is
        active), if `precondition` holds for the record as stored; the record written, and whether it is new."""
        actor.require(Role.SUPERVISOR)
        _not_reserved(staff_id)
        for _ in range(WRITE_TRIES):  # each write is over the record read: one written meanwhile is read again
            stored = await self.directory.get(staff_id)
            if precondition is not None and not precondition(stored):
                raise StaleVersion(f"The record of {staff_id} is not the one you read: read it again "
                                   f"(GET /v1/staff/{staff_id}) and send its ETag." if stored else
                                   f"There is no record of {staff_id} to change.")
            active = record.active if record.active is not None else stored is None or stored.active
            member = StaffMember(id=staff_id, name=record.name, role=record.role, active=active, changed_by=actor.id,
                                 changed_at=at)
            await self._may_write(actor, member)
            if (new := await self._stored(self.directory.put_over(member, stored))) is not None:
                return member, new
        raise Contended(f"The record of {staff_id} kept changing while it was written; try again shortly.")

    async def member(self, actor: Actor, staff_id: str) -> StaffMember:
        actor.require(*STAFF)
        member = await self.directory.get(staff_id)
        if member is None:
            raise NotFound(f"No staff member {staff_id} in the directory.")
        return member

    async def put(self, actor: Actor, member: StaffMember) -> bool:
        """A supervisor adds or changes a member's record, never under an id in `RESERVED_IDS`; True when it is new."""
        actor.require(Role.SUPERVISOR)
        _not_reserved(member.id)
        await self._may_write(actor, member)
        new = await self._stored(self.directory.put(member))
        assert new is not None
        return new

    async def _may_write(self, actor: Actor, member: StaffMember) -> None:
        if member.id == actor.id and not (member.active and member.role is Role.SUPERVISOR):
            raise OwnStaffRecord("You cannot deactivate or demote yourself; another supervisor can.")
        refusal = why_off_duty(actor, await self.directory.get(actor.id))
        if refusal and await self._has_active_supervisor():
            raise StaffInactive(refusal)

    @staticmethod
    async def _stored(write: Awaitable[bool | None]) -> bool | None:
        try:
            return await write
        except LastActiveSupervisor as error:  # the actor, checked before, was demoted or deactivated meanwhile
            raise StaffInactive("Another supervisor has just changed your staff record: you no longer keep the "
                                "directory.") from error

    async def page(self, actor: Actor, after: str | None, limit: int) -> list[StaffMember]:
        actor.require(*STAFF)
        return await self.directory.page(after, limit)

    async def _has_active_supervisor(self) -> bool:
        """Read page by page: asked only when someone not (or no longer) an active supervisor writes the directory."""
        after = None
        while members := await self.directory.page(after, DIRECTORY_PAGE):
            if any(supervises(m) for m in members):
                return True
            after = members[-1].id
        return False

    async def assignable(self, staff_id: str) -> StaffMember:
        """The active member `staff_id` names; Unprocessable (naming the field `assignee`) for anyone else."""
        member = await self.directory.get(staff_id)
        if member is None:
            raise UnknownStaff(f"No staff member {staff_id} in the directory.")
        if not member.active:
            raise InactiveStaff(f"Staff member {staff_id} is inactive.")
        return member


def _not_reserved(staff_id: str) -> None:
    if staff_id.casefold() in RESERVED_IDS:
        raise ReservedStaffId(f"The id '{staff_id}' is the service's own name on a case's timeline.")


@dataclass
class Assignments:
    service: DisputeService
    staff: Staff

    async def assign(
        self, actor: Actor, dispute_id: str, assignee: str | None, expected_versions: Expected = None
    ) -> Dispute:
        """Assign the case to `assignee` (an active member on record), or take it (`None`)."""
        if assignee is None:
            return await self.service.assign(actor, dispute_id, None, expected_versions)
        member = await self.staff.assignable(assignee)
        return await self.service.assign(actor, dispute_id, assignee, expected_versions, member.role)

    async def assign_many(self, actor: Actor, dispute_ids: Sequence[str], assignee: str) -> list[AssignmentResult]:
        """A supervisor gives each case to one active member; what became of each, in the order given."""
        actor.require(Role.SUPERVISOR)
        await self.service.require_on_duty(actor)
        await self.staff.assignable(assignee)
        results = []
        for dispute_id in dispute_ids:  # both asked again for each: deactivated meanwhile, given (or giving) no more
            try:
                await self.service.require_on_duty(actor)
                member = await self.staff.assignable(assignee)
            except (StaffInactive, UnknownStaff, InactiveStaff) as error:
                results.append(AssignmentResult(dispute_id=dispute_id, outcome=AssignmentOutcome.CONFLICT,
                                                detail=error.detail))
                continue
            results.append(await self._assign_one(actor, dispute_id, member))
        return results

    async def _assign_one(self, actor: Actor, dispute_id: str, member: StaffMember) -> AssignmentResult:
        changed = False

        def change(d: Dispute, now: datetime) -> bool:
            nonlocal changed
            changed = d.assign(actor, member.id, now, member.role)  # set again on each try: a lost race is tried anew
            return changed

        try:
            dispute = await self.service.apply_timed(actor, dispute_id, change)
        except NotFound as error:
            return AssignmentResult(dispute_id=dispute_id, outcome=AssignmentOutcome.NOT_FOUND, detail=error.detail)
        except (Conflict, AwaitsSupervisor) as error:  # a case waiting for a supervisor goes to none else
            return AssignmentResult(dispute_id=dispute_id, outcome=AssignmentOutcome.CONFLICT, detail=error.detail)
        outcome = AssignmentOutcome.ASSIGNED if changed else AssignmentOutcome.ALREADY_ASSIGNED
        return AssignmentResult(dispute_id=dispute_id, outcome=outcome, version=dispute.version)
