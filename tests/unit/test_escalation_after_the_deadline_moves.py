"""DESIGN §2 SLA: "Nothing may silently pass its deadline: cases close to it are escalated (priority, supervisors
notified)"; README "SLA": "The SLA sweeper escalates a case 12 hours before its decision deadline". A case escalated
before its investigator asks the customer a question has its deadline moved on by days (the pause), but is never
escalated again: no supervisor alert came before the new deadline, where the deadline rule then decided. The new
deadline is escalated anew (here at once: the answer came within 12 hours of it).

Hand-computed (Europe/Istanbul, no holiday 16-24.11.2026): opened Monday 16.11 11:00, decision due Thursday 24:00
(2026-11-19T21:00Z); escalated Thursday 12:00 (09:00Z); question Thursday 12:30 (09:30Z), answer by the end of
Monday 23.11 (2 business days); the customer answers Monday 23.11 09:00 (06:00Z): business time taken = 11.5 h
(Thu) + 24 h (Fri) + 9 h (Mon) = 44.5 h, so the deadline moves from Friday 00:00 to Monday 20:30 (17:30Z)."""

from datetime import UTC, datetime, timedelta


from disputes.sla_sweeper import SlaSweeper
from schemas.dispute import EffectKind, Status
from tests.factories import CUSTOMER, INVESTIGATOR
from tests.unit.sla_cases import opened_at

OPENED = datetime(2026, 11, 16, 8, tzinfo=UTC)
FIRST_DUE = datetime(2026, 11, 19, 21, tzinfo=UTC)
ESCALATED = datetime(2026, 11, 19, 9, tzinfo=UTC)
ASKED = datetime(2026, 11, 19, 9, 30, tzinfo=UTC)
ANSWERED = datetime(2026, 11, 23, 6, tzinfo=UTC)
MOVED_DUE = datetime(2026, 11, 23, 17, 30, tzinfo=UTC)


clock, orders = opened_at(OPENED)


def alerts(d, reason):
    return [m.payload for m in d.outbox if m.kind is EffectKind.STAFF_ALERT and m.payload["reason"] == reason]


async def sweep(due_work, service):
    while await due_work(SlaSweeper(service)).run_once():
        pass


async def test_a_deadline_moved_after_the_escalation_is_escalated_again_before_it(
    service, repository, due_work, request_for, clock
):
    case = (await service.open(CUSTOMER, request_for(), None)).dispute
    assert case.sla.decision_due == FIRST_DUE
    await service.assign(INVESTIGATOR, case.id, None)  # the first response: only the decision deadline is watched

    clock.current = ESCALATED
    await sweep(due_work, service)
    assert len(alerts(repository.docs[case.id], "deadline_near")) == 1

    clock.current = ASKED
    await service.request_information(INVESTIGATOR, case.id, "Did the building's doorman take it?")
    clock.current = ANSWERED
    await service.add_customer_message(CUSTOMER, case.id, "No, I asked him, he did not.")
    assert repository.docs[case.id].sla.decision_due == MOVED_DUE

    t = ANSWERED
    while t < MOVED_DUE:  # the sweeper runs through the day up to the new deadline
        clock.current = t
        await sweep(due_work, service)
        t += timedelta(minutes=30)
    before = repository.docs[case.id]
    escalations = [(e.at, e.details["decision_due"]) for e in before.timeline if e.action == "sla_escalated"]
    assert (FIRST_DUE, MOVED_DUE) == (datetime(2026, 11, 19, 21, tzinfo=UTC), datetime(2026, 11, 23, 17, 30, tzinfo=UTC))
    assert escalations == [(ESCALATED, "2026-11-19T21:00:00.000Z"), (datetime(2026, 11, 23, 6, 0, tzinfo=UTC), "2026-11-23T17:30:00.000Z")]
    assert [a["decision_due"] for a in alerts(before, "deadline_near")] == [
        "2026-11-19T21:00:00.000Z", "2026-11-23T17:30:00.000Z"]  # as messages write times: UTC, milliseconds
    assert before.status is not Status.RESOLVED
