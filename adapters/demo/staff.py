"""The demo's staff directory: the people the banner's tokens name, and one who has left."""

import asyncio

from disputes.ports import StaffDirectory
from schemas.common import Role
from schemas.staff import StaffMember

DEMO_STAFF = (
    StaffMember(id="inv-ayse", name="Ayşe Demir", role=Role.INVESTIGATOR),
    StaffMember(id="inv-mehmet", name="Mehmet Kaya", role=Role.INVESTIGATOR),
    StaffMember(id="sup-zeynep", name="Zeynep Arslan", role=Role.SUPERVISOR),
    StaffMember(id="inv-emre", name="Emre Çelik", role=Role.INVESTIGATOR, active=False),
)


async def seed_staff(directory: StaffDirectory) -> None:
    """Add the demo staff a directory lacks, all at once (each addition is safe beside another); a record a supervisor
    changed stays as they left it."""
    await asyncio.gather(*(directory.add(member) for member in DEMO_STAFF))
