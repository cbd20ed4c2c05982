"""The conversation on a case, read from its timeline (the one record of what happened): the customer's words
(and an agent's for them), investigators' messages and questions to the customer with the answers, and, for
staff only, the internal notes, and for staff and agents, the contacts agents logged."""

from disputes.model import Dispute
from schemas.common import Role
from schemas.conversation import MessageKind, ThreadMessage
from schemas.dispute import TimelineEntry

KINDS = {
    "opened": MessageKind.STATEMENT,
    "appealed": MessageKind.APPEAL,
    "customer_message": MessageKind.CUSTOMER_MESSAGE,
    "contact_logged": MessageKind.CONTACT_LOG,
    "information_added": MessageKind.INFORMATION_ADDED,
    "staff_message": MessageKind.STAFF_MESSAGE,
    "information_requested": MessageKind.INFORMATION_REQUESTED,
    "information_request_expired": MessageKind.INFORMATION_REQUEST_EXPIRED,
    "note_added": MessageKind.INTERNAL_NOTE,
}
TEXT_FIELDS = ("text", "statement", "question")
RESPONSES = frozenset({"staff_message", "information_requested", "decided"})
"""What counts as the service's first response to a customer: a message, a question, or a decision."""


def thread(dispute: Dispute, internal: bool, contact_logs: bool = False) -> list[ThreadMessage]:
    """Oldest first. Without `internal` (customers, agents): no internal notes, and no staff or agent ids; without
    `contact_logs` (customers): none of the contacts customer service logged."""
    hidden = set() if internal else {MessageKind.INTERNAL_NOTE}
    hidden |= set() if contact_logs else {MessageKind.CONTACT_LOG}
    messages = []
    for entry in dispute.timeline:
        kind = KINDS.get(entry.action)
        if kind is None or kind in hidden:
            continue
        messages.append(_message(dispute, entry, kind, internal))
    return messages


def _message(dispute: Dispute, entry: TimelineEntry, kind: MessageKind, internal: bool) -> ThreadMessage:
    details = entry.details
    text = dispute.statement if kind is MessageKind.STATEMENT else next(
        (details[f] for f in TEXT_FIELDS if f in details), None
    )
    return ThreadMessage(
        at=entry.at,
        kind=kind,
        role=entry.role,
        author=entry.actor if internal or entry.role is Role.CUSTOMER else None,
        text=text,
        request_id=details.get("request_id"),
        reply_to=details.get("reply_to"),
        answer_by=details.get("answer_by"),
    )
