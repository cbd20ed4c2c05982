"""Evidence without anyone asking: pulled on opening, retried until the deadline, pushed before or after."""

import asyncio
from datetime import timedelta

import pytest

from adapters.memory import InMemoryEvidenceStore
from disputes.evidence import EvidencePuller, PushAttacher, pull_key
from disputes.ports import EvidenceRejected, EvidenceUnavailable
from disputes.rules import Rules
from schemas.dispute import Evidence, Status
from schemas.proof import Attachment, AttachmentKind, ProofOfDelivery, ProofSource, ProofStatus, RecipientRelation
from tests.factories import CUSTOMER, INVESTIGATOR, NOW


def proof(status=ProofStatus.DELIVERED, source=ProofSource.PULL, tracking="TRKshp1", **extra) -> ProofOfDelivery:
    return ProofOfDelivery(
        carrier="yurtici",
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

    async def pull(self, carrier, tracking_number):
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
        self.holding = asyncio.Event()
        self.release = asyncio.Event()

    async def pull(self, carrier, tracking_number):
        self.calls += 1
        if self.calls == 1:
            self.holding.set()
            await self.release.wait()
        return proof().model_copy(update={"received_at": self.clock.now()})


@pytest.fixture
def pushed():
    return InMemoryEvidenceStore()


@pytest.fixture
def make_puller(service, repository, pushed, clock):
    def make(gateway):
        return EvidencePuller(service, repository, gateway, pushed, clock, Rules())

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
    assert "Ayşe" not in str(stored.timeline[-1].details)
    assert await make_puller(gateway).run_once() == 0 and gateway.calls == 1


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


async def test_silence_until_the_deadline_is_recorded_as_no_proof(make_puller, dispute, repository, clock):
    puller = make_puller(Gateway(EvidenceUnavailable("down")))
    while not repository.docs[dispute.id].proof_missing and clock.now() < NOW + timedelta(days=7):
        await puller.run_once()
        clock.advance(minutes=30)
    stored = repository.docs[dispute.id]
    assert stored.proof_missing and stored.status is Status.UNDER_REVIEW and stored.evidence_pull_due is None
    assert stored.timeline[-1].action == "carrier_did_not_provide_proof"
    assert stored.sla.evidence_due <= clock.now() <= stored.sla.evidence_due + timedelta(hours=1)
    assert 5 < stored.evidence_pulls < 100


async def test_a_carrier_without_pull_waits_for_pushes_until_the_deadline(make_puller, dispute, repository):
    await make_puller(Gateway(EvidenceRejected("push only"))).run_once()
    stored = repository.docs[dispute.id]
    assert stored.evidence_pull_due == stored.sla.evidence_due and stored.status is Status.AWAITING_EVIDENCE


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


async def test_pushed_evidence_is_attached_once_however_often_it_arrives(service, repository, pushed, clock, dispute):
    attacher = PushAttacher(service, repository, pushed, clock)
    event = Evidence(key="push:yurtici:evt-7", proof=proof(source=ProofSource.PUSH))
    for _ in range(3):
        await pushed.record(event, clock.now())
    other = Evidence(key="push:yurtici:evt-8", proof=proof(source=ProofSource.PUSH, tracking="TRK-elsewhere"))
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


async def test_a_pull_that_outlasts_its_lease_is_taken_over_and_the_same_answer_attached_once(
    service, repository, pushed, clock, dispute
):
    gateway = HeldGateway(clock)
    lease = timedelta(seconds=60)
    first, second = (EvidencePuller(service, repository, gateway, pushed, clock, Rules(), lease=lease) for _ in range(2))
    waiting = asyncio.create_task(first.run_once())
    try:
        await asyncio.wait_for(gateway.holding.wait(), timeout=5)
        clock.advance(seconds=61)
        assert await second.run_once() == 1  # the lease ran out: claimed again and pulled
    finally:
        gateway.release.set()
    assert await asyncio.wait_for(waiting, timeout=5) == 1
    stored = repository.docs[dispute.id]
    assert gateway.calls == 2 and [e.key for e in stored.evidence] == [pull_key(proof())]
    assert [t.action for t in stored.timeline].count("evidence_received") == 1
