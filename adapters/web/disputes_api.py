"""The dispute endpoints: the order page's (customer) and the investigators' (staff)."""

from functools import partial

import structlog
from aiohttp import web

from adapters.web.conditional import UNVALIDATED
from adapters.web.endpoint import Call, Endpoint, json_body, json_response
from adapters.web.idempotency import answered, first_answer, idempotency_key, replayed
from adapters.web.keys import ASSIGNMENTS, DISPUTE_VIEWS, MAX_PAGE, QUEUE_ROWS, SERVICE
from adapters.web.preconditions import MalformedIfMatch, dispute_tag, matching_versions, strong_tags
from adapters.web.problems import ProblemError
from adapters.web.uploads import read_submission
from adapters.web.queue import CSV_RESPONSE, bound_cursors, export_disputes, queue_query
from disputes.errors import (
    AccessibilityNeedByAgent,
    AccessibilityNeedRecorded,
    ActiveDisputeExists,
    AlreadyAppealed,
    AppealWindowClosed,
    AssignedToAnother,
    AwaitsSupervisor,
    CaseClosed,
    ChannelRequired,
    ClaimWindowClosed,
    CompensationAlreadyIssued,
    Contended,
    CustomerRequired,
    DecisionStands,
    CarrierHasNoPull,
    EffectMovedPast,
    EffectNotResendable,
    EvidenceRequestsClosed,
    IllegalTransition,
    InactiveStaff,
    InvalidLineOutcomes,
    InvalidMissingItems,
    NoAccessibilityNeedByAgent,
    NoFlags,
    NoRestriction,
    CaseAnonymised,
    NotAssignable,
    NotAssigned,
    NotDelivered,
    NotRejected,
    NotReshippable,
    OrderPageOnly,
    OverrideReasonRequired,
    OwnDisputesOnly,
    ReasonDoesNotFitClaim,
    ReasonDoesNotFitOutcome,
    RestrictionReviewed,
    SignatureRequired,
    StatementRepeated,
    TooManySubmissions,
    CaseFull,
    UnknownOrder,
    UnknownParkedEffect,
    UnknownShipment,
    UnknownStaff,
    UnknownSubmission,
)
from disputes.model import Dispute
from disputes.model import FirstAnswer
from disputes.service import Opened, OpenRequest, Render
from schemas.dispute import MissingItem
from schemas.api import (
    AccessibilityNeedWithdrawal,
    AgentDisputeView,
    AppealRequest,
    Assign,
    ClearFlags,
    CustomerDisputeView,
    CustomerMessage,
    DecisionRequest,
    DisputePageView,
    DisputeView,
    InformationRequest,
    ListQuery,
    Note,
    QueueFilters,
    OpenDispute,
    RemoveSubmission,
    Reopen,
    ResendEffect,
    RestrictionReview,
    Timeline,
    Withdraw,
)
from schemas.common import CUSTOMER_SIDE, Role

AGENT = frozenset({Role.AGENT})
STAFF = frozenset({Role.INVESTIGATOR, Role.SUPERVISOR})
EVERYONE = CUSTOMER_SIDE | STAFF
SUPERVISOR = frozenset({Role.SUPERVISOR})
SUPERVISOR_OR_AGENT = frozenset({Role.SUPERVISOR, Role.AGENT})


def dispute_response(call: Call, dispute: Dispute, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    request, staff, agent = call.request, call.actor.is_staff, call.actor.role is Role.AGENT
    if request.match_info.get("id") != dispute.id:  # a route naming the dispute names it on every line already
        structlog.contextvars.bind_contextvars(dispute_id=dispute.id)
    app = request.app
    views = app[DISPUTE_VIEWS]
    if staff:
        body, later, unvalidated = views.staff(dispute), False, not _effects_settled(dispute)
    else:  # its next step may speak of the time: the case's own (its test clock's, in the sandbox)
        now = dispute.test_clock.time if dispute.test_clock is not None else app[SERVICE].clock.now()
        body, later, unvalidated = views.customer_side(dispute, app[SERVICE].rules.appeal_window, agent, now)
    headers = headers if headers is not None else {}
    headers["ETag"] = dispute_tag(dispute.version, "staff" if staff else "agent" if agent else "customer", later)
    response = json_body(body, status, headers)
    if unvalidated:
        response[UNVALIDATED] = True
    return response


def _effects_settled(dispute: Dispute) -> bool:
    """Whether the staff view's effects (moved by the relay, with no new version) are as they were when this version
    was saved: nothing pending or parked, nothing delivered since. Else its version ETag earns no 304."""
    return not (dispute.outbox or dispute.effects_parked) and all(  # by real time: a test clock's case's too
        effect.delivered_at <= dispute.messages_due for effect in dispute.effects_delivered
    )


def expected_versions(call: Call, required: bool = False) -> frozenset[int] | None:
    """The versions If-Match accepts (None for "*", any current one, or, where it is not `required`, for no If-Match);
    which of them, if any, is current is the service's to say, after it has checked the caller may see the dispute."""
    lines = call.request.headers.getall("If-Match", [])
    if not lines:
        if not required:
            return None
        raise ProblemError("precondition-required", "Send the ETag of the version you reviewed.")
    try:
        tags = strong_tags(lines)
    except MalformedIfMatch:
        raise ProblemError("malformed-header",
                           'If-Match takes "*" or a comma-separated list of ETags such as "3".') from None
    return None if tags is None else matching_versions(tags)


def open_request(call: Call) -> OpenRequest:
    body: OpenDispute = call.body
    return OpenRequest(
        body.order_id, body.shipment_id, body.statement, body.preferred_resolution, body.customer_id, body.channel,
        body.accessibility_need, body.claim, tuple(MissingItem(sku=m.sku, quantity=m.quantity) for m in body.missing_items),
    )


async def open_dispute(call: Call) -> web.Response:
    opened = await call.request.app[SERVICE].open(
        call.actor, open_request(call), idempotency_key(call.request), render_opened(call)
    )
    return opened_response(call, opened)


def render_opened(call: Call) -> Render:
    """The first answer to an opening, kept with its Idempotency-Key in the new dispute."""

    def render(dispute: Dispute) -> FirstAnswer:
        return first_answer(_created(call, dispute))

    return render


def opened_response(call: Call, opened: Opened) -> web.Response:
    """The answer kept with the key, a replay's or the new dispute's (rendered once, when it was kept), else the
    dispute rendered now."""
    if opened.answer is not None:
        structlog.contextvars.bind_contextvars(dispute_id=opened.dispute.id)
        return replayed(opened.answer) if not opened.created else answered(opened.answer)
    if not opened.created:
        return dispute_response(call, opened.dispute, 201, {"Location": _location(opened.dispute), "Idempotent-Replayed": "true"})
    return _created(call, opened.dispute)


def _created(call: Call, dispute: Dispute) -> web.Response:
    return dispute_response(call, dispute, 201, {"Location": _location(dispute)})


def _location(dispute: Dispute) -> str:
    return f"/v1/disputes/{dispute.id}"


async def get_dispute(call: Call) -> web.Response:
    return dispute_response(call, await call.request.app[SERVICE].read(call.actor, call.path_id()))


async def list_disputes(call: Call) -> web.Response:
    q: ListQuery = call.query
    cursors = bound_cursors(call, q)
    query = queue_query(call, q, q.cursor, min(q.limit, call.request.app[MAX_PAGE]), cursors)
    page = await call.request.app[SERVICE].list(call.actor, query)
    cursor = cursors.encode(page.next_after) if page.next_after else None
    body, tag = call.request.app[QUEUE_ROWS].page(page.items, cursor, call.actor.is_staff)
    return json_body(body, headers={"ETag": tag})


async def get_timeline(call: Call) -> web.Response:
    dispute = await call.request.app[SERVICE].read(call.actor, call.path_id())
    return json_response(Timeline(dispute_id=dispute.id, entries=dispute.full_timeline))


async def assign(call: Call) -> web.Response:
    return dispute_response(call, await call.request.app[ASSIGNMENTS].assign(
        call.actor, call.path_id(), call.body.assignee, expected_versions(call)
    ))


async def release(call: Call) -> web.Response:
    return dispute_response(call, await call.request.app[SERVICE].release(call.actor, call.path_id(), expected_versions(call)))


async def add_note(call: Call) -> web.Response:
    return dispute_response(call, await call.request.app[SERVICE].add_note(
        call.actor, call.path_id(), call.body.text, expected_versions(call)
    ), 201)


async def decide(call: Call) -> web.Response:
    body: DecisionRequest = call.body
    dispute = await call.request.app[SERVICE].decide(
        call.actor,
        call.path_id(),
        expected_versions(call, required=True),
        body.outcome,
        body.reason_code,
        body.note,
        body.refund_to,
        body.override_reason,
        body.outcomes_per_line(),
    )
    return dispute_response(call, dispute)


async def withdraw(call: Call) -> web.Response:
    return dispute_response(call, await call.request.app[SERVICE].withdraw(
        call.actor, call.path_id(), call.body.reason, expected_versions(call)
    ))


async def appeal(call: Call) -> web.Response:
    statement, images = call.body
    return dispute_response(call, await call.request.app[SERVICE].appeal(
        call.actor, call.path_id(), statement, images, expected_versions(call)
    ))


async def add_information(call: Call) -> web.Response:
    dispute_id = call.path_id()
    statement, images = call.body
    service = call.request.app[SERVICE]
    return dispute_response(call, await service.add_information(
        call.actor, dispute_id, statement, images, expected_versions(call)
    ), 201)


async def request_evidence(call: Call) -> web.Response:
    return dispute_response(call, await call.request.app[SERVICE].request_evidence(
        call.actor, call.path_id(), expected_versions(call)
    ), 202)


async def clear_flags(call: Call) -> web.Response:
    return dispute_response(call, await call.request.app[SERVICE].clear_flags(
        call.actor, call.path_id(), call.body.reason, expected_versions(call)
    ))


async def review_restriction(call: Call) -> web.Response:
    body: RestrictionReview = call.body
    service = call.request.app[SERVICE]
    return dispute_response(
        call, await service.review_restriction(
            call.actor, call.path_id(), body.decision == "confirm", body.reason, expected_versions(call)
        )
    )


async def add_message(call: Call) -> web.Response:
    service = call.request.app[SERVICE]
    if call.body.kind == "contact_log":
        write = service.log_contact
    else:
        write = service.message_customer if call.actor.is_staff else service.add_customer_message
    return dispute_response(call, await write(call.actor, call.path_id(), call.body.text, expected_versions(call)), 201)


async def declare_accessibility_need(call: Call) -> web.Response:
    recorded = await call.request.app[SERVICE].declare_accessibility_need(call.actor, call.path_id(), expected_versions(call))
    related = ", ".join(f'<{ONE.format(id=other)}>; rel="related"' for other in recorded.other_open)
    return dispute_response(call, recorded.dispute, headers={"Link": related} if related else None)


async def remove_submission(call: Call) -> web.Response:
    body: RemoveSubmission = call.body
    return dispute_response(call, await call.request.app[SERVICE].remove_submission(
        call.actor, call.path_id(), body.submission, body.reason, expected_versions(call)
    ))


async def withdraw_accessibility_need(call: Call) -> web.Response:
    return dispute_response(call, await call.request.app[SERVICE].withdraw_accessibility_need(
        call.actor, call.path_id(), call.body.reason, expected_versions(call)
    ))


async def reopen(call: Call) -> web.Response:
    return dispute_response(call, await call.request.app[SERVICE].reopen(
        call.actor, call.path_id(), call.body.reason, expected_versions(call)
    ))


async def resend_effect(call: Call) -> web.Response:
    body: ResendEffect = call.body
    return dispute_response(call, await call.request.app[SERVICE].resend_effect(
        call.actor, call.path_id(), body.effect, body.reason, expected_versions(call)
    ))


ONE = "/v1/disputes/{id}"
OPENING = (CustomerRequired, ChannelRequired, OwnDisputesOnly, OrderPageOnly, AccessibilityNeedByAgent, UnknownOrder,
           UnknownShipment, NotDelivered, ClaimWindowClosed, InvalidMissingItems, ActiveDisputeExists, Contended)
"""What opening a dispute refuses (`DisputeService.open`), a lost race for the key included."""


ENDPOINTS = (
    Endpoint("POST", "/v1/disputes", open_dispute, "Open a dispute (order page; agents: for a customer)", CUSTOMER_SIDE,
             OpenDispute, response=CustomerDisputeView, status=201, headers=("Idempotency-Key",), errors=(409, 422),
             rules=OPENING, extra={"other_responses": (AgentDisputeView,), "location": True}, keys="own"),
    Endpoint("GET", "/v1/disputes", list_disputes, "The queue, ordered by decision due date", EVERYONE,
             query=ListQuery, response=DisputePageView, errors=(422,), rules=(CustomerRequired,)),
    Endpoint("GET", "/v1/disputes.csv", export_disputes,
             "The queue's disputes the filters select, as CSV, in queue order (finance and carrier teams)", STAFF,
             query=QueueFilters, errors=(422,), extra={"ok": CSV_RESPONSE, "no_store": True}),
    Endpoint("GET", ONE, get_dispute, "One dispute (customers: their own)", EVERYONE, response=DisputeView,
             errors=(404, 422), extra={"other_responses": (CustomerDisputeView, AgentDisputeView)}),
    Endpoint("GET", ONE + "/timeline", get_timeline, "Everything that happened, by whom", STAFF, response=Timeline,
             errors=(404,)),
    Endpoint("POST", ONE + "/assign", assign, "Assign (to oneself; supervisors: to anyone)", STAFF, Assign,
             body_optional=True, response=DisputeView, headers=("If-Match",), errors=(404, 409, 412, 422),
             rules=(UnknownStaff, InactiveStaff, NotAssignable, AssignedToAnother, AwaitsSupervisor, Contended)),
    Endpoint("POST", ONE + "/release", release, "Release an assignment", STAFF, response=DisputeView,
             headers=("If-Match",), errors=(404, 409, 412), rules=(NotAssigned, Contended)),
    Endpoint("POST", ONE + "/notes", add_note, "Add an investigator note", STAFF, Note, response=DisputeView,
             status=201, headers=("If-Match",), errors=(404, 409, 412, 422),
             rules=(TooManySubmissions, CaseFull, CaseAnonymised, Contended)),
    Endpoint("POST", ONE + "/decision", decide, "Decide: refund, reship or reject", STAFF, DecisionRequest,
             response=DisputeView, headers=("If-Match",), errors=(404, 409, 412, 422, 428),
             rules=(AssignedToAnother, OverrideReasonRequired, SignatureRequired, ReasonDoesNotFitOutcome,
                    ReasonDoesNotFitClaim, CompensationAlreadyIssued, InvalidLineOutcomes, NotReshippable, IllegalTransition, Contended)),
    Endpoint("POST", ONE + "/evidence-requests", request_evidence, "Ask the carrier for its proof again", STAFF,
             response=DisputeView, status=202, headers=("If-Match",), errors=(404, 409, 412),
             rules=(EvidenceRequestsClosed, CarrierHasNoPull, Contended)),
    Endpoint("POST", ONE + "/flags/clear", clear_flags, "Reverse abuse flags, with a reason (supervisor)", SUPERVISOR,
             ClearFlags, response=DisputeView, headers=("If-Match",), errors=(404, 409, 412, 422),
             rules=(NoFlags, Contended)),
    Endpoint("POST", ONE + "/restriction/review", review_restriction,
             "Confirm or lift the account restriction the case's abuse flags led to (supervisor)", SUPERVISOR,
             RestrictionReview, response=DisputeView, headers=("If-Match",), errors=(404, 409, 412, 422),
             rules=(NoRestriction, RestrictionReviewed, Contended)),
    Endpoint("POST", ONE + "/reopen", reopen,
             "Reopen a resolved case, or one withdrawn by mistake while no other case holds its shipment (supervisor)",
             SUPERVISOR, Reopen, response=DisputeView, headers=("If-Match",), errors=(404, 409, 412, 422),
             rules=(IllegalTransition, CaseAnonymised, ActiveDisputeExists, Contended)),
    Endpoint("POST", ONE + "/effects/resend", resend_effect,
             "Send a message the relay parked (refused, out of attempts, never reached) again, under its key, with a "
             "reason (supervisor): the customer's notification, a staff alert, a risk signal, an account restriction "
             "or its lift, the carrier's liability; a refund or reshipment is issued again by reopening and deciding. "
             "The messages held only because they waited for it go with it, after it. Refused (effect-moved-past) for "
             "a message the case has moved past: a decision's message once the case is no longer resolved by that "
             "decision (decided again, appealed, reopened or withdrawn since), a question to the customer no longer "
             "open, an appeal's receipt or a staff alert of a review's deadlines once that review is over or undone. "
             "A call again for one already sent again changes nothing (a 412 with the If-Match of before)", SUPERVISOR,
             ResendEffect, response=DisputeView, headers=("If-Match",), errors=(404, 409, 412, 422),
             rules=(UnknownParkedEffect, EffectNotResendable, EffectMovedPast, CaseAnonymised, Contended)),
    Endpoint("POST", ONE + "/withdraw", withdraw, "Withdraw (the customer found the parcel; agents: at their request)",
             CUSTOMER_SIDE, Withdraw, body_optional=True, response=CustomerDisputeView, headers=("If-Match",),
             errors=(404, 409, 412, 422), rules=(DecisionStands, IllegalTransition, Contended),
             extra={"other_responses": (AgentDisputeView,)}),
    Endpoint("POST", ONE + "/appeal", appeal, "Appeal a rejection, once, with an explanation and images", CUSTOMER_SIDE,
             response=CustomerDisputeView, headers=("If-Match",), errors=(400, 404, 409, 412, 413, 415, 422),
             rules=(NotRejected, AlreadyAppealed, AppealWindowClosed, StatementRepeated, TooManySubmissions,
                    IllegalTransition, Contended),
             extra={"submission": AppealRequest, "other_responses": (AgentDisputeView,)},
             read=partial(read_submission, json_model=AppealRequest)),
    Endpoint("POST", ONE + "/information", add_information,
             "Add an explanation and images while the case is open (agents: the files the customer sent); it "
             "answers an open question", CUSTOMER_SIDE, response=CustomerDisputeView, status=201,
             headers=("If-Match",), errors=(400, 404, 409, 412, 413, 415, 422),
             rules=(CaseClosed, TooManySubmissions, Contended),
             extra={"submission": InformationRequest, "other_responses": (AgentDisputeView,)},
             read=partial(read_submission, json_model=InformationRequest)),
    Endpoint("POST", ONE + "/customer-evidence/remove", remove_submission,
             "Take information or an appeal sent to the wrong customer's case off it: its text replaced by a marker, "
             "its images deleted, an appeal under review undone, with a reason (supervisor; agents: what they sent, within 30 minutes)", SUPERVISOR_OR_AGENT,
             RemoveSubmission, response=DisputeView, headers=("If-Match",), errors=(404, 409, 412, 422),
             rules=(UnknownSubmission, CaseAnonymised, Contended),
             extra={"other_responses": (AgentDisputeView,)}),
    Endpoint("POST", ONE + "/messages", add_message,
             "Add a message to the thread: the customer's (agents: what the customer said; it answers an open "
             "question), an agent's log of a contact with the customer (it answers nothing), or an investigator's to "
             "the customer", EVERYONE, CustomerMessage,
             response=CustomerDisputeView, status=201, headers=("If-Match",), errors=(404, 409, 412, 422),
             rules=(CaseClosed, TooManySubmissions, CaseFull, CaseAnonymised, Contended),
             extra={"other_responses": (AgentDisputeView, DisputeView)}),
    Endpoint("POST", ONE + "/accessibility-need", declare_accessibility_need,
             "Record the customer's accessibility need on this case: queue priority, written messages (agent); the "
             "customer's other open cases are linked (`Link`, rel=\"related\") to record it on each", AGENT,
             response=AgentDisputeView, headers=("If-Match",), errors=(404, 409, 412),
             rules=(AccessibilityNeedRecorded, CaseClosed, CaseAnonymised, Contended), extra={"related": True}),
    Endpoint("POST", ONE + "/accessibility-need/withdraw", withdraw_accessibility_need,
             "Take back an accessibility need an agent recorded on the case, with a reason (agent, supervisor)",
             SUPERVISOR_OR_AGENT, AccessibilityNeedWithdrawal, response=AgentDisputeView, headers=("If-Match",),
             errors=(404, 409, 412, 422), rules=(NoAccessibilityNeedByAgent, CaseAnonymised, Contended),
             extra={"other_responses": (DisputeView,)}),
)
