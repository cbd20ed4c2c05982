"""Every storage call a request or a worker makes waits for the database its bound at most
(`adapters.mongo.errors.DATABASE_SECONDS`) and says so as storage being unavailable (a 503 at the API, a pass
tried again by a worker), never as a driver error (a 500): the test clocks a request reads, and the retention
workers' own calls, included."""

from collections.abc import Iterator
from datetime import timedelta

import pytest

from adapters.memory import FixedClock
from adapters.mongo.errors import DATABASE_SECONDS
from adapters.mongo.retention import PushRetention, StoredCopyCheck
from adapters.mongo.test_clocks import MongoTestClocks
from disputes.lanes import Lanes
from disputes.ports import Claimed, Lease, StorageUnavailable
from disputes.work import WorkKind
from tests.factories import NOW


@pytest.fixture
def no_time_to_wait() -> Iterator[None]:
    """A bound no database call can keep."""
    token = DATABASE_SECONDS.set(1e-6)
    yield
    DATABASE_SECONDS.reset(token)


async def test_a_test_clock_read_past_its_database_time_is_storage_unavailable(mongo_db, no_time_to_wait):
    with pytest.raises(StorageUnavailable):
        await MongoTestClocks(mongo_db).get("clk_1")


@pytest.mark.parametrize("job", [
    lambda db: StoredCopyCheck(db, FixedClock(NOW), WorkKind.RAW_CHECK),
    lambda db: PushRetention(db, timedelta(days=30), FixedClock(NOW)),
])
async def test_a_retention_worker_s_call_past_its_database_time_is_storage_unavailable(mongo_db, no_time_to_wait, job):
    work = job(mongo_db)
    with pytest.raises(StorageUnavailable):
        await work.handle(Claimed("raw_1", Lease(work.kind, "worker-1")), Lanes(1).enter())
