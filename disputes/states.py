"""The dispute lifecycle as one explicit transition table."""

from enum import StrEnum

from disputes.errors import IllegalTransition
from schemas.dispute import Status


class Action(StrEnum):
    AWAIT_EVIDENCE = "await_evidence"
    START_REVIEW = "start_review"
    RESOLVE = "resolve"
    WITHDRAW = "withdraw"
    APPEAL = "appeal"
    REOPEN = "reopen"


S = Status
TRANSITIONS: dict[tuple[Status, Action], Status] = {
    (S.OPENED, Action.AWAIT_EVIDENCE): S.AWAITING_EVIDENCE,
    (S.UNDER_REVIEW, Action.AWAIT_EVIDENCE): S.AWAITING_EVIDENCE,
    (S.OPENED, Action.START_REVIEW): S.UNDER_REVIEW,
    (S.AWAITING_EVIDENCE, Action.START_REVIEW): S.UNDER_REVIEW,
    (S.APPEALED, Action.START_REVIEW): S.UNDER_REVIEW,
    (S.OPENED, Action.RESOLVE): S.RESOLVED,
    (S.AWAITING_EVIDENCE, Action.RESOLVE): S.RESOLVED,
    (S.UNDER_REVIEW, Action.RESOLVE): S.RESOLVED,
    (S.APPEALED, Action.RESOLVE): S.RESOLVED,
    (S.OPENED, Action.WITHDRAW): S.WITHDRAWN,
    (S.AWAITING_EVIDENCE, Action.WITHDRAW): S.WITHDRAWN,
    (S.UNDER_REVIEW, Action.WITHDRAW): S.WITHDRAWN,
    (S.RESOLVED, Action.APPEAL): S.APPEALED,
    (S.RESOLVED, Action.REOPEN): S.UNDER_REVIEW,
    (S.WITHDRAWN, Action.REOPEN): S.UNDER_REVIEW,
    (S.WITHDRAWN, Action.AWAIT_EVIDENCE): S.AWAITING_EVIDENCE,
}
"""Only a case never decided is withdrawn: not an appealed one, nor one reopened after its decision (under review,
as an undecided one can be: `Dispute.withdraw` refuses it). A withdrawn dispute frees its shipment for a new one,
which would bring a second appeal or a second refund. A supervisor reopens a withdrawn case (withdrawn by mistake) as
long as no other case holds its shipment since: under review, or, when its carrier is asked again for the proof it
had not given, awaiting evidence (as a case whose evidence is requested again)."""

ACTIVE = frozenset({S.OPENED, S.AWAITING_EVIDENCE, S.UNDER_REVIEW, S.APPEALED})
"""Statuses in which the case is still being worked (the investigator queue)."""
CLOSED = frozenset(Status) - ACTIVE
"""Statuses in which the case is no longer worked: its evidence pull, SLA checks and assessment end, and `closed_at`
starts the retention of its images."""
EVIDENCE_STARTS_REVIEW = frozenset({S.OPENED, S.AWAITING_EVIDENCE})
"""Where the carrier's proof (or a digital delivery record) arriving, or its deadline passing, starts the review; an
appealed case waits for a person instead."""
TAKING_STARTS_REVIEW = frozenset({S.OPENED, S.APPEALED})
"""Where a person taking the case starts its review; one awaiting evidence keeps waiting for it."""


def allowed(current: Status, action: Action) -> Status | None:
    """The status `action` moves a case in `current` to; None where the table has no such move."""
    return TRANSITIONS.get((current, action))


def next_status(current: Status, action: Action) -> Status:
    try:
        return TRANSITIONS[(current, action)]
    except KeyError:
        raise IllegalTransition(
            f"Cannot {action.value.replace('_', ' ')} a dispute that is {current.value}.",
            status=current.value,
            action=action.value,
        ) from None
