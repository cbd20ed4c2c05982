"""The parts of a dispute that cross a boundary: API views, stored documents, outbox payloads."""

import hashlib
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_serializer
from pydantic_core import to_json

from schemas.common import Outcome, RefundDestination, Role, Timestamp, timestamp_text
from schemas.orders import Address, OrderItem, PackingRecord
from schemas.proof import ProofOfDelivery


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class Status(StrEnum):
    OPENED = "opened"
    AWAITING_EVIDENCE = "awaiting_evidence"
    UNDER_REVIEW = "under_review"
    RESOLVED = "resolved"
    WITHDRAWN = "withdrawn"
    APPEALED = "appealed"


class Channel(StrEnum):
    """Where the customer reported: the order page themselves, or an agent through another channel."""

    ORDER_PAGE = "order_page"
    LIVE_CHAT = "live_chat"
    PHONE = "phone"
    EMAIL = "email"


class Claim(StrEnum):
    """What the customer says: the package never came, or it came with items missing."""

    NOT_RECEIVED = "not_received"
    MISSING_ITEMS = "missing_items"


class MissingItem(_Model):
    """An order line (part of it) the customer says was not in the package."""

    sku: str
    quantity: int = Field(ge=1)


class LineOutcome(_Model):
    """What was decided for some of one claimed line (a missing line, or a digital order's): the refund of their value,
    their reshipment, or the rejection of that part of the claim. A line decided in part appears twice: the part
    compensated, then the rest rejected."""

    sku: str
    quantity: int
    outcome: Outcome
    amount_minor: int = Field(description="The value of `quantity` of the line, in minor units: refunded if `refund`.")


class CompensatedLine(LineOutcome):
    """Units of one claimed line (a missing line, or a digital order's) a decision refunded or reshipped."""

    outcome: Outcome = Field(description="`refund` or `reship`.")
    decision: int = Field(
        description="Which decision paid them: its `sequence` (1 the first; a later one decided an appeal or a "
                    "reopening)."
    )


class PackingCheck(_Model):
    """What the order service said about the seller's packing record when the claim was opened."""

    answered: bool = Field(description="False: the order service could not be asked (none offered, or it failed).")
    record: PackingRecord | None = None


class RestrictionState(StrEnum):
    PENDING_REVIEW = "pending_review"
    CONFIRMED = "confirmed"
    LIFTED = "lifted"


class Restriction(_Model):
    """An account restriction a case's abuse flags led to, and its review by a supervisor."""

    flags: list[str]
    raised_at: Timestamp
    raised_by: str
    review_due: Timestamp = Field(description="Unconfirmed by then, a restriction the system raised is lifted.")
    state: RestrictionState = RestrictionState.PENDING_REVIEW
    reviewed_by: str | None = None
    reviewed_at: Timestamp | None = None
    reason: str | None = None


class ReasonCode(StrEnum):
    CARRIER_NO_PROOF = "carrier_no_proof"
    WEAK_PROOF = "weak_proof"
    LOST_IN_TRANSIT = "lost_in_transit"
    GOODWILL = "goodwill"
    PROOF_OF_DELIVERY = "proof_of_delivery"
    THIRD_PARTY_CONFIRMED = "third_party_confirmed"
    SUSPECTED_ABUSE = "suspected_abuse"
    DEADLINE_REACHED = "deadline_reached"
    DIGITAL_NOT_DELIVERED = "digital_not_delivered"
    ITEMS_MISSING = "items_missing"
    DIGITAL_DELIVERED = "digital_delivered"  # a rejection: the delivery record shows the code or link delivered
    CONTENTS_CONFIRMED = "contents_confirmed"  # a rejection: the package held what the customer says it lacked


STAFF_ONLY_REASONS = frozenset({ReasonCode.SUSPECTED_ABUSE})
"""Reasons the customer's side never carries (their view, an agent's, the notification): staff's judgement of the
account, not a fact of the claim; the customer's words say what was weighed ("the claims made from your account")."""


def customer_side_reason(reason: ReasonCode) -> ReasonCode | None:
    """A decision's reason as the customer's side carries it: none for one staff keep to themselves."""
    return None if reason in STAFF_ONLY_REASONS else reason


class OrderSnapshot(_Model):
    """The order facts a dispute was opened on; later changes to the order do not alter it."""

    order_id: str
    customer_id: str
    buyer_name: str
    recipient_name: str
    recipient_phone: str | None
    address: Address
    currency: str
    payment_method: str
    shipment_id: str
    carrier: str
    tracking_number: str
    delivered_at: Timestamp
    items: list[OrderItem]
    value_minor: int
    reshippable: bool
    declared_weight_grams: int | None = None
    placed_at: Timestamp | None = Field(
        default=None, description="When the order was placed; absent on cases opened before it was kept."
    )

    @property
    def is_digital(self) -> bool:
        """Codes or links, not a parcel: the proof is the digital delivery record, and nothing can be reshipped."""
        return bool(self.items) and all(item.digital is not None for item in self.items)


class Sla(_Model):
    first_response_due: Timestamp
    evidence_due: Timestamp
    decision_due: Timestamp


class Decision(_Model):
    outcome: Outcome
    reason_code: ReasonCode
    note: str
    refund_to: RefundDestination | None
    decided_by: str
    decided_by_role: Role
    decided_at: Timestamp
    sequence: int
    recommended: str | None = None
    lines: list[LineOutcome] = Field(
        default_factory=list,
        description="Missing-item claims and digital orders decided line by line: the outcome per line.",
    )
    overridden: bool = False
    override_reason: str | None = None
    decision_due: Timestamp | None = Field(
        default=None,
        description="The decision deadline this decision was taken against: the one of the review it closed (an "
                    "appeal or a reopening starts a new review with a deadline of its own).",
    )
    appeal_ends: Timestamp | None = Field(
        default=None,
        description="The end of the time to appeal this decision, as its message to the customer named it: the "
                    "decision's time plus the appeal window configured when it was taken. Absent on decisions taken "
                    "before it was kept: the window configured now counts from `decided_at`.",
    )

    def appeal_end(self, appeal_window: timedelta) -> datetime:
        """Until when this decision may be appealed: the end its message named, or, on a decision that kept none,
        `appeal_window` (the business's now) from the decision."""
        return self.appeal_ends or self.decided_at + appeal_window


class Appeal(_Model):
    statement: str
    appealed_at: Timestamp


class SubmissionKind(StrEnum):
    APPEAL = "appeal"
    INFORMATION = "information"  # added while the case is open


class CustomerImage(_Model):
    """An image the customer sent, kept in the attachment store under `ref` with its metadata (EXIF, location,
    text chunks) stripped; the dispute holds only this reference."""

    ref: str
    media_type: str
    filename: str = Field(description="The name the customer's device gave the file.")
    size: int = Field(description="Bytes as stored.")


class DeletedImage(_Model):
    """Where an image the customer sent was, once it was deleted under retention: no reference, no file name."""

    media_type: str
    size: int = Field(description="Bytes it had when stored.")


MAX_KEPT_SUBMISSIONS = 41
"""Submissions one case keeps, those taken off it included (each keeps its marker and its timeline entries), so that
relaying and taking off in turns cannot grow the case without bound: twice the 20 pieces of information a case takes
(`disputes.model.MAX_SUBMISSIONS`), and its appeal, which finds room after the information's own limit (an appeal undone
as another customer's leaves its room to the next, the customer's own)."""


class CustomerEvidence(_Model):
    """What the customer added to their case: an explanation, and images by reference (once deleted under
    retention, or taken off the case as sent to it by mistake, one marker each in `deleted_images` instead)."""

    kind: SubmissionKind
    statement: str
    images: list[CustomerImage] = Field(default_factory=list)
    submitted_at: Timestamp
    submitted_by: str
    deleted_images: list[DeletedImage] = Field(
        default_factory=list, description="The images deleted under retention, or with the submission taken off the "
                                          "case (`removed_at`), one marker each, in the order sent."
    )
    removed_at: Timestamp | None = Field(
        default=None, description="When staff took it off the case as sent to the wrong case: its statement is replaced "
                                  "by a marker and its images are deleted; the policy no longer reads it."
    )


TIMES_IN_DETAILS = frozenset(
    ("deadline", "review_due", "answer_by", "decision_due", "first_response_due", "evidence_due", "from", "to")
)
"""The details of a timeline entry that hold an instant, written by `timestamp_text`."""


class TimelineEntry(_Model):
    at: Timestamp
    actor: str
    role: Role
    action: str
    from_status: Status | None = None
    to_status: Status | None = None
    details: dict[str, Any] = Field(default_factory=dict)

    @field_serializer("details", when_used="json")
    def _times_written_one_way(self, details: dict[str, Any]) -> dict[str, Any]:
        """Entries stored before their details' instants were written by `timestamp_text` hold them as
        `datetime.isoformat` wrote them (`2026-11-20T21:00:00+00:00`, `2026-11-26T08:29:58.062000+00:00`): they are
        written as every other time in an answer, so a timeline reads alike whenever its entries were stored."""
        return {key: _instant_text(value) if key in TIMES_IN_DETAILS else value for key, value in details.items()}


def _instant_text(value: Any) -> Any:
    """An instant's text as `timestamp_text` writes it; anything that names no instant as it is."""
    try:
        instant = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return value
    return value if instant.tzinfo is None else timestamp_text(instant)


class EffectKind(StrEnum):
    REFUND = "refund"
    RESHIP = "reship"
    NOTIFICATION = "notification"
    STAFF_ALERT = "staff_alert"
    CUSTOMER_RISK = "customer_risk"
    CARRIER_LIABILITY = "carrier_liability"
    ACCOUNT_RESTRICTION = "account_restriction"

    @property
    def service(self) -> str:
        """The downstream service that applies it (the relay's lane)."""
        return _SERVICES[self]


_SERVICES = {
    EffectKind.REFUND: "payments", EffectKind.RESHIP: "fulfillment", EffectKind.NOTIFICATION: "notifications",
    EffectKind.STAFF_ALERT: "notifications", EffectKind.CUSTOMER_RISK: "accounts", EffectKind.CARRIER_LIABILITY: "finance",
    EffectKind.ACCOUNT_RESTRICTION: "accounts",
}


class ParkReason(StrEnum):
    """Why the relay parked a message, which says whether its effect may have happened."""

    REFUSED = "refused"
    """Its service refused it for good (a 4xx answer) on its first attempt, or after attempts that applied nothing: it
    did not happen."""
    REFUSED_ON_RETRY = "refused_on_retry"
    """Its service refused it for good (a 4xx answer) on a retry, after an attempt that may have been applied (it got
    no answer, lost its connection or got a 5xx, on the same pass or an earlier one): it may have happened."""
    OUT_OF_ATTEMPTS = "out_of_attempts"
    """No answer within the relay's attempts: a request that got none may have been applied."""
    CREDENTIALS_REFUSED = "credentials_refused"
    """Out of attempts, the last one refused because its service did not take our credentials (a 401: a signing key it
    does not hold). That attempt applied nothing, but an earlier one that got no answer or a 5xx may have: it may have
    happened."""
    NEVER_REACHED = "never_reached"
    """Out of attempts, none of which reached its service (`OutboxMessage.never_reached`): it did not happen, and sending
    it again under its key is safe."""
    HELD = "held"
    """Never sent: it waits for a message that was parked."""

    @property
    def did_not_happen(self) -> bool:
        """Its effect certainly did not happen: its service refused it for good, or no attempt reached the service."""
        return self in (ParkReason.REFUSED, ParkReason.NEVER_REACHED)


class OutboxMessage(_Model):
    """An effect to deliver downstream; `key` is the idempotency key sent with every attempt."""

    id: str
    kind: EffectKind
    key: str
    payload: dict[str, Any]
    created_at: Timestamp
    attempts: int = 0
    """Attempts whose failure was recorded."""
    last_error: str | None = None
    tried_at: Timestamp | None = None
    """When the relay began its first attempt, recorded before sending it: any later attempt is a retry of one that
    may have been applied, even when the pass that made it ended with nothing recorded (its worker killed, its lease
    lost), so a refusal parks it `refused_on_retry`. None before, and on messages tried before this was kept."""
    never_reached: bool = False
    """Every attempt made so far certainly never reached its service: no connection was made (refused, unreachable, a
    DNS failure, a connect timeout, a TLS handshake that failed), so nothing of the request was written. False before
    the first attempt fails, while an attempt is in flight (the relay records that before sending it, so one whose
    pass ended with nothing recorded counts as reached), once any attempt may have reached it (an answer, a timeout or
    a connection lost after the request was written), and on messages stored before this was kept."""
    attempt_token: str | None = None
    """The attempt in flight: a token of its own the relay records before sending each attempt, cleared when its
    failure is recorded. An attempt's failure is recorded as never reached only while its own token is still stored,
    so one that failed after another relay began an attempt (its lease lost meanwhile) never marks that attempt, which
    may have reached the service, as never reached. None between attempts, and on messages stored before this was
    kept."""
    not_before: Timestamp | None = None
    """Not sent again before this, the time its last failed attempt set for the next (its backoff, or the service's
    `Retry-After` when later): the messages queued after it wait with it, and a message queued meanwhile does not
    hurry it. None until an attempt failed."""
    traceparent: str | None = None
    """The W3C trace context of the work that queued it: its delivery continues that trace."""
    tracestate: str | None = None
    """The W3C `tracestate` the caller sent with that trace: its delivery passes it on."""
    waits_for: list[str] = Field(default_factory=list)
    """The ids of earlier messages this one speaks of (a decision's refunds and reships, and an earlier decision's
    still on their way, for the customer's notification of it): it goes out only after they are delivered, and is
    parked with any of them that is parked, so the customer is never told of an effect that did not happen."""
    parked_at: Timestamp | None = None
    """When the relay parked it: None while it is pending, and on messages parked before this was kept."""
    parked: ParkReason | None = None
    """Why it was parked (None as for `parked_at`: such a message may have been applied)."""

    @property
    def unreached(self) -> bool:
        """No attempt so far may have reached its service: none was made, or none of those made did."""
        return (self.attempts == 0 and self.tried_at is None) or self.never_reached


class DeliveredEffect(_Model):
    id: str
    kind: EffectKind
    key: str
    delivered_at: Timestamp
    reference: str | None = None
    """The receiving service's own id for what it applied (payments' refund, fulfillment's shipment), when its answer
    named one (docs/downstream.md); None when it did not, and on messages delivered before this was kept."""


class MoneyLine(_Model):
    sku: str
    quantity: int


class MoneyMessage(_Model):
    """A refund, reshipment or carrier liability a decision sent downstream (its message's `key`, the idempotency key
    payments, fulfillment and finance book it under), as the money ledger lists it: what it pays and the decision that
    issued it. Kept for good, whatever later decisions say; the message's own state (pending, delivered, parked) is
    read from where the message is now."""

    kind: EffectKind
    key: str
    decision: int
    decided_at: Timestamp
    amount_minor: int | None = None
    """A refund's amount, or the liability's (the claim's value), in minor units of `currency`; None for a reshipment."""
    currency: str
    lines: list[MoneyLine] = Field(default_factory=list)
    """A reshipment's units, or a partial refund's line (a missing-items claim's): empty for a whole package's refund
    and for a liability."""
    destination: RefundDestination | None = None
    """Where a refund goes (the original payment method or the wallet)."""
    contested_by_proof_at: Timestamp | None = None
    """A liability's: when a proof of delivery from the carrier first came after it was claimed (the carrier can answer
    the bill with it; staff were alerted)."""
    rebuilt: bool = False
    """Rebuilt at upgrade from the case's decision (`Dispute.money_before_ledger`): a decision taken before money rows
    were kept. Its figures are those the decision sent; what the case did not keep is absent (a delivered message's
    reference where its service's answer was not kept; the destination of a refund by an earlier decision the timeline
    kept by its outcome and reason only)."""


PULLED = "pull:"
"""How the key of evidence identified by its content starts (`pull_key`)."""
NOT_CONTENT = ("received_at", "raw_ref")
"""What a pulled proof's identity leaves out: when and how we kept it, not what the carrier said."""


def pull_key(proof: ProofOfDelivery) -> str:
    """Identity of pulled evidence: its content, so pulling the same answer twice adds nothing. A field added to the
    proof changes every key, so keys stored by an earlier release are not found again: held pulled evidence is matched
    by its content too (`Evidence.same_as`), as storage keeps it (`ProofOfDelivery.as_received`)."""
    content = to_json(proof.model_dump(exclude=set(NOT_CONTENT)))
    return PULLED + hashlib.sha256(content).hexdigest()[:32]


class Evidence(_Model):
    """One piece of carrier evidence on a dispute. `key` is its identity, so a redelivered webhook or a
    repeated pull with the same content is recognised and changes nothing."""

    key: str
    proof: ProofOfDelivery

    def same_as(self, other: "Evidence") -> bool:
        """`other` is this evidence: the same key, or, both identified by their content (pulled), the same content.
        A proof pulled before tracking numbers had one spelling is keyed by its content with the number as the carrier
        wrote it; read back it is in the one spelling, as the same answer pulled again is, under another key."""
        mine, theirs = self.proof, other.proof
        return other.key == self.key or (
            self.key.startswith(PULLED) and other.key.startswith(PULLED)
            and mine.model_copy(update={name: getattr(theirs, name) for name in NOT_CONTENT}) == theirs
        )
