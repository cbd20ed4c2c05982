"""README (CSV export): one row per matching dispute, each exactly once, in queue order; rows read a page at a time.
A case whose deadline moves while the file is written (here an agent records an accessibility need, which brings the
last case of the queue to its start, before the position a read in queue order would have reached) is still written,
once, in its place in the queue as it stood when the export started."""

import csv
import io

import pytest

from adapters.web.keys import SERVICE
from tests.e2e.conftest import AGENT, CUSTOMER, INVESTIGATOR


@pytest.fixture
def app_changes() -> dict:
    return {"max_page_size": 1}  # a page per dispute: any three cases span pages, as any 101 do by default


async def test_an_export_lists_each_matching_dispute_once_while_a_deadline_moves(api, monkeypatch):
    opened = []
    for order_id in ("ord-1", "ord-2", "ord-6"):
        body = {"order_id": order_id, "statement": "Gelmedi.", "preferred_resolution": "refund"}
        answer = await api.post("/v1/disputes", json=body, headers=CUSTOMER)
        assert answer.status == 201
        opened.append((await answer.json())["id"])
    queue, cursor = [], None
    while True:  # the queue, page by page
        page = await (await api.get("/v1/disputes" + (f"?cursor={cursor}" if cursor else ""), headers=INVESTIGATOR)).json()
        queue += [row["id"] for row in page["items"]]
        if not (cursor := page["next_cursor"]):
            break
    assert sorted(queue) == sorted(opened)

    service = api.app[SERVICE]
    listing = type(service).list
    pages = []

    async def list_then_change(self, actor, query):  # between the export's first and second read
        page = await listing(self, actor, query)
        pages.append(query)
        if len(pages) == 1:
            changed = await api.post(f"/v1/disputes/{queue[-1]}/accessibility-need", headers=AGENT)
            assert changed.status == 200, await changed.text()
        return page

    monkeypatch.setattr(type(service), "list", list_then_change)
    export = await api.get("/v1/disputes.csv", headers=INVESTIGATOR)
    rows = list(csv.reader(io.StringIO(await export.text())))[1:]
    assert [row[0] for row in rows] == queue  # each once, in queue order
    assert len(pages) > 2  # rows read a page of one at a time: the change came between two reads
