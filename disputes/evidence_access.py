"""Viewing a case's stored attachments: who may see which, and an audit of every view.

Staff (investigators, supervisors) see every attachment the case holds: the carrier's signature, photo and
proof-of-delivery document, and the customer's images. The customer, and an agent for them, see only the
customer's own uploads, never a carrier's image (a signature is someone else's). Every view is recorded on the
case's timeline before the bytes are handed over, in one atomic write that leaves the version alone.
"""

from dataclasses import dataclass
from typing import Final, Literal, Protocol

from disputes.actors import Actor
from disputes.errors import Forbidden, NotFound
from disputes.model import Dispute
from disputes.ports import CUSTOMER_IMAGE, AttachmentStore, AttachmentViews, Clock, DisputeRepository
from schemas.dispute import TimelineEntry
from schemas.proof import AttachmentKind

VIEWED: Final = "attachment_viewed"


@dataclass(frozen=True, slots=True)
class Cited:
    """An attachment a case refers to: what it is, and whether the customer sent it."""

    kind: AttachmentKind | Literal["customer_image"]
    from_customer: bool


@dataclass(frozen=True, slots=True)
class ViewedAttachment:
    ref: str
    kind: AttachmentKind | Literal["customer_image"]
    media_type: str
    content: bytes


def attachments_of(dispute: Dispute) -> dict[str, Cited]:
    """Every stored attachment the case refers to, by reference (a customer's own upload wins when the customer
    sent the very bytes a carrier did)."""
    cited = {
        attachment.ref: Cited(attachment.kind, from_customer=False)
        for evidence in dispute.evidence
        for attachment in (evidence.proof.signature, evidence.proof.photo, evidence.proof.document)
        if attachment is not None and attachment.ref is not None
    }
    for added in dispute.customer_evidence:
        cited.update({image.ref: Cited(CUSTOMER_IMAGE, from_customer=True) for image in added.images})
    return cited


class CasesWithViews(DisputeRepository, AttachmentViews, Protocol):
    """The disputes, and their record of attachment views."""


@dataclass
class EvidenceAccess:
    disputes: CasesWithViews
    attachments: AttachmentStore
    clock: Clock

    async def view(self, actor: Actor, dispute_id: str, ref: str) -> ViewedAttachment:
        """The attachment `ref` of the dispute, once its viewing is on the case's timeline. NotFound when the case
        is not the caller's to see, does not refer to `ref`, or the bytes are gone (deleted after the retention
        period); Forbidden when a customer (or an agent) asks for an attachment the customer did not send."""
        dispute = await self.disputes.get(dispute_id)
        if dispute is None or not (actor.is_staff or dispute.acts_for_customer(actor)):
            raise NotFound(f"No dispute {dispute_id}.")
        cited = attachments_of(dispute).get(ref)
        if cited is None:
            raise NotFound(f"Dispute {dispute_id} has no attachment {ref}.")
        if not (actor.is_staff or cited.from_customer):
            raise Forbidden("Customers see the images they sent; the carrier's proof is for investigators.")
        stored = await self.attachments.attachment(ref)
        if stored is None:
            raise NotFound(f"Attachment {ref} is no longer kept.")
        view = TimelineEntry(
            at=self.clock.now(), actor=actor.id, role=actor.role, action=VIEWED,
            details={"attachment": ref, "kind": str(cited.kind)},
        )
        if not await self.disputes.record_view(dispute.id, view):
            raise NotFound(f"No dispute {dispute_id}.")
        media_type, content = stored
        return ViewedAttachment(ref, cited.kind, media_type, content)
