"""The lifecycle table: every legal transition goes where it says, every other pair is refused."""

import itertools

import pytest

from disputes.errors import IllegalTransition
from disputes.states import (
    ACTIVE, CLOSED, EVIDENCE_STARTS_REVIEW, TAKING_STARTS_REVIEW, TRANSITIONS, Action, allowed, next_status,
)
from schemas.dispute import Status

EXPECTED = {
    (Status.OPENED, Action.AWAIT_EVIDENCE): Status.AWAITING_EVIDENCE,
    (Status.UNDER_REVIEW, Action.AWAIT_EVIDENCE): Status.AWAITING_EVIDENCE,
    (Status.OPENED, Action.START_REVIEW): Status.UNDER_REVIEW,
    (Status.AWAITING_EVIDENCE, Action.START_REVIEW): Status.UNDER_REVIEW,
    (Status.APPEALED, Action.START_REVIEW): Status.UNDER_REVIEW,
    (Status.OPENED, Action.RESOLVE): Status.RESOLVED,
    (Status.AWAITING_EVIDENCE, Action.RESOLVE): Status.RESOLVED,
    (Status.UNDER_REVIEW, Action.RESOLVE): Status.RESOLVED,
    (Status.APPEALED, Action.RESOLVE): Status.RESOLVED,
    (Status.OPENED, Action.WITHDRAW): Status.WITHDRAWN,
    (Status.AWAITING_EVIDENCE, Action.WITHDRAW): Status.WITHDRAWN,
    (Status.UNDER_REVIEW, Action.WITHDRAW): Status.WITHDRAWN,
    (Status.RESOLVED, Action.APPEAL): Status.APPEALED,
    (Status.RESOLVED, Action.REOPEN): Status.UNDER_REVIEW,
    (Status.WITHDRAWN, Action.REOPEN): Status.UNDER_REVIEW,  # withdrawn by mistake: a supervisor restores it
    (Status.WITHDRAWN, Action.AWAIT_EVIDENCE): Status.AWAITING_EVIDENCE,  # restored, its carrier asked again for proof
}
ALL_PAIRS = list(itertools.product(Status, Action))


def test_the_table_is_exactly_the_documented_lifecycle():
    assert TRANSITIONS == EXPECTED


@pytest.mark.parametrize(("current", "action"), list(EXPECTED))
def test_a_legal_transition_leads_to_its_target(current, action):
    assert next_status(current, action) is EXPECTED[(current, action)]


@pytest.mark.parametrize(("current", "action"), [p for p in ALL_PAIRS if p not in EXPECTED])
def test_an_illegal_transition_is_a_domain_error(current, action):
    with pytest.raises(IllegalTransition) as raised:
        next_status(current, action)
    assert raised.value.facts == {"status": current.value, "action": action.value}


def test_withdrawn_and_resolved_cases_leave_the_active_queue_until_a_supervisor_reopens_them():
    assert ACTIVE == {Status.OPENED, Status.AWAITING_EVIDENCE, Status.UNDER_REVIEW, Status.APPEALED}
    restores = [action for current, action in TRANSITIONS if current is Status.WITHDRAWN]
    assert restores == [Action.REOPEN, Action.AWAIT_EVIDENCE]


@pytest.mark.parametrize("starts", [EVIDENCE_STARTS_REVIEW, TAKING_STARTS_REVIEW], ids=["evidence", "taking"])
def test_what_starts_a_review_does_so_only_where_the_table_moves_the_case_into_review(starts):
    assert {allowed(status, Action.START_REVIEW) for status in starts} == {Status.UNDER_REVIEW}


def test_a_closed_case_is_one_no_longer_worked_and_moves_only_when_appealed_or_reopened():
    assert CLOSED == set(Status) - ACTIVE
    moves = {action for current, action in TRANSITIONS if current in CLOSED}
    assert moves == {Action.APPEAL, Action.REOPEN, Action.AWAIT_EVIDENCE}  # the last: a withdrawn case reopened
