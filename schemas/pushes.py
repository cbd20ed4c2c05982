"""The events carriers pushed for one tracking number, as staff trace them: what each said, whether it carried proof
(as flags: never the names, images or places themselves), and what became of it."""

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from schemas.common import Timestamp, TrackingNumber
from schemas.history import HistoryQuery
from schemas.proof import ProofStatus


class PushQuery(HistoryQuery):
    tracking_number: TrackingNumber = Field(description="In any spelling: read in the one the service keeps "
                                                        "(blanks left out, a-z in capitals).")


class PushOutcome(StrEnum):
    ATTACHED = "attached"
    """Cases on its shipment took it (`dispute_ids`)."""
    WAITING = "waiting"
    """Stored, not yet attached: the push attacher has yet to take it."""
    UNMATCHED = "unmatched"
    """Attached to no case: none was open on its shipment when the attacher took it (a case opened later reads it on
    its first pull), or the case left it out (an earlier parcel's event, or a case already full)."""


class PushedEventView(BaseModel):
    model_config = ConfigDict(frozen=True)
    carrier: str
    event_id: str = Field(description="The carrier's own identity of the event, by which a redelivery of it is "
                                      "recognised and not stored again.")
    received_at: Timestamp = Field(description="When we received (and stored) it.")
    event_at: Timestamp | None = Field(description="The carrier's time of the event: its delivery time, else the "
                                                   "time of the latest scan it sent; none when it gave neither.")
    status: ProofStatus
    status_code: str | None = Field(description="The carrier's own code or word for the status, as sent.")
    has_signature: bool
    has_photo: bool
    has_receiver_name: bool = Field(description="It names who received the parcel.")
    has_location: bool = Field(description="It places the delivery (coordinates or the carrier's words).")
    outcome: PushOutcome
    dispute_ids: list[str] = Field(description="The cases that took it (`attached`); empty otherwise.")


class PushTraceView(BaseModel):
    model_config = ConfigDict(frozen=True)
    tracking_number: str
    items: list[PushedEventView] = Field(description="Newest first by time of receipt.")
    next_cursor: str | None = Field(description="The next (older) page; none on the last.")
