"""A customer with an accessibility need is due a decision in 2 business days (README "SLA", settings
DISPUTES_ACCESSIBLE_DECISION_BUSINESS_DAYS=2), and the carrier's evidence is waited for 2 business days
(DISPUTES_EVIDENCE_BUSINESS_DAYS=2): both deadlines are the same instant. Whether the carrier is billed for the
refund must not depend on which worker (SLA sweeper or evidence puller, separate loops) reaches the case first: the
sweeper lets the puller record the carrier's deadline first, for a bounded time.

Calendar: Monday 16.11.2026 11:00 Istanbul, no holiday that week: business days Tue 17 (1), Wed 18 (2), so both
deadlines are Wednesday 24:00 Istanbul = 2026-11-18T21:00Z (hand-computed)."""

from datetime import UTC, datetime, timedelta


from disputes.assessment import Assessor
from disputes.evidence import EvidencePuller
from disputes.policy import PolicySettings
from disputes.rules import Rules
from disputes.sla_sweeper import SlaSweeper
from schemas.dispute import EffectKind, ReasonCode, Status
from tests.factories import CUSTOMER
from tests.unit.sla_cases import NoPullApi, opened_at

OPENED = datetime(2026, 11, 16, 8, tzinfo=UTC)
BOTH_DUE = datetime(2026, 11, 18, 21, tzinfo=UTC)



clock, orders = opened_at(OPENED, accessibility_need=True)


async def _run(service, repository, pushed, due_work, request_for, clock, sweeper_first: bool):
    case = (await service.open(CUSTOMER, request_for(), None)).dispute
    assert case.sla.evidence_due == case.sla.decision_due == BOTH_DUE
    puller = due_work(EvidencePuller(service, NoPullApi(), pushed, Rules()))
    await puller.run_once()  # the carrier has no pull API: the case waits for a push until the evidence deadline
    clock.current = BOTH_DUE + timedelta(seconds=1)
    jobs = [due_work(SlaSweeper(service)), puller, due_work(Assessor(service, repository, PolicySettings()))]
    if not sweeper_first:
        jobs = [jobs[1], jobs[2], jobs[0]]
    for job in jobs:
        await job.run_once()
    stored = repository.docs[case.id]
    billed = [m for m in stored.outbox if m.kind is EffectKind.CARRIER_LIABILITY]
    return stored, billed


async def test_puller_first_bills_the_carrier(service, repository, pushed, due_work, request_for, clock):
    stored, billed = await _run(service, repository, pushed, due_work, request_for, clock, sweeper_first=False)
    assert stored.status is Status.RESOLVED and stored.decision.reason_code is ReasonCode.CARRIER_NO_PROOF
    assert len(billed) == 1


async def test_sweeper_first_the_carrier_that_never_gave_proof_is_billed_all_the_same(
    service, repository, pushed, due_work, request_for, clock
):
    stored, billed = await _run(service, repository, pushed, due_work, request_for, clock, sweeper_first=True)
    assert stored.status is Status.RESOLVED and stored.decision.reason_code is ReasonCode.CARRIER_NO_PROOF
    assert len(billed) == 1, "the carrier gave no proof by its deadline, yet no carrier liability was queued"


async def test_with_no_puller_the_deadline_rule_decides_ten_minutes_past_the_deadline(
    service, repository, pushed, due_work, request_for, clock
):
    case = (await service.open(CUSTOMER, request_for(), None)).dispute
    await due_work(EvidencePuller(service, NoPullApi(), pushed, Rules())).run_once()
    sweeper = due_work(SlaSweeper(service))
    clock.current = BOTH_DUE + timedelta(seconds=1)
    assert await sweeper.run_once() == 1
    waiting = repository.docs[case.id]
    assert waiting.status is not Status.RESOLVED and waiting.sla_check_due == BOTH_DUE + timedelta(seconds=31)

    clock.current = BOTH_DUE + timedelta(minutes=10)  # the puller never came: the customer's deadline holds
    assert await sweeper.run_once() == 1
    decided = repository.docs[case.id]
    assert decided.status is Status.RESOLVED and decided.decision.reason_code is ReasonCode.DEADLINE_REACHED
