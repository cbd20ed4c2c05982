"""What the service asks of downstream services: the payloads of outbox messages."""

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from schemas.common import Outcome, RefundDestination, Timestamp
from schemas.orders import Address, OrderItem


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class EffectApplied(BaseModel):
    """What a service may answer a message it applied with (optional; other fields are ignored): its own id for what it
    did, as payments' refund id, kept on the delivered message and shown to staff (docs/downstream.md)."""

    id: str | None = Field(default=None, min_length=1, max_length=128, pattern=r"^[!-~]+$")


class RefundRequest(_Model):
    dispute_id: str
    order_id: str
    customer_id: str
    amount_minor: int
    currency: str
    destination: RefundDestination
    payment_method: str
    shipment_id: str | None = None
    sku: str | None = None
    """A partial refund: of the units of this line the decision pays only (a missing-items claim's, or a digital order's
    decided line by line; None: the whole package or order)."""
    quantity: int | None = None


class ReshipRequest(_Model):
    dispute_id: str
    order_id: str
    original_shipment_id: str
    carrier: str
    items: list[OrderItem] = Field(
        description="What to ship: the package's lines; for a missing-items claim, the units of one SKU the decision "
                    "reships, one item per order line of the SKU holding some of them (its lines in order, after the "
                    "units earlier decisions refunded or reshipped), each as its line describes it, with the number of "
                    "units to ship from it.",
    )
    address: Address
    recipient_name: str


ParkedReason = Literal["refused", "refused_on_retry", "out_of_attempts", "credentials_refused", "never_reached"]
"""Why an effect was parked: `refused` (its service refused it for good, nothing before that may have been applied)
and `never_reached` (no attempt reached its service: no connection was made) did not happen; `refused_on_retry`,
`out_of_attempts` and `credentials_refused` (out of attempts, the last refused with a 401: its service did not take our
signing key) may have."""


class ParkedEffect(_Model):
    """An effect the relay stopped sending (`docs/downstream.md`): its kind and idempotency key (the key its service
    knows it by), why, the last error, the kinds of the messages held unsent with it, and what a person does now."""

    kind: str
    key: str
    reason: ParkedReason
    error: str | None
    held: list[str]
    to_do: str


class StaffAlert(_Model):
    """For supervisors: a case needs attention (its decision deadline is near, it needs a supervisor, its first
    response is near its deadline or missed it, one of its effects was parked: `parked` says which, or the carrier's
    proof of delivery came after the carrier was held liable for the parcel: `proof_after_liability`)."""

    dispute_id: str
    reason: Literal[
        "deadline_near", "deadline_reached_needs_supervisor", "restriction_needs_review", "effect_parked",
        "first_response_near", "first_response_missed", "proof_after_liability",
    ]
    decision_due: Timestamp
    first_response_due: Timestamp | None = None
    """The first response's deadline, on an alert about it."""
    priority: int
    parked: ParkedEffect | None = None


class CustomerRisk(_Model):
    """For the account service, which decides on restrictions (we do not)."""

    customer_id: str
    dispute_id: str
    flags: list[str]
    observed_at: Timestamp


class AccountRestriction(_Model):
    """For the account service: a restriction on the customer's account is raised, confirmed or lifted."""

    customer_id: str
    dispute_id: str
    change: Literal["restricted", "confirmed", "lifted"]
    flags: list[str]
    review_due: Timestamp
    changed_by: str
    changed_at: Timestamp


class CarrierLiability(_Model):
    """For finance: the carrier could not prove delivery, so the loss is theirs."""

    dispute_id: str
    carrier: str
    tracking_number: str
    amount_minor: int
    currency: str
    reason: str
    decided_at: Timestamp


NotificationTemplate = Literal[
    "dispute_opened", "decision_made", "dispute_withdrawn", "appeal_received", "check_with_third_party",
    "information_received", "dispute_reopened", "restriction_raised", "restriction_confirmed",
    "restriction_lifted", "staff_message", "information_requested", "decision_delayed", "appeal_removed",
]


class CustomerNotification(_Model):
    dispute_id: str
    customer_id: str = Field(description="Whom to write to.")
    template: NotificationTemplate = Field(
        description="Which moment of the case it tells of (docs/downstream.md lists them); the words are in `message`."
    )
    outcome: Outcome | None = Field(None, description="On `decision_made`: the decision it tells of; none on the others.")
    reason: str | None = Field(
        None, description="On `decision_made`: that decision's reason code, where the customer's side carries it (never "
                          "`suspected_abuse`); none on the others."
    )
    partial: bool = Field(
        False, description="On `decision_made`: the decision refunds or reships some of the items or codes claimed and "
                           "rejects the others (`outcome` is what it pays; the message says which were rejected and "
                           "whether they may be appealed); false on the others, and on a decision of the whole claim."
    )
    message: str | None = Field(None, description="What to tell the customer, in Turkish: send it as written.")
    message_en: str | None = Field(None, description="The same, in English, for a customer who reads English.")
    written_only: bool = Field(
        False, description="The customer declared an accessibility need: reach them in writing (app, SMS, e-mail), "
                           "never by a call."
    )


def notification_json(
    *,
    dispute_id: str,
    customer_id: str,
    template: NotificationTemplate,
    outcome: Outcome | None = None,
    reason: str | None = None,
    partial: bool = False,
    message: str | None = None,
    message_en: str | None = None,
    written_only: bool = False,
) -> dict[str, Any]:
    """A `CustomerNotification` as `model_dump(mode="json")` gives it, from values already of its fields' types,
    without building the model: every dispute queues one as it opens, where the model and its dump cost a tenth of
    the opening. tests/unit/test_effects.py holds the two to the same output."""
    return {
        "dispute_id": dispute_id,
        "customer_id": customer_id,
        "template": template,
        "outcome": None if outcome is None else outcome.value,
        "reason": reason,
        "partial": partial,
        "message": message,
        "message_en": message_en,
        "written_only": written_only,
    }
