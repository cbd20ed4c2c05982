"""A claim that meets a dispute document this release cannot read (written by a newer release, edited by hand)
hands out the others it took and leaves that one leased, a pause as for work that failed, logged by its id and the
fields it could not read, never their values; a page of the queue or of a customer's history leaves it out, logged
alike, and goes on past it. Only MongoDB can hold such a document."""

from datetime import timedelta

import pytest
from structlog.testing import capture_logs

from adapters.mongo.indexes import DISPUTES
from disputes.ports import DisputeQuery
from disputes.work import WorkKind
from tests.contract.conftest import Cases
from tests.factories import NOW

LEASE = timedelta(seconds=10)
KIND = WorkKind.PULL_EVIDENCE


async def with_one_unreadable(cases: Cases, count: int) -> tuple[str, list[str]]:
    """`count` disputes due (the order of the others is left to storage), the earliest of them unreadable (its status unknown to this release, its customer's
    email no email); its id and the others'."""
    opened = [await cases.open() for _ in range(count)]
    unreadable = opened[0].id
    await cases.storage.schedule.db[DISPUTES].update_one({"_id": unreadable}, {"$set": {
        "status": "status-of-a-newer-release", "customer.email": "private@example.com",
        f"due.{KIND}": NOW - timedelta(hours=1),
    }})
    return unreadable, [d.id for d in opened[1:]]


async def holder(cases: Cases, dispute_id: str) -> str | None:
    doc = await cases.storage.schedule.db[DISPUTES].find_one({"_id": dispute_id})
    lease = (doc.get("lease") or {}).get(KIND.value)
    return lease["holder"] if lease and lease["until"] > NOW else None


@pytest.mark.parametrize("storage", ["mongo"], indirect=True)  # the in-memory store holds only disputes it can read
@pytest.mark.parametrize("limit", [4, 1], ids=["batch", "one"])
async def test_a_claim_hands_out_the_disputes_it_can_read_and_leaves_the_unreadable_one_leased(cases: Cases, limit):
    unreadable, readable = await with_one_unreadable(cases, 4)
    with capture_logs() as captured:
        claimed = await cases.storage.schedule.claim_due(KIND, NOW, LEASE, limit, "worker-a")
    assert len(claimed) == min(limit, len(readable)) and {c.subject for c in claimed} <= set(readable)
    assert all(c.dispute is not None and c.dispute.id == c.subject for c in claimed)
    assert await holder(cases, unreadable) == "worker-a"  # paused for a lease, not met again by every claim
    [logged] = [e for e in captured if e["event"] == "claimed_dispute_unreadable"]
    assert logged["dispute_id"] == unreadable and logged["kind"] == KIND.value and "status" in logged["fields"]
    assert "private@example.com" not in repr(captured) and "status-of-a-newer-release" not in repr(captured)


@pytest.mark.parametrize("storage", ["mongo"], indirect=True)
async def test_the_next_claim_finds_the_rest_while_the_unreadable_dispute_is_paused(cases: Cases):
    unreadable, readable = await with_one_unreadable(cases, 3)
    first = await cases.storage.schedule.claim_due(KIND, NOW, LEASE, 1, "worker-a")
    others = await cases.storage.schedule.claim_due(KIND, NOW, LEASE, 4, "worker-b")
    assert sorted(c.subject for c in first + others) == sorted(readable)
    assert await holder(cases, unreadable) == "worker-a"


@pytest.mark.parametrize("storage", ["mongo"], indirect=True)
async def test_a_page_of_the_queue_or_a_customer_s_history_leaves_it_out_and_goes_on_past_it(cases: Cases) -> None:
    unreadable, readable = await with_one_unreadable(cases, 4)
    disputes = cases.storage.disputes

    with capture_logs() as logs:
        seen, after = [], None
        while True:  # pages of two: the unreadable case on the first, read past by the cursor
            page = await disputes.query(DisputeQuery(limit=2, after=after))
            seen += [d.id for d in page.items]
            if (after := page.next_after) is None:
                break
        history = await disputes.customer_disputes("cust-1", None, 10)

    assert sorted(seen) == sorted(readable) and sorted(d.id for d in history.items) == sorted(readable)
    refused = [line for line in logs if line["event"] == "listed_dispute_unreadable"]
    assert {line["dispute_id"] for line in refused} == {unreadable} and "private@" not in str(refused)
