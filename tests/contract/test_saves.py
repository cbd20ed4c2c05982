"""A save stores the change made on the copy it starts from, however that copy was found (claimed, read, or the
copy's own earlier save), and loses or brings back nothing storage recorded meanwhile without a new version
(attachment views, deliveries)."""

from datetime import timedelta

from disputes.ports import ViewBound
from disputes.work import WorkKind
from schemas.common import Role
from schemas.dispute import TimelineEntry
from tests.contract.conftest import Cases
from tests.factories import INVESTIGATOR, NOW

LATER = NOW + timedelta(minutes=5)
BOUND = ViewBound(since=NOW, limit=10)


def viewed(minutes: int) -> TimelineEntry:
    return TimelineEntry(at=NOW + timedelta(minutes=minutes), actor=INVESTIGATOR.id, role=Role.INVESTIGATOR,
                         action="attachment_viewed", details={"attachment": "att_photo", "kind": "photo"})


async def test_a_save_from_a_claimed_copy_keeps_the_views_and_deliveries_recorded_after_the_claim(cases: Cases) -> None:
    dispute = await cases.draft()
    dispute.evidence_pull_due = NOW
    await cases.storage.disputes.add(dispute, cases.clock.now())
    [claimed] = await cases.storage.schedule.claim_due(WorkKind.PULL_EVIDENCE, NOW, timedelta(seconds=30), 1, "worker-1")
    await cases.storage.disputes.record_view(dispute.id, viewed(1), BOUND)
    await cases.storage.disputes.delivered(dispute.id, dispute.outbox[0], LATER)

    copy = claimed.dispute
    copy.add_note(INVESTIGATOR, "Fotoğrafı inceledim.", LATER)
    await cases.storage.disputes.save(copy)

    stored = await cases.storage.disputes.get(dispute.id)
    assert stored.version == 2 and stored.timeline[-1].action == "note_added"
    assert stored.attachment_views == [viewed(1)]
    assert stored.outbox == [] and [e.id for e in stored.effects_delivered] == [dispute.outbox[0].id]


async def test_saves_in_a_row_from_one_copy_store_each_change_even_one_setting_a_field_back(cases: Cases) -> None:
    dispute = await cases.open()
    copy = await cases.storage.disputes.get(dispute.id)

    copy.assign(INVESTIGATOR, INVESTIGATOR.id, NOW)
    await cases.storage.disputes.save(copy)
    await cases.storage.disputes.record_view(dispute.id, viewed(1), BOUND)
    assert (await cases.storage.disputes.get(dispute.id)).assignee == INVESTIGATOR.id
    copy.release(INVESTIGATOR, LATER)
    await cases.storage.disputes.save(copy)

    stored = await cases.storage.disputes.get(dispute.id)
    assert stored.assignee is None and stored.version == copy.version == 3
    assert [e.action for e in stored.timeline][-2:] == ["assigned", "released"]
    assert stored.attachment_views == [viewed(1)]


async def test_a_save_from_a_copy_another_copys_save_read_stores_that_change_too(cases: Cases) -> None:
    dispute = await cases.open()
    first = await cases.storage.disputes.get(dispute.id)
    first.assign(INVESTIGATOR, INVESTIGATOR.id, NOW)
    await cases.storage.disputes.save(first)

    second = await cases.storage.disputes.get(dispute.id)
    second.add_note(INVESTIGATOR, "Kargoyu aradım.", LATER)
    await cases.storage.disputes.save(second)

    stored = await cases.storage.disputes.get(dispute.id)
    assert stored.assignee == INVESTIGATOR.id and stored.timeline[-1].action == "note_added"
    assert stored == second


async def test_saves_in_a_row_from_one_copy_clear_a_due_time_and_set_it_again(cases: Cases) -> None:
    dispute = await cases.draft()
    dispute.evidence_pull_due = NOW
    await cases.storage.disputes.add(dispute, cases.clock.now())
    copy = await cases.storage.disputes.get(dispute.id)

    async def due() -> list[str]:
        claimed = await cases.storage.schedule.claim_due(WorkKind.PULL_EVIDENCE, LATER, timedelta(seconds=1), 5, "w")
        for item in claimed:
            await cases.storage.schedule.release(WorkKind.PULL_EVIDENCE, item.subject, "w")
        return [item.subject for item in claimed]

    copy.evidence_pull_due = None
    await cases.storage.disputes.save(copy)
    assert await due() == []
    copy.evidence_pull_due = NOW
    await cases.storage.disputes.save(copy)
    assert await due() == [dispute.id]
    copy.evidence_pull_due = None
    await cases.storage.disputes.save(copy)
    assert await due() == []
