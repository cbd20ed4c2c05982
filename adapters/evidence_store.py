"""What the webhook endpoint and the workers need from evidence storage (MongoDB or in memory)."""

from datetime import datetime
from typing import Protocol

from disputes.ports import PushedEvidence
from schemas.dispute import Evidence
from schemas.proof import ProofOfDelivery


class EvidenceStore(PushedEvidence, Protocol):
    async def store_raw(self, carrier: str, body: bytes, at: datetime) -> str: ...

    async def store_attachments(self, proof: ProofOfDelivery, at: datetime) -> ProofOfDelivery: ...

    async def record(self, evidence: Evidence, at: datetime) -> bool: ...

    async def attachment(self, ref: str) -> tuple[str, bytes] | None: ...
