"""Idempotency-Keys of the requests other than opening a dispute: one document per caller-scoped key in
`idempotency_keys`, `_id` = the key, found by `_id` only. Claiming is one insert (or, over an expired key or a
dead holder's, one find-and-modify on `_id`); a TTL index on `expires_at` lets MongoDB delete spent keys, and
every read checks `expires_at` itself (the TTL monitor runs only once a minute)."""

from datetime import datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from adapters.mongo.errors import translate_driver_errors
from adapters.mongo.indexes import IDEMPOTENCY_KEYS
from disputes.model import FirstAnswer
from disputes.ports import KeptKey

Doc = dict[str, Any]
CLAIM_ATTEMPTS = 3  # a key can vanish (TTL) between the insert that found it and the read: claim again


@translate_driver_errors
class MongoIdempotencyKeys:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self.keys = db[IDEMPOTENCY_KEYS]

    async def claim(
        self, key: str, fingerprint: str, holder: str, now: datetime, held_until: datetime, expires_at: datetime
    ) -> KeptKey | None:
        record = {"fingerprint": fingerprint, "holder": holder, "held_until": held_until, "expires_at": expires_at,
                  "answer": None}
        for _ in range(CLAIM_ATTEMPTS):
            try:
                await self.keys.insert_one({"_id": key} | record)
                return None
            except DuplicateKeyError:
                pass
            spent = {"$or": [{"expires_at": {"$lte": now}}, {"answer": None, "held_until": {"$lte": now}}]}
            if await self.keys.find_one_and_update({"_id": key} | spent, {"$set": record}) is not None:
                return None
            doc = await self.keys.find_one({"_id": key})
            if doc is not None:
                answer = FirstAnswer.model_validate(doc["answer"]) if doc["answer"] is not None else None
                return KeptKey(doc["fingerprint"], answer, doc["held_until"])
        raise RuntimeError(f"idempotency key claim did not settle after {CLAIM_ATTEMPTS} attempts")

    async def answer(self, key: str, holder: str, answer: FirstAnswer) -> None:
        await self.keys.update_one({"_id": key, "holder": holder}, {"$set": {"answer": answer.model_dump(), "holder": None}})

    async def release(self, key: str, holder: str) -> None:
        await self.keys.delete_one({"_id": key, "holder": holder})
