"""The investigator queue: the disputes a filter selects, ordered by decision due date, then (among the cases due at
one time) priority, highest first, opening, earliest first, and id, in pages that a cursor continues without losing or
repeating one."""

from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from disputes.actors import Actor
from disputes.model import Dispute
from disputes.ports import DisputeQuery
from schemas.common import Outcome, Role
from schemas.dispute import Channel, ReasonCode, Status
from schemas.recommendation import PolicyRule, Recommendation, RecommendedAction
from tests.contract.conftest import Cases
from tests.factories import INVESTIGATOR, NOW, SUPERVISOR

TEN_PAST = NOW + timedelta(minutes=10)
HOUR = timedelta(hours=1)


def _advice_to_reject(dispute: Dispute) -> None:
    dispute.recommendation = Recommendation(
        action=RecommendedAction.REJECT, rule=PolicyRule.STRONG_PROOF, confidence=0.9, findings=[],
        auto_resolve=False, carrier_liable=False, needs_supervisor=False, priority=0, abuse_flags=[], computed_at=NOW,
    )


def _refund_against_the_advice(dispute: Dispute) -> None:
    _advice_to_reject(dispute)
    dispute.decide(INVESTIGATOR, Outcome.REFUND, ReasonCode.GOODWILL, "n", None, TEN_PAST, "Müşteri 10 yıllık.")


def _refund_as_advised(dispute: Dispute) -> None:
    dispute.decide(INVESTIGATOR, Outcome.REFUND, ReasonCode.CARRIER_NO_PROOF, "n", None, dispute.opened_at + HOUR)


def _reject_as_advised(dispute: Dispute) -> None:
    _advice_to_reject(dispute)
    dispute.decide(INVESTIGATOR, Outcome.REJECTED, ReasonCode.PROOF_OF_DELIVERY, "n", None, dispute.opened_at + HOUR)


def _flagged_for_a_supervisor(dispute: Dispute) -> None:
    dispute.abuse_flags, dispute.needs_supervisor, dispute.priority = ["shared_address"], True, 2


def _urgent_on_the_phone(dispute: Dispute) -> None:
    dispute.channel, dispute.needs_supervisor, dispute.priority = Channel.PHONE, True, 3


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
    Case("f", 0, "aras", "cust-1", _flagged_for_a_supervisor),
    Case("b", 1, "aras", "cust-2", lambda d: d.assign(INVESTIGATOR, INVESTIGATOR.id, TEN_PAST)),
    Case("c", 2, "yurtici", "cust-1", _refund_against_the_advice),
    Case("h", 2, "aras", "cust-2", _reject_as_advised),
    Case("d", 3, "aras", "cust-1", _refund_as_advised),
    Case("e", 4, "yurtici", "cust-2", _withdraw),
    Case("g", 4, "yurtici", "cust-1", _urgent_on_the_phone),
)


@pytest.fixture
async def queue(cases: Cases) -> dict[str, Dispute]:
    """The queue's disputes by label, as stored."""
    stored = {}
    for case in CASES:
        cases.clock.current = NOW + timedelta(days=case.day)
        dispute = await cases.open(customer=case.customer, carrier=case.carrier)
        stored[case.label] = await cases.change(dispute.id, case.change) if case.change else dispute
    assert len({d.sla.decision_due for d in stored.values()}) < len(stored)  # some share a due date: ties are broken
    return stored


def _queue_order(d: Dispute) -> tuple[datetime, int, datetime, str]:
    return d.sla.decision_due, -d.priority, d.opened_at, d.id


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
    ids = [d.id for d in sorted(disputes, key=_queue_order)]
    return [ids[i : i + limit] for i in range(0, len(ids), limit)] or [[]]


def _labelled(pages: list[list[str]], queue: dict[str, Dispute]) -> list[str]:
    label = {d.id: name for name, d in queue.items()}
    return ["".join(label.get(i, "?") for i in page) for page in pages]


FILTERS: dict[str, tuple[dict[str, Any], str]] = {
    "no filter": ({}, "abcdefgh"),
    "one status": ({"statuses": (Status.OPENED,)}, "afg"),
    "several statuses": ({"statuses": (Status.RESOLVED, Status.WITHDRAWN)}, "cdeh"),
    "carrier": ({"carrier": "aras"}, "bdfh"),
    "a carrier with no disputes": ({"carrier": "ptt"}, ""),
    "assignee": ({"assignee": INVESTIGATOR.id}, "b"),
    "unassigned": ({"unassigned": True}, "acdefgh"),
    "customer": ({"customer_id": "cust-2"}, "beh"),
    "decided against the advice": ({"overridden": True}, "c"),
    "decided as advised": ({"overridden": False}, "dh"),
    "needs a supervisor": ({"needs_supervisor": True}, "fg"),
    "needs no supervisor": ({"needs_supervisor": False}, "abcdeh"),
    "flagged": ({"flagged": True}, "f"),
    "not flagged": ({"flagged": False}, "abcdegh"),
    "one priority": ({"priorities": (3,)}, "g"),
    "several priorities": ({"priorities": (0, 2)}, "abcdefh"),
    "channel": ({"channel": Channel.PHONE}, "g"),
    "outcome": ({"outcome": Outcome.REFUND}, "cd"),
    "another outcome": ({"outcome": Outcome.REJECTED}, "h"),
    "opened in a period": ({"opened_from": NOW + timedelta(days=1), "opened_to": NOW + timedelta(days=3)}, "bch"),
    "opened from": ({"opened_from": NOW + timedelta(days=3)}, "deg"),
    "decided from": ({"decided_from": NOW + timedelta(days=1)}, "dh"),
    "decided in a period": ({"decided_from": NOW, "decided_to": NOW + timedelta(days=3)}, "ch"),
    "decided before": ({"decided_to": NOW + timedelta(days=3)}, "ch"),  # never an undecided case
    "opened before": ({"opened_to": NOW + timedelta(days=1)}, "af"),
    "carrier and status": ({"carrier": "yurtici", "statuses": (Status.OPENED,)}, "ag"),
    "carrier and outcome": ({"carrier": "aras", "outcome": Outcome.REFUND}, "d"),
    "compensation": ({"compensation": Outcome.REFUND}, "cd"),
    "a compensation none issued": ({"compensation": Outcome.RESHIP}, ""),
}


async def test_the_queue_pages_through_what_each_filter_selects_in_due_date_order(
    cases: Cases, queue: dict[str, Dispute]
) -> None:
    """One queue, every filter, pages of 2 and of 3 (the aras cases fill one page of 3 exactly)."""
    cutoff = queue["c"].sla.decision_due
    wrong = {}
    for name, (filters, expected) in {**FILTERS, **_by_due_date(queue, cutoff)}.items():
        for limit in (2, 3):
            got = await _pages(cases, DisputeQuery(**filters, limit=limit))
            want = _in_pages([queue[label] for label in expected], limit)
            if got != want:
                wrong[f"{name}, pages of {limit}"] = {"got": _labelled(got, queue), "want": _labelled(want, queue)}

    assert wrong == {}


async def test_a_refund_that_stands_after_a_review_that_rejects_is_found_by_its_compensation_not_its_outcome(
    cases: Cases,
) -> None:
    refunded = await cases.open()
    await cases.change(refunded.id, _refund_as_advised)
    await cases.change(refunded.id, lambda d: d.reopen(SUPERVISOR, "Kurye videosu geldi.", NOW + 2 * HOUR))
    await cases.change(refunded.id, lambda d: d.decide(
        SUPERVISOR, Outcome.REJECTED, ReasonCode.PROOF_OF_DELIVERY, "n", None, NOW + 3 * HOUR))

    found = {name: [d.id for d in (await cases.storage.disputes.query(DisputeQuery(**filters))).items]
             for name, filters in (("refund", {"compensation": Outcome.REFUND}), ("reship", {"compensation": Outcome.RESHIP}),
                                   ("outcome", {"outcome": Outcome.REFUND}), ("rejected", {"outcome": Outcome.REJECTED}))}

    assert found == {"refund": [refunded.id], "reship": [], "outcome": [], "rejected": [refunded.id]}


async def test_a_selection_holds_the_ids_each_filter_selects_in_queue_order(
    cases: Cases, queue: dict[str, Dispute]
) -> None:
    """How an export selects: the ids alone, in queue order, at most `limit`, no disputes and no cursor."""
    wrong = {}
    for name, (filters, expected) in FILTERS.items():
        ordered = [d.id for d in sorted((queue[label] for label in expected), key=_queue_order)]
        for limit in (2, 100):
            page = await cases.storage.disputes.query(DisputeQuery(**filters, limit=limit, only_ids=True))
            if (page.items, page.next_after, list(page.ids)) != ([], None, ordered[:limit]):
                wrong[f"{name}, at most {limit}"] = (page.items, page.next_after, page.ids)
    one = queue["d"]
    searched = await cases.storage.disputes.query(DisputeQuery(order_id=one.order.order_id, only_ids=True))

    assert wrong == {}
    assert searched.ids == (one.id,)


async def test_by_ids_a_page_holds_those_disputes(cases: Cases, queue: dict[str, Dispute]) -> None:
    """How an export reads its rows: the disputes of the ids given (an unknown id is none), with the other filters."""
    wanted = [queue[label].id for label in "hca"]
    read = await cases.storage.disputes.query(DisputeQuery(ids=(*wanted, "dsp_unknown"), limit=5))
    opened = await cases.storage.disputes.query(DisputeQuery(ids=tuple(wanted), statuses=(Status.OPENED,)))
    one = await cases.storage.disputes.query(DisputeQuery(ids=tuple(wanted), dispute_id=queue["c"].id))
    other = await cases.storage.disputes.query(DisputeQuery(ids=tuple(wanted), dispute_id=queue["b"].id))
    nothing = await cases.storage.disputes.query(DisputeQuery(ids=()))

    assert sorted(d.id for d in read.items) == sorted(wanted)
    assert [d.id for d in opened.items] == [queue["a"].id]
    assert [d.id for d in one.items] == [queue["c"].id]
    assert (other.items, nothing.items) == ([], [])


def _by_due_date(queue: dict[str, Dispute], cutoff: datetime) -> dict[str, tuple[dict[str, Any], str]]:
    """The due-date windows around one case's due date (shared by another), each selecting some but not all."""
    windows: dict[str, tuple[dict[str, Any], Callable[[datetime], bool]]] = {
        "due before": ({"due_before": cutoff}, lambda due: due < cutoff),
        "due from": ({"due_from": cutoff}, lambda due: due >= cutoff),
        "due in a window": (
            {"due_from": cutoff, "due_before": cutoff + timedelta(days=1)}, lambda due: cutoff <= due < cutoff + timedelta(days=1)
        ),
    }
    selected = {
        name: (filters, "".join(k for k, d in queue.items() if keep(d.sla.decision_due)))
        for name, (filters, keep) in windows.items()
    }
    assert all(0 < len(labels) < len(queue) for _, labels in selected.values())
    return selected


@pytest.mark.parametrize("year", [5, 500, 999])
async def test_a_due_date_before_the_year_1000_selects_nothing_due_before_it(
    cases: Cases, queue: dict[str, Dispute], year: int
) -> None:
    page = await cases.storage.disputes.query(DisputeQuery(due_before=datetime(year, 1, 1, tzinfo=UTC)))

    assert page.items == []


async def test_search_finds_a_dispute_by_its_id_order_and_tracking_number(cases: Cases, queue: dict[str, Dispute]) -> None:
    wanted = queue["d"]
    searches = {
        "dispute id": DisputeQuery(dispute_id=wanted.id),
        "order id": DisputeQuery(order_id=wanted.order.order_id),
        "tracking number": DisputeQuery(tracking_number=wanted.order.tracking_number),
        "tracking number and carrier": DisputeQuery(tracking_number=wanted.order.tracking_number, carrier="aras"),
    }
    found = {name: [d.id for d in (await cases.storage.disputes.query(q)).items] for name, q in searches.items()}
    missed = await cases.storage.disputes.query(DisputeQuery(order_id=wanted.order.order_id, carrier="yurtici"))

    assert found == dict.fromkeys(searches, [wanted.id])
    assert missed.items == [] and missed.next_after is None


async def test_a_queue_row_is_the_dispute_as_stored(cases: Cases, queue: dict[str, Dispute]) -> None:
    """What the filters select is read back whole: flags, priority, channel and decision as they were saved."""
    page = await cases.storage.disputes.query(DisputeQuery(needs_supervisor=True))

    assert [d.model_dump() for d in page.items] == [
        d.model_dump() for d in sorted((queue["f"], queue["g"]), key=_queue_order)
    ]


async def test_a_search_with_more_than_a_page_pages_in_queue_order(cases: Cases) -> None:
    """An order disputed again after withdrawals: its disputes page by due date then id like any other list."""
    on_one_order = []
    for day in (2, 0, 1):  # opened out of due-date order
        cases.clock.current = NOW + timedelta(days=day)
        dispute = await cases.open(7)
        on_one_order.append(dispute)
        await cases.change(dispute.id, _withdraw)
    await cases.open(8)

    for query in (DisputeQuery(order_id="ord-7", limit=2), DisputeQuery(tracking_number="TRKSHP7", limit=2)):
        assert await _pages(cases, query) == _in_pages(on_one_order, 2)


async def test_cases_due_at_one_time_come_by_priority_then_the_longest_waiting_then_id(cases: Cases) -> None:
    """A holiday's cases share one decision due time: the most urgent first, then the one opened earliest, whatever
    their ids; page after page, and after a priority raised by a save."""
    opened = {}
    for label, minutes, priority in (("late", 300, 0), ("early", 0, 0), ("urgent", 400, 2), ("raised", 200, 0),
                                     ("accessible", 100, 1), ("same time", 0, 0)):
        cases.clock.current = NOW + timedelta(minutes=minutes)  # all on Wednesday 18.11
        dispute = await cases.open()
        opened[label] = await cases.change(dispute.id, lambda d, p=priority: setattr(d, "priority", p))
    assert len({d.sla.decision_due for d in opened.values()}) == 1
    await cases.change(opened["raised"].id, lambda d: setattr(d, "priority", 2))
    label = {d.id: name for name, d in opened.items()}
    ties = sorted((opened["early"], opened["same time"]), key=lambda d: d.id)

    for limit in (2, 4, 10):
        pages = await _pages(cases, DisputeQuery(limit=limit))
        assert [label[i] for page in pages for i in page] == [
            "raised", "urgent", "accessible", label[ties[0].id], label[ties[1].id], "late"
        ], limit


async def test_a_cursor_that_ends_on_an_id_alone_resumes_at_the_start_of_its_due_time_skipping_no_case(
    cases: Cases,
) -> None:
    """The release before ordered the cases due at one time by id alone; a cursor it handed out shows its due time's
    cases again rather than none of them."""
    opened = []
    for minutes in (0, 100, 200):
        cases.clock.current = NOW + timedelta(minutes=minutes)  # all on Wednesday 18.11: one due time
        opened.append(await cases.open())
    old_page_end = min(opened, key=lambda d: d.id)

    page = await cases.storage.disputes.query(DisputeQuery(after=(old_page_end.sla.decision_due, old_page_end.id)))

    assert [d.id for d in page.items] == [d.id for d in opened]


async def test_changing_what_a_read_handed_out_changes_nothing_stored(cases: Cases) -> None:
    """Reads that only show disputes (one, the queue, a customer's list) may hand out what storage holds, never in
    a form whose change reaches it: the change is refused or stays with the caller."""
    dispute = await cases.open()
    shown = await cases.storage.disputes.read(dispute.id)
    queued = (await cases.storage.disputes.query(DisputeQuery())).items[0]
    listed = (await cases.storage.disputes.customer_disputes(dispute.customer_id, None, 10)).items[0]
    assert shown.model_dump() == dispute.model_dump() and await cases.storage.disputes.read("dsp_none") is None

    for read in (shown, queued, listed):
        with suppress(TypeError, ValidationError):
            read.assignee = "someone"
        with suppress(TypeError):
            read.timeline.append(read.timeline[0])
        with suppress(TypeError):
            read.outbox.clear()

    stored = (await cases.storage.disputes.query(DisputeQuery())).items[0]
    assert stored.model_dump() == dispute.model_dump() == (await cases.storage.disputes.get(dispute.id)).model_dump()


async def test_a_read_keeps_what_it_showed_when_storage_changes_the_dispute_after(cases: Cases) -> None:
    dispute = await cases.open()
    queued = (await cases.storage.disputes.query(DisputeQuery())).items[0]

    await cases.storage.disputes.delivered(dispute.id, dispute.outbox[0], NOW)
    await cases.change(dispute.id, lambda d: d.add_note(INVESTIGATOR, "not", TEN_PAST))

    assert queued.outbox == dispute.outbox and queued.effects_delivered == [] and queued.version == 1
    again = (await cases.storage.disputes.query(DisputeQuery())).items[0]
    assert again.outbox == [] and [e.id for e in again.effects_delivered] == [dispute.outbox[0].id]
    assert again.version == 2 and again.timeline[-1].action == "note_added"
