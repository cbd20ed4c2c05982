"""Idempotency-Keys of the requests other than opening a dispute: one document per caller-scoped key in
`idempotency_keys`, found by its `key` through a unique index (not by `_id`: mongoeco replaces a document inserted
with an `_id` already taken instead of refusing it, and the claim depends on the refusal). Claiming is one insert
(or, over an expired key or a dead holder's, one find-and-modify on `key`). Expiry is `expires_at`, on the service's
clock; MongoDB's TTL monitor deletes spent keys by `purge_at`, the same lifetime on the database's own clock (the
one the monitor reads), and runs only once a minute, so reads never rely on it."""

from datetime import UTC, datetime
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
                  "purge_at": datetime.now(UTC) + (expires_at - now), "answer": None}
        for _ in range(CLAIM_ATTEMPTS):
            try:
                await self.keys.insert_one({"key": key} | record)
                return None
            except DuplicateKeyError:
                pass
            spent = {"$or": [{"expires_at": {"$lte": now}}, {"answer": None, "held_until": {"$lte": now}}]}
            if await self.keys.find_one_and_update({"key": key} | spent, {"$set": record}) is not None:
                return None
            doc = await self.keys.find_one({"key": key})
            if doc is not None:
                answer = FirstAnswer.model_validate(doc["answer"]) if doc["answer"] is not None else None
                return KeptKey(doc["fingerprint"], answer, doc["held_until"])
        raise RuntimeError(f"idempotency key claim did not settle after {CLAIM_ATTEMPTS} attempts")

    async def answer(self, key: str, holder: str, answer: FirstAnswer) -> None:
        await self.keys.update_one({"key": key, "holder": holder}, {"$set": {"answer": answer.model_dump(), "holder": None}})

    async def release(self, key: str, holder: str) -> None:
        await self.keys.delete_one({"key": key, "holder": holder})
