"""A case's anonymisation is written whole or not at all: a supervisor reopening the case while its anonymising pass
writes it either comes first (the case stays reopened with every personal value, who viewed its images, its parked
effects and its first answer's key as they were) or comes after (the case is anonymised throughout, and the
reopening is refused)."""

from contextlib import suppress
from datetime import timedelta
from typing import Any

import pytest

from disputes.errors import CaseAnonymised, StaleVersion
from disputes.lanes import Lanes
from disputes.work import WorkKind
from tests.contract.conftest import Cases, Storage
from tests.contract.test_personal_data_retention import (
    CLOSED,
    PERSONAL,
    a_closed_case_full_of_personal_data,
    personal_left,
    stored_document,
)
from tests.contract.test_retention import Retention
from tests.factories import SUPERVISOR

WRITTEN_APART = ("attachment_views", "effects_parked", "idempotency")
"""What only storage writes on a case (a save leaves it as stored)."""


class ThenReopened:
    """The disputes collection, a supervisor's reopening (`reopen`) landing right after the first write made through
    it (or through another `ThenReopened` sharing its `first`)."""

    def __init__(self, collection: Any, reopen: Any, first: list[bool]) -> None:
        self._collection, self._reopen, self._first = collection, reopen, first

    def __getattr__(self, name: str) -> Any:
        return getattr(self._collection, name)

    async def update_one(self, *args: Any, **kwargs: Any) -> Any:
        result = await self._collection.update_one(*args, **kwargs)
        if self._first:
            self._first.clear()
            await self._reopen()
        return result


@pytest.mark.parametrize("storage", ["mongo"], indirect=True)  # the in-memory store writes a case with no await inside
async def test_a_case_reopened_as_its_anonymisation_is_written_is_anonymised_whole_or_not_at_all(
    storage: Storage, cases: Cases
) -> None:
    retention = Retention(storage)
    dispute_id = await a_closed_case_full_of_personal_data(storage, cases)
    await retention.run(CLOSED + timedelta(days=366))  # the images go first
    at = CLOSED + timedelta(days=730)
    before = await stored_document(storage, dispute_id)
    refused = []

    async def reopen() -> None:
        try:
            await cases.change(dispute_id, lambda d: d.reopen(SUPERVISOR, "Müşteri yeniden yazdı.", at))
        except CaseAnonymised:
            refused.append(True)

    retention.clock.current = at
    [claimed] = await storage.schedule.claim_due(WorkKind.RETENTION, at, timedelta(seconds=10), 1, "worker-1")
    job, first = retention.case_job, [True]
    job.copies.disputes = ThenReopened(job.copies.disputes, reopen, first)
    job.repository.collection = ThenReopened(job.repository.collection, reopen, first)
    with suppress(StaleVersion):
        await job.handle(claimed, Lanes(1).enter())
    assert not first  # the pass wrote, and the reopening came right after its first write

    after = await stored_document(storage, dispute_id)
    if after.get("anonymised_at") is None:  # the reopening came first: none of the anonymisation was written
        assert not refused and after["status"] == "under_review"
        assert personal_left(after) == PERSONAL
        assert {f: after.get(f) for f in WRITTEN_APART} == {f: before.get(f) for f in WRITTEN_APART}
    else:  # the anonymisation came first, whole: the reopening was refused
        assert refused and after["status"] == before["status"]
        assert personal_left(after) == [] and after.get("idempotency") is None
