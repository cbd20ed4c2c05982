"""Evidence without anyone asking: pulled on opening, retried until the deadline, pushed before or after;
pulled by a continuously fed pipeline that keeps each carrier's share of pulls busy and claims no more than
it has room for."""

import asyncio
from collections import Counter, defaultdict
from dataclasses import replace
from datetime import timedelta

import pytest

from adapters.memory import InMemoryOrders
from disputes.actors import SYSTEM
from disputes.assessment import Assessor
from disputes.errors import CarrierHasNoPull
from disputes.evidence import EvidencePuller, PushAttacher
from disputes.policy import PolicySettings
from disputes.ports import Claimed, EvidenceRejected, EvidenceUnavailable, Lease, StorageUnavailable
from disputes.rules import Rules
from disputes.schedule import DueWork, Handover, LeaseLost, Wake
from disputes.work import WorkKind
from schemas.dispute import Evidence, Status, pull_key
from schemas.proof import Attachment, AttachmentKind, ProofOfDelivery, ProofSource, ProofStatus, RecipientRelation
from tests.factories import CUSTOMER, INVESTIGATOR, NOW, order, shipment, subjects


def proof(
    status=ProofStatus.DELIVERED, source=ProofSource.PULL, tracking="TRKSHP1", carrier="yurtici", **extra
) -> ProofOfDelivery:
    return ProofOfDelivery(
        carrier=carrier,
        tracking_number=tracking,
        status=status,
        delivered_at=NOW - timedelta(days=2) if status is ProofStatus.DELIVERED else None,
        received_by="Ayşe Yılmaz",
        recipient_relation=RecipientRelation.RECIPIENT,
        signature=Attachment(kind=AttachmentKind.SIGNATURE, url="https://pod.example/sig/1"),
        source=source,
        received_at=NOW,
        **extra,
    )


class Gateway:
    def __init__(self, *answers):
        self.answers = list(answers)
        self.calls = 0

    async def pull(self, carrier, tracking_number, slot=None):
        self.calls += 1
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer


class HeldGateway:
    """The carrier's answer, stamped when it arrives (as the real gateway does); the first call is held until
    `release` is set."""

    def __init__(self, clock):
        self.clock = clock
        self.calls = 0
        self.answered = 0
        self.holding = asyncio.Event()
        self.release = asyncio.Event()

    async def pull(self, carrier, tracking_number, slot=None):
        self.calls += 1
        if self.calls == 1:
            self.holding.set()
            await self.release.wait()
        self.answered += 1
        return proof().model_copy(update={"received_at": self.clock.now()})


async def eventually(condition, timeout=5.0):
    """Wait (bounded) for a condition that needs the event loop's timers: a heartbeat's pause."""
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.001)


@pytest.fixture
def make_puller(service, pushed, clock, due_work):
    def make(gateway, holder="worker-1", **timing):
        return due_work(EvidencePuller(service, gateway, pushed, Rules()), holder, **timing)

    return make


@pytest.fixture
async def dispute(service, request_for):
    return (await service.open(CUSTOMER, request_for(), None)).dispute


async def test_proof_is_pulled_as_soon_as_a_dispute_opens(make_puller, dispute, repository):
    gateway = Gateway(proof())
    assert await make_puller(gateway).run_once() == 1
    stored = repository.docs[dispute.id]
    assert stored.status is Status.UNDER_REVIEW and stored.evidence_pull_due is None
    assert [e.key for e in stored.evidence] == [pull_key(proof())]
    assert stored.timeline[-1].action == "evidence_received" and stored.timeline[-1].details["signature"] is True
    assert stored.timeline[-1].details["key"] == pull_key(proof())  # which proof it recorded, as a replacement names it
    assert "Ayşe" not in str(stored.timeline[-1].details)
    assert await make_puller(gateway).run_once() == 0 and gateway.calls == 1


LEASE = timedelta(seconds=10)


def handing(service, pushed, clock, gateway, wake) -> EvidencePuller:
    """A puller whose last save takes the assessment for worker-1's assessor (woken by `wake`)."""
    then = Handover(WorkKind.ASSESS, "worker-1", LEASE, clock, wake)
    return EvidencePuller(service, gateway, pushed, Rules(), then=then)


async def test_the_save_that_ends_a_pull_hands_the_assessment_to_this_workers_assessor(
    service, pushed, clock, due_work, dispute, repository, schedule
):
    wake = Wake()
    assert await due_work(handing(service, pushed, clock, Gateway(proof()), wake)).run_once() == 1
    stored = repository.docs[dispute.id]
    assert stored.evidence and stored.assess_due == NOW
    assert schedule.leases[(WorkKind.ASSESS, dispute.id)].until == NOW + LEASE  # taken with the pull's last save
    assert subjects(await schedule.claim_due(WorkKind.ASSESS, NOW, LEASE, 10, "worker-2")) == []  # held for worker-1

    claimed = await handed_over(service, repository, due_work, wake)
    assert claimed.lease == Lease(WorkKind.ASSESS, "worker-1", ended=True) and claimed.dispute.id == dispute.id
    assessed = repository.docs[dispute.id]
    assert assessed.recommendation is not None and assessed.assess_due is None
    assert assessed.version == stored.version + 1  # one save, made on the version the pull stored
    assert (WorkKind.ASSESS, dispute.id) not in schedule.leases  # the assessment's save ended its lease


async def handed_over(service, repository, due_work, wake) -> Claimed:
    """Runs this worker's assessor once, storage handing out nothing: the work it ran was handed over."""
    started = []
    assessor = Assessor(service, repository, PolicySettings())
    handle = assessor.handle

    async def watched(claimed, place):
        started.append(claimed)
        await handle(claimed, place)

    assessor.handle = watched
    assert await due_work(assessor).run_once(wake=wake) == 1
    [claimed] = started
    return claimed


async def test_an_assessment_handed_over_but_never_run_is_claimed_by_any_worker_once_its_lease_runs_out(
    service, pushed, clock, due_work, dispute, schedule
):
    wake = Wake()
    assert await due_work(handing(service, pushed, clock, Gateway(proof()), wake)).run_once() == 1
    assert wake.handed()  # and this worker stops before running it

    assert subjects(await schedule.claim_due(WorkKind.ASSESS, NOW + LEASE, LEASE, 10, "worker-2")) == [dispute.id]


async def test_an_assessment_another_worker_holds_is_not_handed_over(
    service, pushed, clock, due_work, dispute, repository, schedule
):
    await service.apply_timed(SYSTEM, dispute.id, lambda d, now: setattr(d, "assess_due", now))
    assert subjects(await schedule.claim_due(WorkKind.ASSESS, NOW, LEASE, 10, "worker-2")) == [dispute.id]
    wake = Wake()

    assert await due_work(handing(service, pushed, clock, Gateway(proof()), wake)).run_once() == 1

    assert wake.handed() == [] and repository.docs[dispute.id].evidence
    assert schedule.leases[(WorkKind.ASSESS, dispute.id)].holder == "worker-2"
    assert subjects(await schedule.claim_due(WorkKind.ASSESS, NOW + LEASE, LEASE, 10, "worker-3")) == [dispute.id]


PUSHED = Evidence(key="push:yurtici:evt-7", proof=proof(source=ProofSource.PUSH))


async def test_the_save_that_attaches_pushed_proof_hands_the_assessment_to_this_workers_assessor(
    service, repository, pushed, clock, due_work, dispute, schedule
):
    wake = Wake()
    then = Handover(WorkKind.ASSESS, "worker-1", LEASE, clock, wake)
    await pushed.record(PUSHED, NOW)
    assert await due_work(PushAttacher(service, repository, pushed, then=then)).run_once() == 1
    stored = repository.docs[dispute.id]
    assert [e.key for e in stored.evidence] == [PUSHED.key] and stored.assess_due == NOW
    assert schedule.leases[(WorkKind.ASSESS, dispute.id)].until == NOW + LEASE  # taken with the attaching save
    assert subjects(await schedule.claim_due(WorkKind.ASSESS, NOW, LEASE, 10, "worker-2")) == []  # held for worker-1
    assert (WorkKind.ATTACH_PUSHED, PUSHED.key) not in schedule.leases  # the attacher's own lease, ended

    claimed = await handed_over(service, repository, due_work, wake)
    assert claimed.lease == Lease(WorkKind.ASSESS, "worker-1", ended=True) and claimed.dispute.id == dispute.id
    assessed = repository.docs[dispute.id]
    assert assessed.recommendation is not None and assessed.assess_due is None
    assert assessed.version == stored.version + 1  # one save, made on the version the attacher stored


async def test_the_attaching_save_hands_the_assessment_over_when_reading_the_case_took_time(
    service, repository, pushed, clock, due_work, dispute, schedule, monkeypatch
):
    get = repository.get

    async def slow_get(dispute_id, owner=None):  # as a database's read takes time: the change is made later than it began
        clock.advance(milliseconds=3)
        return await get(dispute_id, owner)

    monkeypatch.setattr(repository, "get", slow_get)
    wake = Wake()
    await pushed.record(PUSHED, NOW)
    attacher = PushAttacher(service, repository, pushed, then=Handover(WorkKind.ASSESS, "worker-1", LEASE, clock, wake))
    assert await due_work(attacher).run_once() == 1

    attached_at = NOW + timedelta(milliseconds=3)
    assert repository.docs[dispute.id].assess_due == attached_at
    assert schedule.leases[(WorkKind.ASSESS, dispute.id)].until == attached_at + LEASE  # taken as of the save
    assert [claimed.subject for claimed, _ in wake.handed()] == [dispute.id]


async def test_without_a_hand_over_pushed_proof_leaves_the_assessment_to_any_workers_claim(
    service, repository, pushed, due_work, dispute, schedule
):
    await pushed.record(PUSHED, NOW)
    assert await due_work(PushAttacher(service, repository, pushed)).run_once() == 1

    assert repository.docs[dispute.id].assess_due == NOW and (WorkKind.ASSESS, dispute.id) not in schedule.leases
    assert subjects(await schedule.claim_due(WorkKind.ASSESS, NOW, LEASE, 10, "worker-2")) == [dispute.id]


class Releasing:
    """The schedule, recording the leases the loop gives back."""

    def __init__(self, schedule):
        self.schedule = schedule
        self.released: list[str] = []

    async def claim_due(self, *args):
        return await self.schedule.claim_due(*args)

    async def renew(self, *args):
        return await self.schedule.renew(*args)

    async def release(self, kind, subject, holder):
        self.released.append(subject)
        await self.schedule.release(kind, subject, holder)


async def test_marking_pushed_proof_attached_ends_the_attachers_lease_so_the_loop_gives_nothing_back(
    service, repository, pushed, clock, dispute, schedule
):
    await pushed.record(PUSHED, NOW)
    storage = Releasing(schedule)

    assert await DueWork(storage, PushAttacher(service, repository, pushed), clock, "worker-1").run_once() == 1

    assert [e.key for e in repository.docs[dispute.id].evidence] == [PUSHED.key]
    assert storage.released == [] and (WorkKind.ATTACH_PUSHED, PUSHED.key) not in schedule.leases
    assert subjects(await schedule.claim_due(WorkKind.ATTACH_PUSHED, NOW + LEASE, LEASE, 10, "worker-2")) == []


async def test_a_carrier_that_is_down_is_asked_again_with_backoff(make_puller, dispute, repository, clock):
    gateway = Gateway(EvidenceUnavailable("503"), EvidenceUnavailable("timeout"), proof())
    puller = make_puller(gateway)
    await puller.run_once()
    stored = repository.docs[dispute.id]
    assert stored.status is Status.AWAITING_EVIDENCE and stored.evidence_pull_due == NOW + timedelta(minutes=2)
    assert await puller.run_once() == 0
    clock.advance(minutes=2)
    await puller.run_once()
    assert repository.docs[dispute.id].evidence_pull_due == clock.now() + timedelta(minutes=4)
    clock.advance(minutes=4)
    await puller.run_once()
    stored = repository.docs[dispute.id]
    assert stored.status is Status.UNDER_REVIEW and gateway.calls == 3
    assert [e.action for e in stored.timeline].count("evidence_pull_failed") == 2


async def test_a_case_the_breaker_refused_is_back_when_the_breaker_lets_calls_through(
    make_puller, dispute, repository, clock
):
    """Not on the backoff: a recovering carrier's cases wait for its breaker, not minutes more."""
    soon = NOW + timedelta(seconds=5)
    gateway = Gateway(EvidenceUnavailable("circuit half-open, probe in flight", retry_at=soon), proof())
    puller = make_puller(gateway)
    await puller.run_once()
    assert repository.docs[dispute.id].evidence_pull_due == soon
    clock.advance(seconds=5)
    await puller.run_once()
    assert repository.docs[dispute.id].status is Status.UNDER_REVIEW and gateway.calls == 2


async def test_an_outage_the_breaker_turns_pulls_away_from_is_recorded_once_not_at_every_cool_down(
    make_puller, dispute, repository, clock
):
    """Six hours of an open breaker (a 30 s cool-down, the default): one entry for the run of refusals, and the case
    is still asked at each cool-down's end; the carrier's next real answer is recorded again."""
    refusals = [EvidenceUnavailable("circuit open", retry_at=NOW + timedelta(seconds=30 * (n + 1)), why="refused")
                for n in range(720)]
    gateway = Gateway(*refusals, EvidenceUnavailable("timeout"), proof())
    puller = make_puller(gateway)
    for _ in range(720):
        await puller.run_once()
        assert repository.docs[dispute.id].evidence_pull_due == clock.now() + timedelta(seconds=30)
        clock.advance(seconds=30)
    stored = repository.docs[dispute.id]
    failed = [e.details for e in stored.timeline if e.action == "evidence_pull_failed"]
    assert gateway.calls == 720 and failed == [{"attempt": 1, "error": "carrier unavailable: circuit open", "unsent": True}]

    await puller.run_once()  # the carrier is asked, and times out: a new entry
    clock.advance(minutes=10)
    await puller.run_once()
    stored = repository.docs[dispute.id]
    assert [e.details.get("attempt") for e in stored.timeline if e.action == "evidence_pull_failed"] == [1, 2]
    assert stored.status is Status.UNDER_REVIEW and stored.has_delivery_proof


async def test_a_breaker_that_stays_open_past_the_deadline_does_not_push_the_case_past_it(
    make_puller, dispute, repository
):
    late = dispute.sla.evidence_due + timedelta(days=1)
    await make_puller(Gateway(EvidenceUnavailable("circuit open", retry_at=late))).run_once()
    assert repository.docs[dispute.id].evidence_pull_due == dispute.sla.evidence_due


class Pulls:
    def __init__(self):
        self.lines = []

    def pulled(self, dispute_id, carrier, outcome, seconds):
        self.lines.append((dispute_id, carrier, outcome, seconds >= 0))

    def assessed(self, dispute_id, advice, status):
        raise AssertionError("the puller assesses nothing")


async def test_each_pull_is_reported_with_its_carrier_and_outcome(service, pushed, clock, dispute, due_work):
    log = Pulls()
    gateway = Gateway(
        EvidenceUnavailable("503"),
        EvidenceUnavailable("open", retry_at=NOW + timedelta(minutes=2, seconds=5), why="refused"),
        EvidenceUnavailable("429", retry_at=NOW + timedelta(minutes=3), why="throttled"),
        EvidenceUnavailable("cut short", why="malformed"),
        proof(),
    )
    puller = due_work(EvidencePuller(service, gateway, pushed, Rules(), log=log))
    for seconds in (0, 120, 5, 55, 16 * 60):  # the backoff, the breaker's time, the throttle's, the backoff again
        clock.advance(seconds=seconds)
        assert await puller.run_once() == 1
    outcomes = ("unavailable", "refused", "throttled", "malformed", "delivered")
    assert log.lines == [(dispute.id, dispute.order.carrier, outcome, True) for outcome in outcomes]


async def test_a_throttled_case_is_pulled_again_when_the_carrier_allows_neither_sooner_nor_on_the_backoff(
    make_puller, dispute, repository, clock
):
    allowed = NOW + timedelta(seconds=30)
    gateway = Gateway(EvidenceUnavailable("429", retry_at=allowed, why="throttled"), proof())
    puller = make_puller(gateway)
    await puller.run_once()
    assert repository.docs[dispute.id].evidence_pull_due == allowed
    clock.advance(seconds=29)
    assert await puller.run_once() == 0 and gateway.calls == 1
    clock.advance(seconds=1)
    await puller.run_once()
    assert repository.docs[dispute.id].status is Status.UNDER_REVIEW and gateway.calls == 2


@pytest.mark.parametrize("answer", [EvidenceUnavailable("down"), EvidenceUnavailable("cut short", why="malformed")],
                         ids=["silent", "unreadable"])
async def test_silence_until_the_deadline_is_recorded_as_no_proof(make_puller, dispute, repository, clock, answer):
    """A carrier whose replies stay unreadable is pulled on the backoff until the deadline, as a silent one."""
    puller = make_puller(Gateway(answer))
    while not repository.docs[dispute.id].proof_missing and clock.now() < NOW + timedelta(days=7):
        await puller.run_once()
        clock.advance(minutes=30)
    stored = repository.docs[dispute.id]
    assert stored.proof_missing and stored.status is Status.UNDER_REVIEW and stored.evidence_pull_due is None
    assert stored.timeline[-1].action == "carrier_did_not_provide_proof"
    assert stored.sla.evidence_due <= clock.now() <= stored.sla.evidence_due + timedelta(hours=1)
    assert 5 < stored.evidence_pulls < 100


class LateGateway:
    """The carrier fails, and answers only after the evidence deadline has passed."""

    def __init__(self, clock, deadline, answer):
        self.clock, self.deadline, self.answer = clock, deadline, answer

    async def pull(self, carrier, tracking_number, slot=None):
        self.clock.current = self.deadline + timedelta(seconds=1)
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


@pytest.mark.parametrize("answer", [EvidenceUnavailable("timeout"), EvidenceRejected("no such shipment"),
                                    proof(ProofStatus.IN_TRANSIT)], ids=["unavailable", "rejected", "in transit"])
async def test_a_pull_begun_before_the_deadline_that_fails_after_it_records_no_proof(
    make_puller, dispute, repository, clock, answer
):
    clock.current = dispute.sla.evidence_due - timedelta(seconds=1)
    await make_puller(LateGateway(clock, dispute.sla.evidence_due, answer)).run_once()
    stored = repository.docs[dispute.id]
    assert stored.proof_missing and stored.status is Status.UNDER_REVIEW and stored.evidence_pull_due is None
    assert [e.action for e in stored.timeline[-2:]] == ["evidence_pull_failed", "carrier_did_not_provide_proof"]
    assert stored.assess_due == clock.now()


async def test_a_carrier_without_pull_waits_for_pushes_until_the_deadline(make_puller, dispute, repository):
    await make_puller(Gateway(EvidenceRejected("push only"))).run_once()
    stored = repository.docs[dispute.id]
    assert stored.evidence_pull_due == stored.sla.evidence_due and stored.status is Status.AWAITING_EVIDENCE


async def test_a_pull_the_carrier_refused_is_asked_once_more_at_the_deadline_and_its_proof_kept(
    make_puller, dispute, repository, clock
):
    gateway = Gateway(EvidenceRejected("SOAP fault a:InternalServiceFault"), proof())
    await make_puller(gateway).run_once()
    clock.current = repository.docs[dispute.id].evidence_pull_due
    assert clock.current == dispute.sla.evidence_due
    await make_puller(gateway).run_once()
    stored = repository.docs[dispute.id]
    assert gateway.calls == 2 and not stored.proof_missing
    assert stored.status is Status.UNDER_REVIEW and [e.proof.status for e in stored.evidence] == [ProofStatus.DELIVERED]


@pytest.mark.parametrize("answer", [EvidenceRejected("no such shipment"), EvidenceUnavailable("timeout")],
                         ids=["refused", "unavailable"])
async def test_a_pull_that_fails_again_at_the_deadline_records_that_the_carrier_did_not_prove_delivery(
    make_puller, dispute, repository, clock, answer
):
    gateway = Gateway(answer)
    await make_puller(gateway).run_once()
    clock.current = dispute.sla.evidence_due
    while repository.docs[dispute.id].evidence_pull_due is not None and gateway.calls < 100:
        clock.current = max(clock.current, repository.docs[dispute.id].evidence_pull_due)
        await make_puller(gateway).run_once()
    stored = repository.docs[dispute.id]
    assert stored.proof_missing and stored.status is Status.UNDER_REVIEW and gateway.calls == 2
    assert [e.action for e in stored.timeline[-2:]] == ["evidence_pull_failed", "carrier_did_not_provide_proof"]


async def test_a_pull_at_the_deadline_that_fails_unforeseen_still_records_that_the_carrier_did_not_prove_delivery(
    make_puller, dispute, repository, clock
):
    """A reply no parser foresaw raises out of the pull: the failure is the worker's to report, the deadline the
    case's all the same (the case is not asked again past it)."""
    gateway = Gateway(RuntimeError("a reply no parser foresaw"))
    clock.current = dispute.sla.evidence_due
    with pytest.raises(ExceptionGroup):
        await make_puller(gateway).run_once()
    stored = repository.docs[dispute.id]
    assert stored.proof_missing and stored.evidence_pull_due is None and gateway.calls == 1
    assert stored.timeline[-1].action == "carrier_did_not_provide_proof"


async def test_a_failed_pull_at_the_deadline_gives_the_carriers_slot_back_before_the_deadline_is_saved(
    service, pushed, clock, due_work, dispute, repository, monkeypatch
):
    puller = EvidencePuller(service, Gateway(RuntimeError("a reply no parser foresaw")), pushed, Rules(), per_carrier=1)
    free_while_saving: list[bool] = []
    apply_timed = service.apply_timed

    async def watched(*args, **kwargs):
        free_while_saving.append(not puller._slots[dispute.order.carrier].locked())
        return await apply_timed(*args, **kwargs)

    monkeypatch.setattr(service, "apply_timed", watched)
    clock.current = dispute.sla.evidence_due
    with pytest.raises(ExceptionGroup):
        await due_work(puller).run_once()
    assert repository.docs[dispute.id].proof_missing and free_while_saving == [True]


async def test_a_pull_at_the_deadline_whose_reply_could_not_be_kept_is_made_again_once_its_lease_runs_out(
    make_puller, dispute, repository, clock
):
    """Keeping the carrier's reply (its raw bytes, its images) failed for the database: no word about the carrier."""
    gateway = Gateway(StorageUnavailable("the database is unavailable (AutoReconnect)"), proof())
    clock.current = dispute.sla.evidence_due
    with pytest.raises(ExceptionGroup):
        await make_puller(gateway).run_once()
    assert not repository.docs[dispute.id].proof_missing
    clock.advance(seconds=LEASE.total_seconds())
    await make_puller(gateway).run_once()
    stored = repository.docs[dispute.id]
    assert stored.has_delivery_proof and not stored.proof_missing and gateway.calls == 2


async def test_a_pull_before_the_deadline_that_fails_unforeseen_is_left_to_its_lease(make_puller, dispute, repository):
    with pytest.raises(ExceptionGroup):
        await make_puller(Gateway(RuntimeError("a reply no parser foresaw"))).run_once()
    stored = repository.docs[dispute.id]
    assert not stored.proof_missing and stored.evidence_pull_due == dispute.opened_at


async def test_not_delivered_yet_is_evidence_and_the_pull_is_repeated(make_puller, dispute, repository):
    gateway = Gateway(proof(ProofStatus.IN_TRANSIT))
    await make_puller(gateway).run_once()
    stored = repository.docs[dispute.id]
    assert [e.proof.status for e in stored.evidence] == [ProofStatus.IN_TRANSIT]
    assert stored.status is Status.AWAITING_EVIDENCE and stored.evidence_pull_due is not None


async def test_evidence_pushed_before_the_dispute_is_attached_when_it_opens(make_puller, service, request_for, pushed, repository):
    early = Evidence(key="push:yurtici:evt-1", proof=proof(source=ProofSource.PUSH))
    await pushed.record(early, NOW - timedelta(days=1))
    dispute = (await service.open(CUSTOMER, request_for(), None)).dispute
    gateway = Gateway(proof())
    await make_puller(gateway).run_once()
    stored = repository.docs[dispute.id]
    assert [e.key for e in stored.evidence] == ["push:yurtici:evt-1"] and gateway.calls == 0
    assert stored.status is Status.UNDER_REVIEW


class CountedLookups:
    """The pushed evidence, counting how often a pull looked for a shipment's."""

    def __init__(self, pushed):
        self.pushed, self.lookups = pushed, 0

    async def for_shipment(self, carrier, tracking_number, limit):
        self.lookups += 1
        return await self.pushed.for_shipment(carrier, tracking_number, limit)


async def test_only_a_cases_first_pull_looks_for_evidence_pushed_before_it_existed(
    service, pushed, due_work, dispute, repository, clock
):
    lookups = CountedLookups(pushed)
    gateway = Gateway(proof(ProofStatus.IN_TRANSIT), EvidenceUnavailable("503"), proof())
    puller = due_work(EvidencePuller(service, gateway, lookups, Rules()))
    for _ in range(3):
        await puller.run_once()
        clock.advance(days=1)
    stored = repository.docs[dispute.id]
    assert gateway.calls == 3 and stored.status is Status.UNDER_REVIEW
    assert lookups.lookups == 1  # pushes after the first pull are the attacher's


@pytest.mark.parametrize("later", [ProofStatus.IN_TRANSIT, ProofStatus.DELIVERED])
async def test_a_first_pull_finds_what_was_pushed_before_the_case_though_a_later_push_was_attached_first(
    make_puller, service, request_for, pushed, repository, clock, due_work, later
):
    early = Evidence(key="push:yurtici:evt-1", proof=proof(ProofStatus.IN_TRANSIT, source=ProofSource.PUSH))
    await pushed.record(early, NOW - timedelta(days=1))
    await due_work(PushAttacher(service, repository, pushed)).run_once()  # no case yet: attached to none
    dispute = (await service.open(CUSTOMER, request_for(), None)).dispute
    late = Evidence(key="push:yurtici:evt-2", proof=proof(later, source=ProofSource.PUSH))
    await pushed.record(late, clock.now())
    await due_work(PushAttacher(service, repository, pushed)).run_once()
    assert [e.key for e in repository.docs[dispute.id].evidence] == ["push:yurtici:evt-2"]
    assert repository.docs[dispute.id].evidence_pull_due is not None, "a proof pushed first leaves the first pull due"

    gateway = Gateway(proof())
    await make_puller(gateway).run_once()

    asked = gateway.calls == 1  # only while no proof of delivery was pushed
    assert asked is (later is ProofStatus.IN_TRANSIT)
    assert {e.key for e in repository.docs[dispute.id].evidence} == {
        "push:yurtici:evt-1", "push:yurtici:evt-2", *([pull_key(proof())] if asked else [])
    }


async def test_pushed_evidence_is_attached_once_however_often_it_arrives(
    service, repository, schedule, pushed, clock, dispute, due_work
):
    attacher = due_work(PushAttacher(service, repository, pushed))
    event = Evidence(key="push:yurtici:evt-7", proof=proof(source=ProofSource.PUSH))
    for _ in range(3):
        await pushed.record(event, clock.now())
    other = Evidence(key="push:yurtici:evt-8", proof=proof(source=ProofSource.PUSH, tracking="TRK-ELSEWHERE"))
    await pushed.record(other, clock.now())
    assert await attacher.run_once() == 2
    assert await attacher.run_once() == 0
    assert [e.key for e in repository.docs[dispute.id].evidence] == ["push:yurtici:evt-7"]


async def test_an_investigator_can_ask_for_a_fresh_pull(make_puller, service, dispute, repository):
    gateway = Gateway(proof())
    await make_puller(gateway).run_once()
    requested = await service.request_evidence(INVESTIGATOR, dispute.id)
    assert requested.status is Status.AWAITING_EVIDENCE and requested.timeline[-1].action == "evidence_requested"
    await make_puller(gateway).run_once()
    stored = repository.docs[dispute.id]
    assert gateway.calls == 2 and len(stored.evidence) == 1 and stored.evidence_pull_due is None


async def test_the_same_proof_answered_again_on_request_puts_the_case_back_in_review(
    make_puller, service, dispute, repository, clock
):
    gateway = Gateway(proof())
    await make_puller(gateway).run_once()
    await service.request_evidence(INVESTIGATOR, dispute.id)
    clock.advance(seconds=60)
    await make_puller(gateway).run_once()
    stored = repository.docs[dispute.id]
    answered = stored.timeline[-1]
    assert stored.status is Status.UNDER_REVIEW and stored.evidence_pull_due is None
    assert answered.action == "evidence_unchanged" and answered.details == {"source": "pull"}
    assert (answered.from_status, answered.to_status) == (Status.AWAITING_EVIDENCE, Status.UNDER_REVIEW)
    assert stored.assess_due == clock.now()  # assessed again, as on new evidence


async def test_a_pull_asked_for_and_refused_as_ours_puts_a_case_holding_proof_back_in_review_at_once(
    make_puller, service, dispute, repository
):
    gateway = Gateway(proof(), EvidenceRejected("the carrier refuses our request"))
    await make_puller(gateway).run_once()
    await service.request_evidence(INVESTIGATOR, dispute.id)
    await make_puller(gateway).run_once()
    stored = repository.docs[dispute.id]
    refused = stored.timeline[-1]
    assert gateway.calls == 2 and stored.status is Status.UNDER_REVIEW and stored.evidence_pull_due is None
    assert refused.action == "evidence_pull_failed"
    assert (refused.from_status, refused.to_status) == (Status.AWAITING_EVIDENCE, Status.UNDER_REVIEW)


async def test_a_carrier_that_offers_no_pull_cannot_be_asked_again_and_the_case_stays_in_review(
    make_puller, service, dispute, repository
):
    await make_puller(Gateway(proof())).run_once()
    push_only = replace(service, push_only=frozenset({dispute.order.carrier}))
    with pytest.raises(CarrierHasNoPull, match="push its proof again"):
        await push_only.request_evidence(INVESTIGATOR, dispute.id)
    stored = repository.docs[dispute.id]
    assert stored.status is Status.UNDER_REVIEW and stored.timeline[-1].action != "evidence_requested"


async def test_a_pull_slower_than_its_lease_keeps_its_holder_while_the_heartbeat_renews_it(
    make_puller, schedule, repository, clock, dispute
):
    gateway = HeldGateway(clock)
    first = make_puller(gateway, "worker-1", heartbeat=timedelta(milliseconds=1))
    second = make_puller(gateway, "worker-2")
    waiting = asyncio.create_task(first.run_once())
    try:
        await asyncio.wait_for(gateway.holding.wait(), timeout=5)
        for _ in range(3):  # three leases long, each renewed before it ran out
            held_until = clock.now() + first.lease
            clock.advance(seconds=first.lease.total_seconds() - 1)
            await eventually(lambda until=held_until: schedule.leases[(WorkKind.PULL_EVIDENCE, dispute.id)].until > until)
            assert await second.run_once() == 0
    finally:
        gateway.release.set()
    assert await asyncio.wait_for(waiting, timeout=5) == 1
    stored = repository.docs[dispute.id]
    assert gateway.calls == 1 and [e.key for e in stored.evidence] == [pull_key(proof())]
    assert (WorkKind.PULL_EVIDENCE, dispute.id) not in schedule.leases  # released once done


async def test_a_holder_paused_past_its_lease_abandons_the_pull_another_took_over_and_the_proof_is_attached_once(
    make_puller, schedule, repository, clock, dispute
):
    gateway = HeldGateway(clock)
    first = make_puller(gateway, "worker-1", heartbeat=timedelta(milliseconds=1))
    waiting = asyncio.create_task(first.run_once())
    try:
        await asyncio.wait_for(gateway.holding.wait(), timeout=5)
        clock.advance(seconds=first.lease.total_seconds() + 1)  # as if it had been paused past its lease
        assert await make_puller(gateway, "worker-2").run_once() == 1
        with pytest.raises(ExceptionGroup) as raised:
            await asyncio.wait_for(waiting, timeout=5)
        assert [type(e) for e in raised.value.exceptions] == [LeaseLost]
    finally:
        gateway.release.set()
    stored = repository.docs[dispute.id]
    assert gateway.calls == 2 and gateway.answered == 1  # the first call was abandoned, never answered
    assert [t.action for t in stored.timeline].count("evidence_received") == 1


async def test_a_holder_that_cannot_reach_storage_abandons_the_pull_once_its_lease_has_run_out(
    make_puller, schedule, repository, clock, dispute
):
    class Unreachable:
        """Claims work; from then on storage does not answer."""

        def __init__(self):
            self.renewals = 0

        async def claim_due(self, *args):
            return await schedule.claim_due(*args)

        async def renew(self, kind, subjects, holder, until):
            self.renewals += 1
            raise ConnectionError("the database is away")

        async def release(self, *args):
            await schedule.release(*args)

    gateway = HeldGateway(clock)
    first = make_puller(gateway, "worker-1", heartbeat=timedelta(milliseconds=1))
    first.schedule = storage = Unreachable()
    waiting = asyncio.create_task(first.run_once())
    try:
        await asyncio.wait_for(gateway.holding.wait(), timeout=5)
        await eventually(lambda: storage.renewals >= 3)
        assert not waiting.done()  # renewals fail, but the lease lasts: the pull goes on
        clock.advance(seconds=first.lease.total_seconds())
        with pytest.raises(ExceptionGroup) as raised:
            await asyncio.wait_for(waiting, timeout=5)
        assert [type(e) for e in raised.value.exceptions] == [LeaseLost]
    finally:
        gateway.release.set()
    # The abandoned call was never answered; the case, due again, was pulled anew (here by the same worker).
    assert gateway.calls == 2 and gateway.answered == 1
    assert [t.action for t in repository.docs[dispute.id].timeline].count("evidence_received") == 1


async def test_a_holder_whose_lease_another_worker_took_stops_at_its_next_heartbeat(
    make_puller, schedule, repository, clock, dispute
):
    gateway = HeldGateway(clock)
    first = make_puller(gateway, "worker-1", heartbeat=timedelta(milliseconds=1))
    waiting = asyncio.create_task(first.run_once())
    try:
        await asyncio.wait_for(gateway.holding.wait(), timeout=5)
        # Another worker whose clock runs ahead sees the lease over and takes the case.
        ahead = clock.now() + first.lease + timedelta(seconds=1)
        taken = subjects(await schedule.claim_due(WorkKind.PULL_EVIDENCE, ahead, first.lease, 1, "worker-2"))
        assert taken == [dispute.id]
        with pytest.raises(ExceptionGroup) as raised:
            await asyncio.wait_for(waiting, timeout=5)
        assert [type(e) for e in raised.value.exceptions] == [LeaseLost]
    finally:
        gateway.release.set()
    assert schedule.leases[(WorkKind.PULL_EVIDENCE, dispute.id)].holder == "worker-2"
    assert repository.docs[dispute.id].evidence == [] and gateway.answered == 0


# --- the pipeline ------------------------------------------------------------------------------------


class HeldCarriers:
    """A gateway whose pulls answer only when the test lets them (each on its own, or a whole carrier at
    once); it records what is in flight per carrier."""

    def __init__(self, answering: tuple[str, ...] = ()):
        self.answering = set(answering)
        self.gates: defaultdict[str, asyncio.Event] = defaultdict(asyncio.Event)
        self.started: list[str] = []
        self.answered: list[str] = []
        self.in_flight: Counter[str] = Counter()
        self.most: Counter[str] = Counter()

    def answer(self, *tracking_numbers):
        for tracking in tracking_numbers:
            self.gates[tracking].set()

    async def pull(self, carrier, tracking_number, slot=None):
        self.started.append(tracking_number)
        self.in_flight[carrier] += 1
        self.most[carrier] = max(self.most[carrier], self.in_flight[carrier])
        try:
            if carrier not in self.answering:
                await self.gates[tracking_number].wait()
        finally:
            self.in_flight[carrier] -= 1
        self.answered.append(tracking_number)
        return proof(tracking=tracking_number, carrier=carrier)


class RecordedClaims:
    """The schedule's claims, with what was free when each was made: claimed and not yet answered."""

    def __init__(self, schedule, carriers: HeldCarriers):
        self.schedule, self.carriers = schedule, carriers
        self.claimed = 0
        self.asked: list[tuple[int, int]] = []  # (limit, disputes claimed and still waiting for their answer)

    async def claim_due(self, kind, now, lease, limit, holder, skip_lanes=frozenset()):
        self.asked.append((limit, self.claimed - len(self.carriers.answered)))
        ids = await self.schedule.claim_due(kind, now, lease, limit, holder, skip_lanes)
        self.claimed += len(ids)
        return ids

    async def renew(self, kind, subjects, holder, until):
        return await self.schedule.renew(kind, subjects, holder, until)

    async def release(self, kind, subject, holder):
        await self.schedule.release(kind, subject, holder)


async def until(condition, turns=2000):
    """Let the event loop run until `condition` holds, for a bounded number of turns (never a timed sleep)."""
    for _ in range(turns):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError("the condition was not reached")


CARRIER_OF = {"a": "yurtici", "b": "aras"}


@pytest.fixture
def orders():
    """ord-1, and ord-a1, ord-b1, … : one shipment each (tracking TRKA1, TRKB1, …), carrier by letter."""
    placed = [order()] + [
        order(f"ord-{code}{i}", shipments=[shipment(f"{code}-{i}", carrier=carrier)])
        for code, carrier in CARRIER_OF.items()
        for i in range(1, 13)
    ]
    return InMemoryOrders(placed)


@pytest.fixture
def open_in_order(service, request_for, clock):
    """Open disputes on the given orders a second apart (their pulls fall due in that order), then let them
    all be due."""

    async def open_all(*order_codes):
        ids = {}
        for code in order_codes:
            ids[code] = (await service.open(CUSTOMER, request_for(f"ord-{code}"), None)).dispute.id
            clock.advance(seconds=1)
        return ids

    return open_all


def pipeline(service, schedule, carriers, pushed, clock, per_carrier, slot_wait=timedelta(seconds=10)):
    puller = EvidencePuller(service, carriers, pushed, Rules(), per_carrier=per_carrier, slot_wait=slot_wait)
    return DueWork(schedule, puller, clock, "worker-1")


async def test_a_finished_pull_is_replaced_at_once_without_waiting_for_the_others(
    service, repository, schedule, pushed, clock, open_in_order
):
    await open_in_order("a1", "a2", "a3")
    carriers = HeldCarriers()
    run = asyncio.create_task(pipeline(service, schedule, carriers, pushed, clock, 2).run_once())
    await until(lambda: carriers.started == ["TRKA1", "TRKA2"])
    carriers.answer("TRKA1")
    await until(lambda: len(carriers.started) == 3)
    assert carriers.answered == ["TRKA1"] and carriers.in_flight["yurtici"] == 2  # a2 still out, a3 taken up
    carriers.answer("TRKA2", "TRKA3")
    assert await run == 3
    assert all(d.has_delivery_proof for d in repository.docs.values() if d.order.order_id != "ord-1")


async def test_claims_never_take_more_than_there_is_room_for(service, repository, schedule, pushed, clock, open_in_order):
    await open_in_order(*(f"a{i}" for i in range(1, 11)))
    carriers = HeldCarriers()
    claims = RecordedClaims(schedule, carriers)
    run = asyncio.create_task(pipeline(service, claims, carriers, pushed, clock, 3).run_once())
    for answered in range(10):  # answer one at a time, oldest first
        await until(lambda: len(carriers.started) >= min(answered + 3, 10))  # noqa: B023 - awaited here
        carriers.answer(carriers.started[answered])
    assert await run == 10
    # its 3 places, and the one kept for a carrier not met yet (here it reads the next yurtici case ahead)
    assert claims.asked and all(limit + waiting <= 3 + 1 for limit, waiting in claims.asked)
    assert carriers.most["yurtici"] == 3 and len(carriers.answered) == len(set(carriers.answered)) == 10


async def test_a_carrier_whose_pulls_hang_is_not_claimed_for_while_the_others_go_on(
    service, repository, schedule, pushed, clock, open_in_order
):
    ids = await open_in_order("a1", "a2", "b1", "a3", "b2")
    carriers = HeldCarriers(answering=("aras",))  # yurtici's calls hang; aras answers at once
    claims = RecordedClaims(schedule, carriers)
    run = asyncio.create_task(pipeline(service, claims, carriers, pushed, clock, 1).run_once())
    try:
        await until(lambda: carriers.answered == ["TRKB1", "TRKB2"])
        assert carriers.started == ["TRKA1", "TRKB1", "TRKB2"]
        # The yurtici cases behind the hung call were left unclaimed (or handed back), for a worker that can pull them.
        left = [repository.docs[ids[code]] for code in ("a2", "a3")]
        assert all(d.evidence_pull_due is not None and d.evidence_pull_due <= clock.now() for d in left)
        assert not any((WorkKind.PULL_EVIDENCE, d.id) in schedule.leases for d in left)
    finally:
        run.cancel()
        carriers.answer("TRKA1")


async def test_no_carrier_has_more_than_its_share_of_pulls_in_flight(service, repository, schedule, pushed, clock, open_in_order):
    await open_in_order(*(f"{code}{i}" for i in range(1, 9) for code in "ab"))
    carriers = HeldCarriers()
    run = asyncio.create_task(pipeline(service, schedule, carriers, pushed, clock, 3).run_once())
    while len(carriers.answered) < 16:  # answer whatever is out, in rounds
        await until(lambda: len(carriers.started) > len(carriers.answered))
        out = len(carriers.started)
        carriers.answer(*carriers.started)
        await until(lambda: len(carriers.answered) == out)  # noqa: B023 - awaited here
    assert await run == 16
    assert carriers.most == Counter({"yurtici": 3, "aras": 3})


async def test_a_slow_carrier_does_not_hold_up_another(service, repository, schedule, pushed, clock, open_in_order):
    ids = await open_in_order("a1", "b1", "b2", "b3", "a2", "b4", "b5", "b6")
    carriers = HeldCarriers(answering=("aras",))  # yurtici hangs until told
    run = asyncio.create_task(pipeline(service, schedule, carriers, pushed, clock, 2).run_once())
    b_cases = [ids[f"b{i}"] for i in range(1, 7)]
    await until(lambda: all(repository.docs[i].has_delivery_proof for i in b_cases))
    assert carriers.in_flight["yurtici"] == 2 and not run.done()
    carriers.answer("TRKA1", "TRKA2")
    assert await run == 8 and carriers.most["yurtici"] == 2


async def test_stop_ends_the_run_once_what_is_in_flight_is_stored(service, repository, schedule, pushed, clock, open_in_order):
    ids = await open_in_order("a1", "a2", "a3", "a4", "a5")
    carriers = HeldCarriers()
    stop = asyncio.Event()
    run = asyncio.create_task(pipeline(service, schedule, carriers, pushed, clock, 2).run_once(stop))
    await until(lambda: len(carriers.started) == 2)
    stop.set()
    carriers.answer("TRKA1", "TRKA2")
    assert await run == 2 and carriers.started == ["TRKA1", "TRKA2"]
    assert [repository.docs[ids[c]].has_delivery_proof for c in ("a1", "a2", "a3")] == [True, True, False]
    assert all(repository.docs[ids[c]].evidence_pull_due <= clock.now() for c in ("a3", "a4", "a5"))
    carriers.answering.add("yurtici")
    assert await pipeline(service, schedule, carriers, pushed, clock, 2).run_once() == 3


async def test_pulls_cut_off_by_cancellation_are_taken_up_again_when_their_lease_ends(
    service, repository, schedule, pushed, clock, open_in_order
):
    ids = await open_in_order("a1", "a2", "a3")
    carriers = HeldCarriers()
    run = asyncio.create_task(pipeline(service, schedule, carriers, pushed, clock, 2).run_once())
    await until(lambda: len(carriers.started) == 2)
    run.cancel()
    with pytest.raises(asyncio.CancelledError):
        await run
    assert carriers.in_flight["yurtici"] == 0 and not any(d.evidence for d in repository.docs.values())
    carriers.answering.add("yurtici")
    puller = pipeline(service, schedule, carriers, pushed, clock, 2)
    assert await puller.run_once() == 1  # a3 was never claimed; a1 and a2 wait for their lease
    clock.advance(seconds=puller.lease.total_seconds() + 1)
    assert await puller.run_once() == 2
    assert all(len(repository.docs[i].evidence) == 1 for i in ids.values())


async def test_a_failing_case_is_raised_once_the_rest_is_done_and_the_claims_go_on_meanwhile(
    service, repository, schedule, pushed, clock, open_in_order
):
    ids = await open_in_order("a1", "a2", "a3")

    class Breaking(HeldCarriers):
        async def pull(self, carrier, tracking_number, slot=None):
            if tracking_number == "TRKA1":
                raise RuntimeError("a bug at the edge")
            return await super().pull(carrier, tracking_number)

    carriers = Breaking()
    run = asyncio.create_task(pipeline(service, schedule, carriers, pushed, clock, 2).run_once())
    await until(lambda: carriers.started == ["TRKA2", "TRKA3"])
    carriers.answer("TRKA2", "TRKA3")
    with pytest.raises(ExceptionGroup) as raised:
        await run
    assert [type(e) for e in raised.value.exceptions] == [RuntimeError]
    assert repository.docs[ids["a2"]].has_delivery_proof and repository.docs[ids["a3"]].has_delivery_proof
    # a1 stays held until its lease runs out: a pause before it is tried again, which holds up nothing else.
    assert schedule.leases[(WorkKind.PULL_EVIDENCE, ids["a1"])].until > clock.now()


async def test_a_case_whose_pull_fails_does_not_stop_another_carriers_cases_being_pulled_while_one_carrier_hangs(
    service, schedule, pushed, clock, open_in_order
):
    await open_in_order("a1", "b1")  # a1: yurtici, whose calls hang; b1: aras, whose pull fails every time

    class FailingAndHung(HeldCarriers):
        async def pull(self, carrier, tracking_number, slot=None):
            if tracking_number == "TRKB1":
                self.started.append(tracking_number)
                raise RuntimeError("a reply no parser foresaw")
            return await super().pull(carrier, tracking_number)

    carriers = FailingAndHung(answering=("aras",))
    puller = EvidencePuller(service, carriers, pushed, Rules(), per_carrier=2)
    run = asyncio.create_task(DueWork(schedule, puller, clock, "worker-1", poll=timedelta(milliseconds=20)).run_once())
    try:
        await until(lambda: "TRKA1" in carriers.started and "TRKB1" in carriers.started)
        await open_in_order("b2")  # another aras case, due now: found by the next poll
        async with asyncio.timeout(2):  # a hundred polls
            while "TRKB2" not in carriers.answered:
                await asyncio.sleep(0.005)
        assert "TRKA1" not in carriers.answered
    finally:
        carriers.answer("TRKA1")
        await asyncio.gather(run, return_exceptions=True)


async def test_a_dispute_that_waited_too_long_for_its_carrier_is_given_back_and_claimed_again_before_it_is_pulled(
    service, repository, schedule, pushed, clock, open_in_order
):
    ids = await open_in_order("a1", "b1", "a2", "a3")
    carriers = HeldCarriers(answering=("aras",))
    claims = RecordedClaims(schedule, carriers)
    run = asyncio.create_task(pipeline(service, claims, carriers, pushed, clock, 2, slot_wait=timedelta(0)).run_once())
    a3 = (WorkKind.PULL_EVIDENCE, ids["a3"])
    # a3 was read ahead, found its carrier's slots taken and was given back; the full lane keeps it unclaimed.
    await until(lambda: carriers.started == ["TRKA1", "TRKB1", "TRKA2"] and claims.claimed == 4 and a3 not in schedule.leases)
    carriers.answer("TRKA1", "TRKA2", "TRKA3")
    assert await run == 5  # a3 twice: given back once, then pulled
    assert carriers.started.count("TRKA3") == 1
    assert all(len(repository.docs[i].evidence) == 1 for i in ids.values())


async def test_a_case_waiting_for_its_carriers_place_when_the_worker_stops_gives_its_lease_back_uncalled(
    service, repository, schedule, pushed, clock, open_in_order
):
    """A worker told to stop finishes the calls in flight; a claimed case still waiting for a place in its carrier's
    lane is work left undone: its lease is given back, for another worker to take at once."""
    ids = await open_in_order("a1", "a2", "a3", "a4")
    carriers = HeldCarriers()
    stop = asyncio.Event()
    run = asyncio.create_task(pipeline(service, schedule, carriers, pushed, clock, 2).run_once(stop))
    await until(lambda: carriers.started == ["TRKA1", "TRKA2"])
    carriers.answer("TRKA1")  # a place frees: a3 and a4 are claimed, a3 takes the place, a4 waits for one
    a4 = (WorkKind.PULL_EVIDENCE, ids["a4"])
    await until(lambda: carriers.started == ["TRKA1", "TRKA2", "TRKA3"] and a4 in schedule.leases)
    stop.set()  # SIGTERM
    carriers.answer("TRKA2", "TRKA3", "TRKA4")  # the calls in flight end, each freeing a place
    assert await asyncio.wait_for(run, 5) == 4
    assert carriers.started == ["TRKA1", "TRKA2", "TRKA3"] and a4 not in schedule.leases
    assert not repository.docs[ids["a4"]].evidence and repository.docs[ids["a4"]].evidence_pull_due <= clock.now()
