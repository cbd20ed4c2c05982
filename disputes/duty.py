"""Who may work cases: the staff directory, read when someone with a staff role changes something.

The identity provider says who may sign in and with which role; the directory says who works cases now. A token
lives for hours, so a member a supervisor deactivated (or demoted) still holds a valid one: every change a person
with a staff role makes is refused unless the directory holds an active record for them whose role covers the
token's (a supervisor's record covers an investigator's work). Someone absent from the directory works no case
either: a production directory lists everyone who does. Reads need no check; the system and its services are not
staff members and are not checked."""

from dataclasses import dataclass

from disputes.actors import Actor
from disputes.errors import StaffInactive
from disputes.ports import StaffDirectory
from schemas.common import Role
from schemas.staff import StaffMember

CHECKED = frozenset({Role.INVESTIGATOR, Role.SUPERVISOR})


@dataclass(frozen=True, slots=True)
class Duty:
    directory: StaffDirectory

    async def require(self, actor: Actor) -> None:
        """Refuse (StaffInactive) a staff member the directory does not let work cases; one directory read."""
        if actor.role in CHECKED:
            refusal = why_off_duty(actor, await self.directory.get(actor.id))
            if refusal:
                raise StaffInactive(refusal)


def supervises(member: StaffMember) -> bool:
    """Whether the record is an active supervisor's (one who keeps the directory)."""
    return member.active and member.role is Role.SUPERVISOR


def why_off_duty(actor: Actor, member: StaffMember | None) -> str | None:
    """Why `member` (the record under the actor's id) does not let the actor work cases; None when it does."""
    if member is None:
        return "You are not in the staff directory: a supervisor adds you before you work cases."
    if not member.active:
        return "Your staff record is inactive: you work no cases."
    if actor.role is Role.SUPERVISOR and member.role is not Role.SUPERVISOR:
        return "Your staff record makes you an investigator: sign in again to work cases as one."
    return None
