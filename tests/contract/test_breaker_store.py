"""The carriers' shared circuit breakers: the same contract on the in-memory store and on MongoDB, so the
breaker every process shares behaves as the one unit tests exercise."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from adapters.mongo.breakers import MongoBreakerStore
from adapters.mongo.client import connect
from carriers.breaker import CLOSED, BreakerState, InMemoryBreakerStore

NOW = datetime(2024, 4, 23, 14, 0, tzinfo=UTC)
LATER = NOW + timedelta(seconds=30)


@pytest.fixture(params=["memory", "mongo"])
async def store(request):
    if request.param == "memory":
        yield InMemoryBreakerStore()
        return
    audit = request.getfixturevalue("query_audit")  # every query served by a declared index
    client = connect(request.getfixturevalue("mongo_uri"), event_listeners=[audit])
    db = client[f"test_{uuid.uuid4().hex[:12]}"]
    yield MongoBreakerStore(db)
    audit.commands.clear()
    await client.drop_database(db.name)
    await client.close()


async def test_a_carrier_never_called_is_closed(store):
    assert await store.read("dhl") == CLOSED
    assert await store.read_all(["dhl", "ups"]) == {"dhl": CLOSED, "ups": CLOSED}


async def test_failures_count_up_and_open_the_breaker_at_the_threshold(store):
    first = await store.failed("dhl", NOW, 2, LATER)
    assert (first.failures, first.open_until, first.last_failure_at) == (1, None, NOW)
    second = await store.failed("dhl", NOW, 2, LATER)
    assert (second.failures, second.open_until) == (2, LATER)
    assert await store.read("dhl") == second and second.state(NOW) is BreakerState.OPEN
    assert (await store.read_all(["dhl", "ups"]))["ups"] == CLOSED


async def test_a_failure_while_open_reopens_for_a_full_cool_down(store):
    await store.failed("dhl", NOW, 1, LATER)
    again = await store.failed("dhl", LATER, 5, LATER + timedelta(seconds=30))
    assert again.open_until == LATER + timedelta(seconds=30) and again.failures == 2


async def test_only_one_probe_is_taken_and_only_once_the_cool_down_is_over(store):
    await store.failed("dhl", NOW, 1, LATER)
    assert await store.take_probe("dhl", NOW, NOW + timedelta(seconds=60)) is None  # still cooling down
    taken = await store.take_probe("dhl", LATER, LATER + timedelta(seconds=60))
    assert taken is not None and taken.probe_until == LATER + timedelta(seconds=60)
    assert await store.take_probe("dhl", LATER, LATER + timedelta(seconds=60)) is None


async def test_a_probe_whose_lease_ran_out_or_was_released_can_be_taken_again(store):
    await store.failed("dhl", NOW, 1, LATER)
    await store.take_probe("dhl", LATER, LATER + timedelta(seconds=60))
    expired = LATER + timedelta(seconds=60)
    assert await store.take_probe("dhl", expired, expired + timedelta(seconds=60)) is not None
    await store.release_probe("dhl")
    assert await store.take_probe("dhl", expired, expired + timedelta(seconds=60)) is not None


async def test_a_closed_breaker_has_no_probe_to_take(store):
    assert await store.take_probe("dhl", NOW, LATER) is None
    await store.failed("dhl", NOW, 5, LATER)
    assert await store.take_probe("dhl", NOW, LATER) is None


async def test_a_breaker_closed_again_by_a_success_has_no_probe_to_take(store):
    """Closed again, the breaker stores no end of cool-down (null). MongoDB's `$lte` on a date never matches a null
    (manual, "Type Bracketing in Query Predicates": an inequality on a given BSON type matches only values of that
    type), where mongoeco's does: the query names the type, so both engines agree."""
    await store.failed("dhl", NOW, 1, LATER)
    await store.succeeded("dhl")
    assert await store.take_probe("dhl", LATER, LATER + timedelta(seconds=60)) is None
    assert (await store.read("dhl")).probe_until is None


async def test_a_failed_probe_frees_the_probe_and_reopens(store):
    await store.failed("dhl", NOW, 1, LATER)
    await store.take_probe("dhl", LATER, LATER + timedelta(seconds=60))
    failed = await store.failed("dhl", LATER, 1, LATER + timedelta(seconds=30))
    assert failed.probe_until is None and failed.state(LATER) is BreakerState.OPEN


async def test_a_success_closes_it_and_keeps_when_it_last_failed(store):
    await store.failed("dhl", NOW, 1, LATER)
    await store.take_probe("dhl", LATER, LATER + timedelta(seconds=60))
    closed = await store.succeeded("dhl")
    assert (closed.failures, closed.open_until, closed.probe_until, closed.last_failure_at) == (0, None, None, NOW)
    assert closed.clean and await store.read("dhl") == closed
    assert (await store.failed("dhl", LATER, 2, LATER)).open_until is None  # counting starts again
