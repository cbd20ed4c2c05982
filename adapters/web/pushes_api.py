"""A parcel's pushes, for staff: every event carriers pushed for a tracking number, newest first, paginated, with what
became of each. How the on-call engineer and the investigator answer "the carrier says it sent the photo"."""

from aiohttp import web

from adapters.web.endpoint import Call, Endpoint, json_response
from adapters.web.problems import ProblemError
from adapters.web.views import Cursors
from disputes.intake import event_id_of
from disputes.pushes import PushRecords, PushTrace
from schemas.common import Role
from schemas.pushes import PushedEventView, PushOutcome, PushQuery, PushTraceView

PUSHES = web.AppKey("pushes", PushRecords)
PUSH_CURSORS = web.AppKey("push_cursors", Cursors)  # a tracking number's pushes are ordered by receipt


def pushed_event(trace: PushTrace) -> PushedEventView:
    push = trace.push
    proof = push.evidence.proof
    outcome = PushOutcome.ATTACHED if trace.disputes else PushOutcome.WAITING if push.waiting else PushOutcome.UNMATCHED
    return PushedEventView(
        carrier=proof.carrier, event_id=event_id_of(push.evidence.key, proof.carrier), received_at=push.received_at,
        event_at=proof.delivered_at or (proof.events[-1].at if proof.events else None), status=proof.status,
        status_code=proof.status_code, has_signature=proof.signature is not None, has_photo=proof.photo is not None,
        has_receiver_name=proof.received_by is not None, has_location=proof.location is not None,
        outcome=outcome, dispute_ids=list(trace.disputes),
    )


async def pushes(call: Call) -> web.Response:
    q: PushQuery = call.query
    cursors = call.request.app[PUSH_CURSORS].bound(call.actor.id, q.tracking_number)  # this number's pushes only
    try:
        before = cursors.decode(q.cursor) if q.cursor else None
    except (ValueError, TypeError):
        raise ProblemError("validation-failed", "Unknown cursor, or one made for another tracking number's pushes.",
                           parameters=["cursor"]) from None
    page = await call.request.app[PUSHES].for_tracking_number(call.actor, q.tracking_number, before, q.limit)
    cursor = cursors.encode(page.next_after) if page.next_after else None
    return json_response(PushTraceView(
        tracking_number=q.tracking_number, items=[pushed_event(trace) for trace in page.items], next_cursor=cursor,
    ))


ENDPOINTS = (
    Endpoint("GET", "/v1/pushes", pushes,
             "The events carriers pushed for a tracking number, newest first, and what became of each",
             frozenset({Role.INVESTIGATOR, Role.SUPERVISOR}), query=PushQuery, response=PushTraceView,
             tag="pushes", errors=(422,)),
)
