"""From the queue's query parameters to the storage query."""

from datetime import UTC, datetime

import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request

from adapters.web.endpoint import Call
from adapters.web.keys import CURSORS
from adapters.web.problems import ProblemError
from adapters.web.queue import queue_query
from adapters.web.views import Cursors
from disputes.ports import DisputeQuery
from schemas.api import ListQuery
from schemas.dispute import Status
from tests.factories import INVESTIGATOR

AFTER = (datetime(2026, 3, 2, 9, 30, tzinfo=UTC), "dsp_after")


def call(query: ListQuery) -> Call:
    app = web.Application()
    app[CURSORS] = Cursors.from_secret("queue-query-test")
    return Call(make_mocked_request("GET", "/v1/disputes", app=app), INVESTIGATOR, query=query)


def test_the_plain_queue_asks_for_a_page_and_nothing_else() -> None:
    plain = ListQuery.model_validate({"limit": "20"})
    cursor = Cursors.from_secret("queue-query-test").encode(AFTER)

    assert queue_query(call(plain), plain, None, 20) == DisputeQuery(limit=20)
    assert queue_query(call(plain), plain, cursor, 20) == DisputeQuery(after=AFTER, limit=20)
    with pytest.raises(ProblemError) as refused:
        queue_query(call(plain), plain, cursor[:-2] + "xx", 20)
    assert (refused.value.status, refused.value.extra.get("parameters")) == (422, ["cursor"])


def test_a_filter_given_is_carried_over_and_checked() -> None:
    mine = ListQuery.model_validate({"mine": "true", "status": ["opened", "appealed"], "priority": ["2", "1", "2"]})

    assert queue_query(call(mine), mine) == DisputeQuery(
        statuses=(Status.OPENED, Status.APPEALED), assignee=INVESTIGATOR.id, priorities=(1, 2)
    )
