"""A proof of delivery the carrier pushed, and we acknowledged (stored), by the evidence deadline is the carrier's
proof by the deadline, whichever worker comes to the case first: the deadline's pull or the push attacher. One pushed
after the deadline is not."""

from datetime import timedelta

import pytest

from disputes.assessment import Assessor
from disputes.evidence import EvidencePuller, PushAttacher
from disputes.intake import push_key
from disputes.policy import PolicySettings
from disputes.ports import EvidenceUnavailable
from disputes.rules import Rules
from schemas.common import Outcome
from schemas.dispute import Evidence
from schemas.proof import ProofSource
from tests.factories import CUSTOMER
from tests.unit.test_evidence import Gateway, proof


async def push(pushed, clock, event_id: str) -> Evidence:
    """A pushed proof, stored as the intake stores it before answering the carrier 2xx."""
    event = Evidence(key=push_key("yurtici", event_id),
                     proof=proof(source=ProofSource.PUSH).model_copy(update={"received_at": clock.now()}))
    assert await pushed.record_many([event], clock.now()) == [True]
    return event


async def pull_at(puller, clock, at) -> None:
    """The pull due at `at` runs (the deadline's: no retry is due between)."""
    clock.current = at
    await puller.run_once()


async def test_proof_pushed_before_the_deadline_and_not_yet_attached_is_the_carriers_proof_by_it(
    service, request_for, repository, pushed, clock, due_work
):
    dispute = (await service.open(CUSTOMER, request_for(), None)).dispute
    silent = Gateway(EvidenceUnavailable("down"))  # the carrier's pull API lags behind its pushes
    puller = due_work(EvidencePuller(service, silent, pushed, Rules()))
    await puller.run_once()  # the first pull fails: retried with backoff until the deadline

    deadline = dispute.sla.evidence_due
    clock.current = deadline - timedelta(seconds=1)
    event = await push(pushed, clock, "ev-1")
    await pull_at(puller, clock, deadline)  # the deadline's pull comes before the attacher's next pass
    assert repository.docs[dispute.id].evidence_pull_due is None
    await due_work(Assessor(service, repository, PolicySettings())).run_once()
    await due_work(PushAttacher(service, repository, pushed)).run_once()

    stored = repository.docs[dispute.id]
    assert [e.key for e in stored.evidence] == [event.key]
    assert not stored.proof_missing
    assert "carrier_did_not_provide_proof" not in [entry.action for entry in stored.timeline]
    assert stored.decision is None or stored.decision.outcome is not Outcome.REFUND
    assert "carrier_liability" not in [m.kind.value for m in stored.outbox]


async def test_a_deadline_pull_failing_unforeseen_attaches_the_proof_pushed_before_the_deadline_too(
    service, request_for, repository, pushed, clock, due_work
):
    dispute = (await service.open(CUSTOMER, request_for(), None)).dispute
    gateway = Gateway(EvidenceUnavailable("down"), RuntimeError("a reply no parser foresaw"))
    puller = due_work(EvidencePuller(service, gateway, pushed, Rules()))
    await puller.run_once()

    deadline = dispute.sla.evidence_due
    clock.current = deadline - timedelta(seconds=1)
    event = await push(pushed, clock, "ev-1")
    with pytest.raises(ExceptionGroup):
        await pull_at(puller, clock, deadline)

    stored = repository.docs[dispute.id]
    assert gateway.calls == 2
    assert [e.key for e in stored.evidence] == [event.key]
    assert not stored.proof_missing and stored.has_delivery_proof


async def test_proof_pushed_after_the_deadline_does_not_undo_it(
    service, request_for, repository, pushed, clock, due_work
):
    dispute = (await service.open(CUSTOMER, request_for(), None)).dispute
    silent = Gateway(EvidenceUnavailable("down"))
    puller = due_work(EvidencePuller(service, silent, pushed, Rules()))
    await puller.run_once()

    deadline = dispute.sla.evidence_due
    clock.current = deadline + timedelta(seconds=1)
    late = await push(pushed, clock, "ev-late")  # stored after the deadline, before its pull ran
    await pull_at(puller, clock, deadline + timedelta(seconds=2))

    stored = repository.docs[dispute.id]
    assert stored.proof_missing
    assert late.key not in [e.key for e in stored.evidence]  # the attacher attaches it, as a late proof
