"""Signature, photo and proof-document images, and the carriers' raw replies, are kept for a configured
time after the case closes, then deleted. One still referenced by a dispute that is open (or closed more
recently) is kept."""

from datetime import datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from adapters.mongo.indexes import ATTACHMENTS, DISPUTES, RAW_PAYLOADS


class AttachmentRetention:
    def __init__(self, db: AsyncDatabase[dict[str, Any]], batch: int = 50) -> None:
        self.disputes = db[DISPUTES]
        self.attachments = db[ATTACHMENTS]
        self.raw = db[RAW_PAYLOADS]
        self.batch = batch

    async def run_once(self, now: datetime) -> int:
        purged = 0
        for _ in range(self.batch):
            doc = await self.disputes.find_one_and_update(
                {"purge_due": {"$lte": now}},
                {"$unset": {"purge_due": ""}, "$set": {"purged": True}},
                projection={"evidence_refs": 1},
            )
            if doc is None:
                break
            for ref in doc.get("evidence_refs", []):
                if not await self.disputes.count_documents({"evidence_refs": ref, "purged": {"$ne": True}}, limit=1):
                    await (self.raw if ref.startswith("raw_") else self.attachments).delete_one({"_id": ref})
            purged += 1
        return purged
