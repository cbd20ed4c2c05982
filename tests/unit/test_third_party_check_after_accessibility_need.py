"""The third-party check's cap (`third_party_review_time`, 12 h before the decision deadline) holds when an accessibility
need declared afterwards brings the decision deadline forward: the end the customer was told is brought forward too
(the case is assessed again), so a person weighs the hand-over before the deadline rule would pay.

Calendar: Monday 16.11.2026 11:00 Istanbul, no holiday that week. Standard decision due: 3 business days, end of
Thursday (Fri 20.11 00:00). Accessible: 2 business days, end of Wednesday (Thu 19.11 00:00) (README "SLA").
Proof of a hand-over to a neighbour arrives Wednesday 08:00: check until min(Thu 08:00, Fri 00:00 - 12 h = Thu 12:00)
= Thu 08:00. An agent declares the accessibility need Wednesday 09:00: decision due Thu 19.11 00:00."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo


from disputes.assessment import Assessor
from disputes.evidence import EvidencePuller, PushAttacher
from disputes.policy import PolicySettings
from disputes.rules import Rules
from disputes.sla_sweeper import SlaSweeper
from schemas.dispute import Evidence, Status
from tests.factories import AGENT, CUSTOMER
from tests.unit.sla_cases import NoPullApi, neighbour_proof, opened_at

IST = ZoneInfo("Europe/Istanbul")
OPENED = datetime(2026, 11, 16, 11, tzinfo=IST).astimezone(UTC)
PROOF = datetime(2026, 11, 18, 8, tzinfo=IST).astimezone(UTC)
DECLARED = datetime(2026, 11, 18, 9, tzinfo=IST).astimezone(UTC)
ACCESSIBLE_DUE = datetime(2026, 11, 19, 0, tzinfo=IST).astimezone(UTC)



clock, orders = opened_at(OPENED)


async def told_to_check_then_accessible(service, repository, pushed, due_work, request_for, clock) -> str:
    """A case told to check with a neighbour until Thu 08:00, whose customer's accessibility need is then recorded."""
    case = (await service.open(CUSTOMER, request_for(), None)).dispute
    await due_work(EvidencePuller(service, NoPullApi(), pushed, Rules())).run_once()
    clock.current = PROOF
    proof = neighbour_proof(case.order.tracking_number, OPENED - timedelta(days=2), PROOF)
    await pushed.record_many([Evidence(key="push:yurtici:ev-1", proof=proof)], PROOF)
    await due_work(PushAttacher(service, repository, pushed)).run_once()
    await due_work(Assessor(service, repository, PolicySettings())).run_once()
    assert repository.docs[case.id].third_party_check_by == datetime(2026, 11, 19, 8, tzinfo=IST)
    clock.current = DECLARED
    await service.declare_accessibility_need(AGENT, case.id)
    return case.id


async def test_a_check_told_before_an_accessibility_need_still_ends_before_the_new_deadline(
    service, repository, pushed, due_work, request_for, clock
):
    dispute_id = await told_to_check_then_accessible(service, repository, pushed, due_work, request_for, clock)
    await due_work(Assessor(service, repository, PolicySettings())).run_once()
    now = repository.docs[dispute_id]
    assert now.sla.decision_due == ACCESSIBLE_DUE
    # What the cap promises: the check ends 12 h before the decision deadline, so a person weighs it first.
    assert now.third_party_check_by == datetime(2026, 11, 18, 12, tzinfo=IST)


async def test_by_the_new_deadline_a_person_was_asked_to_weigh_the_hand_over(
    service, repository, pushed, due_work, request_for, clock
):
    dispute_id = await told_to_check_then_accessible(service, repository, pushed, due_work, request_for, clock)
    clock.current = ACCESSIBLE_DUE + timedelta(seconds=1)
    await due_work(Assessor(service, repository, PolicySettings())).run_once()
    while await due_work(SlaSweeper(service)).run_once():
        pass
    decided = repository.docs[dispute_id]
    # By the deadline the check was over and a person asked to weigh the hand-over (none did: the rule then decided).
    assert decided.recommendation.action.value == "needs_person" and decided.status is Status.RESOLVED
