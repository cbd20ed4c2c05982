"""The investigator queue: the disputes a filter selects, ordered by decision due date then id, in pages that
a cursor continues without losing or repeating one."""

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

import pytest

from disputes.actors import Actor
from disputes.model import Dispute
from disputes.ports import DisputeQuery
from schemas.common import Outcome, Role
from schemas.dispute import ReasonCode, Status
from schemas.recommendation import PolicyRule, Recommendation, RecommendedAction
from tests.contract.conftest import Cases
from tests.factories import INVESTIGATOR, NOW

TEN_PAST = NOW + timedelta(minutes=10)


def _advice_to_reject(dispute: Dispute) -> None:
    dispute.recommendation = Recommendation(
        action=RecommendedAction.REJECT, rule=PolicyRule.STRONG_PROOF, confidence=0.9, findings=[],
        auto_resolve=False, carrier_liable=False, needs_supervisor=False, priority=0, abuse_flags=[], computed_at=NOW,
    )


def _refund_against_the_advice(dispute: Dispute) -> None:
    _advice_to_reject(dispute)
    dispute.decide(INVESTIGATOR, Outcome.REFUND, ReasonCode.GOODWILL, "n", None, TEN_PAST, "Müşteri 10 yıllık.")


def _refund_as_advised(dispute: Dispute) -> None:
    dispute.decide(INVESTIGATOR, Outcome.REFUND, ReasonCode.CARRIER_NO_PROOF, "n", None, TEN_PAST)


def _withdraw(dispute: Dispute) -> None:
    dispute.withdraw(Actor(dispute.customer_id, Role.CUSTOMER, dispute.customer_id), None, TEN_PAST)


@dataclass(frozen=True)
class Case:
    """One dispute of the queue: opened `day` days after NOW by `customer` on `carrier`, then changed."""

    label: str
    day: int
    carrier: str
    customer: str
    change: Callable[[Dispute], None] | None = None


# Wednesday to Sunday: the weekend's cases share Friday's due date, and `a`/`f` share one opening day.
CASES = (
    Case("a", 0, "yurtici", "cust-1"),
    Case("f", 0, "aras", "cust-1"),
    Case("b", 1, "aras", "cust-2", lambda d: d.assign(INVESTIGATOR, INVESTIGATOR.id, TEN_PAST)),
    Case("c", 2, "yurtici", "cust-1", _refund_against_the_advice),
    Case("d", 3, "aras", "cust-1", _refund_as_advised),
    Case("e", 4, "yurtici", "cust-2", _withdraw),
    Case("g", 4, "yurtici", "cust-1"),
)


@pytest.fixture
async def queue(cases: Cases) -> dict[str, Dispute]:
    """The queue's disputes by label, as stored."""
    stored = {}
    for case in CASES:
        cases.clock.current = NOW + timedelta(days=case.day)
        dispute = await cases.open(customer=case.customer, carrier=case.carrier)
        stored[case.label] = await cases.change(dispute.id, case.change) if case.change else dispute
    assert len({d.sla.decision_due for d in stored.values()}) < len(stored)  # some share a due date: ties go by id
    return stored


async def _pages(cases: Cases, query: DisputeQuery) -> list[list[str]]:
    """The ids of every page, following the cursor until the store says there is no more."""
    pages: list[list[str]] = []
    after = None
    while len(pages) <= len(CASES):  # a cursor that does not move on fails the comparison below
        page = await cases.storage.disputes.query(replace(query, after=after))
        pages.append([d.id for d in page.items])
        if (after := page.next_after) is None:
            break
    return pages


def _in_pages(disputes: list[Dispute], limit: int) -> list[list[str]]:
    ids = [d.id for d in sorted(disputes, key=lambda d: (d.sla.decision_due, d.id))]
    return [ids[i : i + limit] for i in range(0, len(ids), limit)] or [[]]


def _labelled(pages: list[list[str]], queue: dict[str, Dispute]) -> list[str]:
    label = {d.id: name for name, d in queue.items()}
    return ["".join(label.get(i, "?") for i in page) for page in pages]


FILTERS: dict[str, tuple[dict[str, Any], str]] = {
    "no filter": ({}, "abcdefg"),
    "one status": ({"statuses": (Status.OPENED,)}, "afg"),
    "several statuses": ({"statuses": (Status.RESOLVED, Status.WITHDRAWN)}, "cde"),
    "carrier": ({"carrier": "aras"}, "bdf"),
    "a carrier with no disputes": ({"carrier": "ptt"}, ""),
    "assignee": ({"assignee": INVESTIGATOR.id}, "b"),
    "customer": ({"customer_id": "cust-2"}, "be"),
    "decided against the advice": ({"overridden": True}, "c"),
    "decided as advised": ({"overridden": False}, "d"),
    "opened in a period": ({"opened_from": NOW + timedelta(days=1), "opened_to": NOW + timedelta(days=3)}, "bc"),
    "opened from": ({"opened_from": NOW + timedelta(days=3)}, "deg"),
    "carrier and status": ({"carrier": "yurtici", "statuses": (Status.OPENED,)}, "ag"),
}


async def test_the_queue_pages_through_what_each_filter_selects_in_due_date_order(
    cases: Cases, queue: dict[str, Dispute]
) -> None:
    """One queue, every filter, pages of 2 and of 3 (the aras cases fill one page of 3 exactly)."""
    cutoff = queue["c"].sla.decision_due
    due_before = ({"due_before": cutoff}, "".join(k for k, d in queue.items() if d.sla.decision_due < cutoff))
    wrong = {}
    for name, (filters, expected) in {**FILTERS, "due before": due_before}.items():
        for limit in (2, 3):
            got = await _pages(cases, DisputeQuery(**filters, limit=limit))
            want = _in_pages([queue[label] for label in expected], limit)
            if got != want:
                wrong[f"{name}, pages of {limit}"] = {"got": _labelled(got, queue), "want": _labelled(want, queue)}

    assert due_before[1] and wrong == {}
