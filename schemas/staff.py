"""The staff directory (who may be given cases) and bulk assignment, as they cross the API."""

from enum import StrEnum
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WrapValidator,
)
from pydantic.json_schema import SkipJsonSchema
from pydantic_core import PydanticCustomError

from schemas.common import Id, Role, ShortText, Timestamp, Typed, Written
from schemas.history import unset_default

_STAFF_ROLES = Literal[Role.INVESTIGATOR, Role.SUPERVISOR]


def _named_by_value(value: Any, handler: ValidatorFunctionWrapHandler) -> Role:
    """A refusal names the roles by their values, as a client writes them (pydantic shows an enum member's repr)."""
    try:
        role: Role = handler(value)
    except ValidationError:
        expected = " or ".join(f"'{member.value}'" for member in get_args(_STAFF_ROLES))
        raise PydanticCustomError("literal_error", "Input should be {expected}", {"expected": expected}) from None
    return role


StaffRole = Annotated[_STAFF_ROLES, WrapValidator(_named_by_value)]


def _unique(ids: list[str]) -> list[str]:
    if len(set(ids)) != len(ids):
        raise ValueError("name each dispute once")
    return ids


class StaffMember(BaseModel):
    """Someone who works cases: an investigator or a supervisor. An inactive member keeps their record (past cases
    name them) but is given no new case."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    id: Id
    name: Annotated[ShortText, Written]  # read back from storage as stored; new names come as a `StaffRecord`
    role: StaffRole
    active: bool = True
    changed_by: str | None = Field(
        default=None, description="The supervisor who last wrote the record; none on a record never written since it "
                                  "was kept (demo records, older ones)."
    )
    changed_at: Timestamp | None = Field(default=None, description="When the record was last written.")


class StaffRecord(BaseModel):
    """A member's record as a supervisor writes it (the id is in the path). `name` and `role` replace the stored
    ones; `active` left out (or null) keeps the stored value, so a change that does not mention it (a rename) never
    reactivates someone: only `"active": true` does. A new record left without it is active."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    name: Annotated[ShortText, Typed]
    role: StaffRole
    active: StrictBool | None = Field(
        default=None, description="Whether the member works cases. Left out: as stored (a new record: active)."
    )


class StaffQuery(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    after: Id | SkipJsonSchema[None] = Field(
        default=None, description="The last id of the previous page.", json_schema_extra=unset_default
    )
    limit: int = Field(default=100, ge=1, le=100)


class StaffPage(BaseModel):
    model_config = ConfigDict(frozen=True)
    items: list[StaffMember]
    next_after: str | None = Field(description="Give it as `after` for the next page; none on the last.")


class BulkAssign(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    dispute_ids: Annotated[list[Id], AfterValidator(_unique)] = Field(
        min_length=1, max_length=100, json_schema_extra={"uniqueItems": True}
    )
    assignee: Id = Field(description="An active investigator or supervisor in the staff directory.")


class AssignmentOutcome(StrEnum):
    ASSIGNED = "assigned"
    ALREADY_ASSIGNED = "already_assigned"  # to this assignee before: nothing changed (a retry lands here)
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"  # the case is closed, or kept changing


class AssignmentResult(BaseModel):
    model_config = ConfigDict(frozen=True)
    dispute_id: str
    outcome: AssignmentOutcome
    version: int | None = Field(default=None, description="The dispute's version afterwards (its ETag).")
    detail: str | None = None


class BulkAssignView(BaseModel):
    """What became of each case asked for: assigned, already theirs, or why not."""

    model_config = ConfigDict(frozen=True)
    assignee: str
    results: list[AssignmentResult] = Field(description="One per dispute id, in the order given.")
