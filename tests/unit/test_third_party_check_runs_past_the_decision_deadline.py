"""A hand-over proof that arrives within a day of the decision deadline: the customer's time to check with the
neighbour ends 12 hours (`third_party_review_time`) before the deadline at the latest, so a person weighs what they
found before the deadline rule pays the claim; with no time left, a person weighs the hand-over at once.

Calendar (Law 2429; Diyanet 2026): 19.03.2026 (Thursday) is the arife of Ramazan Bayramı, a half day from 13:00;
20-22.03 the Bayram. A case opened Monday 16.03.2026 10:00 Istanbul has business days Tue 17 (1), Wed 18 (2),
Thu 19 (3, until 13:00): evidence due at the end of Wednesday, decision due Thursday 13:00 (README "SLA")."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo


from disputes.assessment import Assessor
from disputes.evidence import EvidencePuller, PushAttacher
from disputes.policy import PolicySettings
from disputes.rules import Rules
from disputes.sla_sweeper import SlaSweeper
from schemas.dispute import Evidence, Status
from tests.factories import CUSTOMER, NOW, order, shipment
from tests.unit.sla_cases import NoPullApi, neighbour_proof, opened_at

IST = ZoneInfo("Europe/Istanbul")
OPENED = datetime(2026, 3, 16, 10, tzinfo=IST).astimezone(UTC)
PROOF_ARRIVES = datetime(2026, 3, 18, 20, tzinfo=IST).astimezone(UTC)  # before the evidence deadline (Wed 24:00)
DECISION_DUE = datetime(2026, 3, 19, 13, tzinfo=IST).astimezone(UTC)  # hand-computed, above



clock, orders = opened_at(OPENED)


async def test_the_customer_is_given_until_after_the_deadline_to_check_and_the_deadline_rule_decides_first(
    service, repository, pushed, due_work, request_for, clock
):
    case = (await service.open(CUSTOMER, request_for(), None)).dispute
    assert case.sla.decision_due == DECISION_DUE
    await due_work(EvidencePuller(service, NoPullApi(), pushed, Rules())).run_once()

    clock.current = PROOF_ARRIVES
    proof = neighbour_proof(case.order.tracking_number, OPENED - timedelta(days=2), PROOF_ARRIVES)
    await pushed.record_many([Evidence(key="push:yurtici:ev-1", proof=proof)], PROOF_ARRIVES)
    assert await due_work(PushAttacher(service, repository, pushed)).run_once() == 1
    assert await due_work(Assessor(service, repository, PolicySettings())).run_once() == 1
    waiting = repository.docs[case.id]
    told = waiting.recommendation.customer_message

    # Told to check until 12 hours before Thursday 13:00, not until Thursday 20:00 (a day after the proof), after
    # the deadline rule would already have paid the claim.
    assert waiting.third_party_check_by == datetime(2026, 3, 19, 1, tzinfo=IST)
    assert "19.03.2026 01:00 tarihine kadar" in told


ACCESSIBLE_OPENED = datetime(2026, 11, 16, 11, tzinfo=IST).astimezone(UTC)  # Monday, no holiday that week
ACCESSIBLE_PROOF = datetime(2026, 11, 18, 10, tzinfo=IST).astimezone(UTC)  # Wednesday 10:00, the 2nd business day
ACCESSIBLE_DUE = datetime(2026, 11, 19, 0, tzinfo=IST).astimezone(UTC)  # end of Wednesday: 2 business days


async def test_an_accessible_customer_told_a_day_to_check_is_decided_by_the_deadline_rule_within_it(
    service, repository, pushed, due_work, request_for, clock, orders
):
    clock.current = ACCESSIBLE_OPENED
    orders.orders["ord-1"] = order(shipments=[shipment(delivered_days_ago=(NOW - ACCESSIBLE_OPENED).days + 2)],
                                   accessibility_need=True)
    case = (await service.open(CUSTOMER, request_for(), None)).dispute
    assert case.sla.decision_due == ACCESSIBLE_DUE
    await due_work(EvidencePuller(service, NoPullApi(), pushed, Rules())).run_once()
    clock.current = ACCESSIBLE_PROOF
    proof = neighbour_proof(case.order.tracking_number, ACCESSIBLE_OPENED - timedelta(days=2), ACCESSIBLE_PROOF)
    await pushed.record_many([Evidence(key="push:yurtici:ev-1", proof=proof)], ACCESSIBLE_PROOF)
    await due_work(PushAttacher(service, repository, pushed)).run_once()
    await due_work(Assessor(service, repository, PolicySettings())).run_once()
    waiting = repository.docs[case.id]
    clock.current = ACCESSIBLE_DUE + timedelta(seconds=1)
    while await due_work(SlaSweeper(service)).run_once():
        pass
    decided = repository.docs[case.id]
    assert waiting.third_party_check_by == datetime(2026, 11, 18, 12, tzinfo=IST)  # 12 hours before the deadline
    assert decided.status is Status.RESOLVED  # no person took it: the deadline still decides


async def test_a_hand_over_reported_within_the_review_time_goes_to_a_person_at_once_with_no_time_given(
    service, repository, pushed, due_work, request_for, clock
):
    case = (await service.open(CUSTOMER, request_for(), None)).dispute
    await due_work(EvidencePuller(service, NoPullApi(), pushed, Rules())).run_once()
    clock.current = late = DECISION_DUE - timedelta(hours=6)  # Thursday 07:00
    proof = neighbour_proof(case.order.tracking_number, OPENED - timedelta(days=2), late)
    await pushed.record_many([Evidence(key="push:yurtici:ev-1", proof=proof)], late)
    await due_work(PushAttacher(service, repository, pushed)).run_once()
    await due_work(Assessor(service, repository, PolicySettings())).run_once()
    advised = repository.docs[case.id]

    assert advised.recommendation.action.value == "needs_person" and advised.third_party_check_by is None
    assert advised.recommendation.customer_message is None
    assert "third_party_no_time_to_check" in [f.code for f in advised.recommendation.findings]
