"""The workload operators watch: open cases by state, decisions due soon or overdue, the outbox backlog, the pushed
events waiting to be attached."""

from datetime import timedelta

from adapters.memory import InMemoryWorkload
from adapters.mongo.indexes import CARRIER_EVENTS
from adapters.mongo.workload import MongoWorkload
from disputes.actors import SYSTEM
from disputes.model import Dispute
from disputes.ports import WorkloadReader
from schemas.common import Outcome
from schemas.dispute import ReasonCode, Status
from tests.contract.conftest import Cases, pushed
from tests.factories import INVESTIGATOR, NOW

WINDOW = timedelta(hours=12)


def reader(cases: Cases) -> WorkloadReader:
    disputes, events = cases.storage.disputes, cases.storage.evidence
    if cases.storage.name == "memory":
        return InMemoryWorkload(disputes, events)
    return MongoWorkload(disputes.collection, disputes.collection.database[CARRIER_EVENTS])


async def test_an_empty_store_has_no_workload(cases: Cases) -> None:
    workload = await reader(cases).workload(NOW, WINDOW)
    assert workload.open_by_state == dict.fromkeys(
        (Status.APPEALED, Status.AWAITING_EVIDENCE, Status.OPENED, Status.UNDER_REVIEW), 0
    )
    assert (workload.decision_due_soon, workload.decision_overdue, workload.outbox_pending) == (0, 0, 0)
    assert workload.decision_with_supervisor == 0
    assert workload.outbox_oldest is None
    assert (workload.pushed_waiting, workload.pushed_oldest) == (0, None)


async def test_open_cases_are_counted_by_state_and_pending_messages_until_delivered(cases: Cases) -> None:
    first, decided, third = await cases.open(), await cases.open(), await cases.open()
    await cases.storage.disputes.delivered(first.id, first.outbox[0], NOW + timedelta(minutes=1))
    await cases.change(
        decided.id, lambda d: d.decide(INVESTIGATOR, Outcome.REFUND, ReasonCode.CARRIER_NO_PROOF, "n", None, NOW)
    )

    workload = await reader(cases).workload(NOW + timedelta(minutes=5), WINDOW)

    assert workload.open_by_state[Status.OPENED] == 2 and workload.open_by_state[Status.UNDER_REVIEW] == 0
    assert Status.RESOLVED not in workload.open_by_state  # closed cases only grow: not counted
    # the decided case's opening notice, refund and decision notice; the third case's opening notice
    assert (workload.outbox_pending, workload.outbox_oldest) == (4, NOW)
    assert third.is_active


async def test_open_cases_near_or_past_their_decision_deadline_are_counted(cases: Cases) -> None:
    first, second = await cases.open(), await cases.open()
    due = first.sla.decision_due
    assert second.sla.decision_due == due
    await cases.change(
        second.id, lambda d: d.decide(INVESTIGATOR, Outcome.REFUND, ReasonCode.CARRIER_NO_PROOF, "n", None, NOW)
    )
    workloads = reader(cases)

    moments = (due - WINDOW, due - WINDOW + timedelta(milliseconds=1), due, due + timedelta(milliseconds=1))
    counted = [(w.decision_due_soon, w.decision_overdue) for w in [await workloads.workload(m, WINDOW) for m in moments]]

    # due less than the window away, then past due; the resolved case is never counted
    assert counted == [(0, 0), (1, 0), (1, 0), (0, 1)]


async def test_a_case_the_deadline_rule_handed_to_a_supervisor_is_counted_apart_from_one_it_has_not_acted_on(
    cases: Cases,
) -> None:
    handed, unswept = await cases.open(), await cases.open()
    due = handed.sla.decision_due

    def flagged_at_its_deadline(dispute: Dispute) -> None:
        dispute.needs_supervisor = True  # abuse signals: DESIGN §2, the deadline rule hands it to a supervisor
        dispute.deadline_reached(SYSTEM, due)

    stored = await cases.change(handed.id, flagged_at_its_deadline)
    assert stored.is_active and stored.priority == 3

    workload = await reader(cases).workload(due + timedelta(minutes=15), WINDOW)

    # the unswept case is a breach (the workers did not act); the handed one waits for a supervisor
    assert (workload.decision_overdue, workload.decision_with_supervisor) == (1, 1)
    assert unswept.is_active


async def test_pushed_events_are_counted_until_attached_with_when_the_oldest_was_received(cases: Cases) -> None:
    events = cases.storage.evidence
    for minutes, key in ((3, "yurtici:ev-1"), (1, "yurtici:ev-2"), (2, "yurtici:ev-3")):
        await events.record(pushed(key, at=NOW + timedelta(minutes=minutes)), NOW + timedelta(minutes=minutes))

    before = await reader(cases).workload(NOW, WINDOW)
    await events.attached("yurtici:ev-2", None, ["yurtici:ev-3"])
    after = await reader(cases).workload(NOW, WINDOW)

    assert (before.pushed_waiting, before.pushed_oldest) == (3, NOW + timedelta(minutes=1))
    assert (after.pushed_waiting, after.pushed_oldest) == (1, NOW + timedelta(minutes=3))
