"""README: an accessibility need makes "an open case's decision deadline ... 2 business days from the start of its
current review ..., never later than it was", and never sooner than the escalation lead from now. Declared on the
3rd business day, 2 business days from the opening are already past: rather than a deadline in the past (which the
sweeper would decide at once by the deadline rule, unreviewed), the case gets 12 hours and is escalated at once.

Hand-computed (Istanbul, no holiday 16-20.11.2026): opened Monday 16.11 11:00; decision due Thursday 24:00
(2026-11-19T21:00Z). The agent records the need on Thursday 19.11 10:00 (07:00Z); 2 business days from the opening
end on Wednesday 24:00 (2026-11-18T21:00Z), 10 hours earlier."""

from datetime import UTC, datetime, timedelta


from disputes.sla_sweeper import SlaSweeper
from schemas.dispute import Status
from tests.factories import AGENT, CUSTOMER, INVESTIGATOR
from tests.unit.sla_cases import opened_at

OPENED = datetime(2026, 11, 16, 8, tzinfo=UTC)
DECLARED = datetime(2026, 11, 19, 7, tzinfo=UTC)
ACCESSIBLE_DUE = datetime(2026, 11, 18, 21, tzinfo=UTC)


clock, orders = opened_at(OPENED)


async def test_a_need_declared_on_the_third_day_does_not_set_a_deadline_already_past(
    service, repository, due_work, request_for, clock
):
    case = (await service.open(CUSTOMER, request_for(), None)).dispute
    await service.assign(INVESTIGATOR, case.id, None)
    clock.current = DECLARED
    declared = (await service.declare_accessibility_need(AGENT, case.id)).dispute
    assert declared.sla.decision_due == DECLARED + timedelta(hours=12)  # brought forward to the escalation lead, not past
    clock.current = DECLARED + timedelta(seconds=10)
    while await due_work(SlaSweeper(service)).run_once():
        pass
    stored = repository.docs[case.id]
    assert stored.status is not Status.RESOLVED
    assert [(e.at, e.details["decision_due"]) for e in stored.timeline if e.action == "sla_escalated"] == [
        (DECLARED + timedelta(seconds=10), "2026-11-19T19:00:00.000Z")]  # DECLARED + 12 hours
