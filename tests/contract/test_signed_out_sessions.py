"""Console sessions ended by signing out: the same contract on the in-memory store and on MongoDB. A session ended
stays ended (for every instance reading the store), ending it again changes nothing, and others are untouched."""

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from adapters.memory import InMemorySignedOutSessions
from adapters.mongo.indexes import INDEXES, SIGNED_OUT_SESSIONS
from adapters.mongo.sessions import MongoSignedOutSessions

NOW = datetime(2026, 12, 6, 14, 0, tzinfo=UTC)
UNTIL = NOW + timedelta(hours=8)
ONE, OTHER = "a" * 64, "b" * 64  # digests, as the console names sessions


@pytest.fixture(params=["memory", "mongo"])
def sessions(request):
    if request.param == "memory":
        return InMemorySignedOutSessions()
    return MongoSignedOutSessions(request.getfixturevalue("mongo_db"))


async def test_a_session_never_ended_is_not_ended(sessions):
    assert not await sessions.ended(ONE)


async def test_an_ended_session_stays_ended_and_others_do_not(sessions):
    await sessions.end(ONE, UNTIL, NOW)
    assert await sessions.ended(ONE)
    assert not await sessions.ended(OTHER)


async def test_ending_a_session_again_or_at_once_from_many_places_keeps_it_ended(sessions):
    await asyncio.gather(*(sessions.end(ONE, UNTIL, NOW) for _ in range(5)))
    await sessions.end(ONE, NOW + timedelta(hours=1), NOW + timedelta(minutes=5))
    assert await sessions.ended(ONE)


async def test_the_memory_store_forgets_a_session_once_its_time_is_over():
    sessions = InMemorySignedOutSessions()
    await sessions.end(ONE, UNTIL, NOW)
    await sessions.end(OTHER, UNTIL + timedelta(hours=1), UNTIL)
    assert not await sessions.ended(ONE) and await sessions.ended(OTHER)


async def test_mongodb_keeps_an_ended_session_its_remaining_time_and_deletes_it_by_a_ttl_index(mongo_db):
    await MongoSignedOutSessions(mongo_db).end(ONE, UNTIL, NOW)
    stored = await mongo_db[SIGNED_OUT_SESSIONS].find_one({"_id": ONE})
    remaining = stored["purge_at"].replace(tzinfo=UTC) - datetime.now(UTC)
    assert timedelta(hours=7, minutes=59) < remaining <= timedelta(hours=8)
    declared = {i.keys: i.options for i in INDEXES if i.collection == SIGNED_OUT_SESSIONS}
    assert declared == {(("purge_at", 1),): {"expireAfterSeconds": 0}}
