"""The staff directory (supervisors keep it; staff read it) and bulk assignment of cases (supervisors)."""

import hashlib

import structlog
from aiohttp import web

from adapters.web.endpoint import Call, Endpoint, json_response
from adapters.web.keys import ASSIGNMENTS, SERVICE, STAFF_DIRECTORY
from adapters.web.preconditions import MalformedIfMatch, strong_tags
from adapters.web.problems import ProblemError
from disputes.errors import Contended, InactiveStaff, OwnStaffRecord, ReservedStaffId, UnknownStaff
from disputes.staff import Precondition
from schemas.common import Role
from schemas.staff import BulkAssign, BulkAssignView, StaffMember, StaffPage, StaffQuery, StaffRecord

STAFF = frozenset({Role.INVESTIGATOR, Role.SUPERVISOR})
SUPERVISOR = frozenset({Role.SUPERVISOR})
STAFF_IF_MATCH = ('The ETag of the record as you read it (`GET /v1/staff/{staff_id}`, or the answer to your last write '
                  'of it), a list of them, or "*" for any current record: the write is made only to that record. '
                  "Optional; a malformed value is refused with 400, one naming no current record (or any record, "
                  "when there is none) with 412 (weak ETags never match).")
STAFF_ETAG = "The record's ETag (strong, the SHA-256 of the body): quote it in If-Match to change only this record."

log = structlog.get_logger("api")


async def list_staff(call: Call) -> web.Response:
    q: StaffQuery = call.query
    members = await call.request.app[STAFF_DIRECTORY].page(call.actor, q.after, q.limit + 1)
    more = len(members) > q.limit
    return json_response(StaffPage(items=members[: q.limit], next_after=members[q.limit - 1].id if more else None))


async def get_staff_member(call: Call) -> web.Response:
    """The record, its ETag the SHA-256 of this body (`conditional`), as `record_tag` reads it."""
    return json_response(await call.request.app[STAFF_DIRECTORY].member(call.actor, call.path_id("staff_id")))


async def put_staff(call: Call) -> web.Response:
    """The record as written, with who wrote it and when, and its ETag; one log line per change (never the name)."""
    record: StaffRecord = call.body
    member, created = await call.request.app[STAFF_DIRECTORY].write(
        call.actor, call.path_id("staff_id"), record, call.request.app[SERVICE].clock.now(), _if_match(call)
    )
    log.info("staff_record_written", actor=call.actor.id, staff_id=member.id, role=member.role.value,
             active=member.active, change="created" if created else "changed")
    response = json_response(member, 201 if created else 200)
    response.headers["ETag"] = f'"{record_tag(member)}"'
    return response


def record_tag(member: StaffMember) -> str:
    """A staff record's strong opaque-tag: the SHA-256 of its JSON, as `GET /v1/staff/{staff_id}` sends it."""
    return hashlib.sha256(member.__pydantic_serializer__.to_json(member)).hexdigest()  # the body `json_response` sends


def _if_match(call: Call) -> Precondition | None:
    """If-Match, read strictly (`preconditions.strong_tags`): the stored record's tag is one named, or "*" and there
    is a record (RFC 9110 §13.1.1); None without If-Match."""
    lines = call.request.headers.getall("If-Match", [])
    if not lines:
        return None
    try:
        tags = strong_tags(lines)
    except MalformedIfMatch:
        raise ProblemError("malformed-header", 'If-Match takes "*" or a comma-separated list of ETags such as the '
                                               "one GET /v1/staff/{staff_id} sends.") from None
    return lambda stored: stored is not None and (tags is None or record_tag(stored) in tags)


async def assign_many(call: Call) -> web.Response:
    body: BulkAssign = call.body
    results = await call.request.app[ASSIGNMENTS].assign_many(call.actor, body.dispute_ids, body.assignee)
    return json_response(BulkAssignView(assignee=body.assignee, results=results))


ENDPOINTS = (
    Endpoint("GET", "/v1/staff", list_staff, "The staff directory, in id order", STAFF, query=StaffQuery,
             response=StaffPage, tag="staff", errors=(422,)),
    Endpoint("GET", "/v1/staff/{staff_id}", get_staff_member, "One staff member's record", STAFF,
             response=StaffMember, tag="staff", errors=(404, 422)),
    Endpoint("PUT", "/v1/staff/{staff_id}", put_staff,
             "Add or change a staff member's record (name, role, active) (supervisor): name and role as given, "
             "active as given or, left out, as stored (a new record: active)", SUPERVISOR, StaffRecord,
             response=StaffMember, tag="staff", headers=("If-Match",), errors=(409, 412, 422),
             rules=(OwnStaffRecord, ReservedStaffId, Contended),
             extra={"creates": True, "header_descriptions": {"If-Match": STAFF_IF_MATCH}, "etag": STAFF_ETAG}),
    Endpoint("POST", "/v1/disputes/assign", assign_many,
             "Assign many cases to one active investigator or supervisor, each reported (supervisor); a case "
             "already theirs and under review is left as it is, so a retry changes nothing more", SUPERVISOR, BulkAssign,
             response=BulkAssignView, errors=(422,), rules=(UnknownStaff, InactiveStaff)),
)
