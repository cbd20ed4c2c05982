"""From the queue's query parameters to the storage query."""

from datetime import UTC, datetime

import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request

from adapters.web.endpoint import Call
from adapters.web.keys import CURSORS
from adapters.web.problems import ProblemError
from adapters.web.queue import bound_cursors, queue_query
from adapters.web.views import BOUND_KEPT, Cursors
from disputes.ports import DisputeQuery
from disputes.service import STAFF_ONLY_FILTERS
from schemas.api import ListQuery, QueueFilters
from schemas.dispute import Status
from tests.factories import INVESTIGATOR, OTHER_INVESTIGATOR

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


def test_a_cursor_is_read_only_with_the_filters_and_by_the_caller_it_was_made_for() -> None:
    made_for = ListQuery.model_validate({"status": ["opened", "appealed"], "opened_from": "2026-03-01T03:00:00+03:00"})
    cursor = bound_cursors(call(made_for), made_for).encode(AFTER)
    same = ListQuery.model_validate({"status": ["appealed", "opened", "appealed"], "opened_from": "2026-03-01T00:00:00Z"})

    assert queue_query(call(same), same, cursor, 7, bound_cursors(call(same), same)).after == AFTER
    chosen = {"status": ["opened", "appealed"], "opened_from": "2026-03-01T00:00:00Z"}
    for other in ({"status": ["opened"]}, {"status": ["opened", "appealed"]}, {**chosen, "carrier": "ups"}, {}):
        query = ListQuery.model_validate(other)
        with pytest.raises(ProblemError) as refused:
            queue_query(call(query), query, cursor, 7, bound_cursors(call(query), query))
        assert (refused.value.status, refused.value.extra.get("parameters")) == (422, ["cursor"])
    someone_else = Call(call(same).request, OTHER_INVESTIGATOR, query=same)
    with pytest.raises(ProblemError):
        queue_query(someone_else, same, cursor, 7, bound_cursors(someone_else, same))


def test_a_list_s_key_is_drawn_once_and_the_keys_kept_are_bounded() -> None:
    cursors = Cursors.from_secret("queue-query-test")
    first = cursors.bound("inv-1", "")

    assert cursors.bound("inv-1", "") is first  # kept: the plain queue, paged again and again
    assert len({first.key, cursors.bound("inv-2", "").key, cursors.bound("inv-1", '{"carrier":"ups"}').key}) == 3
    for n in range(BOUND_KEPT):
        cursors.bound(f"inv-{n}", "{}")
    again = cursors.bound("inv-1", "")
    assert again is not first and again.key == first.key  # forgotten when full, drawn again the same


@pytest.mark.parametrize("start", ["opened", "decided"])
def test_a_period_that_ends_before_it_starts_is_refused_naming_both_ends(start: str) -> None:
    backwards = ListQuery.model_validate({f"{start}_from": "2026-03-02T00:00:00Z", f"{start}_to": "2026-03-01T00:00:00Z"})
    with pytest.raises(ProblemError) as refused:
        queue_query(call(backwards), backwards)
    assert (refused.value.status, refused.value.extra.get("parameters")) == (422, [f"{start}_from", f"{start}_to"])
    one_day = ListQuery.model_validate({f"{start}_from": "2026-03-01T00:00:00Z", f"{start}_to": "2026-03-02T00:00:00Z"})
    assert queue_query(call(one_day), one_day).limit == 50


def test_the_document_says_which_filters_are_staff_only_as_the_service_refuses_them() -> None:
    staff_only = set(STAFF_ONLY_FILTERS.values())
    said = {name for name, field in QueueFilters.model_fields.items() if "Staff only" in (field.description or "")}
    assert said == staff_only
