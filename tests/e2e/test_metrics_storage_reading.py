"""A scrape's storage reading waits for the database under its own bound (`adapters.metrics.READING_SECONDS`), not
the 3 s an API request's storage calls get: the reading's cost follows the open cases, and at the embedded
default's size it takes longer than a request may (README, Metrics, alerts and logs). Storage here is a slow
reader that honours the bound of the context it runs in, as the driver's operation timeout does."""

import asyncio
from datetime import datetime, timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families

from adapters.mongo.errors import DATABASE_SECONDS
from adapters.mongo.workload import MongoWorkload
from disputes.ports import StorageUnavailable, Workload
from disputes.states import ACTIVE

REQUEST_DATABASE_SECONDS = 0.2
READING_TAKES = 0.6  # longer than a request's bound, far shorter than a reading's


@pytest.fixture
def app_changes() -> dict:
    return {"mongodb_request_timeout_seconds": REQUEST_DATABASE_SECONDS, "run_workers": False}


class SlowReading:
    """Storage answering after `READING_TAKES`, cut when the context's bound (`DATABASE_SECONDS`) is shorter."""

    def __init__(self) -> None:
        self.bounds: list[float | None] = []

    async def workload(self, reader: MongoWorkload, now: datetime, due_within: timedelta) -> Workload:
        bound = DATABASE_SECONDS.get()
        self.bounds.append(bound)
        try:
            async with asyncio.timeout(bound):
                await asyncio.sleep(READING_TAKES)
        except TimeoutError as error:
            raise StorageUnavailable("the database did not answer in time (NetworkTimeout)") from error
        return Workload(dict.fromkeys(sorted(ACTIVE), 0) | {next(iter(sorted(ACTIVE))): 7}, 0, 0, 0, None, 0, None)


async def test_a_scrape_reads_the_storage_figures_under_their_own_bound_not_a_requests(api, monkeypatch):
    slow = SlowReading()
    monkeypatch.setattr(MongoWorkload, "workload", lambda self, now, due_within: slow.workload(self, now, due_within))

    response = await api.get("/metrics")

    assert response.status == 200
    families = {family.name: family for family in text_string_to_metric_families(await response.text())}
    assert "disputes_cases_open" in families, f"no storage figures: the reading ran under {slow.bounds}"
    assert sum(sample.value for sample in families["disputes_cases_open"].samples) == 7
    assert slow.bounds and all(bound is not None and bound > READING_TAKES for bound in slow.bounds)
