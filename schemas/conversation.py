"""The conversation on a case: what the customer (or an agent for them) and the investigators said, and the
questions investigators put to the customer, with the answers linked to them."""

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from schemas.common import Role, Statement, Timestamp


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class QuestionToCustomer(_Model):
    """A question an investigator put to the customer. While it is open the decision deadline is paused: it moves
    on by the time the customer takes to answer, at most until `answer_by`."""

    id: str
    question: str
    asked_by: str
    asked_at: Timestamp
    answer_by: Timestamp
    decision_due_before: Timestamp
    """The decision deadline when the question was asked: the pause counts from it."""
    answered_at: Timestamp | None = None
    expired_at: Timestamp | None = None
    """When it was closed unanswered: its time to answer over, or the case withdrawn or decided without the answer."""

    @property
    def is_open(self) -> bool:
        return self.answered_at is None and self.expired_at is None


class MessageKind(StrEnum):
    STATEMENT = "statement"
    """What the customer said when opening the case."""
    APPEAL = "appeal"
    CUSTOMER_MESSAGE = "customer_message"
    CONTACT_LOG = "contact_log"
    """An agent's log of a contact with the customer: it answers nothing (staff and agents only)."""
    INFORMATION_ADDED = "information_added"
    STAFF_MESSAGE = "staff_message"
    INFORMATION_REQUESTED = "information_requested"
    INFORMATION_REQUEST_EXPIRED = "information_request_expired"
    INTERNAL_NOTE = "internal_note"
    """Staff only: never shown to the customer or to agents."""


class ThreadMessage(_Model):
    at: Timestamp
    kind: MessageKind
    role: Role = Field(description="Who wrote it: customer, agent (for the customer), investigator or supervisor.")
    author: str | None = Field(description="The writer's id (staff views only).")
    text: str | None = None
    request_id: str | None = Field(default=None, description="The information request this asks, or that expired.")
    reply_to: str | None = Field(default=None, description="The information request this message answers.")
    answer_by: Timestamp | None = Field(default=None, description="When the customer is asked to answer by.")


class Thread(_Model):
    dispute_id: str
    messages: list[ThreadMessage] = Field(description="Oldest first.")


class WaitingForCustomer(_Model):
    """An open question to the customer and what it does to the decision deadline."""

    request_id: str
    question: str
    asked_at: Timestamp
    answer_by: Timestamp
    decision_due: Timestamp = Field(
        description="The decision deadline while the SLA clock is paused: the latest it can be (an answer sooner "
                    "brings it forward by the time not used)."
    )


class AskCustomer(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    question: Statement = Field(
        description="What the customer is asked, e.g. whether a neighbour or the building's doorman took the parcel."
    )
