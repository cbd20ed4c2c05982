"""The Idempotency-Keys of every POST but opening a dispute: the same contract on the in-memory store and on MongoDB.
A key is claimed by one request at a time, keeps the first answer, and is free again once it expires, once it is
released, or once its holder's hold ran out with no answer."""

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from adapters.memory import InMemoryIdempotencyKeys
from adapters.mongo.idempotency import MongoIdempotencyKeys
from adapters.mongo.indexes import IDEMPOTENCY_KEYS, INDEXES
from disputes.model import FirstAnswer
from disputes.ports import KeptKey

NOW = datetime(2024, 4, 23, 14, 0, tzinfo=UTC)
HOLD = timedelta(seconds=60)
TTL = timedelta(hours=24)
ANSWER = FirstAnswer(status=201, headers=(("Content-Type", "application/json"), ("ETag", '"3"')), body='{"id": "dsp_1"}')


@pytest.fixture(params=["memory", "mongo"])
def keys(request):
    if request.param == "memory":
        return InMemoryIdempotencyKeys()
    return MongoIdempotencyKeys(request.getfixturevalue("mongo_db"))


async def claim(keys, holder: str, fingerprint: str = "fp-a", now: datetime = NOW) -> KeptKey | None:
    return await keys.claim("investigator/inv-1:key-1", fingerprint, holder, now, now + HOLD, now + TTL)


async def test_a_free_key_is_claimed_and_then_held(keys):
    assert await claim(keys, "first") is None
    assert await claim(keys, "second", "fp-b") == KeptKey("fp-a", None, NOW + HOLD)


async def test_the_first_answer_is_kept_for_every_later_claim(keys):
    await claim(keys, "first")
    await keys.answer("investigator/inv-1:key-1", "first", ANSWER)
    later = NOW + timedelta(hours=2)
    assert await claim(keys, "second", now=later) == KeptKey("fp-a", ANSWER, NOW + HOLD)
    assert await claim(keys, "third", now=later + HOLD) == KeptKey("fp-a", ANSWER, NOW + HOLD)  # answered: no hold


async def test_keys_are_apart_by_their_scope(keys):
    await claim(keys, "first")
    assert await keys.claim("investigator/inv-2:key-1", "fp-a", "other", NOW, NOW + HOLD, NOW + TTL) is None


async def test_a_released_key_runs_again(keys):
    await claim(keys, "first")
    await keys.release("investigator/inv-1:key-1", "first")
    assert await claim(keys, "second", "fp-b") is None
    assert await claim(keys, "third") == KeptKey("fp-b", None, NOW + HOLD)


async def test_an_expired_key_is_free_again(keys):
    await claim(keys, "first")
    await keys.answer("investigator/inv-1:key-1", "first", ANSWER)
    assert await claim(keys, "second", "fp-b", now=NOW + TTL - timedelta(milliseconds=1)) is not None
    assert await claim(keys, "second", "fp-b", now=NOW + TTL) is None


async def test_a_dead_holders_key_is_taken_over_and_its_late_answer_ignored(keys):
    await claim(keys, "dead")
    assert await claim(keys, "retry", now=NOW + HOLD - timedelta(milliseconds=1)) is not None
    assert await claim(keys, "retry", now=NOW + HOLD) is None
    await keys.answer("investigator/inv-1:key-1", "dead", ANSWER)  # the first holder was only slow: too late
    await keys.release("investigator/inv-1:key-1", "dead")
    held = await claim(keys, "third", now=NOW + HOLD)
    assert held is not None and held.answer is None and held.held_until == NOW + 2 * HOLD
    await keys.answer("investigator/inv-1:key-1", "retry", ANSWER)
    assert (await claim(keys, "fourth", now=NOW + HOLD)).answer == ANSWER


async def test_of_twenty_concurrent_claims_exactly_one_wins(keys):
    claims = await asyncio.gather(*(claim(keys, f"holder-{n}") for n in range(20)))
    assert sum(c is None for c in claims) == 1
    assert all(c == KeptKey("fp-a", None, NOW + HOLD) for c in claims if c is not None)


def test_mongodb_deletes_expired_keys_by_a_ttl_index():
    declared = {i.keys: i.options for i in INDEXES if i.collection == IDEMPOTENCY_KEYS}
    assert declared == {(("key", 1),): {"unique": True}, (("purge_at", 1),): {"expireAfterSeconds": 0}}
