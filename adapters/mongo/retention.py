"""Signature, photo and proof-document images, the images customers sent, and the carriers' raw replies, are
kept for a configured time after the case closes, then deleted. One still referenced by a dispute that is open (or closed more
recently) is kept. Cases are claimed through the schedule (`due.retention`, set by every save of a closed
case that holds images); a worker that dies mid-way leaves the case due, and the next holder finishes."""

from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from adapters.mongo.indexes import ATTACHMENTS, DISPUTES, RAW_PAYLOADS
from disputes.lanes import Lanes, Place
from disputes.ports import Claimed
from disputes.work import WorkKind


class AttachmentRetention:
    kind = WorkKind.RETENTION

    def __init__(self, db: AsyncDatabase[dict[str, Any]], batch: int = 50) -> None:
        self.disputes = db[DISPUTES]
        self.attachments = db[ATTACHMENTS]
        self.raw = db[RAW_PAYLOADS]
        self.batch = batch

    def lanes(self) -> Lanes:
        return Lanes(self.batch)

    async def handle(self, claimed: Claimed, place: Place) -> None:
        dispute_id = claimed.subject
        # Marked first, so the case no longer counts as keeping its own images.
        doc = await self.disputes.find_one_and_update(
            {"_id": dispute_id}, {"$set": {"purged": True}}, projection={"evidence_refs": 1}
        )
        for ref in (doc or {}).get("evidence_refs", []):
            if not await self.disputes.count_documents({"evidence_refs": ref, "purged": {"$ne": True}}, limit=1):
                await (self.raw if ref.startswith("raw_") else self.attachments).delete_one({"_id": ref})
        await self.disputes.update_one({"_id": dispute_id}, {"$unset": {f"due.{self.kind}": ""}})
