"""The dispute aggregate: its state, the rules of each change, and the timeline and effects they cause.

Every change goes through `_apply`, which consults the transition table, appends a timeline entry and
queues the outbox messages the change causes. Storage saves the state and those messages in one atomic
write, compare-and-set on `version`.
"""

import unicodedata
from collections import Counter
from collections.abc import Sequence, Set as AbstractSet
from datetime import datetime, timedelta
from enum import StrEnum
from hashlib import sha256
from secrets import token_hex
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ModelWrapValidatorHandler, PrivateAttr, model_validator

from disputes import tracing
from disputes.actors import SYSTEM, Actor
from disputes.anonymise import ANONYMISED, FREE_REASONS, anonymised, anonymised_timeline, anonymised_view, kept_priority
from disputes.calendar import BusinessCalendar
from disputes.errors import (
    DomainError,
    AccessibilityNeedRecorded,
    EffectMovedPast,
    EffectNotResendable,
    UnknownParkedEffect,
    CaseAnonymised,
    AlreadyAppealed,
    AppealWindowClosed,
    AssignedToAnother,
    AwaitsSupervisor,
    CaseClosed,
    CaseFull,
    CompensationAlreadyIssued,
    DecisionStands,
    CarrierHasNoPull,
    EvidenceRequestsClosed,
    Forbidden,
    InvalidLineOutcomes,
    NoAccessibilityNeedByAgent,
    NoFlags,
    NoRestriction,
    NotAssignable,
    NotAssigned,
    NotRejected,
    NotReshippable,
    OverrideReasonRequired,
    QuestionPending,
    QuestionsClosed,
    ReasonDoesNotFitClaim,
    ReasonDoesNotFitOutcome,
    RestrictionReviewed,
    SignatureRequired,
    StatementRepeated,
    TooManyQuestions,
    TooManySubmissions,
    UnknownSubmission,
)
from disputes.notices import information_requested, restriction_told, staff_message
from disputes.rules import Rules
from disputes.statements import latest_statement
from disputes.states import ACTIVE, EVIDENCE_STARTS_REVIEW, TAKING_STARTS_REVIEW, Action, allowed, next_status
from disputes.turkish import turkish_casefold
from disputes.work import WorkKind
from schemas.common import Outcome, RefundDestination, Resolution, Role, timestamp_text
from schemas.digital import DigitalDelivery, DigitalState
from schemas.dispute import (
    MAX_KEPT_SUBMISSIONS,
    Appeal,
    customer_side_reason,
    Channel,
    Claim,
    CompensatedLine,
    CustomerEvidence,
    CustomerImage,
    Decision,
    DeletedImage,
    DeliveredEffect,
    EffectKind,
    MoneyLine,
    MoneyMessage,
    Evidence,
    LineOutcome,
    MissingItem,
    OrderSnapshot,
    OutboxMessage,
    PackingCheck,
    ParkReason,
    ReasonCode,
    Restriction,
    RestrictionState,
    Sla,
    Status,
    SubmissionKind,
    TimelineEntry,
)
from schemas.conversation import QuestionToCustomer
from schemas.effects import (
    AccountRestriction,
    CarrierLiability,
    CustomerRisk,
    NotificationTemplate,
    ParkedEffect,
    ParkedReason,
    RefundRequest,
    ReshipRequest,
    StaffAlert,
    notification_json,
)
from schemas.orders import OrderItem, sku_value
from schemas.proof import ProofSource, ProofStatus
from schemas.recommendation import PolicyRule, Recommendation, RecommendedAction

AUTOMATIC = {
    RecommendedAction.REFUND: Outcome.REFUND,
    RecommendedAction.RESHIP: Outcome.RESHIP,
    RecommendedAction.REJECT: Outcome.REJECTED,
}
RULE_REASONS = {
    PolicyRule.NO_PROOF_BY_DEADLINE: ReasonCode.CARRIER_NO_PROOF,
    PolicyRule.WEAK_PROOF: ReasonCode.WEAK_PROOF,
    PolicyRule.DIGITAL_NOT_DELIVERED: ReasonCode.DIGITAL_NOT_DELIVERED,
    PolicyRule.ITEMS_NOT_PACKED: ReasonCode.ITEMS_MISSING,
    PolicyRule.PACKED_UNDERWEIGHT: ReasonCode.ITEMS_MISSING,
}
PROVISIONAL = frozenset({PolicyRule.AWAITING_CARRIER_EVIDENCE, PolicyRule.AWAITING_DIGITAL_RECORD})
REJECTION_REASONS = frozenset({
    ReasonCode.PROOF_OF_DELIVERY, ReasonCode.THIRD_PARTY_CONFIRMED, ReasonCode.SUSPECTED_ABUSE,
    ReasonCode.DIGITAL_DELIVERED, ReasonCode.CONTENTS_CONFIRMED,
})
HIGH_VALUE_CURRENCY = "TRY"
"""The currency of the policy's high-value threshold (`PolicySettings.high_value_minor`, in kuruş)."""
COMPENSATIONS = frozenset({EffectKind.REFUND, EffectKind.RESHIP})
CLOCK_MARK = "@"
"""Between a shipment and the test clock a case holds it on (`Dispute.shipment_key`): no id holds it."""
NEW_REVIEW = frozenset({"appealed", "reopened"})
"""The timeline's entries that begin a new review of a decided case (a reopening: of a withdrawn one too), with deadlines
of its own (`restart_sla`)."""
REVIEW_NOTICES = frozenset({
    "appeal_received", "information_requested", "deadline_near", "first_response_near", "first_response_missed",
})
"""What the service says of a review as it goes (a notification's template, a staff alert's reason): to the customer,
that it began and what it asks them; to staff, that its deadlines near or passed. An appeal undone while its review is
under way takes back those of its review not sent yet (`_undo_appeal`); those parked stay on record, never sent again
once their review is over (`Dispute.moved_past`)."""
RESTRICTING_FLAGS = frozenset({"repeat_claims"})
"""Abuse signals that restrict the account until a supervisor reviews it: the pattern of claiming again and
again. The others (a claim soon after the scan, several accounts at one address) only send the case to a person."""
_RESTRICTION_TOLD: dict[str, NotificationTemplate] = {
    "restricted": "restriction_raised", "confirmed": "restriction_confirmed", "lifted": "restriction_lifted",
}
"""The customer's message of each change to the restriction a case raised."""
ACCESSIBLE_PRIORITY = 1
IMAGES_DELETED = {"note": "images and carrier replies deleted under retention"}
"""The details of the `images_deleted` entry: the service's own words."""
EARLIER_PARCEL = timedelta(days=1)
"""A push stored further than this before the order was placed is about an earlier parcel that carried the same
tracking number (carriers reuse them: FedEx's `trackingNumberUniqueId` tells duplicates apart); the slack is for the
order service's clock. What a push says of the delivery's time is the carrier's word, which the policy weighs
(`delivered_before_order`)."""
CARRIER_DEADLINE_RETRY = timedelta(seconds=30)
"""How soon the SLA sweeper comes back to a decision deadline waiting for the carrier's (`wait_for_carrier_deadline`)."""
CARRIER_DEADLINE_GRACE = timedelta(minutes=10)
"""How long past the carrier's evidence deadline the deadline rule waits at most for it to be recorded."""
APPEAL_WINDOW = Rules().appeal_window
"""The appeal window a decision's message names unless its caller passes the one configured (the service does)."""
_TO_DO = {
    (True, "refused"): "Refused for good: it did not happen. A supervisor may reopen the case and decide again; a new "
    "refund or reshipment goes out under the new decision's key.",
    (True, "refused_on_retry"): "Refused on a retry, after an attempt that got no clear answer: it may have happened. "
    "Check with the service by its key first; deciding a new refund or reshipment then needs a "
    "supervisor and an override_reason.",
    (True, "out_of_attempts"): "No answer within the attempts: it may have happened. Check with the service by its key "
    "first; deciding a new refund or reshipment then needs a supervisor and an override_reason.",
    (False, "refused"): "Refused for good: it did not happen. Once what the service refused is put right, a supervisor "
    "sends it again under its key (console, or POST /v1/disputes/{id}/effects/resend).",
    (False, "refused_on_retry"): "Refused on a retry, after an attempt that got no clear answer: it may have happened. "
    "A supervisor may send it again under its key, which the service dedupes (console, or POST "
    "/v1/disputes/{id}/effects/resend).",
    (False, "out_of_attempts"): "No answer within the attempts: it may have happened. Once the service answers, a "
    "supervisor sends it again under its key, which the service dedupes (console, or POST "
    "/v1/disputes/{id}/effects/resend).",
    (True, "credentials_refused"): "Its service refused our credentials (HTTP 401) until the attempts ran out: it does "
    "not hold the signing key the workers use (docs/downstream.md, rotating the secret). Give it the key first. The "
    "refusals applied nothing, but an earlier attempt with no clear answer may have: check with the service by its key; "
    "deciding a new refund or reshipment then needs a supervisor and an override_reason.",
    (False, "credentials_refused"): "Its service refused our credentials (HTTP 401) until the attempts ran out: it "
    "does not hold the signing key the workers use (docs/downstream.md, rotating the secret). Give it the key first; "
    "then a supervisor sends it again under its key, which the service dedupes (console, or POST "
    "/v1/disputes/{id}/effects/resend).",
    (True, "never_reached"): "Never reached the service: no attempt made a connection, so nothing was sent and it did "
    "not happen; there is nothing to check with the service. Once the service is reachable, a supervisor may reopen "
    "the case and decide again, with no override_reason; a new refund or reshipment goes out under the new "
    "decision's key.",
    (False, "never_reached"): "Never reached the service: no attempt made a connection, so nothing was sent and it did "
    "not happen. Once the service is reachable, a supervisor sends it again under its key (console, or POST "
    "/v1/disputes/{id}/effects/resend).",
}
"""What a person does about a parked effect, by whether it was a refund or reshipment and why it was parked."""
NO_RESPONSE = frozenset({"reopened", "clock_advanced"})
"""Staff entries that are no first response to the customer (`Dispute.first_responded`)."""
REMOVED_STATEMENT = "[removed: sent to this case by mistake]"
"""What a submission taken off the case reads instead of its statement (`Dispute.remove_submission`)."""
REMOVAL_WINDOW = timedelta(minutes=30)
"""How long after relaying a submission the agent who relayed it may take it off the case themselves; after it, a
supervisor does."""
MAX_SUBMISSIONS = 20
"""Pieces of information a customer may add to one case, so its document stays bounded. The appeal is not one of
them: a case takes one (`AlreadyAppealed`), however much was added before it."""
MAX_EVIDENCE = 200
"""Carrier evidence entries one case holds at most (a parcel's scans and its proof are a few dozen), so its document
stays bounded whatever a carrier sends. Beyond it a proof of delivery takes the place of the oldest entry that is no
proof (of the oldest proof, when the case holds only proofs), so the policy always reads the latest proof, and the
replaced entry's stored copies are deleted (`Dispute._room_for_evidence`); any other event stays stored as the
carrier's receipt but is not attached, which the timeline says once (`evidence_limit_reached`)."""
EVIDENCE_BYTES = 8 * 1024 * 1024
"""What a case's evidence may hold, as JSON: a full case of the carriers' longest proofs stays well within MongoDB's
16 MiB document limit (manual, "MongoDB Limits and Thresholds", BSON Document Size), which it refuses to pass on an
update where the embedded database takes it; staff's notes and messages are bounded in bytes too
(`STAFF_WRITING_BYTES`), the rest of a case by its counts (contact logs, customer messages, submissions, views). An
entry that would pass it finds the case full, as one past `MAX_EVIDENCE` does."""
MAX_REPLACED = MAX_EVIDENCE
"""Proofs of delivery that take an entry's place on a full case, at most: each says so on the timeline, so a carrier
sending proof after proof would otherwise grow the case's document without bound. Beyond it a full case takes no
more events, proofs included (`evidence_limit_reached`)."""
MAX_STAFF_WRITINGS = 500
"""Notes and messages to the customer staff may write on one case, so its document stays bounded however long the case
runs; in bytes they are bounded by `STAFF_WRITING_BYTES`."""
STAFF_WRITINGS = ("note_added", "staff_message")
"""The timeline's entries of staff's notes and messages to the customer."""
STAFF_WRITING_BYTES = 4 * 1024 * 1024
"""What staff's notes and messages to the customer may hold on one case, in bytes of UTF-8 as stored (a character is
one to four): every copy counted, a note's on the timeline, a message's on the timeline and in its notification's
payload in both languages (`_stored_bytes`), which stays in the outbox until delivered and in `effects_parked` for good
when parked. With `EVIDENCE_BYTES` and the rest of a case bounded by its counts, a full case stays within MongoDB's 16 MiB
document limit with room for what the service itself must write on it, however full: the deadline's decision, a
decision's messages and timeline entries. A writing that would pass it finds the case full (`CaseFull`) and changes
nothing."""
MAX_MESSAGES = 50
"""Messages the customer's side may write on one case (at most 100,000 characters), so its document stays bounded; an
answer to an investigator's question is always taken (their number is bounded per review)."""
MAX_CONTACT_LOGS = 200
"""Contacts customer service may log on one case (at most 400,000 characters), apart from the customer's messages, so
its document stays bounded however often the customer calls."""


def _stored_bytes(action: str, text: str) -> int:
    """The bytes staff's note or message (`action`) saying `text` holds as stored: a note its text, a message its text
    and the notification's words in both languages quoting it."""
    quoted = staff_message(text) if action == "staff_message" else ()
    return sum(len(said.encode()) for said in (text, *quoted))


def _json_bytes(evidence: Evidence) -> int:
    return len(evidence.__pydantic_serializer__.to_json(evidence))


def _sent_again(parked: OutboxMessage) -> OutboxMessage:
    """A parked message as it goes back to the outbox (`Dispute.resend_effect`), all its attempts ahead of it. One
    parked as certainly not applied (refused for good, never reached, held unsent) is sent as never tried, so a refusal
    of the new attempts parks it `refused` again; one that may have been applied keeps when it was first tried, so a
    refusal after it still says it may have happened."""
    untried = parked.parked is not None and (parked.parked.did_not_happen or parked.parked is ParkReason.HELD)
    return parked.model_copy(update={
        "attempts": 0, "not_before": None, "attempt_token": None, "parked_at": None, "parked": None,
        "tried_at": None if untried else parked.tried_at,
        "last_error": None if parked.parked is ParkReason.HELD else parked.last_error,
    })


def _notice(message: OutboxMessage) -> str | None:
    """What a notification or a staff alert says of the case: its template, its reason (None: another kind)."""
    said = {EffectKind.NOTIFICATION: "template", EffectKind.STAFF_ALERT: "reason"}.get(message.kind)
    return message.payload.get(said) if said else None


def _records(entry: TimelineEntry, added: CustomerEvidence) -> bool:
    """Whether `entry` recorded the information or appeal `added`."""
    return entry.action in ("information_added", "appealed") and entry.at == added.submitted_at and entry.details.get(
        "statement") == added.statement


def _without_submission(entry: TimelineEntry, added: CustomerEvidence) -> TimelineEntry:
    """`entry`, or, when it recorded the submission `added` (taken off the case), with its statement replaced, its
    images no longer named and no question said to be answered by it."""
    if not _records(entry, added):
        return entry
    details = {key: value for key, value in entry.details.items() if key not in ("images", "reply_to")}
    return entry.model_copy(update={"details": details | {"statement": REMOVED_STATEMENT}})


def _refs(images: Sequence[CustomerImage]) -> list[str] | None:
    return [image.ref for image in images] or None  # None: the timeline entry names no images


def rejects_any(decision: Decision) -> bool:
    """The decision rejected the claim, or some of the units claimed (a missing-item decision in part)."""
    return decision.outcome is Outcome.REJECTED or any(line.outcome is Outcome.REJECTED for line in decision.lines)


def _in_part(decision: Decision) -> bool:
    """The decision pays some of the units claimed and rejects the others."""
    return {line.outcome is Outcome.REJECTED for line in decision.lines} == {True, False}


def _same_words(text: str, other: str) -> bool:
    """The same text, whatever its case (by Turkish rules: İ/i, I/ı), spacing and invisible format characters
    (zero-width spaces and joiners, direction marks)."""
    return _words(text) == _words(other)


def _words(text: str) -> list[str]:
    return "".join(c for c in turkish_casefold(text) if unicodedata.category(c) != "Cf").split()


def _paused_by(calendar: BusinessCalendar, due: datetime, paused_from: datetime, paused_until: datetime) -> datetime:
    """`due` moved on by the business time in [paused_from, paused_until): a pause for the customer's answer. A
    deadline already past when the pause began (a late case a supervisor keeps) has no time left to stop: the pause
    counts from its start, so the deadline it gives is never before the customer's time to answer ends."""
    return calendar.add_business_time(max(due, paused_from), calendar.business_time_remaining(paused_from, paused_until))


def _sku_lines(items: Sequence[OrderItem], sku: str, units: int, after: int) -> list[OrderItem]:
    """The lines of `sku` holding its `units` that follow the first `after`, counted over its lines in their order (as
    `sku_value` counts them), each copied with the number of those units it holds."""
    lines, position = [], 0
    for item in (item for item in items if item.sku == sku):
        held = min(position + item.quantity, after + units) - max(position, after)
        if held > 0:
            lines.append(item.model_copy(update={"quantity": held}))
        position += item.quantity
    return lines


def effects_key(shipment_key: str) -> str:
    """What the keys of a case's refunds, reshipments and carrier liability start with: a digest of the shipment it
    holds (`Dispute.shipment_key`), not of its random id. Only one case of a shipment is ever decided (one holds it at a
    time, and only an undecided one lets it go by a withdrawal), so the keys are that case's alone; and a case opened
    again after a restore of the database from a backup that predates it (its id, its record of the first opening's
    Idempotency-Key, and its hold on the shipment, all lost) sends its first decision's refund under the key payments
    has already applied, not a new one that would pay it again."""
    return f"shp_{sha256(shipment_key.encode()).hexdigest()[:32]}"


def address_key(dispute: "Dispute") -> str:
    """One spelling for one delivery address, to see several accounts disputing deliveries to it (an anonymised case
    has no address left: a key of its own, shared with no other)."""
    if dispute.anonymised_at is not None:
        return f"anonymised {dispute.id}"
    a = dispute.order.address
    return " ".join(f"{a.line} {a.district} {a.city}".casefold().split())


class FirstAnswer(BaseModel):
    """The answer a request with an Idempotency-Key got, kept as given (the edge's; opaque to the core) so a retry
    gets it again rather than the current state."""

    model_config = ConfigDict(frozen=True)
    status: int
    headers: tuple[tuple[str, str], ...]
    body: str


class IdempotencyRecord(BaseModel):
    model_config = ConfigDict(frozen=True)
    key: str
    fingerprint: str
    expires_at: AwareDatetime
    answer: FirstAnswer | None = None
    """None only on disputes opened before first answers were kept: those replay the current state."""


class TestClock(BaseModel):
    """Sandbox only: a frozen time that the cases opened on it live by (deadlines, SLA, the default rule). It
    moves only when a tester advances it."""

    model_config = ConfigDict(frozen=True)
    id: str
    name: str | None = None
    frozen_time: AwareDatetime
    created_at: AwareDatetime
    owner: str | None = None
    """Who created it (`disputes.test_clocks.owner`); none on a clock stored before clocks had owners."""


class ClockReading(BaseModel):
    """Sandbox only: the test clock a case runs on, as read at the case's last change. The case's due work is
    due when the clock has reached it; such work is stored as due at `at` (the real time of that reading), so
    the ordinary claims, which compare due times with the real time, find it at once. Work the clock has not
    reached waits (not due at all) until advancing the clock reads it again."""

    model_config = ConfigDict(frozen=True)
    id: str
    time: AwareDatetime
    at: AwareDatetime

    def due(self, at: datetime | None) -> datetime | None:
        return self.at if at is not None and at <= self.time else None


class FirstResponseWatch(StrEnum):
    """How far the SLA sweeper has got with a review's first response."""

    WATCHED = "watched"
    ESCALATED = "escalated"
    MISSED = "missed"


class BeforeAppeal(BaseModel):
    """What an appeal's review replaces on the resolved case it appeals: put back if the appeal is undone."""

    model_config = ConfigDict(frozen=True)

    sla: Sla
    escalated: bool
    priority: int
    first_response_watch: FirstResponseWatch | None
    assignee: str | None
    needs_supervisor: bool


class Dispute(BaseModel):
    model_config = ConfigDict(validate_assignment=False)

    id: str
    version: int = 0
    status: Status
    customer_id: str
    order: OrderSnapshot
    statement: str
    preferred_resolution: Resolution
    channel: Channel = Channel.ORDER_PAGE
    """Documents stored before channels were recorded read as order-page disputes, which they all were."""
    opened_by_agent: str | None = None
    accessibility_need: bool = False
    claim: Claim = Claim.NOT_RECEIVED
    """Documents stored before missing-item claims read as the whole package not received, which they all were."""
    missing_items: list[MissingItem] = Field(default_factory=list)
    packing: PackingCheck | None = None
    opened_at: AwareDatetime
    updated_at: AwareDatetime
    sla: Sla
    assignee: str | None = None
    decision: Decision | None = None
    decisions: int = 0
    compensation: Outcome | None = None
    compensated_lines: list[CompensatedLine] = Field(default_factory=list)
    """Missing-item claims, and digital orders decided line by line: the lines the decisions so far refunded or
    reshipped, earlier decisions' as well, each with the decision that paid it, oldest first."""
    appeal: Appeal | None = None
    before_appeal: BeforeAppeal | None = None
    """The deadlines and routing the case had when the appeal came (`_undo_appeal` puts them back). None before an
    appeal, after an undone one, and on cases appealed before it was kept."""
    customer_evidence: list[CustomerEvidence] = Field(default_factory=list)
    timeline: list[TimelineEntry] = Field(default_factory=list)
    outbox: list[OutboxMessage] = Field(default_factory=list)
    effects_delivered: list[DeliveredEffect] = Field(default_factory=list)
    effects_parked: list[OutboxMessage] = Field(default_factory=list)
    money: list[MoneyMessage] = Field(default_factory=list)
    """The refunds, reshipments and carrier liability the case's decisions sent, in the order sent (the money
    ledger's rows)."""
    idempotency: IdempotencyRecord | None = None
    evidence: list[Evidence] = Field(default_factory=list)
    digital_deliveries: list[DigitalDelivery] = Field(default_factory=list)
    """A digital order line's delivery records (the latest pulled, one per line): its proof instead of a carrier's."""
    evidence_pull_due: AwareDatetime | None = None
    evidence_pulls: int = 0
    earlier_pushes_read: bool = False
    """The events pushed for the shipment before the case were read onto it, by its first pull, which looks for them
    before it asks the carrier (`attach_pushed_before`; pulled evidence attached)."""
    proof_missing: bool = False
    provider_refused: str | None = None
    """A digital case: the digital delivery provider refused a pull since it last gave the lines' records (an answer
    that is no record: 401/403, a redirect, a page not its own, an invalid body), in its last refusal's words (statuses
    and field paths, never the answer's contents). Such an answer says nothing of the lines, so "no record by the
    deadline" is not read from it: the case goes to a person (`disputes.policy.digital`)."""
    closed_at: AwareDatetime | None = None
    priority: int = 0
    escalated: bool = False
    first_response_watch: FirstResponseWatch | None = None
    """How far the sweeper has got with the current review's first response (`first_responded`); None on a case stored
    before it was watched, which goes on unwatched as before."""
    needs_supervisor: bool = False
    sla_check_due: AwareDatetime | None = None
    recommendation: Recommendation | None = None
    third_party_check_by: AwareDatetime | None = None
    """The end of the time the customer was given to check with whoever the carrier handed the parcel to
    (`record_assessment`), which `disputes/next_step.py` tells them while the policy waits: the policy keeps to it
    while the carrier's word stays a hand-over, and once it has passed; a reopening ends it (the review is a person's)."""
    assess_due: AwareDatetime | None = None
    abuse_flags: list[str] = Field(default_factory=list)
    cleared_flags: list[str] = Field(default_factory=list)
    restriction: Restriction | None = None
    test_clock: ClockReading | None = None
    opened_seq: int | None = None
    """Where the opening falls among the openings and withdrawals that share its instant (`disputes.service.SEQUENCE`):
    every case opened on a test clock before it is advanced opens at the clock's one instant, and real openings may
    share a millisecond. None on a case stored before it was kept."""
    withdrawn_seq: int | None = None
    """The withdrawal's, as `opened_seq`."""
    effects_key: str | None = None
    """What the keys of the case's refunds, reshipments and carrier liability start with (`effects_key`), set at the
    opening. None on a case opened before it was kept: its keys start with its id, as those it sent did."""
    information_requests: list[QuestionToCustomer] = Field(default_factory=list)
    attachment_views: list[TimelineEntry] = Field(default_factory=list)
    """Who viewed which attachment, when: appended by storage alone (`AttachmentViews`), never by a save."""
    images_deleted_at: AwareDatetime | None = None
    """When retention deleted the images and carriers' raw replies the case held (`delete_stored_copies`)."""
    copies_to_delete: list[str] = Field(default_factory=list)
    """The references the case recorded deleted (`delete_stored_copies`), or stopped citing when it dropped an entry
    (`_room_for_evidence`), whose stored copies retention has not yet deleted: due for retention at once, whatever
    the case's state, until `stored_copies_deleted`."""
    anonymised_at: AwareDatetime | None = None
    """When the case's personal data was anonymised, its purpose over (`anonymise`)."""
    anonymise_after: AwareDatetime | None = None
    """Not anonymised before then (a real time): messages of the case were still waiting for delivery, which the relay
    moves without a new version, so anonymising waits until they are gone (`hold_anonymisation`)."""

    _new_messages: list[OutboxMessage] = PrivateAttr(default_factory=list)
    _taken_back: tuple[str, ...] = PrivateAttr(default=())
    _resent: tuple[str, ...] = PrivateAttr(default=())

    @model_validator(mode="before")
    @classmethod
    def _date_the_decision(cls, data: Any) -> Any:
        """A decision stored before it kept the deadline it was taken against (`Decision.decision_due`) reads as taken
        against the deadline the case had then: the current one, unless an appeal or a reopening began a review since
        (`restart_sla` replaced it); then the latest deadline the decision's review recorded on the timeline (an
        escalation, a question to the customer, its answer or expiry, an accessibility need). A review that recorded
        none kept its first deadline nowhere: the current one is read (best effort)."""
        decision = data.get("decision") if isinstance(data, dict) else None
        sla = data.get("sla") if isinstance(data, dict) else None
        if not isinstance(decision, dict) or decision.get("decision_due") is not None or sla is None:
            return data
        due = sla["decision_due"] if isinstance(sla, dict) else sla.decision_due
        entries = [(e["action"], e.get("details") or {}) if isinstance(e, dict) else (e.action, e.details)
                   for e in data.get("timeline", ())]
        decided = max((i for i, (action, _) in enumerate(entries) if action == "decided"), default=None)
        if decided is not None and any(action in NEW_REVIEW for action, _ in entries[decided + 1:]):
            for action, details in reversed(entries[:decided]):
                if action in NEW_REVIEW:
                    break
                if details.get("decision_due") is not None:
                    due = details["decision_due"]
                    break
        return data | {"decision": decision | {"decision_due": due}}

    @model_validator(mode="before")
    @classmethod
    def _number_paid_lines(cls, data: Any) -> Any:
        """Documents stored before each paid line kept the decision that paid it: the lines were kept in the order the
        decisions paid them, and the timeline keeps each decision with its lines (`decide`), so they are numbered from
        there, the latest last. A timeline stored before it kept decisions in full has only their outcomes: there the
        latest decision (`decision`) paid the last lines, and the first one the lines before them."""
        lines = data.get("compensated_lines") if isinstance(data, dict) else None
        if not lines or not isinstance(lines[0], dict) or "decision" in lines[0]:
            return data
        decided = [entry["details"] for entry in data.get("timeline", ()) if entry["action"] == "decided"]
        if decided and "lines" not in decided[-1]:
            decided[-1] = data["decision"]
        numbers = [
            decision["sequence"]
            for decision in decided for line in decision.get("lines", ()) if line["outcome"] != Outcome.REJECTED
        ]
        numbers = ([1] * len(lines) + numbers)[-len(lines):]
        return data | {"compensated_lines": [line | {"decision": n} for line, n in zip(lines, numbers, strict=True)]}

    @model_validator(mode="wrap")
    @classmethod
    def _money_before_ledger(cls, data: Any, handler: ModelWrapValidatorHandler["Dispute"]) -> "Dispute":
        """Documents stored before decisions kept their money rows hold none (no `money`): a decided one is read with
        the rows its decisions sent (`money_before_ledger`), so its next save writes them."""
        dispute = handler(data)
        if isinstance(data, dict) and "money" not in data and dispute.decision is not None:
            dispute.money = dispute.money_before_ledger()
        return dispute

    @property
    def clock_id(self) -> str | None:
        """The test clock the case runs on (sandbox), None for a real case."""
        return self.test_clock.id if self.test_clock else None

    @property
    def shipment_key(self) -> str:
        """The shipment the case holds while it is not withdrawn (one case per shipment): a test clock's case holds it
        on its clock only, so it never stands in the way of the real case, nor the real one in its way."""
        key = f"{self.order.order_id}/{self.order.shipment_id}"
        return f"{key}{CLOCK_MARK}{self.clock_id}" if self.clock_id else key

    @property
    def effects_prefix(self) -> str:
        """What the keys of the case's refunds, reshipments and carrier liability start with: `effects_key`, or the
        case's id on a case opened before it was kept."""
        return self.effects_key or self.id

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE

    @property
    def full_timeline(self) -> list[TimelineEntry]:
        """The timeline with the attachment views and the parkings of effects among its entries, in order of time."""
        added = [*self.attachment_views, *self._parkings()]
        if not added:
            return self.timeline
        return sorted([*self.timeline, *added], key=lambda entry: entry.at)

    def _parkings(self) -> list[TimelineEntry]:
        """An entry for each effect the relay parked (with no new version, so not in `timeline`): which, why, and
        what became of the staff alert about it (`parked_alert`): `staff_alert` is `pending`, `sent` or `parked` (the
        notifications service that takes customers' messages takes staff alerts too), and `staff_alerted` is whether
        it was sent (none is queued about a staff alert). Messages held with it, and those parked before parkings were
        dated, have none."""
        alerts = {m.key: "pending" for m in self.outbox} | {m.key: "parked" for m in self.effects_parked}
        alerts |= {e.key: "sent" for e in self.effects_delivered}
        entries = []
        for m in self.effects_parked:
            if m.parked_at is None or m.parked in (None, ParkReason.HELD):
                continue
            alert = None if m.kind is EffectKind.STAFF_ALERT else alerts.get(self._alert_key(m))
            entries.append(TimelineEntry(at=m.parked_at, actor=SYSTEM.id, role=SYSTEM.role, action="effect_parked",
                                         details={"effect": m.kind.value, "key": m.key, "reason": m.parked.value,
                                                  "error": m.last_error, "staff_alerted": alert == "sent"}
                                         | ({"staff_alert": alert} if alert else {})))
        return entries

    @property
    def new_messages(self) -> list[OutboxMessage]:
        """Messages caused by changes since the dispute was loaded, not yet stored."""
        return list(self._unsaved)

    @property
    def taken_back(self) -> tuple[str, ...]:
        """Pending messages a change since the dispute was loaded takes back (their ids): the save drops those never
        tried (no attempt recorded nor begun) in its one write, unless a relay holds the case's lease (its pass may be
        about to send them); those it keeps go out, and the change's own messages, queued in the same write, correct
        them. Storage clears it with the save."""
        private = self.__pydantic_private__
        assert private is not None
        taken_back: tuple[str, ...] = private.get("_taken_back", ())
        return taken_back

    @property
    def resent(self) -> tuple[str, ...]:
        """Parked effects a change since the dispute was loaded sends again (their ids, queued among `new_messages`):
        the save takes them out of `effects_parked` in its one write. Storage clears it with the save."""
        private = self.__pydantic_private__
        assert private is not None
        resent: tuple[str, ...] = private.get("_resent", ())
        return resent

    @property
    def _unsaved(self) -> list[OutboxMessage]:
        """`_new_messages`, read from pydantic's private store directly: reading it as an attribute goes through
        pydantic's fallback `__getattr__`, microseconds on every change and save."""
        private = self.__pydantic_private__
        assert private is not None
        messages: list[OutboxMessage] = private["_new_messages"]
        return messages

    def due_work(self) -> dict[WorkKind, datetime | None]:
        """When each kind of background work on this case is next due (None: not due at all). Storage schedules
        it and decides which worker holds it; a change that moves a time is saved with the change."""
        due = {
            WorkKind.PULL_EVIDENCE: self.evidence_pull_due,
            WorkKind.ASSESS: self.assess_due,
            WorkKind.SLA_CHECK: self.sla_check_due,
            WorkKind.RESTRICTION_REVIEW: self._restriction_review_due,
        }
        if self.test_clock is None:
            return due
        return {kind: self.test_clock.due(at) for kind, at in due.items()}

    def retention_due(self, keep: timedelta) -> datetime | None:
        """When retention deletes the images and raw replies the case holds: `keep` after it closed, or at once (when
        it last changed) while it recorded copies to delete that are not deleted yet; on a test clock, once the clock
        has reached that (the real retention worker then takes it)."""
        if self.copies_to_delete:
            at: datetime | None = self.updated_at
        else:
            at = self.closed_at + keep if self.closed_at and self.stored_refs() else None
        return at if self.test_clock is None else self.test_clock.due(at)

    def retention_reached(self, keep: timedelta, now: datetime) -> bool:
        """Whether retention deletes the case's stored copies at `now` (`retention_due`), `keep` being the retention
        configured now: a case claimed by the date a shorter one gave it keeps them, and is due again by this one."""
        at = self.retention_due(keep)
        return at is not None and at <= now

    @property
    def takes_its_pushes(self) -> bool:
        """Whether retention, once it deleted the case's images, also deletes the pushed events attached to it (unless
        another case holds its shipment). A case on a test clock never does: the clock's time is not the pushes',
        which are kept by real time (`WorkKind.PUSH_RETENTION`) for the customer's real cases on the shipment. Its
        retention deletes only its own copies that nothing else cites (no case, no push still kept)."""
        return self.images_deleted_at is not None and self.test_clock is None

    @property
    def messages_due(self) -> datetime:
        """When the messages of the latest change are due: at once. A change on a test clock is dated by the
        clock, which may be days ahead; its messages go out at the real time the clock was read."""
        return self.updated_at if self.test_clock is None else self.test_clock.at

    @property
    def _restriction_review_due(self) -> datetime | None:
        r = self.restriction
        return r.review_due if r is not None and r.state is RestrictionState.PENDING_REVIEW else None

    @property
    def open_information_request(self) -> QuestionToCustomer | None:
        """The question the customer has yet to answer in the current review (the SLA clock is paused)."""
        last = self.information_requests[-1] if self.information_requests and self.is_active else None
        return last if last is not None and last.is_open and last.asked_at >= self.review_started_at else None

    @property
    def partial(self) -> bool:
        """Only some lines of a delivered package are claimed."""
        return self.claim is Claim.MISSING_ITEMS

    @property
    def claimed_lines(self) -> list[MissingItem]:
        """The lines a decision may decide one by one: those claimed missing, or every line of a digital order (each has
        its own delivery record), a SKU on several lines once, with all its units."""
        if self.partial or not self.order.is_digital:
            return self.missing_items
        units = Counter[str]()
        for item in self.order.items:
            units[item.sku] += item.quantity
        return [MissingItem(sku=sku, quantity=quantity) for sku, quantity in units.items()]

    @property
    def paid_per_line(self) -> bool:
        """Compensated line by line: a missing-item claim, or a digital order some of whose lines a decision paid apart
        from the others (one paid as a whole is compensated as a parcel is)."""
        return self.partial or bool(self.compensated_lines)

    def is_high_value(self, high_value_minor: int) -> bool:
        """A claim worth more than `high_value_minor` kuruş, or in another currency than the lira: no exchange rate is
        known here, so such a claim is weighed by a person, and rejecting it needs a signature, whatever its amount."""
        return self.order.currency != HIGH_VALUE_CURRENCY or self.claimed_value_minor > high_value_minor

    @property
    def claimed_value_minor(self) -> int:
        """What the claim is worth: the package, or the missing lines' value."""
        if not self.partial:
            return self.order.value_minor
        return sum(sku_value(self.order.items, m.sku, m.quantity) for m in self.missing_items)

    @property
    def carrier_liable(self) -> bool:
        """The case went the customer's way because the carrier could not prove delivery: of a parcel claimed not
        received. Items missing from a delivered package are never the carrier's loss (`disputes.policy.missing`),
        even when its proof did not come by the deadline; a digital order has no carrier."""
        resolved_for_customer = self.decision is not None and self.decision.outcome is not Outcome.REJECTED
        return resolved_for_customer and not self.order.is_digital and not self.partial and (
            self.proof_missing or (self.recommendation is not None and self.recommendation.carrier_liable)
        )

    @property
    def rejection_reason(self) -> ReasonCode:
        """The reason a rejection of this kind of claim gives when no other is named: the carrier proved a parcel's
        delivery; a digital order's records show its codes or links delivered; the package held what a missing-items
        claim says it lacked."""
        if self.order.is_digital:
            return ReasonCode.DIGITAL_DELIVERED
        return ReasonCode.CONTENTS_CONFIRMED if self.partial else ReasonCode.PROOF_OF_DELIVERY

    @property
    def rejection_reasons(self) -> frozenset[ReasonCode]:
        """The reasons that fit a rejection of this kind of claim: its own (`rejection_reason`), a third party's word
        for a parcel handed over, and suspected abuse for any."""
        parcel = not self.order.is_digital and not self.partial
        return frozenset({self.rejection_reason, ReasonCode.SUSPECTED_ABUSE}
                         | ({ReasonCode.THIRD_PARTY_CONFIRMED} if parcel else set()))

    @property
    def compensation_reasons(self) -> frozenset[ReasonCode]:
        """The reasons that fit a refund or reshipment of this kind of claim: a carrier's failings only where a carrier
        delivered the order, missing lines only on a missing-items claim, a digital delivery only on a digital order;
        goodwill and the deadline for any."""
        carrier = {ReasonCode.CARRIER_NO_PROOF, ReasonCode.WEAK_PROOF, ReasonCode.LOST_IN_TRANSIT}
        own = ({ReasonCode.DIGITAL_NOT_DELIVERED} if self.order.is_digital else carrier) | (
            {ReasonCode.ITEMS_MISSING} if self.partial else set())
        return frozenset(own | {ReasonCode.GOODWILL, ReasonCode.DEADLINE_REACHED})

    def owned_by(self, actor: Actor) -> bool:
        return actor.role is Role.CUSTOMER and actor.customer_id == self.customer_id

    def acts_for_customer(self, actor: Actor) -> bool:
        """The customer themselves, or an agent on their behalf (agents serve every customer who calls)."""
        return self.owned_by(actor) or actor.role is Role.AGENT

    # --- changes ---------------------------------------------------------------------------------

    @property
    def recommendation_provisional(self) -> bool:
        """The recommendation waits for the carrier's proof (none had arrived when it was made, and the carrier
        still has time): it changes when the proof comes."""
        return self.recommendation is not None and self.recommendation.rule in PROVISIONAL

    def new_customer_evidence(self) -> list[CustomerEvidence]:
        """What the customer added since the case was last decided (all of it, if it never was)."""
        since = self.decision.decided_at if self.decision else None
        return [e for e in self.customer_evidence if e.removed_at is None and (since is None or e.submitted_at > since)]

    @property
    def before_first_pull(self) -> bool:
        """Whether evidence pushed before the case existed may be missing from it: until the first pull read it, or
        a pull's outcome is recorded (pulled evidence, or a failed pull), which happens after the pull looked for
        such evidence; so a proof pushed meanwhile leaves that first pull due. An event stored after the case is
        attached by the push attacher, which looks for the cases on its shipment after storing it, so later pulls
        need not look again."""
        return not (self.earlier_pushes_read or self.evidence_pulls) and all(
            e.proof.source is not ProofSource.PULL for e in self.evidence
        )

    @property
    def pull_requested(self) -> bool:
        """A person asked for a pull: it goes to the carrier, whatever proof is on the case."""
        return any(entry.action == "evidence_requested" for entry in self.timeline)

    @property
    def has_delivery_proof(self) -> bool:
        return any(e.proof.status is ProofStatus.DELIVERED for e in self.evidence)

    @property
    def delivery_proof(self) -> Evidence | None:
        """The carrier's latest proof of delivery, by its own time (`disputes.statements.latest_statement`): the one
        the policy reads (`disputes/policy/reading.py`)."""
        return self.delivery_proof_as_of(None)

    def delivery_proof_as_of(self, moment: datetime | None) -> Evidence | None:
        """`delivery_proof` among the proofs received by `moment` (all of them: None)."""
        return latest_statement(
            e for e in self.evidence
            if e.proof.status is ProofStatus.DELIVERED and (moment is None or e.proof.received_at <= moment)
        )

    def record_opening(self, actor: Actor, escalate_before: timedelta) -> None:
        details: dict[str, Any] = {
            "carrier": self.order.carrier, "channel": self.channel.value, "agent": self.opened_by_agent
        }
        if self.accessibility_need:
            self.priority = max(self.priority, ACCESSIBLE_PRIORITY)
            details["accessibility_need"] = True
        self._record(actor, "opened", None, self.status, details)
        # The first assessment waits for the first pull's outcome (proof attached, or the pull failed): advice
        # given earlier would only be superseded a moment later, and would compete with the pull for storage.
        self.evidence_pull_due = self.opened_at
        self.first_response_watch = FirstResponseWatch.WATCHED
        self.effects_key = effects_key(self.shipment_key)
        self._schedule_sla_check(escalate_before)
        self._tell("dispute_opened", self.opened_at)

    # --- evidence ----------------------------------------------------------------------------------

    def attach_evidence(self, actor: Actor, evidence: Evidence, now: datetime) -> bool:
        """Add carrier evidence; False (and no change) when this evidence is already on the case.
        Proof of delivery ends the wait for evidence and puts the case in front of an investigator (the first pull
        still runs, when the proof came before it: `before_first_pull`); the same proof pulled again on request does
        too, and says so on the timeline."""
        return self._attach(actor, evidence, now, self._evidence_sizes())

    def _evidence_sizes(self) -> list[int]:
        """The bytes each entry of the case's evidence holds as JSON, in order (`EVIDENCE_BYTES`)."""
        return [_json_bytes(e) for e in self.evidence]

    def _attach(self, actor: Actor, evidence: Evidence, now: datetime, sizes: list[int]) -> bool:
        """`attach_evidence`, given the case's `_evidence_sizes` and keeping them in step with its evidence: a change
        attaching many entries measures each entry once, not the case's evidence again for each."""
        proof = evidence.proof
        delivered = proof.status is ProofStatus.DELIVERED
        action = Action.START_REVIEW if delivered and self.status in EVIDENCE_STARTS_REVIEW else None
        ends_a_pull = delivered and proof.source is ProofSource.PULL and self.evidence_pull_due is not None
        if any(e.same_as(evidence) for e in self.evidence):
            if not ends_a_pull:
                return False
            return self._pull_ended(actor, now, action, "evidence_unchanged", {"source": proof.source.value})
        size = _json_bytes(evidence)
        dropped = self._room_for_evidence(evidence, size, sizes)
        if dropped is False:
            if not ends_a_pull:
                return self._evidence_limit_reached(actor, now)
            refused = {"limit": MAX_EVIDENCE, "source": proof.source.value, "status": proof.status.value}
            return self._pull_ended(actor, now, action, "evidence_limit_reached", refused)  # the proof is not kept
        self.evidence.append(evidence)
        sizes.append(size)
        self.assess_due = now
        self.earlier_pushes_read |= proof.source is ProofSource.PULL
        if delivered and not self.before_first_pull:
            self.evidence_pull_due = None  # else the first pull still reads the pushes stored before the case
        self._apply(actor, "evidence_received", now, action, {
            "key": evidence.key,
            "replaced": dropped,
            "source": proof.source.value,
            "status": proof.status.value,
            "signature": proof.signature is not None,
            "photo": proof.photo is not None,
            "document": proof.document is not None,
            "location": proof.location is not None,
            "relation": proof.recipient_relation.value,
        })
        if delivered:
            self._liability_contested(now)
        return True

    def _liability_contested(self, now: datetime) -> None:
        """A proof of delivery came after the carrier was held liable for the parcel: the liability is marked as one the
        carrier can contest, and staff are told, the first time such a proof comes. The liability itself stands."""
        for position, money in enumerate(self.money):
            if money.kind is EffectKind.CARRIER_LIABILITY and money.contested_by_proof_at is None:
                self.money[position] = money.model_copy(update={"contested_by_proof_at": now})
                self._alert("proof_after_liability")

    def _pull_ended(
        self, actor: Actor, now: datetime, action: Action | None, said: str, details: dict[str, Any]
    ) -> bool:
        """A pull brought a proof the case holds (`evidence_unchanged`), or cannot take (`MAX_REPLACED`:
        `evidence_limit_reached`): the pull ends all the same, and the review restarts."""
        self.evidence_pull_due = None
        self.assess_due = now
        self._apply(actor, said, now, action, details)
        return True

    def attach_all_evidence(self, actor: Actor, evidence: Sequence[Evidence], now: datetime) -> bool:
        """`attach_evidence` for each in order, all in one change (one save); False when none changed the case."""
        sizes = self._evidence_sizes()
        changed = [self._attach(actor, each, now, sizes) for each in evidence]
        return any(changed)

    def attach_pushed_before(self, actor: Actor, evidence: Sequence[Evidence], now: datetime) -> None:
        """The shipment's pushed events (the latest, `disputes.evidence.EARLIER_PUSHES` at most), in the order stored,
        read by the case's first pull (`before_first_pull`) before it asks the carrier, but those the case holds or
        held (an entry a full case replaced): once they are read, a proof of delivery on the case ends the wait for
        that pull."""
        held = {e.key for e in self.evidence}.union(self._replaced())
        self.earlier_pushes_read = True
        self.attach_pushed(actor, [e for e in evidence if e.key not in held], now)
        if self.has_delivery_proof and not self.pull_requested:
            self.evidence_pull_due = None  # the first pull; one a person asked for goes to the carrier

    def _room_for_evidence(self, evidence: Evidence, size: int, sizes: list[int]) -> str | None | Literal[False]:
        """Make room for `evidence` (`size` bytes as JSON) under `MAX_EVIDENCE` entries and `EVIDENCE_BYTES`, the
        entries held being of `sizes` (`_evidence_sizes`; the replaced entry's size goes with it): None when there was
        room, the key of the entry a proof of delivery replaces, False when an event that is no proof, or a proof after
        `MAX_REPLACED` others took an entry's place (or one that replacing an entry leaves too large), finds the case
        full.
        The replaced entry's copies (its raw reply, its images) that the case no longer cites are recorded for
        deletion in this same change, which makes retention due at once (`retention_due`): their check ran an hour
        after they were stored and found the case citing them, and retention deletes only what a case records, so a
        pulled entry's copies would otherwise be kept for ever. Recorded on the case, they need no write besides its
        save. Retention deletes those nothing else needs: another case's, and a pushed entry's, which its push keeps
        until the push's own retention."""
        if len(self.evidence) < MAX_EVIDENCE and sum(sizes) + size <= EVIDENCE_BYTES:
            return None
        if evidence.proof.status is not ProofStatus.DELIVERED or len(self._replaced()) >= MAX_REPLACED:
            return False
        scans = [i for i, e in enumerate(self.evidence) if e.proof.status is not ProofStatus.DELIVERED]
        place = scans[0] if scans else 0
        if not self.evidence or sum(sizes) - sizes[place] + size > EVIDENCE_BYTES:
            return False
        dropped = self.evidence.pop(place)
        sizes.pop(place)
        if uncited := dropped.proof.stored_refs().difference(self.stored_refs()):
            self.copies_to_delete = sorted(uncited.union(self.copies_to_delete))
        return dropped.key

    @property
    def evidence_received(self) -> frozenset[str]:
        """The keys of the carrier's evidence the case took: those it holds, and those a proof took the place of on
        the full case since (as its timeline says)."""
        taken = (entry.details.get("key") for entry in self.timeline if entry.action == "evidence_received")
        return frozenset(e.key for e in self.evidence).union(key for key in taken if isinstance(key, str))

    def _replaced(self) -> list[str]:
        """The keys of the entries proofs took the place of on the full case, as its timeline says."""
        return [entry.details["replaced"] for entry in self.timeline
                if entry.action == "evidence_received" and entry.details.get("replaced")]

    def _evidence_limit_reached(self, actor: Actor, now: datetime) -> bool:
        """Say once on the timeline that the case takes no more of the carrier's events; whether it said so now."""
        if any(entry.action == "evidence_limit_reached" for entry in self.timeline):
            return False
        self._apply(actor, "evidence_limit_reached", now, None, {"limit": MAX_EVIDENCE})
        return True

    def attach_digital_deliveries(self, actor: Actor, records: Sequence[DigitalDelivery], now: datetime) -> bool:
        """The delivery records of the case's digital lines, as the provider tells them now: they replace the
        ones held (a code may be opened or activated between two pulls). False (no change) when nothing moved, unless
        the pull was asked for again: the same records then put the case back in review, saying so."""
        def facts(held: Sequence[DigitalDelivery]) -> list[dict[str, Any]]:
            return [record.model_dump(exclude={"received_at"}) for record in held]

        action = Action.START_REVIEW if self.status in EVIDENCE_STARTS_REVIEW else None
        if facts(records) == facts(self.digital_deliveries):
            if self.evidence_pull_due is None and self.provider_refused is None:
                return False
            self.provider_refused = None  # the provider answers again, with the records the case holds
            self.evidence_pull_due = None  # the same records, pulled again on request: the review restarts
            self.assess_due = now
            self._apply(actor, "digital_delivery_unchanged", now, action, {})
            return True
        self.digital_deliveries = list(records)
        self.provider_refused = None
        self.evidence_pull_due = None
        self.assess_due = now
        states = {record.sku: record.state.value for record in records}
        self._apply(actor, "digital_delivery_received", now, action, {"states": states})
        return True

    def evidence_pull_failed(
        self, actor: Actor, error: str, retry_at: datetime | None, now: datetime, *, unsent: bool = False
    ) -> None:
        """A pull did not give proof; try again at `retry_at` (None: pulling cannot work, wait for pushes).
        A case not yet assessed is assessed now (provisional advice while the carrier is awaited). A pull that
        ends past the evidence deadline with no proof, and none to come from pulling, is the deadline passing: no
        pull is due to record it later (one that began before the deadline and failed after it). A case waiting
        for a pull a person asked for that holds the carrier's proof, or the deadline's outcome, goes back to review
        when no pull is due any more: nothing else would end its wait.
        `unsent`: the carrier's circuit breaker turned the pull away, as it does every cool-down while the carrier
        is down: only the first of such refusals in a row is recorded (an attempt, on the timeline); the others
        only move the next pull, so an outage does not fill the case with entries that say nothing new."""
        if self.evidence_pull_due is None or (self.has_delivery_proof and not self.pull_requested):
            retry_at = None  # a proof came while it asked (it ended the pull, or the first pull read it): no retry
        if unsent and retry_at is not None and self._last_pull_unsent:
            self.evidence_pull_due = retry_at
            self.updated_at = now
            return
        self.evidence_pulls += 1
        self.evidence_pull_due = retry_at
        if self.recommendation is None:
            self.assess_due = now
        settled = retry_at is None and (self.has_delivery_proof or self.proof_missing)
        action = Action.AWAIT_EVIDENCE if self.status is Status.OPENED else None
        if settled and self.status is Status.AWAITING_EVIDENCE:
            action = Action.START_REVIEW
        details: dict[str, Any] = {"attempt": self.evidence_pulls, "error": error} | ({"unsent": True} if unsent else {})
        self._apply(actor, "evidence_pull_failed", now, action, details)
        if retry_at is None and now >= self.sla.evidence_due and not (self.has_delivery_proof or self.proof_missing):
            self.evidence_deadline_passed(actor, now)

    def digital_pull_refused(self, actor: Actor, said: str, look_again_at: datetime | None, now: datetime) -> None:
        """The digital delivery provider refused the pull (`provider_refused`: `said`, what it answered): a failed
        pull, looked at again at `look_again_at`."""
        self.provider_refused = said
        self.evidence_pull_failed(actor, f"digital delivery provider refused: {said}", look_again_at, now)

    @property
    def _last_pull_unsent(self) -> bool:
        """The latest entry on the timeline records a pull the carrier's circuit breaker turned away."""
        last = self.timeline[-1] if self.timeline else None
        return last is not None and last.action == "evidence_pull_failed" and last.details.get("unsent") is True

    def attach_pushed_by_deadline(self, actor: Actor, evidence: Sequence[Evidence], now: datetime) -> bool:
        """The shipment's events pushed by the evidence deadline, read where a pull's outcome may record it, attached in
        that outcome's change but those the case holds or held (an entry a full case replaced): a proof acknowledged in
        time, still waiting to be attached, is the carrier's proof by the deadline. Whether any changed the case (a
        withdrawn case takes none, as the push attacher gives it none)."""
        if self.status is Status.WITHDRAWN:
            return False
        held = {e.key for e in self.evidence}.union(self._replaced())
        return self.attach_pushed(actor, [e for e in evidence if e.key not in held], now)

    def attach_pushed(self, actor: Actor, evidence: Sequence[Evidence], now: datetime) -> bool:
        """`attach_all_evidence` for the shipment's pushed events that can be about this order's parcel: not those
        stored before the order was placed (`EARLIER_PARCEL`), which stay with their push under its own retention; all
        of them when the order's time is unknown, or on a test clock (the case receives each at its clock's time)."""
        placed = self.order.placed_at
        if placed is not None and self.test_clock is None:
            evidence = [e for e in evidence if e.proof.received_at >= placed - EARLIER_PARCEL]
        return self.attach_all_evidence(actor, evidence, now)

    def evidence_deadline_passed(self, actor: Actor, now: datetime) -> None:
        """The carrier did not prove delivery in time (on a digital order: the delivery provider gave no record of it):
        record it and hand the case to review."""
        self.proof_missing = True
        self.evidence_pull_due = None
        self.assess_due = now
        action = Action.START_REVIEW if self.status in EVIDENCE_STARTS_REVIEW else None
        details = {"deadline": timestamp_text(self.sla.evidence_due)}
        if self.order.is_digital:
            self._apply(actor, "provider_did_not_provide_record", now, action, details)
        else:
            self._apply(actor, "carrier_did_not_provide_proof", now, action, details)

    # --- the policy's recommendation ------------------------------------------------------------------

    def record_assessment(
        self,
        actor: Actor,
        advice: Recommendation,
        now: datetime,
        restriction_review: timedelta,
        appeal_window: timedelta = APPEAL_WINDOW,
    ) -> None:
        """Store the policy's advice and act on it: raise priority, pass abuse signals on (restricting the account
        until a supervisor reviews it, when they show a pattern), tell the customer whom to ask, and resolve on its
        own when the policy may and the case holds no abuse signals (through the same decision path as a person).
        While the customer checks with a third party, the case is assessed again when their time ends."""
        previous, self.recommendation = self.recommendation, advice
        standing = [flag for flag in advice.abuse_flags if flag not in self.cleared_flags]
        reversed_only = bool(advice.abuse_flags) and not standing  # a supervisor cleared every signal raised
        self.priority = max(self.priority, advice.priority - 2 if reversed_only else advice.priority)
        to_supervisor = not self.needs_supervisor and advice.needs_supervisor and not reversed_only
        self.needs_supervisor = self.needs_supervisor or to_supervisor
        waiting = advice.action is RecommendedAction.WAIT_FOR_CUSTOMER_CHECK
        self.assess_due = advice.check_by if waiting else None
        if waiting or advice.rule is not PolicyRule.THIRD_PARTY_CHECK_OVER:  # kept once over: it never starts again
            self.third_party_check_by = advice.check_by if waiting else None
        if previous is None or (previous.action, previous.rule) != (advice.action, advice.rule):
            self._apply(actor, "assessed", now, None, {
                "action": advice.action.value, "rule": advice.rule.value, "confidence": round(advice.confidence, 2)
            })
        if new_flags := [flag for flag in standing if flag not in self.abuse_flags]:
            self.abuse_flags = [*self.abuse_flags, *new_flags]
            if self.test_clock is None:  # sandbox: a case on a test clock signals nothing to the account service
                risk = CustomerRisk(customer_id=self.customer_id, dispute_id=self.id, flags=new_flags, observed_at=now)
                self._queue(EffectKind.CUSTOMER_RISK, f"{self.id}:{len(self.timeline)}:risk", risk)
        if new_flags or to_supervisor:  # what blocks automatic resolutions, and who must decide, said when it starts
            self._apply(actor, "flagged", now, None, {
                "flags": new_flags, "needs_supervisor": self.needs_supervisor, "priority": self.priority,
            })
        if self.restriction is None and RESTRICTING_FLAGS.intersection(standing):
            self._raise_restriction(actor, standing, now, restriction_review)
        told = previous.customer_message if previous is not None and previous.rule is advice.rule else None
        if waiting and advice.customer_message and advice.customer_message != told:  # new, or who/where/by changed
            from disputes.next_step import third_party_notice  # it reads the Dispute this module defines

            if (words := third_party_notice(self, now)) is not None:
                self._notify("check_with_third_party", words[1], words[0])
        flagged = self.abuse_flags or self.needs_supervisor  # abuse signals block automatic resolutions, always
        if advice.auto_resolve and self.is_active and advice.action in AUTOMATIC and not flagged:
            outcome = AUTOMATIC[advice.action]
            reason = (
                self.rejection_reason
                if outcome is Outcome.REJECTED
                else RULE_REASONS.get(advice.rule, ReasonCode.DIGITAL_NOT_DELIVERED if self.order.is_digital
                                      else ReasonCode.ITEMS_MISSING if self.partial else ReasonCode.WEAK_PROOF)
            )
            english = "; ".join(f.text for f in advice.findings[:4]) or "Resolved by the decision policy."
            turkish = "; ".join(f.text_tr for f in advice.findings[:4]) or "Karar politikası gereği sonuçlandırıldı."
            note = f"{english[:1995]} / {turkish[:1995]}"  # staff read the reasons in either language
            supported = [(line.sku, outcome, line.quantity) for line in advice.lines]  # missing items: what is shown
            self.decide(
                actor, outcome, reason, note[:4000], None, now, line_outcomes=supported, appeal_window=appeal_window
            )

    def clear_flags(self, actor: Actor, reason: str, now: datetime, escalate_before: timedelta) -> None:
        """A supervisor reverses the abuse signals (with a reason on the timeline); they are not raised again
        for this case, which returns to ordinary review, its deadline watched again: one that has passed while it
        was with a supervisor is then resolved by the deadline's rule at once (for the customer). A case that needs a
        supervisor for another reason (`_needs_supervisor_besides_flags`) stays with one."""
        actor.require(Role.SUPERVISOR)
        reason = self._kept_words(reason)
        if not self.abuse_flags:  # handed to a supervisor at its deadline alone: theirs to decide, nothing to clear
            raise NoFlags("This dispute carries no flags.")
        cleared, self.abuse_flags = self.abuse_flags, []
        self.needs_supervisor = self.is_active and self._needs_supervisor_besides_flags()
        self.cleared_flags = sorted({*self.cleared_flags, *cleared})
        self.assess_due = now if self.is_active else None
        self._apply(actor, "flags_cleared", now, None, {"flags": cleared, "reason": reason})
        if self.is_active:
            self._schedule_sla_check(escalate_before, now)
        if self.restriction is not None and self.restriction.state is not RestrictionState.LIFTED:
            self._lift_restriction(actor, reason, now)

    # --- account restriction ----------------------------------------------------------------------------

    def review_restriction(self, actor: Actor, confirm: bool, reason: str, now: datetime) -> None:
        """A supervisor confirms the restriction (it stays; the account service decides how long) or lifts it; a
        confirmed one can still be lifted later, a lifted one is over."""
        actor.require(Role.SUPERVISOR)
        reason = self._kept_words(reason)
        restriction = self.restriction
        if restriction is None:
            raise NoRestriction("This dispute led to no account restriction.")
        if restriction.state is RestrictionState.LIFTED or (confirm and restriction.state is RestrictionState.CONFIRMED):
            raise RestrictionReviewed(f"The restriction is already {restriction.state.value}.", state=restriction.state.value)
        if not confirm:
            self._lift_restriction(actor, reason, now)
            return
        self.restriction = restriction.model_copy(
            update={"state": RestrictionState.CONFIRMED, "reviewed_by": actor.id, "reviewed_at": now, "reason": reason}
        )
        self._apply(actor, "restriction_confirmed", now, None, {"reason": reason})
        self._restriction_changed("confirmed", actor, now)

    def restriction_review_ended(self, actor: Actor, now: datetime) -> bool:
        """At the end of the review window, a restriction no supervisor confirmed is lifted (False: none is due)."""
        due = self._restriction_review_due
        if due is None or now < due:
            return False
        self._lift_restriction(actor, "No supervisor confirmed the restriction within its review window.", now)
        return True

    def _raise_restriction(self, actor: Actor, flags: list[str], now: datetime, review: timedelta) -> None:
        self.restriction = Restriction(flags=flags, raised_at=now, raised_by=actor.id, review_due=now + review)
        self._apply(actor, "restriction_raised", now, None, {"flags": flags, "review_due": timestamp_text(now + review)})
        self._restriction_changed("restricted", actor, now)
        self._alert("restriction_needs_review")

    def _lift_restriction(self, actor: Actor, reason: str, now: datetime) -> None:
        assert self.restriction is not None
        self.restriction = self.restriction.model_copy(
            update={"state": RestrictionState.LIFTED, "reviewed_by": actor.id, "reviewed_at": now, "reason": reason}
        )
        self._apply(actor, "restriction_lifted", now, None, {"reason": reason})
        self._restriction_changed("lifted", actor, now)

    def _restriction_changed(
        self, change: Literal["restricted", "confirmed", "lifted"], actor: Actor, now: datetime
    ) -> None:
        """Queue the change for the account service, and the customer's message of it, told once the account service
        took the change (parked with it when it is refused or never answered). Each change happens once per dispute, so
        the dispute and the change make the idempotency key.

        A case on a test clock (sandbox) sends nothing that would change the customer's real account or move money,
        goods or a carrier's bill: its restriction is recorded, reviewed and lifted as any case's but never sent, nor
        are its risk signals (`record_assessment`); its decision is recorded, on the timeline and in the views, and told
        to the customer (the message names the clock's case, whose story it tells), but queues no refund, reshipment or
        carrier liability (`_queue_decision_effects`), so a clock advanced past a deadline pays for no real shipment.
        Its staff alerts and its other messages to the customer go out: they tell only the clock's case's story."""
        assert self.restriction is not None
        if self.test_clock is not None:  # sandbox: nor does it tell the customer anything of their account
            return
        restriction = AccountRestriction(
            customer_id=self.customer_id, dispute_id=self.id, change=change, flags=self.restriction.flags,
            review_due=self.restriction.review_due, changed_by=actor.id, changed_at=now,
        )
        sent = self._queue(EffectKind.ACCOUNT_RESTRICTION, f"{self.id}:restriction:{change}", restriction)
        waits_for = [sent]
        if change != "restricted":  # a confirmation or a lift is told only of a restriction the account service took
            raised = f"{self.id}:restriction:restricted"
            if any(m.key == raised for m in self.effects_parked):
                return
            waits_for += [m.id for m in self.outbox if m.key == raised]
        en, tr = restriction_told(self.restriction)
        self._notify(_RESTRICTION_TOLD[change], tr, en, waits_for=waits_for)

    # --- the customer's side ------------------------------------------------------------------------

    def add_customer_message(
        self, actor: Actor, text: str, now: datetime, escalate_before: timedelta, calendar: BusinessCalendar
    ) -> None:
        """What the customer says (or an agent writes down for them) on the open case; while a question to the
        customer is open, this is their answer, acknowledged to them. A closed case takes none: nobody works it to read
        them."""
        self._require_customer_side(actor)
        if not self.is_active:
            raise CaseClosed(
                f"A {self.status.value} dispute takes no more messages; to contest a rejection, appeal it, otherwise "
                "please contact customer service."
            )
        written = sum(1 for entry in self.timeline if entry.action == "customer_message")
        if written >= MAX_MESSAGES and self.open_information_request is None:
            then = "log further contacts as contact logs" if actor.role is Role.AGENT else "please contact customer service"
            raise TooManySubmissions(f"A case takes at most {MAX_MESSAGES} messages; {then}.")
        answering = self.open_information_request is not None
        self._customer_says(actor, "customer_message", {"text": text}, now, escalate_before, calendar)
        if answering:
            self._tell("information_received", now)

    def log_contact(self, actor: Actor, text: str, now: datetime) -> None:
        """A customer-service agent writes down a contact with the customer (a call asking how the case goes, say) on
        the open case: it answers no question, tells the customer nothing, and counts apart from their messages."""
        actor.require(Role.AGENT)
        if not self.is_active:
            raise CaseClosed(f"A {self.status.value} dispute takes no more contact logs.")
        if sum(1 for entry in self.timeline if entry.action == "contact_logged") >= MAX_CONTACT_LOGS:
            raise TooManySubmissions(f"A case takes at most {MAX_CONTACT_LOGS} contact logs.")
        self._apply(actor, "contact_logged", now, None, {"text": text})

    # --- the conversation with the customer -----------------------------------------------------------

    def message_customer(self, actor: Actor, text: str, now: datetime) -> None:
        """An investigator writes to the customer (unlike a note, the customer reads it)."""
        actor.require(Role.INVESTIGATOR, Role.SUPERVISOR)
        self._require_room_to_write("staff_message", text)
        self._apply(actor, "staff_message", now, None, {"text": text})
        en, tr = staff_message(text)
        self._notify("staff_message", tr, en)

    def request_information(
        self, actor: Actor, question: str, answer_by: datetime, per_review: int, escalate_before: timedelta, now: datetime,
        calendar: BusinessCalendar,
    ) -> None:
        """Ask the customer a question, to be answered by `answer_by`. The SLA clock is paused while the question
        is open: the decision deadline moves on by the whole wait now (so the sweeper keeps it), and back by
        whatever the customer did not use when they answer; both in business time (`calendar`), so the deadline
        stays on a business day. On a case already past its deadline the pause counts from now (`_paused_by`)."""
        actor.require(Role.INVESTIGATOR, Role.SUPERVISOR)
        if not self.is_active:
            raise QuestionsClosed(f"A {self.status.value} dispute takes no more questions.")
        if (waiting := self.open_information_request) is not None:
            raise QuestionPending(f"The customer has yet to answer question {waiting.id}.")
        review_started = self.review_started_at
        asked = sum(1 for r in self.information_requests if r.asked_at >= review_started)
        if asked >= per_review:
            raise TooManyQuestions(f"At most {per_review} questions may be put to the customer in one review.")
        request = QuestionToCustomer(
            id=f"irq_{len(self.information_requests) + 1}", question=question, asked_by=actor.id, asked_at=now,
            answer_by=answer_by, decision_due_before=self.sla.decision_due,
        )
        self.information_requests.append(request)
        self._move_decision_due(_paused_by(calendar, self.sla.decision_due, now, answer_by))
        self._apply(actor, "information_requested", now, None, {
            "request_id": request.id, "question": question, "answer_by": timestamp_text(answer_by),
            "decision_due": timestamp_text(self.sla.decision_due),
        })
        self._schedule_sla_check(escalate_before)
        en, tr = information_requested(question, answer_by, self.sla.decision_due)
        self._notify("information_requested", tr, en)

    def information_request_expired(self, actor: Actor, now: datetime, escalate_before: timedelta) -> bool:
        """The customer did not answer in time: the case goes on without the answer, its deadline moved on by
        the whole wait (False: no question is past its time)."""
        waiting = self.open_information_request
        if waiting is None or now < waiting.answer_by:
            return False
        self._expire(actor, waiting, now)
        self._schedule_sla_check(escalate_before)
        return True

    def _expire(self, actor: Actor, waiting: QuestionToCustomer, now: datetime) -> None:
        """Close the open question unanswered, on the timeline (and the thread) as expired."""
        self.information_requests[-1] = waiting.model_copy(update={"expired_at": now})
        self._apply(actor, "information_request_expired", now, None, {
            "request_id": waiting.id, "decision_due": timestamp_text(self.sla.decision_due)
        })

    def _customer_says(
        self, actor: Actor, what: str, details: dict[str, Any], now: datetime, escalate_before: timedelta,
        calendar: BusinessCalendar,
    ) -> None:
        """Record what the customer said; while a question to them is open, it is their answer (the pause ends)."""
        answered = self._answer_information_request(now, calendar)
        if answered is not None:
            details = details | {"reply_to": answered.id, "decision_due": timestamp_text(self.sla.decision_due)}
        self._apply(actor, what, now, None, details)
        if answered is not None:
            self._schedule_sla_check(escalate_before)

    def _answer_information_request(self, now: datetime, calendar: BusinessCalendar) -> QuestionToCustomer | None:
        """Close the open question as answered now: the deadline moves on only by the business time the customer
        took, never by more than the whole wait (an answer after `answer_by`, before the sweeper closed the question,
        moves it as far as the wait did)."""
        waiting = self.open_information_request
        if waiting is None:
            return None
        self.information_requests[-1] = waiting.model_copy(update={"answered_at": now})
        took_until = min(now, waiting.answer_by)
        self._move_decision_due(_paused_by(calendar, waiting.decision_due_before, waiting.asked_at, took_until))
        return waiting

    @property
    def review_started_at(self) -> datetime:
        """When the current review began (its deadlines count from then): the opening, or the latest appeal or
        reopening."""
        restarts = [e.at for e in self.timeline if e.action in ("appealed", "reopened")]
        return max(restarts, default=self.opened_at)

    def _paused(self, calendar: BusinessCalendar) -> timedelta:
        """The business time the current review's closed questions to the customer moved its decision deadline on by:
        the time the customer took to answer, or the whole wait for one unanswered (an open question's wait is added
        by `_bring_decision_forward`)."""
        started = self.review_started_at
        closed = (r for r in self.information_requests if r.asked_at >= started and not r.is_open)
        waits = (calendar.business_time_remaining(r.asked_at, min(r.answered_at or r.answer_by, r.answer_by))
                 for r in closed)
        return sum(waits, timedelta())

    def _move_decision_due(self, due: datetime) -> None:
        """A later deadline is escalated anew before it (supervisors were alerted of the one it replaces)."""
        if due > self.sla.decision_due:
            self.escalated = False
        self.sla = self.sla.model_copy(update={"decision_due": due})

    def _schedule_sla_check(self, escalate_before: timedelta, since: datetime | None = None) -> None:
        """The sweeper's next visit, from `since` (the latest change) on: the end of an open question's wait, or the
        escalation (or the deadline, once escalated) of the decision or of a first response still awaited, whichever
        comes first."""
        since = since or self.updated_at
        visits = [self.sla.decision_due if self.escalated else max(since, self.sla.decision_due - escalate_before)]
        if self._awaits_first_response:
            due, escalated = self.sla.first_response_due, self.first_response_watch is FirstResponseWatch.ESCALATED
            visits.append(due if escalated else max(since, due - escalate_before))
        self.sla_check_due = self._until_answer(min(visits))

    def _until_answer(self, at: datetime) -> datetime:
        waiting = self.open_information_request
        return min(at, waiting.answer_by) if waiting is not None else at

    def declare_accessibility_need(
        self, actor: Actor, accessible_due: datetime, escalate_before: timedelta, now: datetime,
        calendar: BusinessCalendar,
    ) -> None:
        """An agent records the customer's accessibility need (not on a withdrawn case): written messages from now
        on, and, while the case is open, its priority raised and its decision deadline brought forward to
        `accessible_due` (the current review's, counted from when it began) moved on by this review's pauses for the
        customer's answers (in business time), if that is sooner."""
        actor.require(Role.AGENT)
        self._require_not_anonymised()
        if self.accessibility_need:
            raise AccessibilityNeedRecorded("An accessibility need is already recorded on this dispute.")
        if self.status is Status.WITHDRAWN:  # closed for good: nothing more is said or decided on it
            raise CaseClosed("A withdrawn dispute takes no accessibility need; record it on the customer's next one.")
        self.accessibility_need = True
        if self.is_active:
            self.priority = max(self.priority, ACCESSIBLE_PRIORITY)
            self._bring_decision_forward(calendar.add_business_time(accessible_due, self._paused(calendar)), calendar,
                                         escalate_before, now)
        self._apply(actor, "accessibility_need_declared", now, None, {"decision_due": timestamp_text(self.sla.decision_due)})

    def withdraw_accessibility_need(
        self, actor: Actor, reason: str, decision_due: datetime, escalate_before: timedelta, now: datetime,
        calendar: BusinessCalendar,
    ) -> None:
        """Take back an accessibility need an agent recorded on this case (on the wrong customer's case, say); a need
        the order carries, or given when the case was opened, stays. Messages may be calls again, and, while the case
        is open, what the need changed is restored: its priority, where nothing else raised it, and its decision
        deadline, to `decision_due` (the current review's, counted from when it began) moved on by this review's
        pauses for the customer's answers, where the need had brought it sooner."""
        actor.require(Role.AGENT, Role.SUPERVISOR)
        self._require_not_anonymised()
        if not self.accessibility_need or all(e.action != "accessibility_need_declared" for e in self.timeline):
            raise NoAccessibilityNeedByAgent(
                "Only an accessibility need an agent recorded on this case can be withdrawn; this case has none."
            )
        self.accessibility_need = False
        if self.is_active:
            if self.priority == ACCESSIBLE_PRIORITY and (self.recommendation is None or self.recommendation.priority == 0):
                self.priority = 0
            self._redate_decision(calendar.add_business_time(decision_due, self._paused(calendar)), calendar,
                                  escalate_before, now, later=True)
        self._apply(actor, "accessibility_need_withdrawn", now, None, {
            "reason": reason, "decision_due": timestamp_text(self.sla.decision_due),
        })

    def _bring_decision_forward(
        self, before: datetime, calendar: BusinessCalendar, escalate_before: timedelta, now: datetime
    ) -> None:
        """Move the decision deadline earlier, to `before` moved on by an open question's whole wait, if that is
        sooner, but never sooner than the escalation lead from now: a case brought that close is escalated at once and
        keeps that lead for a person to decide, rather than being given a deadline already past, which the deadline
        rule would decide unreviewed."""
        moved = self._redate_decision(max(before, now + escalate_before), calendar, escalate_before, now, later=False)
        if moved and self.third_party_check_by is not None:  # the customer's check must end before the new deadline too
            self.assess_due = now

    def _redate_decision(
        self, before: datetime, calendar: BusinessCalendar, escalate_before: timedelta, now: datetime, later: bool
    ) -> bool:
        """Move the decision deadline to `before` moved on by an open question's whole wait (the question's answer
        then counts from `before`), if that is `later` (or else sooner) than it is; whether it moved."""
        waiting = self.open_information_request
        due = before if waiting is None else _paused_by(calendar, before, waiting.asked_at, waiting.answer_by)
        if due == self.sla.decision_due or (due > self.sla.decision_due) is not later:
            return False
        if waiting is not None:
            self.information_requests[-1] = waiting.model_copy(update={"decision_due_before": before})
        self.updated_at = now
        self._move_decision_due(due)
        self._schedule_sla_check(escalate_before)
        return True

    # --- SLA ------------------------------------------------------------------------------------------

    def escalate(self, actor: Actor, now: datetime, escalate_before: timedelta) -> None:
        """Near the decision deadline: raise the priority and alert supervisors, once."""
        self.priority = max(self.priority, 2)
        self.escalated = True
        self._apply(actor, "sla_escalated", now, None, {"decision_due": timestamp_text(self.sla.decision_due)})
        self._schedule_sla_check(escalate_before)
        self._alert("deadline_near")

    def restart_sla(self, sla: Sla, escalate_before: timedelta) -> None:
        """An appeal or a reopening is a new review with its own deadlines (its first response watched anew); the
        customer is told of it, with its answer's date."""
        self.sla = sla
        self.escalated = False
        self.first_response_watch = FirstResponseWatch.WATCHED
        if self.accessibility_need:  # recorded in an earlier review too: this one is raised as the deadline is shorter
            self.priority = max(self.priority, ACCESSIBLE_PRIORITY)
        self._schedule_sla_check(escalate_before)
        self._tell("appeal_received" if self.status is Status.APPEALED else "dispute_reopened", self.review_started_at)

    def count_days_off(self, counted: Sla, calendar: BusinessCalendar, escalate_before: timedelta, now: datetime) -> bool:
        """Days declared off after its deadlines were fixed: each deadline of an open case still ahead moves to where
        `counted` puts it (the current review's deadlines counted again from its start by `calendar`, which knows
        those days), the decision's moved on by the review's pauses for the customer's answers, if that is later.
        A deadline never comes sooner than the customer was told (a day no longer declared off moves none); one
        passed stays. Whether any moved (recorded on the timeline; the case's view shows the new dates)."""
        if not self.is_active:
            return False
        was = self.sla
        later = {name: getattr(counted, name) for name in ("first_response_due", "evidence_due")
                 if now < getattr(was, name) < getattr(counted, name)}
        self.sla = was.model_copy(update=later)
        if was.decision_due > now:
            self._redate_decision(calendar.add_business_time(counted.decision_due, self._paused(calendar)), calendar,
                                  escalate_before, now, later=True)
        if self.sla == was:
            return False
        self._schedule_sla_check(escalate_before, now)
        self._apply(SYSTEM, "deadlines_recounted", now, None, {
            "days_off": sorted(day.isoformat() for day in calendar.days_off),
            **{name: timestamp_text(getattr(self.sla, name)) for name in ("first_response_due", "evidence_due", "decision_due")},
        })
        return True

    @property
    def first_responded(self) -> bool:
        """Someone on staff has taken or acted on the current review: assigned it, written a note or to the customer,
        asked them a question, asked for evidence, decided. The receipt sent at opening, the service's own work, a
        supervisor's reopening (which starts the review) and (sandbox) moving the case's test clock are not a
        response (`NO_RESPONSE`)."""
        started = self.review_started_at
        for entry in reversed(self.timeline):
            if entry.at < started:
                return False
            if entry.role in (Role.INVESTIGATOR, Role.SUPERVISOR) and entry.action not in NO_RESPONSE:
                return True
        return False

    @property
    def _awaits_first_response(self) -> bool:
        return self.first_response_watch not in (None, FirstResponseWatch.MISSED) and not self.first_responded

    def watch_first_response(self, actor: Actor, now: datetime, escalate_before: timedelta) -> bool:
        """With no first response yet: near its deadline, raise the priority and alert supervisors, once; at it,
        record that it was missed and alert them, once (the case goes on to its decision deadline). False: neither is
        due."""
        due = self.sla.first_response_due
        if not self._awaits_first_response:
            return False
        details = {"first_response_due": timestamp_text(due)}
        if now >= due:
            self.first_response_watch = FirstResponseWatch.MISSED
            self._apply(actor, "first_response_missed", now, None, details)
            self._alert("first_response_missed")
        elif self.first_response_watch is FirstResponseWatch.WATCHED and now >= due - escalate_before:
            self.first_response_watch = FirstResponseWatch.ESCALATED
            self.priority = max(self.priority, 2)
            self._apply(actor, "first_response_escalated", now, None, details)
            self._alert("first_response_near")
        else:
            return False
        self._schedule_sla_check(escalate_before)
        return True

    def sla_check_found_nothing(self, now: datetime, escalate_before: timedelta) -> None:
        """The sweeper came and nothing was due (the first response it came for was given): its next visit."""
        self._schedule_sla_check(escalate_before, now)

    def wait_for_carrier_deadline(self, now: datetime) -> bool:
        """At the decision deadline, whether the deadline rule waits a little (the sweeper comes back in
        `CARRIER_DEADLINE_RETRY`): the carrier's evidence deadline has come too and its last pull has yet to record it
        (in flight, or due). That pull records it, with the proofs pushed by then that are still to be attached, and
        a carrier that gave no proof is billed; the deadline rule alone does not know of those pushes. It waits at
        most `CARRIER_DEADLINE_GRACE` past the carrier's deadline (an evidence puller that is down must not hold the
        case): a carrier's deadline that passed long before is not waited for."""
        waits = (
            self.evidence_pull_due is not None and now >= self.sla.evidence_due
            and not (self.has_delivery_proof or self.proof_missing)
            and now < self.sla.evidence_due + CARRIER_DEADLINE_GRACE
        )
        if waits:
            self.sla_check_due = now + CARRIER_DEADLINE_RETRY
        return waits

    def deadline_reached(self, actor: Actor, now: datetime, appeal_window: timedelta = APPEAL_WINDOW) -> None:
        """The promise holds by construction: at the deadline the case is resolved for the customer (every claimed
        line paid, whatever its record or the recommendation says of it; of an appeal of a decision that paid part of
        the claim, the units it did not pay), or, when it needs a supervisor (abuse signals, or a reason besides them:
        `_needs_supervisor_besides_flags`), handed to one with the highest priority."""
        if self.needs_supervisor or self._needs_supervisor_besides_flags():
            started = self.review_started_at
            handed = [e.at for e in self.timeline if e.action == "sla_deadline_reached" and e.at >= started]
            if handed and handed[-1] >= self.sla.decision_due:  # handed over at this deadline already (a test clock's
                self.needs_supervisor = True  # advance and a worker may both come): once, as the customer is told
                self.sla_check_due = None  # once; still in the supervisors' queue, as nothing sweeps it again
                return
            told = bool(handed)
            self.priority = 3
            self.needs_supervisor = True  # in the supervisors' queue, and decided by one only
            self.sla_check_due = None
            self._apply(actor, "sla_deadline_reached", now, None, {"rule": "supervisor"})
            self._alert("deadline_reached_needs_supervisor")
            if not told:  # the answer promised by now is late: the customer is told so, once a review
                self._tell("decision_delayed", now)
            return
        note = ("The decision deadline was reached without a decision; resolved for the customer. / "
                "Karar süresi karar verilmeden doldu; başvuru müşteri lehine sonuçlandırıldı.")
        self.decide(
            actor, self.for_the_customer, ReasonCode.DEADLINE_REACHED, note, None, now, pay_all=True,
            appeal_window=appeal_window,
        )

    @property
    def for_the_customer(self) -> Outcome:
        """What resolving for the customer gives: their preference, a refund when the items cannot be shipped again."""
        reship = self.preferred_resolution is Resolution.RESHIP and self.order.reshippable
        return Outcome.RESHIP if reship else Outcome.REFUND

    def request_evidence(self, actor: Actor, now: datetime, push_only: AbstractSet[str] = frozenset()) -> None:
        """Ask the carrier for its proof again (a pull). Refused for a parcel whose carrier offers no pull here
        (`push_only`): nothing would ask it, and the case would wait for a push with nothing due."""
        actor.require(Role.INVESTIGATOR, Role.SUPERVISOR)
        if not self.is_active:
            raise EvidenceRequestsClosed(f"A {self.status.value} dispute takes no more evidence requests.")
        if self.order.carrier in push_only and not self.order.is_digital:
            raise CarrierHasNoPull(
                f"{self.order.carrier} offers no pull here, so it cannot be asked from this case: ask the carrier to "
                "push its proof again; it reaches the case as soon as it is pushed.",
                carrier=self.order.carrier,
            )
        self.evidence_pull_due = now
        action = Action.AWAIT_EVIDENCE if allowed(self.status, Action.AWAIT_EVIDENCE) else None
        self._apply(actor, "evidence_requested", now, action, {})

    def assign(self, actor: Actor, assignee: str, now: datetime, assignee_role: Role | None = None) -> bool:
        """Whether anything changed: a case taken again by whom it is assigned to (a retry, a second click) records
        nothing, unless taking it starts its review. A case handed to the supervisors goes to one only: taken by one,
        or given to one (`assignee_role`, the directory's; None where it is not known, as when a form is tried); an
        investigator who held it from before the hand-over may only repeat a take that changes nothing."""
        actor.require(Role.INVESTIGATOR, Role.SUPERVISOR)
        if assignee != actor.id and actor.role is not Role.SUPERVISOR:
            raise Forbidden("Only a supervisor may assign a case to someone else.")
        if not self.is_active:
            raise NotAssignable(f"A {self.status.value} dispute cannot be assigned.")
        if self.assignee not in (None, actor.id, assignee) and actor.role is not Role.SUPERVISOR:
            raise AssignedToAnother("The case is assigned to another investigator.", assignee=self.assignee)
        role = actor.role if assignee == actor.id else assignee_role
        action = Action.START_REVIEW if self.status in TAKING_STARTS_REVIEW else None
        changes = assignee != self.assignee or action is not None
        if self.needs_supervisor and role not in (None, Role.SUPERVISOR) and changes:
            raise AwaitsSupervisor("This case waits for a supervisor; a supervisor takes it.")
        if not changes:
            return False
        previous = self.assignee
        self.assignee = assignee
        self._apply(actor, "assigned", now, action, {"assignee": assignee, "previous": previous})
        self._route_appeal()
        return True

    def release(self, actor: Actor, now: datetime) -> None:
        actor.require(Role.INVESTIGATOR, Role.SUPERVISOR)
        if self.assignee is None:
            raise NotAssigned("The case is not assigned.")
        if self.assignee != actor.id and actor.role is not Role.SUPERVISOR:
            raise Forbidden("Only the assignee or a supervisor may release a case.")
        previous, self.assignee = self.assignee, None
        self._apply(actor, "released", now, None, {"previous": previous})

    def add_note(self, actor: Actor, text: str, now: datetime) -> None:
        actor.require(Role.INVESTIGATOR, Role.SUPERVISOR)
        self._require_room_to_write("note_added", text)
        self._apply(actor, "note_added", now, None, {"text": text})

    def _require_room_to_write(self, action: str, text: str) -> None:
        """Room for staff's note or message (`action`, one of `STAFF_WRITINGS`) saying `text`: at most
        `MAX_STAFF_WRITINGS` of them, holding at most `STAFF_WRITING_BYTES` as stored."""
        self._require_not_anonymised()
        written = [entry for entry in self.timeline if entry.action in STAFF_WRITINGS]
        if len(written) >= MAX_STAFF_WRITINGS:
            raise TooManySubmissions(
                f"A case holds at most {MAX_STAFF_WRITINGS} notes and messages from staff; summarise in the decision."
            )
        held = sum(_stored_bytes(entry.action, entry.details["text"]) for entry in written)
        if held + _stored_bytes(action, text) > STAFF_WRITING_BYTES:
            raise CaseFull(
                f"The case holds as much writing from staff as it may ({STAFF_WRITING_BYTES // 1024 // 1024} MiB as "
                "stored); summarise in the decision, or write shorter."
            )

    def decide(
        self,
        actor: Actor,
        outcome: Outcome,
        reason_code: ReasonCode,
        note: str,
        refund_to: RefundDestination | None,
        now: datetime,
        override_reason: str | None = None,
        line_outcomes: Sequence[tuple[str, Outcome, int]] = (),
        high_value_minor: int | None = None,
        pay_all: bool = False,
        appeal_window: timedelta = APPEAL_WINDOW,
    ) -> None:
        """`line_outcomes` (missing-item claims, digital orders): (sku, outcome, quantity) per claimed line, to refund,
        reship or reject that many of it; what is not named (a line, or the rest of a line's quantity) is rejected. None
        named: every claimed line gets `outcome` in full, except on a digital order, where it pays what
        `_as_recommended` says, unless `pay_all` (the deadline rule's decision, for the customer). A later decision
        (after an appeal or a reopening) decides only the units no earlier one refunded or reshipped; a whole package
        once compensated can only be rejected.
        `high_value_minor`: the policy's threshold of a high-value order, whose parcel is rejected only on a signed
        proof (`DisputeService.high_value_minor`; None: no such rule, as for the policy's own decisions, which never
        reject a high-value order).
        `appeal_window`: the business's (`Rules.appeal_window`), whose end the decision's message to the customer
        names when the decision rejects something.
        A question to the customer still open closes unanswered with the decision (expired, on the timeline and the
        thread, as the sweeper closes one): no answer is awaited any more, and a message after it answers nothing."""
        actor.require(Role.INVESTIGATOR, Role.SUPERVISOR, Role.SERVICE)
        self._check_may_decide(actor, outcome)
        unsigned_rejection = outcome is Outcome.REJECTED and self._high_value_unsigned(high_value_minor)
        if unsigned_rejection:
            self._check_may_reject_unsigned(actor, override_reason)
        advised = AUTOMATIC.get(self.recommendation.action) if self.recommendation else None
        overridden = unsigned_rejection or (advised is not None and advised is not outcome)
        if overridden and actor.role is not Role.SERVICE and not override_reason:
            raise OverrideReasonRequired(
                f"The policy recommends '{advised.value if advised else ''}'; deciding otherwise needs an override_reason."
            )
        if (outcome is Outcome.REJECTED) != (reason_code in REJECTION_REASONS):
            raise ReasonDoesNotFitOutcome(f"Reason '{reason_code.value}' does not fit outcome '{outcome.value}'.")
        if outcome is Outcome.REJECTED and reason_code not in self.rejection_reasons:
            raise ReasonDoesNotFitClaim(f"Reason '{reason_code.value}' does not fit this claim: a rejection of it gives "
                                        f"'{self.rejection_reason.value}'.")
        if outcome is not Outcome.REJECTED and reason_code not in (fitting := self.compensation_reasons):
            raise ReasonDoesNotFitClaim(f"Reason '{reason_code.value}' does not fit this claim: a {outcome.value} of it "
                                        f"gives one of {', '.join(sorted(r.value for r in fitting))}.")
        left = self.uncompensated()
        if outcome is not Outcome.REJECTED and (issued := self.compensation) is not None and self.compensation_issued:
            raise CompensationAlreadyIssued(
                "Every unit claimed was already refunded or reshipped." if self.paid_per_line
                else f"A {issued.value} was already issued for this dispute."
            )
        lines = self._line_outcomes(outcome, line_outcomes, left, pay_all)
        if Outcome.RESHIP in {outcome, *(line.outcome for line in lines)} and not self.order.reshippable:
            raise NotReshippable("These items cannot be shipped again; decide a refund instead.")
        if outcome is not Outcome.REJECTED and (beyond := self._beyond_evidence(lines, left)):
            if actor.role is not Role.SERVICE and not override_reason:
                raise OverrideReasonRequired(
                    f"The evidence does not show as many of {', '.join(beyond)} missing as this pays (a packing "
                    "record's count, an activated code or link): paying beyond it is deciding against the "
                    "recommendation and needs an override_reason."
                )
            overridden = True
        if outcome is not Outcome.REJECTED and (unsure := self._maybe_applied(lines)):
            self._check_may_pay_again(actor, override_reason, unsure)
            overridden = True
        refunds = outcome is Outcome.REFUND or any(line.outcome is Outcome.REFUND for line in lines)
        destination = (refund_to or RefundDestination.ORIGINAL_PAYMENT) if refunds else None
        if (waiting := self.open_information_request) is not None:  # decided without it: no answer is awaited any more
            self._expire(SYSTEM, waiting, now)
        self.decisions += 1
        self.decision = decision = Decision(
            outcome=outcome,
            reason_code=reason_code,
            note=note,
            refund_to=destination,
            decided_by=actor.id,
            decided_by_role=actor.role,
            decided_at=now,
            sequence=self.decisions,
            recommended=self.recommendation.action.value if self.recommendation else None,
            lines=lines,
            overridden=overridden,
            override_reason=override_reason,
            decision_due=self.sla.decision_due,
            appeal_ends=now + appeal_window,
        )
        if outcome is not Outcome.REJECTED:
            self.compensation = outcome
            self.compensated_lines.extend(
                CompensatedLine(**line.model_dump(), decision=decision.sequence)
                for line in lines if line.outcome is not Outcome.REJECTED
            )
        # the timeline keeps every decision in full: a later one (after an appeal or a reopening) replaces `decision`
        self._apply(actor, "decided", now, Action.RESOLVE, decision.model_dump(mode="json"))
        self._queue_decision_effects(appeal_window)

    def withdraw(self, actor: Actor, reason: str | None, now: datetime) -> None:
        """The customer found it: a case never decided closes, and a question put to them expires with it (no answer
        is awaited any more; a supervisor's restoration starts a new review, whose questions are asked anew). A
        decided one keeps its decision, even while an appeal or a reopening reviews it: withdrawn, it would free the
        shipment for a new dispute."""
        self._require_customer_side(actor)
        if self.decision is not None:
            again = " and is under review again" if self.is_active else ""
            raise DecisionStands(
                f"This dispute was decided ({self.decision.outcome.value}){again}; it can no longer be withdrawn."
                + (" Tell the investigator in a message instead." if again else "")
            )
        if (waiting := self.open_information_request) is not None:
            self._expire(SYSTEM, waiting, now)
        self._apply(actor, "withdrawn", now, Action.WITHDRAW, {"reason": reason})
        self._tell("dispute_withdrawn", now)

    def file_appeal(
        self, actor: Actor, statement: str, now: datetime, window_ends: datetime, images: Sequence[CustomerImage] = ()
    ) -> None:
        """A decision that rejected the claim, or some of the units claimed, is appealed once, within its window, with
        a new explanation (not the claim's statement again) and images; the review that follows may pay only what no
        decision paid. So a rejection that came after everything claimed (the package, or every missing unit) was
        refunded or reshipped leaves nothing to appeal (`compensation_issued`)."""
        self._require_customer_side(actor)
        if self.decision is None or not rejects_any(self.decision) or self.compensation_issued:
            raise NotRejected(
                "Only a rejected dispute (in whole or in part) whose claim was not already refunded or reshipped in full "
                "can be appealed."
            )
        if self.appeal is not None:
            raise AlreadyAppealed("This dispute was already appealed once.")
        if now > window_ends:
            raise AppealWindowClosed("The appeal window has closed.", window_ended_at=timestamp_text(window_ends))
        if _same_words(statement, self.statement):
            raise StatementRepeated(
                "This is the statement the claim was made with: an appeal needs a new explanation, saying what the "
                "decision missed."
            )
        self._add_customer_evidence(actor, SubmissionKind.APPEAL, statement, images, now)
        self.before_appeal = BeforeAppeal(
            sla=self.sla, escalated=self.escalated, priority=self.priority, first_response_watch=self.first_response_watch,
            assignee=self.assignee, needs_supervisor=self.needs_supervisor,
        )
        self._apply(actor, "appealed", now, Action.APPEAL, {"statement": statement, "images": _refs(images)})
        self.appeal = Appeal(statement=statement, appealed_at=now)
        self._route_appeal()

    def add_information(
        self, actor: Actor, statement: str, images: Sequence[CustomerImage], now: datetime, escalate_before: timedelta,
        calendar: BusinessCalendar,
    ) -> None:
        """The customer (or an agent for them) adds an explanation and images to the open case (their answer, while
        a question to them is open); the policy looks at the case again."""
        self._require_customer_side(actor)
        if not self.is_active:
            raise CaseClosed(f"A {self.status.value} dispute takes no more information.")
        self._add_customer_evidence(actor, SubmissionKind.INFORMATION, statement, images, now)
        details = {"statement": statement, "images": _refs(images)}
        self._customer_says(actor, "information_added", details, now, escalate_before, calendar)
        self._tell("information_received", now)

    def remove_submission(
        self, actor: Actor, index: int, reason: str, now: datetime, escalate_before: timedelta,
        calendar: BusinessCalendar, accessible_due: datetime,
    ) -> bool:
        """Take information or an appeal sent to the wrong customer's case off it: its statement reads
        `REMOVED_STATEMENT` (in the thread too), its images are deleted (a marker each in `deleted_images`, their copies
        recorded for deletion, which makes retention due at once), the policy reads the case again without it, and it
        no longer counts toward `MAX_SUBMISSIONS`. A question it was taken as the answer to is no longer answered
        (`_unanswer`; `accessible_due`, the current review's deadline for an accessibility need, as
        `declare_accessibility_need` takes it); an appeal is undone while its review is under way (`_undo_appeal`). A supervisor may, and the
        agent who relayed it within `REMOVAL_WINDOW`. The timeline says who and why, not what was removed. False (no
        change) when it was taken off already."""
        if actor.role is not Role.SUPERVISOR and actor.role is not Role.AGENT:
            raise Forbidden("A supervisor, or the agent who sent it within minutes, takes a submission off a case.")
        if self.anonymised_at is not None:
            raise CaseAnonymised("The case's personal data was anonymised: nothing it held is left to take off.")
        if index >= len(self.customer_evidence):
            raise UnknownSubmission(f"The case holds {len(self.customer_evidence)} submission(s), counted from 0.")
        added = self.customer_evidence[index]
        if added.removed_at is not None:
            return False
        if actor.role is Role.AGENT and (added.submitted_by != actor.id or now > added.submitted_at + REMOVAL_WINDOW):
            raise Forbidden(f"An agent takes off only what they sent, within {REMOVAL_WINDOW.total_seconds() / 60:.0f} minutes; "
                            "ask a supervisor.")
        self.customer_evidence[index] = added.model_copy(update={
            "statement": REMOVED_STATEMENT, "images": [], "removed_at": now, "deleted_images": [
                *added.deleted_images, *(DeletedImage(media_type=i.media_type, size=i.size) for i in added.images)
            ],
        })
        if uncited := {image.ref for image in added.images}.difference(self.stored_refs()):
            self.copies_to_delete = sorted(uncited.union(self.copies_to_delete))
        answered = next((e.details.get("reply_to") for e in self.timeline if _records(e, added)), None)
        self.timeline = [_without_submission(entry, added) for entry in self.timeline]
        if self.is_active:
            self.assess_due = now
        question = {} if answered is None else self._unanswer(answered, now, calendar, escalate_before, accessible_due)
        before = self.status
        appeal = self._undo_appeal(added, now) if added.kind is SubmissionKind.APPEAL else {}
        self.updated_at = now
        self._record(actor, "submission_removed", before if self.status is not before else None,
                     self.status if self.status is not before else None, {
            "submission": index, "images_removed": len(added.images), "reason": reason, **question, **appeal,
        })
        if question and self.is_active:
            self._schedule_sla_check(escalate_before)
        if appeal.get("appeal") == "undone":  # told it was received: the decision stands, and may still be appealed
            from disputes.next_step import appeal_removed  # it reads the Dispute this module defines

            en, tr = appeal_removed(self, APPEAL_WINDOW, now)
            self._notify("appeal_removed", tr, en)
        if "question_reopened" in question and (waiting := self.open_information_request) is not None:
            en, tr = information_requested(waiting.question, waiting.answer_by, self.sla.decision_due)
            self._notify("information_requested", tr, en)
        return True

    def _undo_appeal(self, added: CustomerEvidence, now: datetime) -> dict[str, str]:
        """The appeal `added` was another customer's: while its review is under way (nothing decided or reopened
        since), it is undone: the case is resolved again by the decision appealed, as it was closed then, the appeal
        no longer counted (the customer may still appeal within the decision's window), the review's deadlines no
        longer watched, a question it asked closed unanswered, and its deadlines, priority, assignee and supervisor's
        routing put back as they were when it came (`before_appeal`), and what the service said of its review and has not
        sent yet taken back (`REVIEW_NOTICES`, `taken_back`; those parked stay parked, on record, and are never sent
        again: `moved_past`) (`appeal: undone`). Once decided or reopened since, its
        review stands, the appeal counted, its words gone (`appeal: stands`)."""
        assert self.appeal is not None and self.decision is not None  # a case takes an appeal on a decision only
        if not self.is_active or self.review_started_at != added.submitted_at:
            self.appeal = self.appeal.model_copy(update={"statement": REMOVED_STATEMENT})
            return {"appeal": "stands"}
        if (waiting := self.open_information_request) is not None:
            self.information_requests[-1] = waiting.model_copy(update={"expired_at": now})
        if (before := self.before_appeal) is not None:
            self.sla, self.escalated, self.priority = before.sla, before.escalated, before.priority
            self.first_response_watch, self.assignee = before.first_response_watch, before.assignee
            self.needs_supervisor, self.before_appeal = before.needs_supervisor, None
        elif next(e for e in reversed(self.timeline) if e.action == "appealed").details.get("needs_supervisor"):
            self.needs_supervisor = False  # appealed before the case kept its state: only this routing is known
        self._taken_back = tuple(
            m.id for m in self.outbox
            if m.created_at >= added.submitted_at and m.attempts == 0 and m.tried_at is None and _notice(m) in REVIEW_NOTICES
        )
        self.appeal = None
        self.status = Status.RESOLVED
        self.closed_at = self.decision.decided_at
        self.evidence_pull_due = self.sla_check_due = self.assess_due = None
        return {"appeal": "undone"}

    def _unanswer(
        self, request_id: str, now: datetime, calendar: BusinessCalendar, escalate_before: timedelta,
        accessible_due: datetime,
    ) -> dict[str, str]:
        """The question `request_id` was answered by a submission taken off the case: no longer answered. The current
        review's latest question, its time to answer still running, is open again, the customer asked again and the
        decision deadline paused again for the whole wait, as when it was asked (`question_reopened`); its time to
        answer over, it is closed as unanswered, as the sweeper closes it, its deadline moved by the whole wait
        (`question_expired`); either way, with an accessibility need, no later than the need's deadline moved on
        by this review's pauses, as when it was recorded. An earlier one (a later question was asked since, or the case was decided or closed
        since) is closed as unanswered and the deadline stays as it is."""
        at = next(i for i, r in enumerate(self.information_requests) if r.id == request_id)
        question = self.information_requests[at]
        current = self.is_active and at == len(self.information_requests) - 1 and question.asked_at >= self.review_started_at
        if current:
            self._move_decision_due(
                _paused_by(calendar, question.decision_due_before, question.asked_at, question.answer_by)
            )
        reopened = current and now < question.answer_by
        self.information_requests[at] = question.model_copy(
            update={"answered_at": None} if reopened else {"answered_at": None, "expired_at": now}
        )
        if current and self.accessibility_need:
            self._bring_decision_forward(calendar.add_business_time(accessible_due, self._paused(calendar)), calendar,
                                         escalate_before, now)
        if reopened:
            return {"question_reopened": request_id, "decision_due": timestamp_text(self.sla.decision_due)}
        return {"question_expired": request_id}

    def stored_refs(self) -> list[str]:
        """What the case holds in the attachment store by reference: carriers' images and raw replies, the customer's
        images (what retention deletes once the case has been closed long enough)."""
        refs = {image.ref for added in self.customer_evidence for image in added.images}
        return sorted(refs.union(*(e.proof.stored_refs() for e in self.evidence)))

    def clock_advanced(self, actor: Actor, since: datetime, now: datetime) -> None:
        """(Sandbox) `actor` moved the case's test clock from `since` to `now`: recorded when it moved."""
        if now != since:
            self._apply(actor, "clock_advanced", now, None, {"from": timestamp_text(since), "to": timestamp_text(now)})

    def delete_stored_copies(self, now: datetime) -> None:
        """Retention deletes the stored images and raw replies, recorded here first (then a change made meanwhile,
        such as a reopening, leaves them stored and cited): the case keeps a marker for each image (kind, media
        type and size; no reference, no file name), its findings stay but link no attachment, and the timeline
        says so (at the case's time: its clock's on a test clock). Findings about a signature or photo stay true:
        the proof held one. The references wait in `copies_to_delete` until the copies are deleted."""
        now = self.test_clock.time if self.test_clock is not None else now
        self.copies_to_delete = sorted({*self.copies_to_delete, *self.stored_refs()})
        self.evidence = [e.model_copy(update={"proof": e.proof.with_stored_copies_deleted()}) for e in self.evidence]
        self.customer_evidence = [
            added.model_copy(update={"images": [], "deleted_images": [
                *added.deleted_images, *(DeletedImage(media_type=i.media_type, size=i.size) for i in added.images)
            ]}) for added in self.customer_evidence
        ]
        if self.recommendation is not None:
            findings = [f.model_copy(update={"evidence": [c.model_copy(update={"attachment": None}) for c in f.evidence]})
                        for f in self.recommendation.findings]
            self.recommendation = self.recommendation.model_copy(update={"findings": findings})
        self.images_deleted_at = now
        self._apply(SYSTEM, "images_deleted", now, None, dict(IMAGES_DELETED))

    def stored_copies_deleted(self) -> None:
        """Retention deleted the copies `delete_stored_copies` recorded (those nothing else still needs)."""
        self.copies_to_delete = []

    def anonymisation_due(self, keep: timedelta) -> datetime | None:
        """When the case's personal data is anonymised (`anonymise`): `keep` after it closed, once; on a test clock,
        once the clock has reached that (the real retention worker then takes it)."""
        if self.anonymised_at is not None or self.closed_at is None or self.is_active:
            return None
        at = self.closed_at + keep
        due = at if self.test_clock is None else self.test_clock.due(at)
        return due if due is None or self.anonymise_after is None else max(due, self.anonymise_after)

    def hold_anonymisation(self, now: datetime) -> bool:
        """Whether anonymising must wait, and till when (`anonymise_after`): messages of the case still wait for
        delivery (due again in an hour), or its opening's Idempotency-Key is live at `now` (the real time, whatever
        the case's clock says: a retried opening gets its first answer, not a second case, for the key's whole life;
        due again when it expires)."""
        waits = [now + timedelta(hours=1)] if self.outbox else []
        if self.idempotency is not None and self.idempotency.expires_at > now:
            waits.append(self.idempotency.expires_at)
        if not waits:
            return False
        self.anonymise_after = max(waits)
        return True

    def retention_work_due(self, keep: timedelta, personal_data: timedelta) -> datetime | None:
        """When retention is next due for the case: the earlier of its two stages, deleting the stored copies `keep`
        after closing (`retention_due`) and anonymising the personal data `personal_data` after it
        (`anonymisation_due`)."""
        due = [at for at in (self.retention_due(keep), self.anonymisation_due(personal_data)) if at is not None]
        return min(due, default=None)

    def anonymise(self, now: datetime) -> None:
        """Replace or remove the case's personal data (`disputes/anonymise.py`), everywhere it is held, the records
        storage alone appends to as well (the storage writes those itself); ids, amounts, outcomes, reason codes and
        times stay. The key a first answer was kept under goes with the answer, expired (`hold_anonymisation`). A case whose customer
        declared an accessibility need reads like one whose customer did not: the flag false, the opening's mark and
        an agent's record of it gone from the timeline, the priority it raised as `kept_priority` reads it (in the
        staff alerts kept with the case too); its decision deadline stays. The timeline says so."""
        now = self.test_clock.time if self.test_clock is not None else now
        stored = self.model_dump()
        kept = anonymised(stored)
        kept["timeline"] = anonymised_timeline(stored["timeline"], ACCESSIBLE_PRIORITY)
        kept["priority"] = kept_priority(self.priority, ACCESSIBLE_PRIORITY)
        for message in (*kept["outbox"], *kept["effects_parked"]):
            if message["kind"] == EffectKind.STAFF_ALERT and isinstance(message["payload"].get("priority"), int):
                message["payload"]["priority"] = kept_priority(message["payload"]["priority"], ACCESSIBLE_PRIORITY)
        kept["attachment_views"] = [anonymised_view(view) for view in kept["attachment_views"]]
        if kept["restriction"] is not None:
            kept["restriction"] = anonymised(kept["restriction"], FREE_REASONS)
        kept["idempotency"] = None
        fresh = Dispute.model_validate(kept)
        for name in type(self).model_fields:
            setattr(self, name, getattr(fresh, name))
        self.anonymised_at = now
        self._apply(SYSTEM, "personal_data_anonymised", now, None, {})

    def reopen(self, actor: Actor, reason: str, now: datetime) -> None:
        """A supervisor reviews a resolved case again, or restores a withdrawn one (withdrawn by mistake): its
        carrier is asked again for the proof it has not given, unless its evidence deadline passed before, and the
        case awaits it (`awaiting_evidence`)."""
        actor.require(Role.SUPERVISOR)
        self._require_not_anonymised()  # no name nor address left to ship to or judge by
        asks_carrier = self.status is Status.WITHDRAWN and not (self.has_delivery_proof or self.proof_missing)
        self.third_party_check_by = None  # no time to check with a third party in a review a supervisor reopened
        action = Action.AWAIT_EVIDENCE if asks_carrier else Action.REOPEN
        self._apply(actor, "reopened", now, action, {"reason": reason})
        if asks_carrier:
            self.evidence_pull_due = now

    def _kept_words(self, reason: str) -> str:
        """A supervisor's reason as the case keeps it: none on an anonymised case, where nothing would anonymise it
        (its flags are still cleared and its account restriction still lifted, which only it can do)."""
        return ANONYMISED if self.anonymised_at is not None else reason

    def _require_not_anonymised(self) -> None:
        """Refuse a change to a case whose personal data was anonymised: none is left to review it by, and nothing
        written on it now (a note, a reason) would ever be anonymised."""
        if self.anonymised_at is not None:
            raise CaseAnonymised("The case's personal data was anonymised: it is not reviewed again, and takes nothing "
                                 "more written on it.")

    @property
    def compensation_issued(self) -> bool:
        """Every unit claimed (the package, or each missing line) was refunded or reshipped by a decision whose effect
        was not parked: it is pending or delivered, so a later decision may only reject. A parked one was not issued
        (`docs/downstream.md`). The package's is found by each decision's key that may have issued it (only the latest
        compensating one stands); one no effect list holds (stored before they were kept) was issued."""
        if self.compensation is None:
            return False
        if self.paid_per_line:
            return not any(self.uncompensated().values())
        keys = self._package_keys()
        issued = {m.key for m in self.outbox} | {e.key for e in self.effects_delivered}
        return not keys.intersection(self._parked_compensations()) or bool(keys & issued)

    def _package_keys(self) -> set[str]:
        """The keys of every refund or reshipment of the whole package a decision may have issued."""
        outcomes = (Outcome.REFUND, Outcome.RESHIP)
        return {self.compensation_key(n, o) for n in range(1, self.decisions + 1) for o in outcomes}

    def uncompensated(self) -> dict[str, int]:
        """Per claimed line (`claimed_lines`), the units no decision has refunded or reshipped, counting no line whose
        effect was parked. A missing-item claim compensated before its lines were kept (no `compensated_lines`) has
        none: it was compensated when any later decision could only reject; nor has a digital order paid as a whole,
        unless that refund was parked."""
        if self.compensation is not None and not self.compensated_lines and (self.partial or self.compensation_issued):
            return {m.sku: 0 for m in self.claimed_lines}
        parked = self._parked_compensations()
        paid = Counter[str]()
        for line in self.compensated_lines:
            if self.compensation_key(line.decision, line.outcome, line.sku) not in parked:
                paid[line.sku] += line.quantity
        return {m.sku: m.quantity - paid[m.sku] for m in self.claimed_lines}

    def _parked_compensations(self) -> dict[str, OutboxMessage]:
        """The refunds and reshipments the relay parked, by key."""
        return {m.key: m for m in self.effects_parked if m.kind in COMPENSATIONS}

    def _maybe_applied(self, lines: Sequence[LineOutcome]) -> list[str]:
        """The keys of parked refunds and reshipments that may have been applied (they ran out of attempts, the service
        never answering, were refused on a retry after an attempt that may have been, or were parked before the reason
        was kept) of the units a decision pays again: the package, or its `lines`' SKUs and the package's too, whose
        units are every line's (a digital order refunded as a whole before its lines were paid apart)."""
        unsure = {key for key, m in self._parked_compensations().items() if not (m.parked and m.parked.did_not_happen)}
        if not self.paid_per_line:
            return sorted(unsure)
        skus = {line.sku for line in lines if line.outcome is not Outcome.REJECTED}
        keys = (self.compensation_key(line.decision, line.outcome, line.sku) for line in self.compensated_lines
                if line.sku in skus)
        package = sorted(unsure & self._package_keys()) if skus else []
        return package + [key for key in keys if key in unsure]

    def _check_may_pay_again(self, actor: Actor, override_reason: str | None, unsure: Sequence[str]) -> None:
        """Paying again units whose parked refund or reshipment may have been applied needs a supervisor who checked
        it with the service, and says so in an override_reason: the new decision's key is new, so the service would
        not see a second payment as the first one again."""
        keys = ", ".join(unsure)
        if actor.role is not Role.SUPERVISOR:
            raise Forbidden(
                f"A refund or reshipment of this case got no answer before it was parked ({keys}), so it may have been "
                "applied: a supervisor checks it with the service, then decides with an override_reason."
            )
        if not override_reason:
            raise OverrideReasonRequired(
                f"A refund or reshipment of this case got no answer before it was parked ({keys}), so it may have been "
                "applied: check with the service that it was not, and say so in an override_reason."
            )

    def parked_alert(self, parked: OutboxMessage, held: Sequence[OutboxMessage]) -> OutboxMessage | None:
        """The staff alert queued in the write that parks `parked` (dated and with its reason) and `held` with it:
        the case, the effect and its key, why, and what a person does now. None for a staff alert: its own alert would
        go the same way."""
        if parked.kind is EffectKind.STAFF_ALERT or parked.parked_at is None or parked.parked is None:
            return None
        reason: ParkedReason = (
            "refused" if parked.parked is ParkReason.REFUSED
            else "refused_on_retry" if parked.parked is ParkReason.REFUSED_ON_RETRY
            else "never_reached" if parked.parked is ParkReason.NEVER_REACHED
            else "credentials_refused" if parked.parked is ParkReason.CREDENTIALS_REFUSED else "out_of_attempts"
        )
        effect = ParkedEffect(
            kind=parked.kind.value, key=parked.key, reason=reason, error=parked.last_error,
            held=[m.kind.value for m in held], to_do=_TO_DO[parked.kind in COMPENSATIONS, reason],
        )
        alert = StaffAlert(
            dispute_id=self.id, reason="effect_parked", decision_due=self.sla.decision_due, priority=self.priority,
            parked=effect,
        )
        return OutboxMessage(
            id=token_hex(16), kind=EffectKind.STAFF_ALERT, key=self._alert_key(parked),
            payload=alert.model_dump(mode="json"), created_at=parked.parked_at, traceparent=tracing.current(),
            tracestate=tracing.state(),
        )

    @property
    def decision_undelivered(self) -> bool:
        """The latest decision's message to the customer, or the one told in its place (`decision_told_instead`), was
        parked for itself and none of them is on its way or delivered: the customer may not know of the decision."""
        if self.decision is None:
            return False
        told = f"{self.id}:d{self.decision.sequence}:decision_made"
        keys = {told, f"{told}:held"}
        if any(m.key in keys for m in self.outbox) or any(e.key in keys for e in self.effects_delivered):
            return False
        return any(m.key in keys and m.parked is not ParkReason.HELD for m in self.effects_parked)

    def _alert_key(self, parked: OutboxMessage) -> str:
        """The key of the staff alert about `parked`: one per parking, so the alert about an effect parked again after
        a supervisor sent it again (`resend_effect`) is not taken for the first one."""
        sent_again = sum(1 for e in self.timeline if e.action == "effect_resent" and e.details["message"] == parked.id)
        return f"{self.id}:parked:{parked.id}" + (f":{sent_again}" if sent_again else "")

    def resend_effect(self, actor: Actor, effect: str, reason: str, now: datetime) -> bool:
        """A supervisor sends a parked effect (`effect`: its id or its key) again, with a reason, once what made its
        service refuse it or not answer is put right: it goes back to the outbox as it was, under its key, which its
        service dedupes, with all its attempts ahead of it (`_sent_again`), and with it, after it, the messages parked
        only because they waited for it (`_held_behind`: the customer's message of an account restriction, held with
        it), and the timeline says who, why, how it had been parked and what went with it (its parking leaves
        `effects_parked`, so the relay's entry for it with it). Refused: a refund or reshipment (a supervisor reopens
        the case and decides again, which checks whether it may have been paid), a message held with another (it goes
        when that one is sent again), and one the case has moved past (`moved_past`). Whether anything changed: a call
        again for one already sent again, or gone with one sent again (pending or delivered since), changes nothing."""
        actor.require(Role.SUPERVISOR)
        self._require_not_anonymised()  # its messages' personal data was anonymised: nothing left to send
        message = next((m for m in self.effects_parked if effect in (m.id, m.key)), None)
        if message is None:
            named = {m.key for m in self.outbox if effect in (m.id, m.key)}
            named |= {e.key for e in self.effects_delivered if effect in (e.id, e.key)}
            if any(e.action == "effect_resent" and named.intersection([e.details["key"], *(e.details.get("held") or ())])
                   for e in self.timeline):
                return False
            raise UnknownParkedEffect(f"No effect of this case by id or key {effect!r} is parked.")
        if message.kind in COMPENSATIONS:
            raise EffectNotResendable(
                f"A {message.kind.value} is not sent again by itself: reopen the case and decide again, which issues a "
                "new one under the new decision's key (an override_reason says whether the parked one may have been "
                "applied).", kind=message.kind.value,
            )
        if message.parked is ParkReason.HELD:
            raise EffectNotResendable(
                f"It was never sent: it {(message.last_error or '').removeprefix('held: ')}. Act on that one (a "
                "message sent again takes those held with it along).", kind=message.kind.value,
            )
        if past := self.moved_past(message):
            raise EffectMovedPast(f"The case has moved past it: {past}.", kind=message.kind.value)
        held = self._held_behind(message)
        self._apply(actor, "effect_resent", now, None, {
            "effect": message.kind.value, "key": message.key, "message": message.id, "reason": reason,
            "parked": message.parked.value if message.parked else None, "parked_at": message.parked_at,
            "tried_at": message.tried_at, "error": message.last_error, "held": [m.key for m in held] or None,
        })
        again = [_sent_again(m) for m in (message, *held)]
        gone = {m.id for m in again}
        self.effects_parked = [m for m in self.effects_parked if m.id not in gone]
        self.outbox.extend(again)
        self._unsaved.extend(again)
        self._resent = (*self.resent, *(m.id for m in again))
        return True

    def moved_past(self, message: OutboxMessage) -> str | None:
        """Why the case has moved past a message, so it is never sent again (`resend_effect`), or None: a decision's
        message (`<id>:d<n>:decision_made`, or the one told in its place) once the case is no longer resolved by that
        decision (a later decision was taken, or it was appealed, reopened or withdrawn since: the customer was told
        so, and its next decision tells them); a question to the customer (`information_requested`) no longer open,
        or asked again since (answered, expired, withdrawn with its review); what the service said of a review as it
        went (`REVIEW_NOTICES`: an appeal received, staff alerts of its deadlines) once that review is over (decided,
        undone, withdrawn) or another began."""
        notice = _notice(message)
        if notice == "decision_made":
            latest = self.decision and f"{self.id}:d{self.decision.sequence}:decision_made"
            if latest is None or message.key not in (latest, f"{latest}:held") or self.status is not Status.RESOLVED:
                return "the decision it tells of is no longer the case's (decided again, appealed, reopened or withdrawn since)"
            return None
        if notice == "information_requested":
            waiting = self.open_information_request
            if waiting is None or message.created_at < waiting.asked_at:
                return "the question it asks is no longer open"
            return None
        if notice in REVIEW_NOTICES and (not self.is_active or message.created_at < self.review_started_at):
            return "the review it speaks of is over"
        return None

    def _held_behind(self, message: OutboxMessage) -> list[OutboxMessage]:
        """The messages parked only because they waited for `message`, directly or through one another
        (`disputes/relay.py`'s `waiting_for`, inverted): each waits for nothing else still parked, and the case has not
        moved past it (`moved_past`)."""
        parked_ids, going = {m.id for m in self.effects_parked}, {message.id}
        held = []
        for m in self.effects_parked:
            parked = parked_ids.intersection(m.waits_for)
            if m.parked is ParkReason.HELD and parked and parked <= going and self.moved_past(m) is None:
                going.add(m.id)
                held.append(m)
        return held

    def decision_told_instead(self, parked: Sequence[OutboxMessage], appeal_window: timedelta) -> OutboxMessage | None:
        """The customer's message queued in the write that parks `parked` (dated) when it holds the latest decision's
        message back with the refund or reshipment it waits for: what the customer's view of the decided case says
        once they are parked (`disputes/next_step.py`: which refund or reshipment is delayed and that our team will
        contact them, the lines rejected and until when they may be appealed), as at the parking. Its key is the
        decision's (`<id>:d<n>:decision_made:held`), so however often it is queued the customer is told once. It waits
        for what the held message waited for that is still pending: one of those parked in turn holds it back and
        queues it again, so it never tells of a refund or reshipment on its way that is not. None when no such message
        is held (a notification parked for itself, or a case no longer decided: its next decision tells)."""
        decision = self.decision
        if decision is None or self.status is not Status.RESOLVED:
            return None
        told = f"{self.id}:d{decision.sequence}:decision_made"
        held = [m for m in parked if m.parked is ParkReason.HELD and m.key in (told, f"{told}:held")]
        if not held or (at := held[0].parked_at) is None:
            return None
        from disputes.next_step import next_step  # it reads the Dispute this module defines

        gone = {m.id for m in parked}
        after = self.model_copy(update={
            "outbox": [m for m in self.outbox if m.id not in gone], "effects_parked": [*self.effects_parked, *parked],
        })
        en, tr = next_step(after, appeal_window, at)
        pending = {m.id for m in after.outbox}
        waits_for = dict.fromkeys(i for m in held for i in m.waits_for if i in pending)
        return OutboxMessage(
            id=token_hex(16), kind=EffectKind.NOTIFICATION, key=f"{told}:held",
            payload=self._notification("decision_made", tr, en), created_at=at, traceparent=tracing.current(),
            tracestate=tracing.state(), waits_for=list(waits_for),
        )

    # --- internals -------------------------------------------------------------------------------

    def _line_outcomes(
        self, outcome: Outcome, per_line: Sequence[tuple[str, Outcome, int]], left: dict[str, int], pay_all: bool
    ) -> list[LineOutcome]:
        """Each line's units `left` (none compensated yet) compensated as named, or rejected. A digital order none of
        whose lines is named, nor paid line by line before, is compensated as a whole (no lines) when the decision pays
        every line: `pay_all`, or `_as_recommended` leaves none out."""
        by_line = self.partial or self.order.is_digital
        if not by_line or outcome is Outcome.REJECTED:
            if per_line:
                raise InvalidLineOutcomes(
                    "A rejection has no outcomes per line." if by_line
                    else "Outcomes per line are for missing-item claims and digital orders."
                )
            return []
        if not per_line and self.order.is_digital and not pay_all:
            per_line = self._as_recommended(outcome, left)
        if not per_line:
            if not self.paid_per_line:
                return []
            return [self._line(sku, units, outcome) for sku, units in left.items() if units]
        named = self._named_lines(per_line, left)
        if outcome not in {line_outcome for line_outcome, _ in named.values()}:
            raise InvalidLineOutcomes(
                f"No line is decided '{outcome.value}', the decision's outcome: name one, or reject the whole claim."
            )
        lines = []
        for sku, units in left.items():
            line_outcome, quantity = named.get(sku, (Outcome.REJECTED, 0))
            compensated = 0 if line_outcome is Outcome.REJECTED else quantity
            if compensated:
                lines.append(self._line(sku, compensated, line_outcome))
            if compensated < units:
                lines.append(self._line(sku, units - compensated, Outcome.REJECTED, before=compensated))
        return lines

    def _as_recommended(self, outcome: Outcome, left: dict[str, int]) -> list[tuple[str, Outcome, int]]:
        """What a decision on a digital order naming no lines pays, decided `outcome`: the lines the recommendation
        names (those its delivery record does not show delivered), or every claimed line when it names none, of each
        the units no decision paid yet, but never a line whose record shows it activated: paying one takes naming it.
        Empty (the whole order) when that is every unit of an order no decision paid line by line; 422 when it is
        nothing (the recommendation's lines were paid, or the lines left were activated)."""
        named = self.recommendation.lines if self.recommendation is not None else []
        activated = {r.sku for r in self.digital_deliveries if r.state is DigitalState.ACTIVATED}
        paying = [
            (m.sku, outcome, min(m.quantity, left[m.sku]))
            for m in named or self.claimed_lines if left.get(m.sku) and m.sku not in activated
        ]
        if not paying:
            raise InvalidLineOutcomes(
                "A decision naming no lines pays no line paid before, nor an activated code or link: it would pay "
                "nothing here. Name the lines to pay."
            )
        whole = {m.sku: m.quantity for m in self.claimed_lines}
        return [] if not self.paid_per_line and {sku: units for sku, _, units in paying} == whole else paying

    def _beyond_evidence(self, lines: Sequence[LineOutcome], left: dict[str, int]) -> list[str]:
        """The claimed lines a decision pays more of than the evidence shows missing: a digital line whose record shows
        it activated, or, on a missing-items claim whose recommendation names the units the evidence shows missing,
        units beyond those (counting what earlier decisions paid)."""
        advice = self.recommendation
        if advice is None or advice.rule in PROVISIONAL:
            return []
        paying = Counter[str]()
        for line in lines:
            if line.outcome is not Outcome.REJECTED:
                paying[line.sku] += line.quantity
        if self.order.is_digital:
            activated = {r.sku for r in self.digital_deliveries if r.state is DigitalState.ACTIVATED}
            return sorted(sku for sku in paying if sku in activated)
        named = {m.sku: m.quantity for m in advice.lines}
        if not (self.partial and named):
            return []
        claimed = {m.sku: m.quantity for m in self.claimed_lines}
        return sorted(sku for sku, units in paying.items() if claimed[sku] - left[sku] + units > named.get(sku, 0))

    def _named_lines(
        self, per_line: Sequence[tuple[str, Outcome, int]], left: dict[str, int]
    ) -> dict[str, tuple[Outcome, int]]:
        """The outcome and quantity named for each claimed line; 422 naming the entry's field when it names a line
        not claimed, one named before, or more than claimed and not yet compensated (`left`)."""
        claimed = {m.sku: m.quantity for m in self.claimed_lines}
        named: dict[str, tuple[Outcome, int]] = {}
        for index, (sku, line_outcome, quantity) in enumerate(per_line):
            if sku not in claimed:
                raise InvalidLineOutcomes(f"Not a claimed line: {sku}.", field=f"line_outcomes.{index}.sku")
            if sku in named:
                raise InvalidLineOutcomes("Name each line once.", field=f"line_outcomes.{index}.sku")
            if not 0 < quantity <= left[sku]:
                paid = claimed[sku] - left[sku]
                before = f", {paid} of them refunded or reshipped before" if paid else ""
                raise InvalidLineOutcomes(
                    f"{quantity} of {sku} decided, {claimed[sku]} claimed{before}: at least 1, at most as many as "
                    "claimed and not yet refunded or reshipped.",
                    field=f"line_outcomes.{index}.quantity",
                )
            named[sku] = (line_outcome, quantity)
        return named

    def _line(self, sku: str, quantity: int, outcome: Outcome, before: int = 0) -> LineOutcome:
        """`quantity` of a claimed SKU decided `outcome`, with their value: that of the units following those earlier
        decisions refunded or reshipped (as `uncompensated` counts them) and the `before` units this decision valued
        first, so that the values of a SKU on several lines never add up to more, or less, than its lines' value
        (`sku_value`)."""
        value = sku_value(self.order.items, sku, quantity, after=self._paid(sku) + before)
        return LineOutcome(sku=sku, quantity=quantity, outcome=outcome, amount_minor=value)

    def _paid(self, sku: str) -> int:
        """The units of a claimed SKU that decisions refunded or reshipped, as `uncompensated` counts them."""
        claimed = next(m.quantity for m in self.claimed_lines if m.sku == sku)
        return claimed - self.uncompensated()[sku]

    def _add_customer_evidence(
        self, actor: Actor, kind: SubmissionKind, statement: str, images: Sequence[CustomerImage], now: datetime
    ) -> None:
        pieces = sum(e.kind is SubmissionKind.INFORMATION and e.removed_at is None for e in self.customer_evidence)
        if kind is SubmissionKind.INFORMATION and pieces >= MAX_SUBMISSIONS:
            raise TooManySubmissions(f"A case takes at most {MAX_SUBMISSIONS} pieces of information; please send what "
                                     "more you have in a message.")
        undone = sum(e.action == "submission_removed" and e.details.get("appeal") == "undone" for e in self.timeline)
        kept = len(self.customer_evidence) - (undone if kind is SubmissionKind.APPEAL else 0)  # its one appeal's room
        if kept >= MAX_KEPT_SUBMISSIONS - (kind is SubmissionKind.INFORMATION):
            raise TooManySubmissions(f"A case keeps at most {MAX_KEPT_SUBMISSIONS} submissions, those taken off it "
                                     "included; please send what more you have in a message, or ask a supervisor.")
        by = self.customer_id if actor.role is Role.CUSTOMER else actor.id  # the customer's id, whatever their token's
        added = CustomerEvidence(kind=kind, statement=statement, images=list(images), submitted_at=now, submitted_by=by)
        self.customer_evidence.append(added)
        self.assess_due = now

    def _require_customer_side(self, actor: Actor) -> None:
        if not self.acts_for_customer(actor):
            raise Forbidden("Only the customer, or an agent on their behalf, may do this.")

    def decidable_by(self, actor: Actor) -> bool:
        """Whether `actor` may decide the case as it stands (what they decide, and the form's content, aside): its
        status takes a decision, and it is theirs to decide (a supervisor's where it needs one, not another's)."""
        try:
            next_status(self.status, Action.RESOLVE)
            self._check_may_decide(actor, Outcome.REJECTED)  # the outcome matters only to overturning a rejection
        except DomainError:
            return False
        return True

    def _check_may_decide(self, actor: Actor, outcome: Outcome) -> None:
        if actor.role is Role.SUPERVISOR or actor.role is Role.SERVICE:
            return
        if self.needs_supervisor:
            if self.abuse_flags:
                raise Forbidden(f"This case needs a supervisor's decision (abuse signals: {', '.join(self.abuse_flags)}); "
                                "a supervisor decides it, or clears its flags.")
            raise Forbidden("This case needs a supervisor's decision; a supervisor decides it.")
        if self.assignee not in (None, actor.id):
            raise AssignedToAnother("The case is assigned to another investigator.", assignee=self.assignee)
        previous = self.decision
        overturns_rejection = (
            previous is not None
            and rejects_any(previous)
            and outcome is not Outcome.REJECTED
            and previous.decided_by != actor.id
            and previous.decided_by_role is not Role.SERVICE  # the policy's own rejection is no colleague's
        )
        if overturns_rejection and previous is not None:
            whose = "a supervisor's" if previous.decided_by_role is Role.SUPERVISOR else "another investigator's"
            raise Forbidden(f"Overriding {whose} rejection needs a supervisor.")

    def _appeal_needs_supervisor(self) -> bool:
        """An appeal under way that whoever holds it may not grant (`_check_may_decide`): the rejection appealed was
        a supervisor's, or a person's other than the case's holder (none holding it: its decider may still take it).
        The policy's own rejection is no one's: whoever takes its appeal may grant it."""
        decision = self.decision
        if not self.is_active or self._begun_by() != "appealed" or decision is None or not rejects_any(decision):
            return False
        if decision.decided_by_role is Role.SERVICE:
            return False
        return decision.decided_by_role is Role.SUPERVISOR or self.assignee not in (None, decision.decided_by)

    def _route_appeal(self) -> None:
        """Put an appeal its holder may not grant in the supervisors' queue, said on the timeline when it starts."""
        if not self.needs_supervisor and self._appeal_needs_supervisor():
            self.needs_supervisor = True
            self.timeline[-1].details["needs_supervisor"] = True

    def _begun_by(self) -> str | None:
        """What began the current review of a decided case (`NEW_REVIEW`); None for its first review."""
        return next((entry.action for entry in reversed(self.timeline) if entry.action in NEW_REVIEW), None)

    def _compensated_before(self) -> bool:
        """Whether an earlier decision's refund or reshipment was issued, or parked and may have been applied: one
        refused for good (parked `refused`) or that never reached its service (`never_reached`) was not
        (`docs/downstream.md`)."""
        if self.compensation is None:
            return False
        if self._maybe_parked():
            return True
        if self.paid_per_line:
            left = self.uncompensated()
            return any(left[m.sku] < m.quantity for m in self.claimed_lines)
        return self.compensation_issued

    def _maybe_parked(self) -> bool:
        """A refund or reshipment was parked that may have been applied (neither refused for good nor one that never
        reached its service)."""
        return any(not (m.parked and m.parked.did_not_happen) for m in self._parked_compensations().values())

    def _needs_supervisor_besides_flags(self) -> bool:
        """Whether only a supervisor may decide the case's review, whatever its abuse flags: a reopening of a case
        compensated before (`_compensated_before`), a refund or reshipment parked that may have been applied, or an
        appeal its holder may not grant (`_appeal_needs_supervisor`)."""
        if self._maybe_parked() or self._appeal_needs_supervisor():
            return True
        return self._begun_by() == "reopened" and self._compensated_before()

    def _high_value_unsigned(self, high_value_minor: int | None) -> bool:
        """A parcel of a high-value order (`is_high_value`, as the policy judges it too) claimed not received, whose
        latest proof of delivery carries no signature: the policy reads the same proof (`disputes/policy/reading.py`).
        A signature proves no digital delivery, nor what a package held."""
        if high_value_minor is None or self.partial or self.order.is_digital:
            return False
        latest = self.delivery_proof
        return self.is_high_value(high_value_minor) and (latest is None or latest.proof.signature is None)

    def _check_may_reject_unsigned(self, actor: Actor, override_reason: str | None) -> None:
        """Rejecting a high-value order needs a signature in the proof; a supervisor may reject without one, saying
        why in an override_reason (the decision is then marked overridden)."""
        if actor.role is not Role.SUPERVISOR:
            raise SignatureRequired(
                "Rejecting a high-value order needs a signature in the carrier's proof of delivery, and it has none; "
                "a supervisor may reject it with an override_reason."
            )
        if not override_reason:
            raise OverrideReasonRequired(
                "Rejecting a high-value order without a signature in the proof of delivery needs an override_reason."
            )

    def _apply(
        self, actor: Actor, what: str, now: datetime, action: Action | None, details: dict[str, Any]
    ) -> None:
        before = self.status
        if action is not None:
            self.status = next_status(before, action)
            if not self.is_active:
                self.evidence_pull_due = None
                self.sla_check_due = None
                self.assess_due = None
            self.closed_at = None if self.is_active else now
        self.updated_at = now
        self._record(actor, what, before if action else None, self.status if action else None, details)

    def _record(
        self,
        actor: Actor,
        what: str,
        before: Status | None,
        after: Status | None,
        details: dict[str, Any],
    ) -> None:
        self.timeline.append(
            TimelineEntry(
                at=self.updated_at,
                actor=actor.id,
                role=actor.role,
                action=what,
                from_status=before,
                to_status=after,
                details={k: v for k, v in details.items() if v is not None},
            )
        )

    def _queue(self, kind: EffectKind, key: str, payload: BaseModel) -> str:
        return self._queue_json(kind, key, payload.model_dump(mode="json"))

    def _queue_json(self, kind: EffectKind, key: str, payload: dict[str, Any], waits_for: Sequence[str] = ()) -> str:
        """Queue a message (after `waits_for`, see `OutboxMessage.waits_for`); its id."""
        message = OutboxMessage(
            id=token_hex(16),
            kind=kind,
            key=key,
            payload=payload,
            created_at=self.updated_at,
            traceparent=tracing.current(),
            tracestate=tracing.state(),
            waits_for=list(waits_for),
        )
        self.outbox.append(message)
        self._unsaved.append(message)
        return message.id

    def _alert(
        self,
        reason: Literal[
            "deadline_near", "deadline_reached_needs_supervisor", "restriction_needs_review", "first_response_near",
            "first_response_missed", "proof_after_liability",
        ],
    ) -> None:
        first_response = self.sla.first_response_due if reason.startswith("first_response") else None
        alert = StaffAlert(dispute_id=self.id, reason=reason, decision_due=self.sla.decision_due,
                           first_response_due=first_response, priority=self.priority)
        self._queue(EffectKind.STAFF_ALERT, f"{self.id}:{len(self.timeline)}:{reason}", alert)

    def _notify(
        self,
        template: NotificationTemplate,
        message: str | None = None,
        message_en: str | None = None,
        waits_for: Sequence[str] = (),
    ) -> None:
        decision = self.decision if template == "decision_made" else None
        suffix = f"d{decision.sequence}" if decision else str(len(self.timeline))
        payload = self._notification(template, message, message_en)
        self._queue_json(EffectKind.NOTIFICATION, f"{self.id}:{suffix}:{template}", payload, waits_for)

    def _notification(
        self, template: NotificationTemplate, message: str | None, message_en: str | None
    ) -> dict[str, Any]:
        decision = self.decision if template == "decision_made" else None
        return notification_json(
            dispute_id=self.id,
            customer_id=self.customer_id,
            template=template,
            outcome=decision.outcome if decision else None,
            reason=reason.value if decision and (reason := customer_side_reason(decision.reason_code)) else None,
            partial=decision is not None and _in_part(decision),
            message=message,
            message_en=message_en,
            written_only=self.accessibility_need,
        )

    def _tell(self, template: NotificationTemplate, now: datetime) -> None:
        """Notify the customer with what their view of the case says now (`disputes/next_step.py`), in both languages:
        what happens next and by when."""
        from disputes.next_step import next_step  # it reads the Dispute this module defines

        en, tr = next_step(self, APPEAL_WINDOW, now)  # an open or withdrawn case: no appeal window to tell
        self._notify(template, tr, en)

    def _queue_decision_effects(self, appeal_window: timedelta) -> None:
        """The decision's refunds or reshipments, the carrier's liability, and the customer's message, which waits for
        them and for earlier decisions' still pending (it tells of those as standing: parked, they hold it back too);
        on a test clock, the message alone (`_restriction_changed` says why). The message says what the customer's
        view of the case says as the decision is taken (`disputes/next_step.py`)."""
        from disputes.next_step import next_step  # it reads the Dispute this module defines

        assert self.decision is not None
        on_their_way = [m.id for m in self.outbox if m.kind in COMPENSATIONS]  # earlier decisions', told as standing
        sent = self._queue_settlement() if self.test_clock is None else []
        en, tr = next_step(self, appeal_window, self.decision.decided_at)
        # never tells of a refund or reship that was refused, this decision's or an earlier one's still on its way
        self._notify("decision_made", tr, en, waits_for=[*on_their_way, *sent])

    def _queue_settlement(self) -> list[str]:
        """Queue what the latest decision pays (a refund or reshipment per line, or of the package) and the carrier's
        liability; the ids of the refunds' and reshipments' messages."""
        decision = self.decision
        assert decision is not None
        order = self.order
        compensations = [  # one effect per line, keyed by it: each line is compensated once
            self._queue_compensation(outcome, key, line) for outcome, key, line in self._compensations_of(decision)
        ]
        if self.carrier_liable and not self.liability_claimed:
            money = self._liability_money(decision)
            liability = CarrierLiability(
                dispute_id=self.id,
                carrier=order.carrier,
                tracking_number=order.tracking_number,
                amount_minor=self.claimed_value_minor,
                currency=order.currency,
                reason=decision.reason_code.value,
                decided_at=decision.decided_at,
            )
            self._queue(EffectKind.CARRIER_LIABILITY, money.key, liability)
            self.money.append(money)
        return [message for message in compensations if message is not None]

    def _compensations_of(self, decision: Decision) -> list[tuple[Outcome, str, LineOutcome | None]]:
        """The refunds and reshipments decision `decision` pays, each with its key: one per line it paid, or one of the
        package."""
        n = decision.sequence
        paid: list[tuple[Outcome, str, LineOutcome | None]] = [
            (line.outcome, self.compensation_key(n, line.outcome, line.sku), line)
            for line in decision.lines if line.outcome is not Outcome.REJECTED
        ]
        if not decision.lines and decision.outcome is not Outcome.REJECTED:
            paid.append((decision.outcome, self.compensation_key(n, decision.outcome), None))
        return paid

    def _liability_money(self, decision: Decision) -> MoneyMessage:
        """The carrier's liability decision `decision` claimed, for the money ledger: the claim's value."""
        key = f"{self.effects_prefix}:d{decision.sequence}:liability"
        return self._money(decision, EffectKind.CARRIER_LIABILITY, key, self.claimed_value_minor)

    def _money(
        self, decision: Decision, kind: EffectKind, key: str, amount_minor: int | None, lines: Sequence[MoneyLine] = (),
        destination: RefundDestination | None = None,
    ) -> MoneyMessage:
        """What decision `decision`'s message `key` pays, dated by the decision, for the money ledger."""
        return MoneyMessage(
            kind=kind, key=key, decision=decision.sequence, decided_at=decision.decided_at,
            amount_minor=amount_minor, currency=self.order.currency, lines=list(lines), destination=destination,
        )

    def _compensation_money(
        self, decision: Decision, outcome: Outcome, key: str, line: LineOutcome | None, paid: int
    ) -> MoneyMessage | None:
        """What decision `decision`'s refund or reshipment `key` pays, of the package or of one claimed `line` (of whose
        SKU `paid` units earlier decisions paid), for the money ledger; None for a refund of nothing (a free gift), which
        sends no message."""
        if outcome is Outcome.REFUND:
            amount = line.amount_minor if line else self.order.value_minor
            if amount == 0:
                return None
            lines = [MoneyLine(sku=line.sku, quantity=line.quantity)] if line else []
            return self._money(decision, EffectKind.REFUND, key, amount, lines, decision.refund_to)
        items = self._reshipped(line, paid)
        return self._money(decision, EffectKind.RESHIP, key, None, [MoneyLine(sku=i.sku, quantity=i.quantity) for i in items])

    def _reshipped(self, line: LineOutcome | None, paid: int) -> list[OrderItem]:
        """The items a reshipment sends: the package's, or one claimed line's units following the `paid` ones
        earlier decisions paid, one item per order line of the SKU holding some of them."""
        if line is None:
            return self.order.items
        return _sku_lines(self.order.items, line.sku, line.quantity, after=paid)

    def money_before_ledger(self) -> list[MoneyMessage]:
        """The money rows of a case whose decisions were taken before they were kept: each decision the timeline kept
        (`_decisions_taken`), its refunds, reshipments and carrier liability built as a decision builds them now, kept
        where the case holds its message (pending, delivered or parked: a refund of nothing, a test clock's decision
        sent none), in the order sent, marked `rebuilt`. A line's units paid before are those earlier decisions'
        (`compensated_lines`), but those parked that did not happen, as the decision counted them."""
        sent = {m.key for queue in (self.outbox, self.effects_delivered, self.effects_parked) for m in queue}
        parked = self._parked_compensations().keys()
        rows: list[MoneyMessage] = []
        for decision in self._decisions_taken():
            built = [
                self._compensation_money(decision, outcome, key, line,
                                         self._paid_before(line.sku, decision.sequence, parked) if line else 0)
                for outcome, key, line in self._compensations_of(decision)
            ]
            built.append(self._liability_money(decision))
            rows += [money.model_copy(update={"rebuilt": True}) for money in built
                     if money is not None and money.key in sent]
        return rows

    def _decisions_taken(self) -> list[Decision]:
        """Every decision the case took, in order, from its timeline, which keeps each in full (its details but those
        that are none). One recorded before that by its outcome and reason alone is the latest (`decision`) or is
        completed from what the case kept of it: its time and who took it (the entry's), the lines it paid
        (`compensated_lines`); its note and refund destination unknown (none)."""
        entries = [entry for entry in self.timeline if entry.action == "decided"]
        taken = []
        for n, entry in enumerate(entries, start=1):
            if "sequence" not in entry.details and n == len(entries) and self.decision is not None:
                taken.append(self.decision)
                continue
            paid = [line.model_dump(include=set(LineOutcome.model_fields)) for line in self.compensated_lines
                    if line.decision == n]
            known = {"note": "", "decided_by": entry.actor, "decided_by_role": entry.role, "decided_at": entry.at,
                     "sequence": n, "lines": paid}
            taken.append(Decision.model_validate({"refund_to": None, **known, **entry.details}))
        return taken

    def _paid_before(self, sku: str, decision: int, parked: AbstractSet[str]) -> int:
        """The units of a claimed SKU decisions before number `decision` refunded or reshipped, as `uncompensated`
        counts them."""
        return sum(line.quantity for line in self.compensated_lines if line.sku == sku and line.decision < decision
                   and self.compensation_key(line.decision, line.outcome, line.sku) not in parked)

    @property
    def liability_claimed(self) -> bool:
        """An earlier decision held the carrier liable, for the claim's whole value: it is held so once per dispute."""
        effects = (self.outbox, self.effects_delivered, self.effects_parked)
        return any(effect.kind is EffectKind.CARRIER_LIABILITY for queue in effects for effect in queue)

    def compensation_key(self, decision: int, outcome: Outcome, sku: str | None = None) -> str:
        """The key of the refund or reshipment decision number `decision` issued: of one missing line (`sku`), or of
        the package (downstream, the idempotency key of the payment or shipment)."""
        key = f"{self.effects_prefix}:d{decision}:{outcome.value}"
        return f"{key}:{sku}" if sku is not None else key

    def _queue_compensation(self, outcome: Outcome, key: str, line: LineOutcome | None) -> str | None:
        """The refund or reshipment of the package, or of one claimed line (a missing line, or a digital order's line
        decided apart: its value; its units, as the refund values them: those following the units earlier decisions
        paid, one item per order line of the SKU holding some of them, each as its line describes it): its message's
        id. A refund of nothing (a free gift) sends no message (None): the line is compensated all the same."""
        order, decision = self.order, self.decision
        assert decision is not None
        paid = self._paid(line.sku) - line.quantity if line else 0  # this decision's units are counted as paid already
        money = self._compensation_money(decision, outcome, key, line, paid)
        if money is None:
            return None
        self.money.append(money)
        if outcome is Outcome.REFUND:
            assert decision.refund_to is not None and money.amount_minor is not None
            return self._queue(EffectKind.REFUND, key, RefundRequest(
                dispute_id=self.id,
                order_id=order.order_id,
                customer_id=self.customer_id,
                amount_minor=money.amount_minor,
                currency=order.currency,
                destination=decision.refund_to,
                payment_method=order.payment_method,
                shipment_id=order.shipment_id if line else None,
                sku=line.sku if line else None,
                quantity=line.quantity if line else None,
            ))
        return self._queue(EffectKind.RESHIP, key, ReshipRequest(
            dispute_id=self.id,
            order_id=order.order_id,
            original_shipment_id=order.shipment_id,
            carrier=order.carrier,
            items=self._reshipped(line, paid),
            address=order.address,
            recipient_name=order.recipient_name,
        ))
