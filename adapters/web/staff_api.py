"""The staff directory (supervisors keep it; staff read it) and bulk assignment of cases (supervisors)."""

import structlog
from aiohttp import web

from adapters.web.endpoint import Call, Endpoint, json_response
from adapters.web.keys import ASSIGNMENTS, SERVICE, STAFF_DIRECTORY
from disputes.errors import InactiveStaff, OwnStaffRecord, ReservedStaffId, UnknownStaff
from schemas.common import Role
from schemas.staff import BulkAssign, BulkAssignView, StaffMember, StaffPage, StaffQuery, StaffRecord

STAFF = frozenset({Role.INVESTIGATOR, Role.SUPERVISOR})
SUPERVISOR = frozenset({Role.SUPERVISOR})

log = structlog.get_logger("api")


async def list_staff(call: Call) -> web.Response:
    q: StaffQuery = call.query
    members = await call.request.app[STAFF_DIRECTORY].page(call.actor, q.after, q.limit + 1)
    more = len(members) > q.limit
    return json_response(StaffPage(items=members[: q.limit], next_after=members[q.limit - 1].id if more else None))


async def put_staff(call: Call) -> web.Response:
    """The record as written, with who wrote it and when; one log line per change (never the name)."""
    record: StaffRecord = call.body
    member = StaffMember(
        id=call.path_id("staff_id"), **record.model_dump(), changed_by=call.actor.id,
        changed_at=call.request.app[SERVICE].clock.now(),
    )
    created = await call.request.app[STAFF_DIRECTORY].put(call.actor, member)
    log.info("staff_record_written", actor=call.actor.id, staff_id=member.id, role=member.role.value,
             active=member.active, change="created" if created else "changed")
    return json_response(member, 201 if created else 200)


async def assign_many(call: Call) -> web.Response:
    body: BulkAssign = call.body
    results = await call.request.app[ASSIGNMENTS].assign_many(call.actor, body.dispute_ids, body.assignee)
    return json_response(BulkAssignView(assignee=body.assignee, results=results))


ENDPOINTS = (
    Endpoint("GET", "/v1/staff", list_staff, "The staff directory, in id order", STAFF, query=StaffQuery,
             response=StaffPage, tag="staff", errors=(422,)),
    Endpoint("PUT", "/v1/staff/{staff_id}", put_staff,
             "Add or change a staff member's record (name, role, active) (supervisor)", SUPERVISOR, StaffRecord,
             response=StaffMember, tag="staff", errors=(422,), rules=(OwnStaffRecord, ReservedStaffId),
             extra={"creates": True}),
    Endpoint("POST", "/v1/disputes/assign", assign_many,
             "Assign many cases to one active investigator or supervisor, each reported (supervisor); a case "
             "already theirs is left as it is, so a retry changes nothing more", SUPERVISOR, BulkAssign,
             response=BulkAssignView, errors=(422,), rules=(UnknownStaff, InactiveStaff)),
)
