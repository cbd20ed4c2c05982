"""Keeping what carriers send, pulled or pushed, the one way: the raw answer for audit, each inline image
or document moved to the attachment store (labelled by what its bytes are), and the proof stamped with when
the service received it. Pushed events are then recorded once per carrier event, for `PushAttacher`.

Push keys and storage references are built here and nowhere else (a pull's key is its content, beside the evidence it
names: `schemas.dispute.pull_key`)."""

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from disputes.policy.receivers import with_worded_relation
from disputes.ports import AttachmentStore, CarrierSource, Clock, EvidenceInbox, StoredAttachment
from schemas.dispute import Evidence
from schemas.proof import AttachmentKind, ProofOfDelivery, ProofOffer

type MediaType = Callable[[AttachmentKind, bytes], str]
"""The media type the bytes themselves show; raises ValueError (saying why) for bytes that are unusable."""


def push_key(carrier: str, event_id: str) -> str:
    """Identity of pushed evidence: the carrier's own event identity, so a redelivered event adds nothing."""
    return f"push:{carrier}:{event_id}"


def event_id_of(key: str, carrier: str) -> str:
    """The carrier's event identity a pushed event's key (`push_key`) was made of."""
    return key.removeprefix(push_key(carrier, ""))


def raw_ref(body: bytes) -> str:
    return "raw_" + hashlib.sha256(body).hexdigest()[:40]


def attachment_ref(content: bytes) -> str:
    return "att_" + hashlib.sha256(content).hexdigest()[:40]


class PushedEvent(NamedTuple):
    """One fact a carrier pushed, with the carrier's identity for it."""

    event_id: str
    proof: ProofOfDelivery


class PushReceipt(NamedTuple):
    received: int
    duplicates: int


@dataclass
class EvidenceIntake:
    attachments: AttachmentStore
    inbox: EvidenceInbox
    clock: Clock
    media_type: MediaType

    async def receive_push(
        self, carrier: str, body: bytes, events: Sequence[PushedEvent], offer: ProofOffer | None
    ) -> PushReceipt:
        """Keep a verified webhook: its body, its images and one record per carrier event, all durably stored
        when this returns (so the carrier's 2xx means stored). A redelivered event is counted, not stored. The
        events are recorded together: a push of thousands costs the inbox a few writes, not one each."""
        now = self.clock.now()
        ref = await self._put_raw(carrier, body, now)
        # Validated: for two fields, quicker than assembling them (the proof, an instance, is taken as it is).
        kept = [Evidence(key=push_key(carrier, event.event_id), proof=await self._keep(event.proof, now, ref, offer))
                for event in events]
        stored = await self.inbox.record_many(kept, now)
        return PushReceipt(received=len(events), duplicates=stored.count(False))

    async def receive_pull(
        self, carrier: str, proof: ProofOfDelivery, offer: ProofOffer | None, transcript: bytes | None
    ) -> ProofOfDelivery:
        """Keep a pulled answer (with the transcript of the carrier's replies, when there was one); the proof
        as stored, pointing at its stored attachments."""
        now = self.clock.now()
        ref = await self._put_raw(carrier, transcript, now) if transcript else None
        return await self._keep(proof, now, ref, offer)

    async def _put_raw(self, carrier: str, body: bytes, at: datetime) -> str:
        ref = raw_ref(body)
        await self.attachments.put_raw(ref, carrier, body, at)
        return ref

    async def _keep(
        self, proof: ProofOfDelivery, at: datetime, raw: str | None, offer: ProofOffer | None
    ) -> ProofOfDelivery:
        proof = with_worded_relation(proof.as_received(at, raw, offer))
        if not proof.inline_attachments():  # most events carry no image: nothing to label or move
            return proof
        proof = proof.with_inline_media_types(self.media_type)
        refs = {}
        for kind, inline in proof.inline_attachments().items():
            content = inline.content()
            ref = attachment_ref(content)
            source = CarrierSource(proof.carrier, proof.tracking_number)
            stored = StoredAttachment(kind, inline.media_type or "", content, source)
            await self.attachments.put_attachment(ref, stored, at)
            refs[kind] = ref
        return proof.with_attachment_refs(refs) if refs else proof
