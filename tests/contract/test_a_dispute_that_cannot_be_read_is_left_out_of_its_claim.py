"""A claim that meets a dispute document this release cannot read (written by a newer release, edited by hand)
hands out the others it took and leaves that one leased, a pause as for work that failed, logged by its id and the
fields it could not read, never their values. Only MongoDB can hold such a document."""

from datetime import timedelta

import pytest
from structlog.testing import capture_logs

from adapters.mongo.indexes import DISPUTES
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
