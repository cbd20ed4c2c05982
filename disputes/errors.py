"""Domain errors. The web edge maps each branch to one HTTP status; nothing here knows HTTP.

    DomainError
    ├── NotFound                 the dispute does not exist, or is not the caller's to see
    ├── Forbidden                the caller's role may not do this
    │   ├── StaffInactive        the staff directory does not let the caller work cases
    │   └── AwaitsSupervisor     the case was handed to the supervisors: no one else takes it
    ├── Conflict                 the request clashes with the dispute's state
    │   ├── IllegalTransition
    │   ├── ActiveDisputeExists  (names the dispute that holds the shipment)
    │   ├── CompensationAlreadyIssued
    │   ├── Contended            other changes kept winning the race for the dispute; try again shortly
    │   ├── KeyInFlight          a request with the same Idempotency-Key is still being answered
    │   └── one class per rule of the case's state (assignment, appeal, questions, flags, ...)
    ├── StaleVersion             the caller acted on an older version
    └── Unprocessable            the request is well-formed but breaks a rule
        ├── IdempotencyKeyReused
        └── one class per business rule, naming the request `field` it is about where there is one

Each class is one problem type of the API (its `code`), so a client can tell the rules apart.
"""


class DomainError(Exception):
    code = "domain-error"
    title = "The request could not be completed"
    field: str | None = None
    """The request field the rule is about, if one is."""

    def __init__(self, detail: str, **facts: object) -> None:
        super().__init__(detail)
        self.detail = detail
        self.facts = {"field": self.field, **facts} if self.field else facts


class NotFound(DomainError):
    code = "not-found"
    title = "Not found"


class Forbidden(DomainError):
    code = "forbidden"
    title = "Not allowed for this role"


class StaffInactive(Forbidden):
    """A token names someone with a staff role the staff directory does not let work cases (not on record,
    inactive, or holding a lesser role there): tokens live for hours, the directory decides now."""

    code = "staff-inactive"
    title = "Your staff record does not let you work cases"


class AwaitsSupervisor(Forbidden):
    """A case handed to the supervisors (`Dispute.needs_supervisor`) is taken by a supervisor only."""

    code = "awaits-supervisor"
    title = "The case waits for a supervisor"


class Conflict(DomainError):
    code = "conflict"
    title = "Conflicts with the dispute's current state"


class IllegalTransition(Conflict):
    code = "illegal-transition"
    title = "Not possible in the dispute's current status"


class ActiveDisputeExists(Conflict):
    code = "dispute-exists"
    title = "This shipment already has a dispute"

    def __init__(self, dispute_id: str) -> None:
        super().__init__(f"Shipment already has dispute {dispute_id}.", dispute_id=dispute_id)
        self.dispute_id = dispute_id


class CompensationAlreadyIssued(Conflict):
    code = "compensation-issued"
    title = "A refund or reship was already issued for this dispute"


class Contended(Conflict):
    """Raised to a caller who quoted no version, after bounded retries; never StaleVersion for them."""

    code = "contended"
    title = "Busy with other changes; try again shortly"


class KeyInFlight(Conflict):
    code = "idempotency-key-in-flight"
    title = "A request with this Idempotency-Key is still being answered"

    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__(f"Retry in {retry_after_seconds} s to get its answer.", retry_after=retry_after_seconds)
        self.retry_after_seconds = retry_after_seconds


class StaleVersion(DomainError):
    code = "stale-version"
    title = "It changed since you read it"  # a dispute, or a staff record


class Unprocessable(DomainError):
    code = "unprocessable"
    title = "The request breaks a rule"


class IdempotencyKeyReused(Unprocessable):
    code = "idempotency-key-reused"
    title = "This Idempotency-Key was used with a different request"


class NoFlags(Conflict):
    code = "no-flags"
    title = "The dispute carries no abuse flags"


class NoRestriction(Conflict):
    code = "no-restriction"
    title = "The dispute led to no account restriction"


class EffectNotResendable(Conflict):
    code = "effect-not-resendable"
    title = "This parked effect is not sent again"


class EffectMovedPast(EffectNotResendable):
    """A parked message the case has moved past (`Dispute.moved_past`): sent now, it would tell of what no longer
    stands."""

    code = "effect-moved-past"
    title = "The case has moved past this parked message"


class RestrictionReviewed(Conflict):
    code = "restriction-reviewed"
    title = "The restriction was already confirmed or lifted"


class QuestionsClosed(Conflict):
    code = "questions-closed"
    title = "The dispute takes no more questions in its current status"


class QuestionPending(Conflict):
    code = "question-pending"
    title = "The customer has yet to answer the open question"


class TooManyQuestions(Conflict):
    code = "too-many-questions"
    title = "The review put as many questions to the customer as it may"


class AccessibilityNeedRecorded(Conflict):
    code = "accessibility-need-recorded"
    title = "An accessibility need is already recorded"


class NoAccessibilityNeedByAgent(Conflict):
    code = "no-accessibility-need-by-agent"
    title = "The case carries no accessibility need an agent recorded on it"


class EvidenceRequestsClosed(Conflict):
    code = "evidence-requests-closed"
    title = "The dispute takes no more evidence requests in its current status"


class CarrierHasNoPull(Conflict):
    code = "carrier-has-no-pull"
    title = "The case's carrier offers no pull here: its proof only comes when it pushes it"


class CaseAnonymised(Conflict):
    code = "case-anonymised"
    title = "The case's personal data was anonymised"


class NotAssignable(Conflict):
    code = "not-assignable"
    title = "The dispute cannot be assigned in its current status"


class AssignedToAnother(Conflict):
    code = "assigned-to-another"
    title = "The case is assigned to another investigator"


class NotAssigned(Conflict):
    code = "not-assigned"
    title = "The case is not assigned"


class NotRejected(Conflict):
    code = "not-rejected"
    title = "Only a dispute whose decision rejected something can be appealed"


class AlreadyAppealed(Conflict):
    code = "already-appealed"
    title = "The dispute was already appealed once"


class DecisionStands(Conflict):
    """A decided dispute is never withdrawn: an appeal or a reopening reviews a decision that stands, and a
    withdrawn dispute would free its shipment for a new one (a second appeal, a second refund)."""

    code = "decision-stands"
    title = "The dispute was decided; it can no longer be withdrawn"


class AppealWindowClosed(Conflict):
    code = "appeal-window-closed"
    title = "The appeal window has closed"


class CaseClosed(Conflict):
    code = "case-closed"
    title = "The dispute takes no more information in its current status"


class TooManySubmissions(Conflict):
    code = "too-many-submissions"
    title = "The case holds as many additions as it may"


class CaseFull(Conflict):
    """The case's document holds as much as it may: staff's notes and messages have filled their room
    (`disputes.model.STAFF_WRITING_BYTES`), or storage refused the change as past its document limit. Nothing was
    changed; what the service itself writes on the case (its decisions and their messages) still fits."""

    code = "case-full"
    title = "The case holds as much as it may"


class ClockOnlyMovesForward(Conflict):
    code = "clock-only-moves-forward"
    title = "A test clock only moves forward"


class ClockBeforeDelivery(Conflict):
    """Sandbox: a case on a test clock starts at the clock's time, which must not come before the delivery."""

    code = "clock-before-delivery"
    title = "The test clock is before the package was delivered"


class OverrideReasonRequired(Unprocessable):
    code = "override-reason-required"
    title = "Deciding against the recommendation needs an override_reason"
    field = "override_reason"


class SignatureRequired(Unprocessable):
    """A high-value order is rejected only on a proof of delivery with a signature (a supervisor may override)."""

    code = "signature-required"
    title = "Rejecting a high-value order needs a signature in the proof of delivery"
    field = "outcome"


class StatementRepeated(Unprocessable):
    code = "statement-repeated"
    title = "An appeal needs a new explanation, not the claim's statement again"
    field = "statement"


class ReasonDoesNotFitOutcome(Unprocessable):
    code = "reason-does-not-fit-outcome"
    title = "The reason code does not fit the outcome"
    field = "reason_code"


class ReasonDoesNotFitClaim(Unprocessable):
    code = "reason-does-not-fit-claim"
    title = "The reason code does not fit this kind of claim"
    field = "reason_code"


class NotReshippable(Unprocessable):
    code = "not-reshippable"
    title = "These items cannot be shipped again"
    field = "outcome"


class InvalidLineOutcomes(Unprocessable):
    code = "invalid-line-outcomes"
    title = "The outcomes per line do not fit the claim"
    field = "line_outcomes"


class CustomerRequired(Unprocessable):
    code = "customer-required"
    title = "An agent names the customer they act for"
    field = "customer_id"


class ChannelRequired(Unprocessable):
    code = "channel-required"
    title = "An agent names the channel the customer reached them by"
    field = "channel"


class OwnDisputesOnly(Unprocessable):
    code = "own-disputes-only"
    title = "Customers open disputes for themselves"
    field = "customer_id"


class OrderPageOnly(Unprocessable):
    code = "order-page-only"
    title = "Disputes a customer opens come from the order page"
    field = "channel"


class AccessibilityNeedByAgent(Unprocessable):
    code = "accessibility-need-by-agent"
    title = "A customer's accessibility need comes from the order or is recorded by an agent"
    field = "accessibility_need"


class UnknownOrder(Unprocessable):
    code = "unknown-order"
    title = "No such order for this customer"
    field = "order_id"


class NotDelivered(Unprocessable):
    code = "not-delivered"
    title = "The shipment is not marked delivered"


class ClaimWindowClosed(Unprocessable):
    code = "claim-window-closed"
    title = "The time to claim after delivery has passed"


class InvalidMissingItems(Unprocessable):
    code = "invalid-missing-items"
    title = "The missing items do not fit the claim or the package"
    field = "missing_items"


class UnknownShipment(Unprocessable):
    code = "unknown-shipment"
    title = "The order has no such shipment, or several to choose from"
    field = "shipment_id"


class UnknownStaff(Unprocessable):
    code = "unknown-staff"
    title = "No such staff member in the directory"
    field = "assignee"


class InactiveStaff(Unprocessable):
    code = "inactive-staff"
    title = "The staff member is inactive"
    field = "assignee"


class UnknownSubmission(Unprocessable):
    code = "unknown-submission"
    title = "The case holds no such submission"
    field = "submission"


class UnknownParkedEffect(Unprocessable):
    code = "unknown-parked-effect"
    title = "The case holds no parked effect by that id or key"
    field = "effect"


class OwnStaffRecord(Unprocessable):
    code = "own-staff-record"
    title = "A supervisor cannot deactivate or demote themselves"


class ReservedStaffId(Unprocessable):
    code = "reserved-staff-id"
    title = "The staff id is a name the service itself acts under"
    field = "staff_id"


class ClockOutOfRange(Unprocessable):
    code = "clock-out-of-range"
    title = "A test clock's time is out of the range cases can run on"
    field = "frozen_time"
