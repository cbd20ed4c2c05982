"""A case's first pull reads the events pushed for its shipment before the case existed (the latest, as many as a case
can use), once, before it asks the carrier: a proof pushed meanwhile leaves that pull due, a full case does not take
back what it dropped, and a pull asked for later goes to the carrier."""

from datetime import timedelta

from disputes.actors import SYSTEM
from disputes.evidence import EARLIER_PUSHES, EvidencePuller, PushAttacher
from disputes.model import MAX_EVIDENCE, MAX_REPLACED
from disputes.ports import EvidenceUnavailable
from disputes.rules import Rules
from disputes.work import WorkKind
from schemas.dispute import Evidence
from schemas.proof import ProofSource, ProofStatus
from tests.factories import CUSTOMER, INVESTIGATOR, NOW
from tests.unit.test_evidence import Gateway, proof


def pushed_proof(number: int, at=NOW, status=ProofStatus.DELIVERED) -> Evidence:
    signed = proof(status, ProofSource.PUSH).model_copy(update={"received_by": f"Kişi {number}", "received_at": at})
    return Evidence(key=f"push:yurtici:p-{number:03d}", proof=signed)


def replacements(case) -> int:
    return sum(1 for entry in case.timeline if entry.action == "evidence_received" and entry.details.get("replaced"))


async def test_a_first_pull_after_a_pushed_proof_reads_the_earlier_pushes_without_a_word_on_the_timeline(
    service, request_for, pushed, repository, due_work, clock
):
    dispute = (await service.open(CUSTOMER, request_for(), None)).dispute
    await pushed.record(pushed_proof(1), clock.now())
    await due_work(PushAttacher(service, repository, pushed)).run_once()
    attached = repository.docs[dispute.id].model_copy(deep=True)
    gateway = Gateway(proof())

    await due_work(EvidencePuller(service, gateway, pushed, Rules())).run_once()

    stored = repository.docs[dispute.id]
    assert gateway.calls == 0 and stored.evidence_pull_due is None and not stored.before_first_pull
    assert [entry.action for entry in stored.timeline] == [entry.action for entry in attached.timeline]


async def test_a_first_pull_after_a_burst_does_not_take_back_what_the_full_case_dropped(
    service, request_for, pushed, repository, due_work, clock
):
    dispute = (await service.open(CUSTOMER, request_for(), None)).dispute
    for number in range(MAX_EVIDENCE + 50):
        at = clock.now() + timedelta(seconds=number)
        await pushed.record(pushed_proof(number, at), at)
    clock.advance(minutes=10)
    attacher = due_work(PushAttacher(service, repository, pushed))
    while await attacher.run_once():
        clock.advance(seconds=30)
    before = repository.docs[dispute.id].model_copy(deep=True)
    assert replacements(before) == 50

    await due_work(EvidencePuller(service, Gateway(proof()), pushed, Rules())).run_once()

    after = repository.docs[dispute.id]
    assert replacements(after) == 50 and [e.key for e in after.evidence] == [e.key for e in before.evidence]


async def test_a_first_pull_after_more_pushes_than_a_case_can_use_reads_the_latest_and_keeps_the_latest_proofs(
    service, request_for, pushed, repository, due_work, clock
):
    history = EARLIER_PUSHES + 1  # scans to fill a case, then more proofs than may take an entry's place
    for number in range(history):
        at = clock.now() + timedelta(seconds=number)
        status = ProofStatus.IN_TRANSIT if number < MAX_EVIDENCE else ProofStatus.DELIVERED
        await pushed.record(pushed_proof(number, at, status), at)
    clock.advance(minutes=10)
    dispute = (await service.open(CUSTOMER, request_for(), None)).dispute
    gateway = Gateway(proof())

    await due_work(EvidencePuller(service, gateway, pushed, Rules())).run_once()

    stored = repository.docs[dispute.id]
    assert [e.key for e in stored.evidence] == [pushed_proof(n).key for n in range(history - MAX_EVIDENCE, history)]
    assert replacements(stored) == MAX_REPLACED and gateway.calls == 0
    replaced = {entry.details.get("replaced") for entry in stored.timeline if entry.action == "evidence_received"}
    assert pushed_proof(0).key not in replaced and pushed_proof(1).key in replaced  # the earliest was not read


async def test_a_pull_asked_for_on_a_case_proved_by_a_push_goes_to_the_carrier(
    service, request_for, pushed, repository, due_work, clock
):
    dispute = (await service.open(CUSTOMER, request_for(), None)).dispute
    await pushed.record(pushed_proof(1), clock.now())
    await due_work(PushAttacher(service, repository, pushed)).run_once()
    gateway = Gateway(proof().model_copy(update={"received_by": "Başka Biri"}))
    puller = due_work(EvidencePuller(service, gateway, pushed, Rules()))
    await puller.run_once()  # the first pull: the push is the proof
    clock.advance(minutes=5)

    await service.request_evidence(INVESTIGATOR, dispute.id)
    clock.advance(seconds=1)
    await puller.run_once()

    assert gateway.calls == 1 and repository.docs[dispute.id].evidence[-1].proof.received_by == "Başka Biri"


async def test_a_pull_asked_for_on_a_case_that_takes_no_more_proofs_ends_with_the_carriers_answer(
    service, request_for, pushed, repository, due_work, clock
):
    dispute = (await service.open(CUSTOMER, request_for(), None)).dispute
    puller = due_work(EvidencePuller(service, Gateway(proof()), pushed, Rules()))
    await puller.run_once()
    case = await service.get(SYSTEM, dispute.id)
    for number in range(MAX_EVIDENCE + MAX_REPLACED + 1):
        case.attach_evidence(SYSTEM, pushed_proof(number), NOW)
    repository.docs[dispute.id] = case
    await service.request_evidence(INVESTIGATOR, dispute.id)
    gateway = Gateway(proof().model_copy(update={"received_by": "Başka Biri"}))
    puller = due_work(EvidencePuller(service, gateway, pushed, Rules()))

    for _ in range(5):
        clock.advance(minutes=1)
        await puller.run_once()

    stored = repository.docs[dispute.id]
    assert gateway.calls == 1 and stored.evidence_pull_due is None
    last = stored.timeline[-1]  # the carrier's answer is not kept, and the timeline says so
    assert (last.action, last.details) == ("evidence_limit_reached", {"limit": MAX_EVIDENCE, "source": "pull",
                                                                      "status": "delivered"})


async def test_a_pull_asked_for_before_the_first_pull_ran_goes_to_the_carrier_though_a_proof_was_pushed(
    service, request_for, pushed, repository, due_work, clock
):
    dispute = (await service.open(CUSTOMER, request_for(), None)).dispute
    await pushed.record(pushed_proof(1), clock.now())
    await due_work(PushAttacher(service, repository, pushed)).run_once()
    await service.request_evidence(INVESTIGATOR, dispute.id)
    gateway = Gateway(proof().model_copy(update={"received_by": "Başka Biri"}))

    await due_work(EvidencePuller(service, gateway, pushed, Rules())).run_once()

    assert gateway.calls == 1 and repository.docs[dispute.id].evidence_pull_due is None


async def test_a_push_attached_again_after_a_crash_leaves_a_pull_asked_for_due(
    service, request_for, pushed, repository, due_work, clock
):
    dispute = (await service.open(CUSTOMER, request_for(), None)).dispute
    await due_work(EvidencePuller(service, Gateway(proof()), pushed, Rules())).run_once()
    await pushed.record(pushed_proof(1), clock.now())
    attacher = due_work(PushAttacher(service, repository, pushed))
    await attacher.run_once()
    pushed.due[WorkKind.ATTACH_PUSHED]["push:yurtici:p-001"] = clock.now()  # as if the marking write never came
    await service.request_evidence(INVESTIGATOR, dispute.id)
    entries = len(repository.docs[dispute.id].timeline)

    clock.advance(minutes=30)
    await attacher.run_once()  # the case holds it already

    stored = repository.docs[dispute.id]
    assert stored.evidence_pull_due is not None and len(stored.timeline) == entries


class ProofPushedWhileAsking:
    """A carrier whose first answer times out, while its push of the proof is attached to the case meanwhile."""

    def __init__(self, push) -> None:
        self.push, self.calls = push, 0

    async def pull(self, carrier, tracking, slot=None):
        self.calls += 1
        if self.calls == 1:
            await self.push()
        raise EvidenceUnavailable("timeout")


async def test_a_pull_a_pushed_proof_ended_while_it_asked_is_not_tried_again(
    service, request_for, pushed, repository, due_work, clock
):
    dispute = (await service.open(CUSTOMER, request_for(), None)).dispute

    async def push():
        await pushed.record(pushed_proof(1), clock.now())
        await due_work(PushAttacher(service, repository, pushed)).run_once()

    gateway = ProofPushedWhileAsking(push)
    puller = due_work(EvidencePuller(service, gateway, pushed, Rules()))
    await puller.run_once()
    clock.advance(hours=2)
    await puller.run_once()

    stored = repository.docs[dispute.id]
    assert gateway.calls == 1 and stored.has_delivery_proof and stored.evidence_pull_due is None


async def test_a_pushed_proof_followed_by_more_scans_than_a_case_reads_reaches_the_case(
    service, request_for, pushed, repository, due_work, clock
):
    for number in range(EARLIER_PUSHES + 1):  # the proof first, then a full window of scans
        at = clock.now() + timedelta(seconds=number)
        status = ProofStatus.DELIVERED if number == 0 else ProofStatus.IN_TRANSIT
        await pushed.record(pushed_proof(number, at, status), at)
    clock.advance(minutes=10)
    dispute = (await service.open(CUSTOMER, request_for(), None)).dispute
    gateway = Gateway(EvidenceUnavailable("down"))

    await due_work(EvidencePuller(service, gateway, pushed, Rules())).run_once()

    stored = repository.docs[dispute.id]
    assert stored.has_delivery_proof and gateway.calls == 0, "the carrier's proof, older than the scans, is on the case"
