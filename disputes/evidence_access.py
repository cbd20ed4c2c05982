"""Viewing a case's stored attachments: who may see which, and an audit of every view.

Staff (investigators, supervisors) see every attachment the case holds: the carrier's signature, photo and
proof-of-delivery document, the carrier's raw reply each pulled proof was read from (`raw_ref`: what the carrier
said about the shipment, byte for byte, for a liability claim), and the customer's images. A pushed body is not
served: one push may carry other shipments' deliveries, whose cases would not record the view. The customer, and an
agent for them, see only the customer's own uploads, never a carrier's image (a signature is someone else's). A view is recorded on the case's
timeline before the bytes are handed over, in one atomic write that leaves the version alone, once per viewer and
attachment in each `VIEW_WINDOW`: the record says who viewed which attachment, when first, and that they kept
viewing, and a browser asking again on every showing (a 304) adds nothing. A viewer's later views of an attachment
they viewed before are kept while the case holds fewer than `MAX_VIEWS`; the one that finds no room adds
`VIEWS_LIMIT_REACHED` (after it, later views go unrecorded). A viewer's first view of an attachment does not compete
with them: it is kept up to `MAX_RECORD`, so however often one investigator looks, whoever looks next is on the
record, and the record and the document stay bounded however often anyone looks.

The record is an audit of who saw someone's images, so the customer's own views are not on it: they see only what
they sent themselves, which tells no one anything, and however often they look, the record keeps its room for staff
and agents.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final, Literal, Protocol

from disputes.actors import Actor
from disputes.errors import Forbidden, NotFound
from disputes.model import Dispute
from disputes.ports import CUSTOMER_IMAGE, AttachmentStore, AttachmentViews, Clock, DisputeRepository, ViewBound
from schemas.common import Role
from schemas.dispute import TimelineEntry
from schemas.proof import AttachmentKind, ProofSource

RAW_REPLY: Final = "raw_reply"
VIEWED: Final = "attachment_viewed"
VIEWS_LIMIT_REACHED: Final = "attachment_views_limit_reached"
VIEW_WINDOW: Final = timedelta(hours=1)
MAX_VIEWS: Final = 300
"""The entries after which a viewer's later views of an attachment they already viewed go unrecorded: about 65 KB of
a case document (an entry is about 216 bytes)."""
MAX_RECORD: Final = MAX_VIEWS + 1000
"""The entries after which even a first view goes unrecorded, about 280 KB: room for a thousand first views (twenty
people each looking at fifty attachments) after the record holds `MAX_VIEWS`."""
BEGINNING: Final = datetime(1970, 1, 1, tzinfo=UTC)
"""Before every view: a bound from it admits a viewer's first view of an attachment only."""


@dataclass(frozen=True, slots=True)
class Cited:
    """An attachment a case refers to: what it is, and whether the customer sent it."""

    kind: AttachmentKind | Literal["customer_image", "raw_reply"]
    from_customer: bool


@dataclass(frozen=True, slots=True)
class ViewedAttachment:
    ref: str
    kind: AttachmentKind | Literal["customer_image", "raw_reply"]
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
    cited.update({e.proof.raw_ref: Cited(RAW_REPLY, from_customer=False)  # a pull's: about this shipment alone
                  for e in dispute.evidence if e.proof.raw_ref and e.proof.source is ProofSource.PULL})
    for added in dispute.customer_evidence:
        cited.update({image.ref: Cited(CUSTOMER_IMAGE, from_customer=True) for image in added.images})
    return cited


def reply_type(body: bytes) -> str:
    """What a carrier's raw reply is, by its first character: carriers answer JSON or XML (SOAP)."""
    first = body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    return {b"{": "application/json", b"[": "application/json", b"<": "application/xml"}.get(first, "application/octet-stream")


class CasesWithViews(DisputeRepository, AttachmentViews, Protocol):
    """The disputes, and their record of attachment views."""


@dataclass
class EvidenceAccess:
    disputes: CasesWithViews
    attachments: AttachmentStore
    clock: Clock

    async def view(self, actor: Actor, dispute_id: str, ref: str, shown: bool = True) -> ViewedAttachment:
        """The attachment `ref` of the dispute, once its viewing is on the case's timeline (or this viewer's view of it
        within `VIEW_WINDOW` is, or the record has no room for it, or the viewer is the customer); not `shown` (only its headers
        are sent, a HEAD), no viewing is recorded. NotFound when the case is not
        the caller's to see, does not refer to `ref`, or the bytes are gone (deleted after the retention period);
        Forbidden when a customer (or an agent) asks for an attachment the customer did not send."""
        dispute = await self.disputes.get(dispute_id, actor.sees_only)
        if dispute is None or not (actor.is_staff or dispute.acts_for_customer(actor)):
            raise NotFound(f"No dispute {dispute_id}.")
        cited = attachments_of(dispute).get(ref)
        if cited is None:
            raise NotFound(f"Dispute {dispute_id} has no attachment {ref}.")
        if not (actor.is_staff or cited.from_customer):
            raise Forbidden("Customers see the images they sent; the carrier's proof is for investigators.")
        stored = await self._stored(ref, cited)
        if stored is None:
            raise NotFound(f"Attachment {ref} is no longer kept.")
        at = dispute.test_clock.time if dispute.test_clock is not None else self.clock.now()  # the case's time
        view = TimelineEntry(
            at=at, actor=actor.id, role=actor.role, action=VIEWED,
            details={"attachment": ref, "kind": str(cited.kind)},
        )
        if shown and actor.role is not Role.CUSTOMER:  # the customer: the author of every attachment they may see
            await self._record(dispute, view)
        media_type, content = stored
        return ViewedAttachment(ref, cited.kind, media_type, content)

    async def _stored(self, ref: str, cited: Cited) -> tuple[str, bytes] | None:
        if cited.kind != RAW_REPLY:
            return await self.attachments.attachment(ref)
        body = await self.attachments.raw_reply(ref)
        return None if body is None else (reply_type(body), body)

    async def _record(self, dispute: Dispute, view: TimelineEntry) -> None:
        """Write the view when the record as read admits it (else the write would change nothing), or the note that
        later views go unrecorded when the view is the first to find the record full. A first view (this viewer's of
        this attachment) is written against `MAX_RECORD`, a later one against `MAX_VIEWS`. The write checks again,
        atomically: a view recorded meanwhile (the same viewer's, in another request) is not added twice."""
        views = dispute.attachment_views
        first = ViewBound(since=BEGINNING, limit=MAX_RECORD)
        if first.admits(views, view):
            await self.disputes.record_view(dispute.id, view, first)
            return
        later = ViewBound(since=view.at - VIEW_WINDOW, limit=MAX_VIEWS)
        if later.admits(views, view):
            await self.disputes.record_view(dispute.id, view, later)
        elif len(views) >= MAX_VIEWS and not any(seen.action == VIEWS_LIMIT_REACHED for seen in views):
            # once: the same viewer's note is refused atomically (two viewers at the same instant may each leave one)
            limit_reached = view.model_copy(update={"action": VIEWS_LIMIT_REACHED, "details": {"limit": MAX_VIEWS}})
            await self.disputes.record_view(dispute.id, limit_reached, ViewBound(since=BEGINNING, limit=MAX_RECORD))
