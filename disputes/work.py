"""The kinds of background work. The core says which work is due and when; storage decides who holds it
(`disputes.ports.Schedule`), and one loop runs every kind (`disputes.schedule.DueWork`)."""

from enum import StrEnum


class WorkKind(StrEnum):
    PULL_EVIDENCE = "pull_evidence"
    """A dispute's carrier pull (or its evidence deadline) has come."""
    ATTACH_PUSHED = "attach_pushed"
    """Evidence a carrier pushed is not yet attached to the disputes on its shipment."""
    ASSESS = "assess"
    """A dispute's facts changed (or a third-party check ended) since the policy last advised on it."""
    SLA_CHECK = "sla_check"
    """A dispute's escalation or decision deadline has come."""
    RELAY = "relay"
    """A dispute has outbox messages due for delivery."""
    RESTRICTION_REVIEW = "restriction_review"
    """An account restriction no supervisor confirmed has reached the end of its review window."""
    RETENTION = "retention"
    """A closed dispute's images and raw carrier replies are due for deletion."""
    PUSH_RETENTION = "push_retention"
    """A pushed event has been kept its time: it goes, with the images and raw bodies nothing else still needs."""
    ATTACHMENT_CHECK = "attachment_check"
    """An image was stored long enough ago (`disputes.ports.STORED_LATELY`) that what stored it (a push's intake, a
    case's save) has cited it by now, or never will: deleted when nothing cites it."""
    RAW_CHECK = "raw_check"
    """A carrier's raw reply, likewise: a push whose events were all recorded before (a carrier's retry of different
    bytes), or whose intake stopped before recording them, left one nothing cites."""


COPY_CHECKS = (WorkKind.ATTACHMENT_CHECK, WorkKind.RAW_CHECK)
"""The checks of stored copies: images, raw bodies."""
