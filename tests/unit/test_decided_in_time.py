"""Whether a decision kept the decision deadline (the SLA report's `within_sla`): a person's decision by the deadline
keeps it; after it, only the deadline rule's, taken as the deadline came (docs: DESIGN "the SLA promise holds by
construction"; README "at the deadline resolves it"), within the hour after it (`disputes.sla.AT_THE_DEADLINE`: "how
soon after the decision deadline a decision by the deadline rule is still the deadline's")."""

from datetime import UTC, datetime, timedelta

import pytest

from disputes.sla import decided_in_time
from schemas.common import Outcome, RefundDestination, Role
from schemas.dispute import Decision, ReasonCode

DUE = datetime(2026, 12, 8, 21, tzinfo=UTC)  # the end of Tuesday 08.12.2026 in Istanbul


def decision(at: datetime, reason: ReasonCode, role: Role) -> Decision:
    return Decision(
        outcome=Outcome.REFUND,
        reason_code=reason,
        note="Resolved for the customer.",
        refund_to=RefundDestination.ORIGINAL_PAYMENT,
        decided_by="inv-ayse" if role is Role.INVESTIGATOR else "sla",
        decided_by_role=role,
        decided_at=at,
        sequence=1,
    )


def by_a_person(at: datetime) -> Decision:
    return decision(at, ReasonCode.CARRIER_NO_PROOF, Role.INVESTIGATOR)


def by_the_deadline_rule(at: datetime) -> Decision:
    return decision(at, ReasonCode.DEADLINE_REACHED, Role.SERVICE)


@pytest.mark.parametrize(
    ("taken", "in_time"),
    [
        (by_a_person(DUE - timedelta(days=1)), True),
        (by_a_person(DUE), True),  # "by" the deadline includes its instant
        (by_a_person(DUE + timedelta(minutes=1)), False),
        (by_the_deadline_rule(DUE + timedelta(seconds=5)), True),  # the sweeper took it as the deadline came
        (by_the_deadline_rule(DUE), True),  # the deadline's own instant
        (by_the_deadline_rule(DUE - timedelta(milliseconds=1)), True),  # by the deadline, whoever decides
        (by_the_deadline_rule(DUE + timedelta(hours=1) - timedelta(milliseconds=1)), True),  # within the hour after it
        (by_the_deadline_rule(DUE + timedelta(hours=1)), False),  # "less than" the hour after it: the hour itself is late
        (by_the_deadline_rule(DUE + timedelta(hours=1, milliseconds=1)), False),  # past the hour: the sweeper was late
        (by_the_deadline_rule(DUE + timedelta(hours=2)), False),  # the sweeper was stopped: the promise was missed
        (decision(DUE + timedelta(minutes=30), ReasonCode.DEADLINE_REACHED, Role.INVESTIGATOR), False),  # a person, late
        (decision(DUE - timedelta(minutes=30), ReasonCode.DEADLINE_REACHED, Role.SUPERVISOR), True),  # a person, by it
    ],
    ids=["a day early", "at the deadline", "a minute late", "the deadline rule at it", "the deadline rule at its instant",
         "the deadline rule just before it", "the deadline rule within the hour", "the deadline rule at the hour",
         "the deadline rule past the hour",
         "the deadline rule late", "a person naming the deadline rule late", "a person naming the deadline rule by it"],
)
def test_a_decision_keeps_the_deadline_by_it_or_by_the_deadline_rule_as_it_came(taken: Decision, in_time: bool) -> None:
    assert decided_in_time(taken, DUE) is in_time
