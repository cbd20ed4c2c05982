"""README "Waiting for the customer": the deadline moves on by the business time the customer takes, "so a deadline
can move by at most 2 x the wait"; the question is open until `answer_by`. A customer answer that comes after
`answer_by`, before the sweeper has closed the question as expired (its poll, or workers down for a while), is
taken as an answer, and moves the deadline by the whole wait, no further.

Hand-computed (Istanbul, no holiday 16-27.11.2026): opened Monday 16.11 11:00, due Friday 00:00 (2026-11-19T21:00Z).
Question Tuesday 17.11 12:00 (09:00Z): answer by the end of Thursday 19.11 (2 business days). The whole wait is
Tuesday's 12 h + Wednesday + Thursday = 60 h, so the deadline can move at most to Friday 00:00 + 60 h = Tuesday
24.11 12:00 (09:00Z). The customer writes on Monday 23.11 12:00 (09:00Z), after the time to answer."""

from datetime import UTC, datetime


from tests.factories import CUSTOMER, INVESTIGATOR
from tests.unit.sla_cases import opened_at

OPENED = datetime(2026, 11, 16, 8, tzinfo=UTC)
ASKED = datetime(2026, 11, 17, 9, tzinfo=UTC)
ANSWER_BY = datetime(2026, 11, 19, 21, tzinfo=UTC)
LATEST_DUE = datetime(2026, 11, 24, 9, tzinfo=UTC)
WRITES = datetime(2026, 11, 23, 9, tzinfo=UTC)


clock, orders = opened_at(OPENED)


async def test_an_answer_after_the_time_to_answer_moves_the_deadline_no_further_than_the_whole_wait(service, repository, request_for, clock):
    case = (await service.open(CUSTOMER, request_for(), None)).dispute
    clock.current = ASKED
    asked = await service.request_information(INVESTIGATOR, case.id, "Did the doorman take it?")
    assert asked.information_requests[-1].answer_by == ANSWER_BY and asked.sla.decision_due == LATEST_DUE
    clock.current = WRITES  # the sweeper has not come by since the time to answer ended
    answered = await service.add_customer_message(CUSTOMER, case.id, "Sorry for the delay: no, he did not.")
    assert answered.information_requests[-1].answered_at == WRITES
    assert answered.sla.decision_due == LATEST_DUE  # moved by the whole wait, as if unanswered: no further
