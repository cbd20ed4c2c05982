"""Staff look at a customer: all their disputes and how each ended, with the abuse signals raised on them."""

from dataclasses import dataclass
from datetime import datetime

from disputes.actors import Actor
from disputes.ports import CustomerDisputes, DisputePage
from schemas.common import Role


@dataclass
class CustomerRecords:
    disputes: CustomerDisputes
    max_page: int = 100

    async def history(
        self, actor: Actor, customer_id: str, before: tuple[datetime, str] | None, limit: int
    ) -> DisputePage:
        """The customer's disputes, newest first, a page at a time (investigators and supervisors only)."""
        actor.require(Role.INVESTIGATOR, Role.SUPERVISOR)
        return await self.disputes.customer_disputes(customer_id, before, min(limit, self.max_page))
