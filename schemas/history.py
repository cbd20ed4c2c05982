"""A customer's history as staff read it: every dispute with its outcome and abuse flags, newest first."""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from pydantic.config import JsonDict
from pydantic.json_schema import SkipJsonSchema

from schemas.common import Outcome, Timestamp
from schemas.dispute import Claim, Channel, ReasonCode, RestrictionState, Status


def unset_default(schema: JsonDict) -> None:
    """An optional query parameter is documented as the string it is when given: absent, it has no value (a
    default of null would be no string at all)."""
    schema.pop("default", None)


class HistoryQuery(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    cursor: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_=-]{1,200}$")] | SkipJsonSchema[None] = Field(
        default=None, json_schema_extra=unset_default
    )
    limit: int = Field(default=50, ge=1, le=100)


class PastDispute(BaseModel):
    model_config = ConfigDict(frozen=True)
    id: str
    status: Status
    order_id: str
    carrier: str
    tracking_number: str
    claim: Claim
    channel: Channel
    value_minor: int = Field(description="What the claim is worth (the package, or the missing lines).")
    currency: str
    opened_at: Timestamp
    decision_due: Timestamp
    closed_at: Timestamp | None
    outcome: Outcome | None = Field(description="The latest decision's outcome; none while undecided.")
    reason_code: ReasonCode | None
    compensation: Outcome | None = Field(description="The refund or reship issued, if any.")
    appealed: bool
    abuse_flags: list[str] = Field(description="Risk signals raised on the case and not reversed.")
    cleared_flags: list[str] = Field(description="Signals a supervisor reversed.")
    restriction: RestrictionState | None = Field(description="The account restriction the case's flags led to.")
    test_clock: str | None = Field(
        None, description="Sandbox: the test clock the case ran on. Such a case counts in no history but its clock's: "
        "not in the repeat-claims signal of the customer's real cases."
    )


class CustomerHistoryView(BaseModel):
    model_config = ConfigDict(frozen=True)
    customer_id: str
    items: list[PastDispute]
    next_cursor: str | None = Field(description="The next (older) page; none on the last.")
