"""The test clock endpoints' bodies and responses (sandbox only: absent from the API in production settings)."""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from schemas.api import Instant
from schemas.common import ShortText, Timestamp, Typed


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class NewTestClock(_Input):
    frozen_time: Instant | None = Field(default=None, description="Where the clock starts; the current time if left out.")
    name: Annotated[ShortText, Typed] | None = None


class AdvanceTestClock(_Input):
    frozen_time: Instant = Field(description="The clock's new time: not before its current one.")


class TestClockView(BaseModel):
    id: str
    name: str | None
    frozen_time: Timestamp = Field(description="The time the cases on this clock live by.")
    created_at: Timestamp
