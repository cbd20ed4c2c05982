"""The third-party check's cap (`third_party_review_time`, 12 h before the decision deadline) holds when an accessibility
need declared afterwards brings the decision deadline forward: the end the customer was told is brought forward too
(the case is assessed again), so a person weighs the hand-over before the deadline rule would pay.

Calendar: Monday 16.11.2026 11:00 Istanbul, no holiday that week. Standard decision due: 3 business days, end of
Thursday (Fri 20.11 00:00). Accessible: 2 business days, end of Wednesday (Thu 19.11 00:00) (README "SLA").
Proof of a hand-over to a neighbour arrives Wednesday 08:00: check until min(Thu 08:00, Fri 00:00 - 12 h = Thu 12:00)
= Thu 08:00. An agent declares the accessibility need Wednesday 09:00: decision due Thu 19.11 00:00."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from adapters.memory import FixedClock, InMemoryOrders
from disputes.assessment import Assessor
from disputes.evidence import EvidencePuller, PushAttacher
from disputes.policy import PolicySettings
from disputes.ports import EvidenceRejected
from disputes.rules import Rules
from schemas.dispute import Evidence
from schemas.proof import Attachment, AttachmentKind, ProofOfDelivery, ProofSource, ProofStatus, RecipientRelation
from tests.factories import AGENT, CUSTOMER, NOW, order, shipment

IST = ZoneInfo("Europe/Istanbul")
OPENED = datetime(2026, 11, 16, 11, tzinfo=IST).astimezone(UTC)
PROOF = datetime(2026, 11, 18, 8, tzinfo=IST).astimezone(UTC)
DECLARED = datetime(2026, 11, 18, 9, tzinfo=IST).astimezone(UTC)
ACCESSIBLE_DUE = datetime(2026, 11, 19, 0, tzinfo=IST).astimezone(UTC)


class NoPullApi:
    async def pull(self, carrier, tracking_number, slot=None):
        raise EvidenceRejected("this carrier has no pull API")


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(OPENED)


@pytest.fixture
def orders() -> InMemoryOrders:
    return InMemoryOrders([order(shipments=[shipment(delivered_days_ago=(NOW - OPENED).days + 2)])])


async def test_a_check_told_before_an_accessibility_need_still_ends_before_the_new_deadline(
    service, repository, pushed, due_work, request_for, clock
):
    case = (await service.open(CUSTOMER, request_for(), None)).dispute
    await due_work(EvidencePuller(service, NoPullApi(), pushed, Rules())).run_once()
    clock.current = PROOF
    proof = ProofOfDelivery(
        carrier="yurtici", tracking_number=case.order.tracking_number, status=ProofStatus.DELIVERED,
        delivered_at=OPENED - timedelta(days=2), received_by="Mehmet Kaya", recipient_relation=RecipientRelation.NEIGHBOUR,
        signature=Attachment(kind=AttachmentKind.SIGNATURE, url="https://pod.example/sig/1"), source=ProofSource.PUSH,
        received_at=PROOF,
    )
    await pushed.record_many([Evidence(key="push:yurtici:ev-1", proof=proof)], PROOF)
    await due_work(PushAttacher(service, repository, pushed)).run_once()
    await due_work(Assessor(service, repository, PolicySettings())).run_once()
    assert repository.docs[case.id].third_party_check_by == datetime(2026, 11, 19, 8, tzinfo=IST)

    clock.current = DECLARED
    await service.declare_accessibility_need(AGENT, case.id)
    await due_work(Assessor(service, repository, PolicySettings())).run_once()
    now = repository.docs[case.id]
    assert now.sla.decision_due == ACCESSIBLE_DUE
    # What the cap promises: the check ends 12 h before the decision deadline, so a person weighs it first.
    assert now.third_party_check_by == datetime(2026, 11, 18, 12, tzinfo=IST)


async def test_the_deadline_rule_pays_while_the_customer_is_still_told_to_check(
    service, repository, pushed, due_work, request_for, clock
):
    from disputes.sla_sweeper import SlaSweeper
    from schemas.dispute import Status

    case = (await service.open(CUSTOMER, request_for(), None)).dispute
    await due_work(EvidencePuller(service, NoPullApi(), pushed, Rules())).run_once()
    clock.current = PROOF
    proof = ProofOfDelivery(
        carrier="yurtici", tracking_number=case.order.tracking_number, status=ProofStatus.DELIVERED,
        delivered_at=OPENED - timedelta(days=2), received_by="Mehmet Kaya", recipient_relation=RecipientRelation.NEIGHBOUR,
        signature=Attachment(kind=AttachmentKind.SIGNATURE, url="https://pod.example/sig/1"), source=ProofSource.PUSH,
        received_at=PROOF,
    )
    await pushed.record_many([Evidence(key="push:yurtici:ev-1", proof=proof)], PROOF)
    await due_work(PushAttacher(service, repository, pushed)).run_once()
    await due_work(Assessor(service, repository, PolicySettings())).run_once()
    clock.current = DECLARED
    await service.declare_accessibility_need(AGENT, case.id)
    clock.current = ACCESSIBLE_DUE + timedelta(seconds=1)
    await due_work(Assessor(service, repository, PolicySettings())).run_once()
    while await due_work(SlaSweeper(service)).run_once():
        pass
    decided = repository.docs[case.id]
    # By the deadline the check was over and a person asked to weigh the hand-over (none did: the rule then decided).
    assert decided.recommendation.action.value == "needs_person" and decided.status is Status.RESOLVED
