"""The HTTP API's request bodies, query parameters and responses. Inputs are strict: unknown fields, wrong
types and objects where a string belongs are rejected."""

from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator, AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from schemas.common import (
    Id, Outcome, Reason, RefundDestination, Remark, Resolution, Role, Statement, Timestamp, TrackingNumber,
    EARLIEST, LATEST, day_or_rfc3339, rfc3339,
)
from schemas.conversation import QuestionToCustomer, WaitingForCustomer
from schemas.dispute import (
    MAX_KEPT_SUBMISSIONS,
    Appeal,
    Channel,
    Claim,
    CompensatedLine,
    CustomerEvidence,
    CustomerImage,
    Decision,
    DeletedImage,
    DeliveredEffect,
    Evidence,
    LineOutcome,
    MissingItem,
    OrderSnapshot,
    OutboxMessage,
    PackingCheck,
    ParkReason,
    ReasonCode,
    Restriction,
    Sla,
    Status,
    SubmissionKind,
    TimelineEntry,
)
from schemas.digital import DigitalDelivery
from schemas.orders import OrderItem
from schemas.proof import ProofOffer
from schemas.recommendation import Recommendation, RecommendedAction

def _within_utc(value: datetime) -> datetime:
    """Queries compare in UTC, where `0001-01-01T00:00:00+01:00` does not exist: an instant beyond the range
    is read as the range's end on its side, before or after anything stored."""
    try:
        value.astimezone(UTC)
    except OverflowError:
        return (datetime.min if value.year == datetime.min.year else datetime.max).replace(tzinfo=UTC)
    return value


Instant = Annotated[AwareDatetime, BeforeValidator(rfc3339), AfterValidator(_within_utc)]
"""An instant given by a client (query strings arrive as text): RFC 3339 with an offset, as documented."""


def _in_period_years(value: datetime) -> datetime:
    """A period's bound is written in a year from 1970 to 9998 (`PERIOD_YEAR`), so it has a local time in Istanbul and
    an instant in UTC, both with room for a day's arithmetic: one before 1970 would be read in Istanbul's local mean
    time, one in 9999 at the UTC range's end, not as the period asked for."""
    if not EARLIEST.year <= value.year < LATEST.year:
        raise ValueError("expected a time from 1970-01-01 to the year 9998")
    return value


PERIOD_YEAR = "^(19[7-9][0-9]|[2-8][0-9]{3}|9[0-8][0-9]{2}|99[0-8][0-9]|999[0-8])-"
"""The years a period's bound may be written in, 1970 to 9998, as the published document says them."""


PeriodBound = Annotated[
    AwareDatetime, BeforeValidator(day_or_rfc3339), AfterValidator(_in_period_years),
    WithJsonSchema({"anyOf": [{"type": "string", "format": "date-time", "pattern": PERIOD_YEAR},
                              {"type": "string", "format": "date", "pattern": PERIOD_YEAR}]}),
]
"""A report's period bound: an instant, or a calendar date read as the start of that day in Istanbul, from 1970 to the
year 9998."""


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _json_number(value: object) -> object:
    """JSON's own numbers only, as the published schema's `integer` reads them (`1` or `1.0`): pydantic's lax mode
    would also read the string "1" and true."""
    if isinstance(value, str | bool):
        raise PydanticCustomError("int_type", "Input should be a valid integer")
    return value


Quantity = Annotated[int, Field(ge=1, le=10_000), BeforeValidator(_json_number)]


class MissingLine(_Input):
    sku: Id = Field(description="An order line of the disputed package.")
    quantity: Quantity = Field(description="How many of it were missing (at most as many as ordered).")


class OpenDispute(_Input):
    order_id: Id
    shipment_id: Id | None = None
    statement: Statement = Field(description="The customer's own words: what happened.")
    preferred_resolution: Resolution
    customer_id: Id | None = Field(
        default=None, description="Agents: the customer they act for (required). Customers: omit, or their own id."
    )
    channel: Channel | None = Field(
        default=None,
        description="Agents: how the customer reached them (live_chat, phone or email; required). Customers: omit, "
                    "or order_page.",
    )
    accessibility_need: bool = Field(
        default=False, strict=True,
        description="Agents: the customer declared an accessibility need (it is also read from the order): queue "
                    "priority, and messages in writing only. Customers: omit, or false (their need comes from the "
                    "order, or an agent records it).",
    )
    claim: Claim = Field(
        default=Claim.NOT_RECEIVED,
        description="not_received: the package never came. missing_items: it came without some of its items "
                    "(list them in missing_items).",
    )
    missing_items: tuple[MissingLine, ...] = Field(
        default=(), max_length=100,  # immutable: a list default is deep-copied on every validation
        description="missing_items claims: the lines of the package that were missing, each once; the outcome "
                    "(refund of their value, or reshipping them) is per line.",
    )


class Withdraw(_Input):
    reason: Reason | None = None


class StatementBody(_Input):
    """A customer's words, sent as JSON (the same endpoints take them with images as multipart/form-data)."""

    statement: Statement


class AppealRequest(StatementBody):
    statement: Statement = Field(description="A new explanation, and what evidence the customer has.")


class InformationRequest(StatementBody):
    statement: Statement = Field(
        description="What the customer adds, e.g. what the neighbours or the building's doorman said."
    )


class CustomerMessage(_Input):
    text: Statement = Field(
        description="Customers: their words; agents: what the customer said, or a contact they log; investigators: a "
                    "message to the customer."
    )
    kind: Literal["customer_message", "contact_log"] = Field(
        default="customer_message",
        description="Agents: `customer_message` (the default) is the customer's words, and the answer to an open "
                    "question; `contact_log` logs a contact (the customer called to ask how the case goes, say): it "
                    "answers nothing, tells the customer nothing, is not shown to them, and counts apart from their "
                    "messages (at most 200 on a case). Only agents log contacts.",
    )


class RestrictionReview(_Input):
    decision: Literal["confirm", "lift"]
    reason: Reason


class Assign(_Input):
    assignee: Id | None = Field(default=None, description="Defaults to the caller.")


class Note(_Input):
    text: Remark


class LineDecision(_Input):
    sku: Id = Field(description="A claimed line (a missing line, or a line of a digital order), named once.")
    outcome: Outcome = Field(description="Refund the value of `quantity` of it, reship that many of it only, or reject.")
    quantity: Quantity = Field(
        description="How many of the line: at most as many as claimed and not yet refunded or reshipped."
    )


class DecisionRequest(_Input):
    outcome: Outcome
    reason_code: ReasonCode = Field(
        description="Why, fitting the outcome (a 422 `reason-does-not-fit-outcome` otherwise) and the kind of claim "
                    "(a 422 `reason-does-not-fit-claim` otherwise). A rejection: of a parcel, `proof_of_delivery` (the "
                    "carrier proved its delivery) or `third_party_confirmed`; of a digital order, `digital_delivered` "
                    "(its records show the codes or links delivered); of a missing-items claim, `contents_confirmed` "
                    "(the package held what it says it lacked); of any, `suspected_abuse`. A refund or reship: of a "
                    "parcel or a missing-items claim, `carrier_no_proof`, `weak_proof` or `lost_in_transit`; of a "
                    "missing-items claim, also `items_missing`; of a digital order, `digital_not_delivered`; of any, "
                    "`goodwill` or `deadline_reached`."
    )
    note: Remark
    refund_to: RefundDestination | None = None
    override_reason: Remark | None = Field(
        default=None,
        description="Required when deciding against the recommendation, and for a supervisor's rejection of a "
                    "high-value parcel whose proof has no signature; kept on the timeline whenever given.",
    )
    line_outcomes: list[LineDecision] | None = Field(
        default=None, max_length=100, examples=[[{"sku": "sku-glass", "outcome": "refund", "quantity": 1}]],
        description="Missing-item claims and digital orders (whose claimed lines are all the order's when the codes "
                    "never came): per claimed line, refund, reship or reject how many of it, each line once; "
                    "what is not named (a line, or the rest of a line's claimed quantity) is rejected, and `outcome` "
                    "(refund or reship) is the outcome of at least one line. Left out: every claimed line gets "
                    "`outcome` in full (the units no decision paid), except on a digital order: there the lines the "
                    "recommendation names in `lines` are paid, or every line when it names none, but never a line "
                    "whose record shows it activated (paying one takes naming it); the others are rejected, and a "
                    "decision that would pay nothing is refused (422 invalid-line-outcomes).",
    )

    def outcomes_per_line(self) -> list[tuple[str, Outcome, int]] | None:
        return [(line.sku, line.outcome, line.quantity) for line in self.line_outcomes] if self.line_outcomes else None


class Reopen(_Input):
    reason: Reason


class RemoveSubmission(_Input):
    """Take information sent to the wrong customer's case off it."""

    submission: Annotated[int, Field(ge=0, le=MAX_KEPT_SUBMISSIONS - 1), BeforeValidator(_json_number)] = Field(
        description="The submission's position in the case's `customer_evidence`, from 0."
    )
    reason: Reason


class ResendEffect(_Input):
    """Send a message the relay parked again, under its key."""

    effect: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$")] = Field(
        description="The parked message's `id` or `key`, as the staff view's `effects.parked` shows."
    )
    reason: Reason


class ClearFlags(_Input):
    reason: Reason


class AccessibilityNeedWithdrawal(_Input):
    reason: Reason = Field(description="Why the need is taken back, e.g. it was recorded on the wrong customer's case.")


def _true_or_false(value: object) -> object:
    """Query strings arrive as text: `true` or `false` only, not the other spellings lax parsing would take."""
    if isinstance(value, str):
        if value not in ("true", "false"):
            raise ValueError("expected true or false")
        return value == "true"
    return value


def _digits(value: object) -> object:
    """A whole number in decimal digits only (lax parsing would take `2.0`, ` 2` or `+2`)."""
    if isinstance(value, str) and not (0 < len(value) <= 9 and value.isascii() and value.isdigit()):
        raise ValueError("expected a whole number in decimal digits")
    return value


QueryBool = Annotated[bool, BeforeValidator(_true_or_false)]
OnlyTrue = Annotated[Literal[True], BeforeValidator(_true_or_false)]
MAX_DUE_WITHIN_HOURS = 24 * 30
# Bounds before the validator, so that the published schema states them (`minimum`, `maximum`).
Priority = Annotated[int, Field(ge=0, le=3), BeforeValidator(_digits)]
Hours = Annotated[int, Field(ge=1, le=MAX_DUE_WITHIN_HOURS), BeforeValidator(_digits)]
PageSize = Annotated[int, Field(ge=1, le=100), BeforeValidator(_digits)]


class QueueFilters(_Input):
    """What selects disputes from the queue; every parameter given narrows it (all must hold)."""

    dispute_id: Id | None = Field(default=None, description="One dispute, by its id.")
    order_id: Id | None = Field(default=None, description="The disputes on an order number.")
    tracking_number: TrackingNumber | None = Field(
        default=None, description="The disputes on a carrier's tracking number (in any case, blanks ignored)."
    )
    customer_id: Id | None = Field(default=None, description="One customer's disputes (agents must give it).")
    carrier: Id | None = None
    status: list[Status] | None = Field(
        default=None, description="Statuses: the parameter once per value (status=opened&status=appealed); a value may "
                                  "also list several, comma-separated.",
    )
    assignee: Id | None = Field(default=None, description="The cases assigned to this staff id. Staff only (403 otherwise).")
    mine: OnlyTrue | None = Field(default=None, description="Only `true`: the cases assigned to the caller.")
    unassigned: OnlyTrue | None = Field(default=None, description="Only `true`: the cases no one has taken. Staff only (403 otherwise).")
    needs_supervisor: QueryBool | None = Field(default=None, description="Cases waiting (or not) for a supervisor. Staff only (403 otherwise).")
    flagged: QueryBool | None = Field(default=None, description="Cases carrying abuse flags (`false`: none). Staff only (403 otherwise).")
    priority: list[Priority] | None = Field(
        default=None, description="Priorities, 0 normal .. 3 urgent: the parameter once per value; a value may also "
                                  "list several, comma-separated. Staff only (403 otherwise).",
    )
    channel: Channel | None = Field(default=None, description="Where the customer reported.")
    outcome: Outcome | None = Field(default=None, description="Cases whose latest decision has this outcome.")
    compensation: Resolution | None = Field(
        default=None,
        description="Cases whose decisions issued this compensation (the latest one that refunded or reshipped), "
                    "whatever a later review decided: a refund that stands after a reopened review that rejects is "
                    "found by `compensation=refund`, not by `outcome=refund`. The filter reads the decisions, so it "
                    "also finds a refund or reshipment its service refused for good, which the row shows as "
                    "`compensation` null.",
    )
    overridden: QueryBool | None = Field(default=None, description="Only decisions taken against the recommendation. Staff only (403 otherwise).")
    overdue: OnlyTrue | None = Field(
        default=None, description="Only `true`: active cases whose decision deadline has passed."
    )
    due_today: OnlyTrue | None = Field(
        default=None,
        description="Only `true`: active cases not yet overdue whose decision is due by the end of today (Istanbul).",
    )
    due_within_hours: Hours | None = Field(
        default=None, description="Active cases not yet overdue whose decision is due within this many hours."
    )
    due_before: Instant | None = Field(default=None, description="Decision due before this instant.")
    opened_from: Instant | None = Field(default=None, description="Opened at or after this instant.")
    opened_to: Instant | None = Field(default=None, description="Opened before this instant.")
    decided_from: Instant | None = Field(default=None, description="Decided at or after this instant.")
    decided_to: Instant | None = Field(default=None, description="Decided before this instant.")


PageCursor = Annotated[
    Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_=-]{1,200}$")] | None,
    Field(description="The `next_cursor` of the previous page, as given, by the caller it was given to and with the "
                      "same filters (`limit` may change); any other is refused naming `cursor`."),
]
"""A list's page cursor, as a query parameter (the queue's and the money ledger's)."""


class ListQuery(QueueFilters):
    cursor: PageCursor = None
    limit: PageSize = 50


class _Output(BaseModel):
    model_config = ConfigDict(frozen=True)


class Effects(_Output):
    pending: list[OutboxMessage] = Field(
        description="Effects on their way, in order. `never_reached` is true while every attempt so far failed before "
                    "any of the request reached its service (no connection made); `attempts` counts failed attempts."
    )
    delivered: list[DeliveredEffect]
    parked: list[OutboxMessage] = Field(
        description="Effects the relay stopped sending (docs/downstream.md), and why (`parked`): `refused` (its service "
                    "refused it for good) and `never_reached` (no attempt reached its service: refused connections, an "
                    "unreachable host, a DNS failure, a connect timeout, a failed TLS handshake; sending it again is "
                    "safe once the service is reachable) did not happen: a reopened case pays those units again with "
                    "no override_reason. `out_of_attempts` (no answer within the attempts), `refused_on_retry` "
                    "(refused after an attempt that may have been applied) and `credentials_refused` (out of attempts, "
                    "the service refusing our signing key with a 401) may have happened: check with the service by "
                    "the `key` first. `held` was never sent: it waits for one parked."
    )


class DisputeView(_Output):
    """The full case, as investigators and supervisors see it."""

    view: Literal["staff"] = Field(default="staff", description="Which view of the case this is.")
    id: str
    version: int
    status: Status
    customer_id: str
    order: OrderSnapshot
    statement: str
    preferred_resolution: Resolution
    channel: Channel
    opened_by_agent: str | None
    accessibility_need: bool
    claim: Claim
    missing_items: list[MissingItem]
    packing: PackingCheck | None = Field(description="The seller's packing record, for missing-item claims.")
    opened_at: Timestamp
    updated_at: Timestamp
    sla: Sla
    assignee: str | None
    decision: Decision | None
    compensation: Outcome | None = Field(
        description="The refund or reship the case issued, whatever its latest decision: a review after an appeal or a "
                    "reopening that rejects leaves it standing (`decision.outcome` is the latest decision's). A claim paid line "
                    "by line shows the latest decision's kind if a line of it stands, else the other kind. Null when "
                    "nothing was issued, or its service refused it for good or never received it."
    )
    compensated_lines: list[CompensatedLine] = Field(
        description="Missing-item claims and digital orders paid line by line: what every decision refunded or "
                    "reshipped, oldest first (`decision.lines` is the latest decision's alone, which may pay only units "
                    "no earlier one paid). A line whose refund or reshipment its service refused for good, or which "
                    "never reached its service, is not listed: it never happened (it is among `effects.parked`, "
                    "`parked: refused` or `never_reached`, and a later decision may pay its units)."
    )
    appeal: Appeal | None
    recommendation: Recommendation | None
    recommendation_provisional: bool = Field(
        description="The recommendation was made before any carrier proof arrived: it will be made again when the "
                    "proof comes, so do not decide on it yet."
    )
    priority: int
    abuse_flags: list[str]
    needs_supervisor: bool
    restriction: Restriction | None
    evidence: list[Evidence]
    digital_deliveries: list[DigitalDelivery] = Field(
        description="For digital order lines (codes, licence keys, gift cards): the provider's delivery record of "
                    "each line (sent where and when, opened, activated), the proof in place of a carrier's."
    )
    customer_evidence: list[CustomerEvidence] = Field(
        description="What the customer added (appeal, information), images by reference to the attachment store."
    )
    evidence_pull_due: Timestamp | None
    proof_missing: bool
    effects: Effects
    information_requests: list[QuestionToCustomer] = Field(description="Questions put to the customer, oldest first.")
    waiting_for_customer: WaitingForCustomer | None = Field(
        description="An open question to the customer: the SLA clock is paused, `sla.decision_due` is the latest the "
                    "decision can come."
    )


class CustomerDecision(_Output):
    outcome: Outcome
    reason_code: ReasonCode | None = Field(
        description="Why, in the words of `reason_code` on the staff view; none where staff keep the reason to "
                    "themselves (`suspected_abuse`: the next step's words say the account's claims were weighed)."
    )
    decided_at: Timestamp
    refund_to: RefundDestination | None
    lines: list[LineOutcome] = Field(
        default=[], description="Missing-item claims and digital orders decided line by line: what each claimed line gets."
    )
    message_undelivered: bool = Field(
        default=False, description="The message telling the customer of this decision could not be delivered (the "
                                   "notifications service refused it or never answered): they may not know of it, so "
                                   "read it out to them (`next_step`). False while it is on its way, once delivered, "
                                   "and once a supervisor sent it again."
    )


class CustomerOrder(_Output):
    order_id: str
    shipment_id: str
    carrier: str
    tracking_number: str
    delivered_at: Timestamp
    items: list[OrderItem]


class NextStep(_Output):
    en: str
    tr: str


class CustomerSideEvidence(_Output):
    """`CustomerEvidence` as the customer's side sees it: no staff or agent ids."""

    kind: SubmissionKind
    statement: str
    images: list[CustomerImage] = Field(default=[])
    submitted_at: Timestamp
    submitted_by: str | None = Field(description="The customer's id; null when an agent sent it for them.")
    deleted_images: list[DeletedImage] = Field(
        default=[], description="Your images deleted under retention after the case closed, or with the submission taken "
                                "off the case, one marker each."
    )
    removed_at: Timestamp | None = Field(
        default=None, description="When customer service took it off your case as sent to it by mistake (its text is "
                                  "replaced by a marker, its images deleted)."
    )


class _CustomerSideView(_Output):
    """The case as the customer's side sees it (the customer, or an agent reading it to them)."""

    id: str
    version: int
    status: Status
    order: CustomerOrder
    statement: str
    preferred_resolution: Resolution
    claim: Claim
    missing_items: list[MissingItem]
    opened_at: Timestamp
    updated_at: Timestamp
    decision_due: Timestamp
    decision: CustomerDecision | None
    compensation: Outcome | None = Field(
        description="The refund or reship the case issued, whatever its latest decision: a review after an appeal or a "
                    "reopening that rejects leaves it standing (`decision.outcome` is the latest decision's). A claim paid line "
                    "by line shows the latest decision's kind if a line of it stands, else the other kind. Null when "
                    "nothing was issued, or its service refused it for good or never received it."
    )
    appeal: Appeal | None
    customer_evidence: list[CustomerSideEvidence] = Field(description="What you added to your case, with your images.")
    assessment_provisional: bool = Field(
        description="The case's first assessment was made before the carrier's proof of delivery arrived: it may "
                    "change when the proof comes."
    )
    next_step: NextStep
    waiting_for_customer: WaitingForCustomer | None = Field(
        description="A question to the customer, to be answered by `answer_by`; meanwhile the time to decide is "
                    "paused and `decision_due` is the latest the decision can come."
    )


class CustomerDisputeView(_CustomerSideView):
    """What the order page shows the customer: their case, without internal notes or staff names."""

    view: Literal["customer"] = Field(default="customer", description="Which view of the case this is.")


class AgentDisputeView(_CustomerSideView):
    """What an agent sees: the customer's own view (to read it to them), and whose case it is, how it reached us
    and whether the customer needs written messages. No evidence, recommendation, abuse flags or staff names."""

    view: Literal["agent"] = Field(default="agent", description="Which view of the case this is.")
    customer_id: str
    channel: Channel
    opened_by_agent: str | None
    accessibility_need: bool


class DisputeSummary(_Output):
    """A queue row: what triage needs, with no personal data beyond the customer's id. The customer's side (customers
    and agents) gets the same rows without the triage: priority, flags, advice and assignee are null there."""

    id: str
    status: Status
    customer_id: str
    order_id: str
    carrier: str
    tracking_number: str
    value_minor: int
    currency: str
    preferred_resolution: Resolution
    channel: Channel
    priority: int | None = Field(description="0 normal .. 3 urgent; null on the customer's side.")
    needs_supervisor: bool | None = Field(description="Null on the customer's side.")
    abuse_flags: list[str] | None = Field(description="Null on the customer's side.")
    recommendation: RecommendedAction | None = Field(
        description="The policy's advice, once assessed; null on the customer's side.")
    confidence: float | None = Field(description="How sure the advice is, 0 .. 1; null on the customer's side.")
    outcome: Outcome | None = Field(description="The latest decision taken, once decided.")
    compensation: Outcome | None = Field(
        description="The refund or reship the case issued, whatever its latest decision: a review after an appeal or a "
                    "reopening that rejects leaves it standing (`outcome` is the latest decision's). A claim paid line "
                    "by line shows the latest decision's kind if a line of it stands, else the other kind. Null when "
                    "nothing was issued, or its service refused it for good or never received it."
    )
    assignee: str | None = Field(description="Who works the case; null on the customer's side.")
    opened_at: Timestamp
    updated_at: Timestamp = Field(description="The case's last activity.")
    first_response_due: Timestamp
    decision_due: Timestamp
    decided_at: Timestamp | None


class DisputePageView(_Output):
    items: list[DisputeSummary]
    next_cursor: str | None


class Timeline(_Output):
    dispute_id: str
    entries: list[TimelineEntry]


class FieldError(_Output):
    field: str
    message: str


class Problem(_Output):
    """RFC 9457 problem details."""

    type: str = Field(description="What went wrong, as a stable URI (`urn:dispute-service:problem:<code>`): one per "
                                  "rule, to branch on. Each operation lists the types it answers with (the webhooks "
                                  "with their `reason` codes), their examples under `components/examples`; any path "
                                  "answers a method it does not take with `method-not-allowed` (405, its `Allow` "
                                  "header naming those it takes).")
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    request_id: str | None = None
    errors: list[FieldError] | None = None
    dispute_id: str | None = None
    file: str | None = Field(default=None, description="The uploaded file the problem is about, by the name it was sent with.")
    parameters: list[str] | None = Field(
        default=None,
        description="The query parameters the problem is about when each is valid alone: parameters that exclude each "
                    "other, or a cursor this service did not issue.",
    )
    field: str | None = Field(default=None, description="The request field a broken rule is about.")
    reason: str | None = Field(
        default=None,
        description="Why a request was refused, as a stable code: for a bearer token (401, or 503 "
                    "`jwks_unavailable`) one of token_missing, token_malformed, algorithm_not_allowed, unknown_key, "
                    "bad_signature, token_expired, token_not_yet_valid, wrong_issuer, wrong_audience, "
                    "lifetime_too_long, claims_invalid, jwks_unavailable; for a carrier webhook, one of the codes "
                    "in docs/partners.md.",
    )


class Health(_Output):
    status: str


class TokenClaims(_Output):
    """Who a token speaks for, by id: the timeline, assignments and the staff directory name people by it."""

    sub: Id
    role: Role
    customer_id: Id | None = None


class CarrierCapabilities(_Output):
    """The proof fields each channel carries; null where the carrier has no such channel (a push: also while we hold no
    credential or secret to verify its pushes with)."""

    pull: ProofOffer | None
    push: ProofOffer | None


class CarrierHealth(_Output):
    circuit: str
    consecutive_failures: int


class CarrierView(_Output):
    code: str
    name: str
    capabilities: CarrierCapabilities
    health: CarrierHealth


class CarrierList(_Output):
    carriers: list[CarrierView]


class WebhookReceipt(_Output):
    """The push is stored: how many events it carried, and how many of them had already been received."""

    received: int
    duplicates: int


class ReportQuery(_Input):
    """A period: from `from` until `to`, each an RFC 3339 instant (`2026-11-01T00:00:00+03:00`) or a calendar date
    (`2026-11-01`), the start of that day in Istanbul (an Istanbul month: `from=2026-11-01&to=2026-12-01`)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    start: PeriodBound = Field(alias="from", description="Disputes opened at or after this instant (the carrier report's "
                                                      "liabilities: decisions taken at or after it).")
    end: PeriodBound = Field(
        alias="to", description="Disputes opened (liabilities: decisions taken) before this instant: after `from`, and at "
                                "most 366 days after it; both bounds from 1970 to the year 9998 (a 422 otherwise)."
    )


LedgerKind = Literal["refund", "reship", "carrier_liability"]


class LedgerFilters(_Input):
    """What selects rows of the money ledger: the decisions' period (required; each bound an RFC 3339 instant or a
    calendar date, the start of that day in Istanbul), and a kind and a carrier."""

    decided_from: PeriodBound = Field(description="Issued by a decision taken at or after this instant.")
    decided_to: PeriodBound = Field(
        description="Issued by a decision taken before this instant: after `decided_from`, and at most 366 days after it; "
                    "both bounds from 1970 to the year 9998 (a 422 otherwise)."
    )
    kind: LedgerKind | None = Field(default=None, description="One kind of money message.")
    carrier: Id | None = Field(default=None, description="One carrier's cases, by its code.")


class LedgerListQuery(LedgerFilters):
    cursor: PageCursor = None
    limit: PageSize = 100


class LedgerLine(_Output):
    sku: str
    quantity: int


class LedgerRowView(_Output):
    """One refund, reshipment or carrier liability a decision sent downstream."""

    dispute_id: str
    carrier: str
    tracking_number: str
    kind: LedgerKind
    key: str = Field(description="The message's idempotency key: the key payments, fulfillment and finance book it "
                                 "under (a retried or resent message is the same key, one payment).")
    amount_minor: int | None = Field(
        description="A refund's amount as sent to payments (a partial refund's, not the order's value), or the "
                    "liability's (the claim's value), in minor units of `currency`; null for a reshipment."
    )
    currency: str
    lines: list[LedgerLine] = Field(description="A reshipment's units, or a partial refund's line; empty otherwise.")
    destination: RefundDestination | None = Field(description="Where a refund goes; null otherwise.")
    decision: int = Field(description="The number of the case's decision that issued it (1 for the first).")
    decided_at: Timestamp = Field(description="When that decision was taken: the row's date, which no later decision "
                                              "changes.")
    state: Literal["pending", "delivered", "parked"] = Field(
        description="pending: on its way (being tried, or waiting to be); delivered: its service took it; parked: the "
                    "relay stopped sending it (`parked_reason`, docs/downstream.md) until a supervisor resends it."
    )
    delivered_at: Timestamp | None
    reference: str | None = Field(description="The service's own id for what it applied (payments' refund, "
                                               "fulfillment's shipment, finance's liability), where its answer named one.")
    parked_at: Timestamp | None
    parked_reason: ParkReason | None
    contested_by_proof_at: Timestamp | None = Field(
        description="A liability's: when a proof of delivery from the carrier first came after the carrier was held "
                    "liable (staff were alerted, `proof_after_liability`): the liability stands, and the carrier can "
                    "answer the bill with that proof; null otherwise."
    )
    rebuilt: bool = Field(
        description="true: the row of a decision taken before the service kept money rows, rebuilt at upgrade from the "
                    "case's decisions and order (the same figures that decision sent); what the case did not keep is "
                    "null (a delivered message's `reference` where its service's answer was not kept, a liability's "
                    "`contested_by_proof_at`, the `destination` of a refund an earlier decision of the case paid where "
                    "its timeline kept that decision's outcome and reason only)."
    )


class LedgerPageView(_Output):
    items: list[LedgerRowView]
    next_cursor: str | None


class Liability(_Output):
    currency: str = Field(description="The orders' currency, by its code (TRY, EUR, …).")
    amount_minor: int = Field(
        description="In minor units of `currency`, exact: a sum over many claims can exceed 2^63, so read it as an "
                    "integer of any size (JSON allows it), not a 64-bit one or a double."
    )


class CarrierReportRow(_Output):
    carrier: str
    disputes: int
    outcomes: dict[str, int] = Field(
        description="Whole-package claims: their decisions by outcome (refund, reship, rejected), each decision once, "
                    "so a case decided again after an appeal or a reopening counts every decision; undecided: the "
                    "disputes with no decision yet."
    )
    partial_outcomes: dict[str, int] = Field(
        description="Claims of items missing from a delivered package, counted apart and the same way: refund (of "
                    "missing lines' value), reship (of those lines), rejected (a decision that paid nothing), "
                    "undecided. A claim paid in two decisions counts two; paid, then the rest rejected, one refund "
                    "or reship and one rejection. A decision paying some lines counts as its outcome.",
    )
    share_with_evidence: float = Field(
        description="The share of disputes the carrier gave a delivery record for (pulled or pushed); an answer that it "
                    "does not know the parcel, or that it is still on its way, is none."
    )
    share_with_signature: float
    share_with_photo: float
    share_with_location: float
    median_hours_to_proof: float | None = Field(
        description="From opening to the carrier's first delivery record, over the disputes that had one."
    )
    liabilities: list[Liability] = Field(
        description="What the carrier owes for the liabilities incurred in the period: each claim's value, once, when "
                    "a decision taken in the period held the carrier liable (dated as the liability message to "
                    "finance is, by that decision), whatever later decisions said, whenever the dispute was opened; "
                    "in each currency it owes in (in code order; empty when none). A closed period's figure never "
                    "changes: bill carriers from it (the money ledger, `GET /v1/reports/ledger?kind=carrier_liability`, "
                    "lists the liabilities it sums). A carrier that owes for disputes opened before the period only has "
                    "a row with `disputes` 0. Amounts in different currencies are never added."
    )
    liability_minor: int = Field(
        deprecated=True,
        description="Deprecated: read `liabilities`. What the carrier owes in lira (TRY) alone, 0 when nothing, "
                    "exact and of any size as `amount_minor` is; what it owes in other currencies is not in it.",
    )


class CarrierReport(_Output):
    start: Timestamp
    end: Timestamp
    carriers: list[CarrierReportRow]


class SlaReport(_Output):
    start: Timestamp
    end: Timestamp
    disputes: int
    decided: int
    decided_within_sla: float | None
    auto_resolution_rate: float | None = Field(description=(
        "The share of the decided disputes whose latest decision the decision policy took on its own; the deadline "
        "rule's decisions are not among them (`deadline_rule_rate`)."))
    deadline_rule_rate: float | None = Field(description=(
        "The share of the decided disputes nobody decided by their deadline, which the service then resolved for the "
        "customer by the deadline rule (reason `deadline_reached`): deadlines missed, not automation."))
    median_hours_to_decision: float | None
    p95_hours_to_decision: float | None


class ResponseTimesRow(_Output):
    """Hours from opening to the first response the customer got (a message to them, a question to them or a
    decision, the service's automatic one too) and to the decision: nearest-rank percentiles over the disputes that
    had one. Not the SLA's first response, which is a person on staff taking up the case (a note or an assignment
    counts there, and the service's own work does not)."""

    group: str = Field(description="The channel (order_page, live_chat, phone, email) or the carrier's code.")
    disputes: int
    responded: int
    first_response_p50_hours: float | None
    first_response_p90_hours: float | None
    decided: int
    decision_p50_hours: float | None
    decision_p90_hours: float | None


class ResponseTimesReport(_Output):
    start: Timestamp
    end: Timestamp
    by_channel: list[ResponseTimesRow]
    by_carrier: list[ResponseTimesRow]
