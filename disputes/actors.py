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

    def require(self, *roles: Role) -> None:
        if self.role not in roles:
            raise Forbidden(f"This needs one of the roles: {', '.join(r.value for r in roles)}.")


SYSTEM = Actor(id="system", role=Role.SERVICE)
