"""Who is acting, and the role rules that do not depend on a dispute's state."""

from dataclasses import dataclass

from disputes.errors import Forbidden
from schemas.common import STAFF_ROLES, Role


@dataclass(frozen=True, slots=True)
class Actor:
    id: str
    role: Role
    customer_id: str | None = None

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def sees_only(self) -> str | None:
        """The customer whose cases alone this actor may see: a customer's own (staff and agents see every
        customer's). Cases are looked up with it, so another customer's case answers as a missing one, in the same
        time."""
        return self.customer_id if self.role is Role.CUSTOMER else None

    def require(self, *roles: Role) -> None:
        if self.role not in roles:
            raise Forbidden(f"This needs one of the roles: {', '.join(r.value for r in roles)}.")


SYSTEM = Actor(id="system", role=Role.SERVICE)
