"""Getting the carrier's proof onto disputes without anyone asking.

`EvidencePuller` pulls proof for disputes whose pull is due (claimed with a lease, bounded concurrency per
carrier), retries with backoff until the evidence deadline, and then records that the carrier did not
provide proof. `PushAttacher` attaches evidence that carriers pushed to every dispute on that shipment;
evidence pushed before a dispute existed is picked up by the puller when the dispute opens.
"""

import asyncio
import hashlib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from disputes.actors import SYSTEM
from disputes.batch import each
from disputes.model import Dispute
from disputes.ports import (
    CarrierGateway,
    Clock,
    DisputeRepository,
    EvidenceClaims,
    EvidenceRejected,
    EvidenceUnavailable,
    PushedEvidence,
)
from disputes.rules import Rules
from disputes.service import DisputeService
from schemas.dispute import Evidence
from schemas.proof import ProofOfDelivery, ProofStatus


def pull_key(proof: ProofOfDelivery) -> str:
    """Identity of pulled evidence: its content, so pulling the same answer twice adds nothing."""
    content = proof.model_dump_json(exclude={"received_at", "raw_ref"})
    return "pull:" + hashlib.sha256(content.encode()).hexdigest()[:32]


@dataclass
class EvidencePuller:
    service: DisputeService
    claims: EvidenceClaims
    gateway: CarrierGateway
    pushed: PushedEvidence
    clock: Clock
    rules: Rules
    lease: timedelta = timedelta(seconds=60)
    batch: int = 50
    per_carrier: int = 8
    _slots: defaultdict[str, asyncio.Semaphore] = field(init=False)

    def __post_init__(self) -> None:
        self._slots = defaultdict(lambda: asyncio.Semaphore(self.per_carrier))

    async def run_once(self) -> int:
        now = self.clock.now()
        ids = await self.claims.claim_evidence(now, now + self.lease, self.batch)
        await each(ids, self._collect)
        return len(ids)

    async def _collect(self, dispute_id: str) -> None:
        dispute = await self.service.get(SYSTEM, dispute_id)
        carrier, tracking = dispute.order.carrier, dispute.order.tracking_number
        for evidence in await self.pushed.for_shipment(carrier, tracking):
            dispute = await self._attach(dispute_id, evidence)
        if not dispute.is_active or dispute.evidence_pull_due is None:
            return
        now = self.clock.now()
        if now >= dispute.sla.evidence_due and not (dispute.has_delivery_proof or dispute.proof_missing):
            await self._change(dispute_id, lambda d: d.evidence_deadline_passed(SYSTEM, now))
            return
        async with self._slots[carrier]:
            await self._pull(dispute, carrier, tracking)

    async def _pull(self, dispute: Dispute, carrier: str, tracking: str) -> None:
        now, deadline = self.clock.now(), dispute.sla.evidence_due
        backoff = min(self.rules.evidence_retry * 2 ** min(dispute.evidence_pulls, 16), self.rules.evidence_max_retry)
        # Retries stop at the evidence deadline; a pull asked for after it is tried once.
        retry_at = min(now + backoff, deadline) if now < deadline else None
        give_up_at = deadline if now < deadline else None
        try:
            proof = await self.gateway.pull(carrier, tracking)
        except EvidenceUnavailable as error:
            await self._failed(dispute.id, f"carrier unavailable: {error}", retry_at)
            return
        except EvidenceRejected as error:
            await self._failed(dispute.id, f"pull not possible: {error}", give_up_at)
            return
        await self._attach(dispute.id, Evidence(key=pull_key(proof), proof=proof))
        if proof.status is not ProofStatus.DELIVERED:
            await self._failed(dispute.id, f"no proof of delivery yet (carrier says {proof.status.value})", retry_at)

    async def _attach(self, dispute_id: str, evidence: Evidence) -> Dispute:
        return await self._change(dispute_id, lambda d: d.attach_evidence(SYSTEM, evidence, self.clock.now()))

    async def _failed(self, dispute_id: str, error: str, retry_at: datetime | None) -> None:
        await self._change(dispute_id, lambda d: d.evidence_pull_failed(SYSTEM, error, retry_at, self.clock.now()))

    async def _change(self, dispute_id: str, change: Callable[[Dispute], bool | None]) -> Dispute:
        return await self.service.apply(SYSTEM, dispute_id, change)


@dataclass
class PushAttacher:
    service: DisputeService
    claims: EvidenceClaims
    pushed: PushedEvidence
    clock: Clock
    lease: timedelta = timedelta(seconds=60)
    batch: int = 50

    async def run_once(self) -> int:
        now = self.clock.now()
        received = await self.pushed.claim(now, now + self.lease, self.batch)
        await each(received, self._attach)
        return len(received)

    async def _attach(self, evidence: Evidence) -> None:
        proof = evidence.proof
        for dispute_id in await self.claims.active_for_shipment(proof.carrier, proof.tracking_number):
            await self.service.apply(SYSTEM, dispute_id, lambda d: d.attach_evidence(SYSTEM, evidence, self.clock.now()))
        await self.pushed.attached(evidence.key)
