"""The SLA holds by construction: cases near the deadline are escalated, cases at it are resolved; a first response
not given near its deadline is escalated, and at it recorded as missed."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from disputes.sla_sweeper import SlaSweeper
from schemas.common import Outcome, Resolution
from schemas.dispute import EffectKind, ReasonCode, Status
from tests.factories import CUSTOMER, INVESTIGATOR, SUPERVISOR, order, shipment

IST = ZoneInfo("Europe/Istanbul")
FIRST_RESPONSE_DUE = datetime(2026, 11, 20, 0, 0, tzinfo=IST)  # opened Wed 18 Nov 2026: the end of Thursday


@pytest.fixture
def sweeper(service, clock, due_work):
    return due_work(SlaSweeper(service))


@pytest.fixture
async def dispute(service, request_for):
    return (await service.open(CUSTOMER, request_for(resolution=Resolution.RESHIP), None)).dispute


@pytest.fixture
async def taken(service, dispute):
    """The case, taken by an investigator: its first response."""
    return await service.assign(INVESTIGATOR, dispute.id, INVESTIGATOR.id)


async def test_nothing_happens_before_the_escalation_point(sweeper, dispute, repository):
    assert dispute.sla.first_response_due == FIRST_RESPONSE_DUE
    assert await sweeper.run_once() == 0
    assert repository.docs[dispute.id].sla_check_due == FIRST_RESPONSE_DUE - timedelta(hours=12)


async def test_a_first_response_not_given_is_escalated_near_its_deadline_and_recorded_as_missed_at_it(
    sweeper, dispute, repository, clock
):
    clock.current = datetime(2026, 11, 19, 12, 30, tzinfo=IST)
    assert await sweeper.run_once() == 1
    stored = repository.docs[dispute.id]
    assert stored.priority == 2 and not stored.escalated and stored.timeline[-1].action == "first_response_escalated"
    assert stored.outbox[-1].payload["reason"] == "first_response_near"
    assert stored.outbox[-1].payload["first_response_due"] == "2026-11-19T21:00:00.000Z"  # the end of Thursday 19.11
    assert stored.sla_check_due == FIRST_RESPONSE_DUE and await sweeper.run_once() == 0

    clock.current = FIRST_RESPONSE_DUE
    assert await sweeper.run_once() == 1
    stored = repository.docs[dispute.id]
    assert stored.timeline[-1].action == "first_response_missed" and stored.status is Status.OPENED
    assert (stored.outbox[-1].payload["reason"], stored.outbox[-1].payload["first_response_due"]) == (
        "first_response_missed", "2026-11-19T21:00:00.000Z"
    )
    assert [e.action for e in stored.timeline].count("first_response_missed") == 1
    assert stored.sla_check_due == dispute.sla.decision_due - timedelta(hours=12)
    assert await sweeper.run_once() == 0


async def test_a_case_taken_in_time_has_no_first_response_escalation(sweeper, taken, repository, clock):
    clock.current = datetime(2026, 11, 19, 12, 30, tzinfo=IST)
    assert await sweeper.run_once() == 1  # the visit finds the response: it only comes back for the decision
    stored = repository.docs[taken.id]
    assert stored.timeline[-1].action == "assigned" and stored.priority == 0 and stored.outbox == taken.outbox
    assert stored.sla_check_due == taken.sla.decision_due - timedelta(hours=12)


async def test_a_case_stored_before_first_responses_were_watched_is_visited_for_its_decision_only(
    sweeper, dispute, repository, clock
):
    held = await repository.get(dispute.id)
    document = held.model_dump(exclude={"first_response_watch"})
    held = type(held).model_validate(document | {"sla_check_due": dispute.sla.decision_due - timedelta(hours=12)})
    await repository.save(held)
    clock.current = dispute.sla.decision_due - timedelta(hours=11)
    assert await sweeper.run_once() == 1
    stored = repository.docs[dispute.id]
    assert stored.escalated and stored.timeline[-1].action == "sla_escalated"
    assert not any(e.action.startswith("first_response") for e in stored.timeline)


async def test_a_case_near_its_deadline_is_escalated_once(sweeper, taken, repository, clock):
    dispute = taken
    clock.current = dispute.sla.decision_due - timedelta(hours=11)
    assert await sweeper.run_once() == 1
    stored = repository.docs[dispute.id]
    assert stored.escalated and stored.priority == 2 and stored.timeline[-1].action == "sla_escalated"
    assert stored.outbox[-1].kind is EffectKind.STAFF_ALERT and stored.outbox[-1].payload["reason"] == "deadline_near"
    assert await sweeper.run_once() == 0


async def test_at_the_deadline_the_case_is_resolved_for_the_customer(sweeper, dispute, repository, clock):
    clock.current = dispute.sla.decision_due + timedelta(seconds=1)
    await sweeper.run_once()
    stored = repository.docs[dispute.id]
    assert stored.status is Status.RESOLVED and stored.decision.reason_code is ReasonCode.DEADLINE_REACHED
    assert stored.decision.outcome is Outcome.RESHIP and stored.decision.decided_by == "system"
    assert stored.sla_check_due is None and await sweeper.run_once() == 0


async def test_a_case_that_cannot_be_reshipped_is_refunded_at_the_deadline(service, orders, request_for, sweeper, repository, clock):
    orders.orders["ord-1"] = order(shipments=[shipment(reshippable=False)])
    dispute = (await service.open(CUSTOMER, request_for(resolution=Resolution.RESHIP), None)).dispute
    clock.current = dispute.sla.decision_due
    await sweeper.run_once()
    assert repository.docs[dispute.id].decision.outcome is Outcome.REFUND


async def test_a_case_needing_a_supervisor_goes_to_one_at_the_deadline(sweeper, dispute, repository, clock):
    held = await repository.get(dispute.id)
    held.needs_supervisor = True
    await repository.save(held)
    clock.current = dispute.sla.decision_due
    await sweeper.run_once()
    stored = repository.docs[dispute.id]
    assert stored.status is not Status.RESOLVED and stored.priority == 3
    alert, told = stored.outbox[-2:]  # supervisors alerted, the customer told the answer is late
    assert alert.payload["reason"] == "deadline_reached_needs_supervisor"
    assert told.payload["template"] == "decision_delayed"


async def test_a_case_whose_flags_a_supervisor_clears_past_its_deadline_is_then_resolved_for_the_customer(
    sweeper, service, dispute, repository, clock
):
    held = await repository.get(dispute.id)
    held.needs_supervisor, held.abuse_flags = True, ["claim_soon_after_delivery"]
    await repository.save(held)
    clock.current = dispute.sla.decision_due
    await sweeper.run_once()
    assert repository.docs[dispute.id].sla_check_due is None  # with the supervisor: nothing more the rule can do

    clock.current += timedelta(hours=1)
    await service.clear_flags(SUPERVISOR, dispute.id, "Kötüye kullanım yok; olağan incelemeye dönsün.")
    assert repository.docs[dispute.id].sla_check_due == clock.current
    assert await sweeper.run_once() == 1
    stored = repository.docs[dispute.id]
    assert stored.status is Status.RESOLVED and stored.decision.reason_code is ReasonCode.DEADLINE_REACHED
    assert stored.decision.outcome is Outcome.RESHIP and stored.decision.decided_by == "system"


async def test_flags_cleared_before_the_deadline_leave_the_case_watched_for_it(sweeper, service, taken, repository, clock):
    held = await repository.get(taken.id)
    held.needs_supervisor, held.abuse_flags = True, ["claim_soon_after_delivery"]
    await repository.save(held)
    clock.current = taken.sla.decision_due - timedelta(days=1)
    await service.clear_flags(SUPERVISOR, taken.id, "Kötüye kullanım yok.")
    assert repository.docs[taken.id].sla_check_due == taken.sla.decision_due - timedelta(hours=12)


async def test_decided_cases_are_not_visited(sweeper, service, dispute, repository, clock):
    await service.decide(INVESTIGATOR, dispute.id, {1}, Outcome.REJECTED, ReasonCode.PROOF_OF_DELIVERY, "imzalı", None)
    assert repository.docs[dispute.id].sla_check_due is None
    clock.current = dispute.sla.decision_due + timedelta(days=1)
    assert await sweeper.run_once() == 0


async def test_an_appeal_is_a_new_review_with_its_own_deadline(sweeper, service, dispute, repository, clock):
    await service.decide(INVESTIGATOR, dispute.id, {1}, Outcome.REJECTED, ReasonCode.PROOF_OF_DELIVERY, "imzalı", None)
    clock.current = dispute.sla.decision_due + timedelta(days=1)
    appealed = await service.appeal(CUSTOMER, dispute.id, "İmza benim değil")
    assert appealed.sla.decision_due > clock.now() + timedelta(days=2)
    assert await sweeper.run_once() == 0
    clock.current = appealed.sla.decision_due
    await sweeper.run_once()
    stored = repository.docs[dispute.id]
    assert stored.status is Status.RESOLVED and stored.decision.sequence == 2


async def test_a_case_opened_before_a_holiday_weekend_is_due_after_it_and_resolved_then(service, orders, request_for, sweeper, repository, clock):
    # Tuesday 27 October 2026; Thursday 29 October is Republic Day, then the weekend.
    clock.current = datetime(2026, 10, 27, 10, 0, tzinfo=UTC)
    orders.orders["ord-h"] = order("ord-h", shipments=[shipment("shp-h", delivered_days_ago=23)])
    dispute = (await service.open(CUSTOMER, request_for(order_id="ord-h"), None)).dispute
    assert dispute.sla.decision_due == datetime(2026, 11, 2, 21, 0, tzinfo=UTC)  # end of Monday 2 Nov, Istanbul
    await service.assign(INVESTIGATOR, dispute.id, INVESTIGATOR.id)
    clock.current = datetime(2026, 10, 28, 9, 0, tzinfo=UTC)
    await sweeper.run_once()  # near the first response's deadline (13:00 on the eve): the case was taken
    clock.current = datetime(2026, 10, 31, 12, 0, tzinfo=UTC)  # Saturday: not yet near
    assert await sweeper.run_once() == 0
    clock.current = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
    await sweeper.run_once()
    assert repository.docs[dispute.id].escalated
    clock.current = datetime(2026, 11, 2, 21, 0, tzinfo=UTC)
    await sweeper.run_once()
    assert repository.docs[dispute.id].status is Status.RESOLVED


async def test_a_case_due_on_the_kurban_bayrami_eve_is_escalated_and_decided_before_the_holiday_begins(
    service, orders, request_for, sweeper, repository, clock
):
    clock.current = datetime(2026, 5, 21, 10, 0, tzinfo=IST)  # Thursday; Tue 26 May is the eve, from 13:00 a holiday
    orders.orders["ord-k"] = order("ord-k", shipments=[shipment("shp-k", delivered_days_ago=2)])
    dispute = (await service.open(CUSTOMER, request_for(order_id="ord-k"), None)).dispute
    assert dispute.sla.decision_due == datetime(2026, 5, 26, 13, 0, tzinfo=IST)
    await service.assign(INVESTIGATOR, dispute.id, INVESTIGATOR.id)
    clock.current = datetime(2026, 5, 26, 0, 59, tzinfo=IST)
    await sweeper.run_once()
    assert not repository.docs[dispute.id].escalated
    clock.current = datetime(2026, 5, 26, 1, 0, tzinfo=IST)
    await sweeper.run_once()
    assert repository.docs[dispute.id].escalated
    clock.current = datetime(2026, 5, 26, 13, 0, tzinfo=IST)
    await sweeper.run_once()
    assert repository.docs[dispute.id].decision.decided_at == datetime(2026, 5, 26, 10, 0, tzinfo=UTC)
