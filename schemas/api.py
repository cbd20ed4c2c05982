"""The HTTP API's request bodies, query parameters and responses. Inputs are strict: unknown fields, wrong
types and objects where a string belongs are rejected."""

from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from schemas.common import Id, Outcome, RefundDestination, Resolution, Role, ShortText, Text
from schemas.dispute import (
    Appeal,
    Decision,
    DeliveredEffect,
    Evidence,
    OrderSnapshot,
    OutboxMessage,
    ReasonCode,
    Sla,
    Status,
    TimelineEntry,
)
from schemas.orders import OrderItem
from schemas.recommendation import Recommendation

Statement = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class OpenDispute(_Input):
    order_id: Id
    shipment_id: Id | None = None
    statement: Statement = Field(description="The customer's own words: what happened.")
    preferred_resolution: Resolution


class Withdraw(_Input):
    reason: ShortText | None = None


class AppealRequest(_Input):
    statement: Statement = Field(description="A new explanation, and what evidence the customer has.")


class Assign(_Input):
    assignee: Id | None = Field(default=None, description="Defaults to the caller.")


class Note(_Input):
    text: Text


class DecisionRequest(_Input):
    outcome: Outcome
    reason_code: ReasonCode
    note: Text
    refund_to: RefundDestination | None = None
    override_reason: Text | None = Field(default=None, description="Required when deciding against the recommendation.")


class Reopen(_Input):
    reason: ShortText


class ClearFlags(_Input):
    reason: ShortText


class ListQuery(_Input):
    status: list[Status] | None = Field(default=None, description="Comma-separated statuses.")
    carrier: Id | None = None
    assignee: Id | None = None
    overridden: bool | None = Field(default=None, description="Only decisions taken against the recommendation.")
    due_before: AwareDatetime | None = None
    opened_from: AwareDatetime | None = None
    opened_to: AwareDatetime | None = None
    cursor: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_=-]{1,200}$")] | None = None
    limit: int = Field(default=50, ge=1, le=100)


class _Output(BaseModel):
    model_config = ConfigDict(frozen=True)


class Effects(_Output):
    pending: list[OutboxMessage]
    delivered: list[DeliveredEffect]
    parked: list[OutboxMessage]


class DisputeView(_Output):
    """The full case, as investigators and supervisors see it."""

    id: str
    version: int
    status: Status
    customer_id: str
    order: OrderSnapshot
    statement: str
    preferred_resolution: Resolution
    opened_at: AwareDatetime
    updated_at: AwareDatetime
    sla: Sla
    assignee: str | None
    decision: Decision | None
    appeal: Appeal | None
    recommendation: Recommendation | None
    priority: int
    abuse_flags: list[str]
    needs_supervisor: bool
    evidence: list[Evidence]
    evidence_pull_due: AwareDatetime | None
    proof_missing: bool
    effects: Effects


class CustomerDecision(_Output):
    outcome: Outcome
    reason_code: ReasonCode
    decided_at: AwareDatetime
    refund_to: RefundDestination | None


class CustomerOrder(_Output):
    order_id: str
    shipment_id: str
    carrier: str
    tracking_number: str
    delivered_at: AwareDatetime
    items: list[OrderItem]


class NextStep(_Output):
    en: str
    tr: str


class CustomerDisputeView(_Output):
    """What the order page shows the customer: their case, without internal notes or staff names."""

    id: str
    version: int
    status: Status
    order: CustomerOrder
    statement: str
    preferred_resolution: Resolution
    opened_at: AwareDatetime
    updated_at: AwareDatetime
    decision_due: AwareDatetime
    decision: CustomerDecision | None
    appeal: Appeal | None
    next_step: NextStep


class DisputeSummary(_Output):
    id: str
    status: Status
    customer_id: str
    carrier: str
    tracking_number: str
    value_minor: int
    preferred_resolution: Resolution
    assignee: str | None
    opened_at: AwareDatetime
    decision_due: AwareDatetime


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

    type: str
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    request_id: str | None = None
    errors: list[FieldError] | None = None
    dispute_id: str | None = None


class Health(_Output):
    status: str


class TokenClaims(_Output):
    sub: str
    role: Role
    customer_id: str | None = None


class CarrierCapabilities(_Output):
    pull: bool
    push: bool
    signature: bool
    photo: bool
    location: bool


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
    received: int
    duplicates: int


class ReportQuery(_Input):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    start: AwareDatetime = Field(alias="from", description="Disputes opened at or after this instant.")
    end: AwareDatetime = Field(alias="to", description="Disputes opened before this instant.")


class CarrierReportRow(_Output):
    carrier: str
    disputes: int
    outcomes: dict[str, int]
    share_with_evidence: float
    share_with_signature: float
    share_with_photo: float
    share_with_location: float
    median_hours_to_proof: float | None
    liability_minor: int


class CarrierReport(_Output):
    start: AwareDatetime
    end: AwareDatetime
    carriers: list[CarrierReportRow]


class SlaReport(_Output):
    start: AwareDatetime
    end: AwareDatetime
    disputes: int
    decided: int
    decided_within_sla: float | None
    auto_resolution_rate: float | None
    median_hours_to_decision: float | None
    p95_hours_to_decision: float | None
