"""A customer's history, for staff: every dispute with its outcome and abuse flags, newest first, paginated."""

from aiohttp import web

from adapters.web.endpoint import Call, Endpoint, json_response
from adapters.web.problems import ProblemError
from adapters.web.keys import HISTORY_CURSORS
from adapters.web.views import issued_compensation
from disputes.customers import CustomerRecords
from disputes.model import Dispute
from schemas.common import Role
from schemas.history import CustomerHistoryView, HistoryQuery, PastDispute

CUSTOMERS = web.AppKey("customers", CustomerRecords)


def past_dispute(d: Dispute) -> PastDispute:
    decision = d.decision
    return PastDispute(
        id=d.id, status=d.status, order_id=d.order.order_id, carrier=d.order.carrier,
        tracking_number=d.order.tracking_number, claim=d.claim, channel=d.channel, value_minor=d.claimed_value_minor,
        currency=d.order.currency, opened_at=d.opened_at, decision_due=d.sla.decision_due, closed_at=d.closed_at,
        outcome=decision.outcome if decision else None, reason_code=decision.reason_code if decision else None,
        compensation=issued_compensation(d), appealed=d.appeal is not None, abuse_flags=d.abuse_flags,
        cleared_flags=d.cleared_flags, restriction=d.restriction.state if d.restriction else None,
        test_clock=d.clock_id,
    )


async def customer_history(call: Call) -> web.Response:
    customer_id = call.path_id("customer_id")
    q: HistoryQuery = call.query
    cursors = call.request.app[HISTORY_CURSORS].bound(call.actor.id, customer_id)  # a position in this history only
    try:
        before = cursors.decode(q.cursor) if q.cursor else None
    except (ValueError, TypeError):
        raise ProblemError("validation-failed",
                           "Unknown cursor, or one made for another customer's history.", parameters=["cursor"]) from None
    page = await call.request.app[CUSTOMERS].history(call.actor, customer_id, before, q.limit)
    cursor = cursors.encode(page.next_after) if page.next_after else None
    return json_response(CustomerHistoryView(
        customer_id=customer_id, items=[past_dispute(d) for d in page.items], next_cursor=cursor,
    ))


ENDPOINTS = (
    Endpoint("GET", "/v1/customers/{customer_id}/disputes", customer_history,
             "A customer's history: every dispute, its outcome and abuse flags, newest first",
             frozenset({Role.INVESTIGATOR, Role.SUPERVISOR}), query=HistoryQuery, response=CustomerHistoryView,
             tag="customers", errors=(422,)),
)
