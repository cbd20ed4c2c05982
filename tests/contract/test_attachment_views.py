"""The record of who viewed a case's attachments: appended in one write that leaves the version alone, never erased
by a save made from a copy read before it, and refused for a dispute that does not exist."""

from datetime import timedelta

from schemas.common import Role
from schemas.dispute import TimelineEntry
from tests.contract.conftest import Cases
from tests.factories import INVESTIGATOR, NOW


def viewed(minutes: int, who: str = "inv-ayse", ref: str = "att_signature") -> TimelineEntry:
    return TimelineEntry(at=NOW + timedelta(minutes=minutes), actor=who, role=Role.INVESTIGATOR,
                         action="attachment_viewed", details={"attachment": ref, "kind": "signature"})


async def test_views_are_kept_in_order_and_the_version_stays(cases: Cases) -> None:
    dispute = await cases.open()

    assert await cases.storage.disputes.record_view(dispute.id, viewed(1))
    assert await cases.storage.disputes.record_view(dispute.id, viewed(2, "sup-zeynep", "att_photo"))

    stored = await cases.storage.disputes.get(dispute.id)
    assert stored.attachment_views == [viewed(1), viewed(2, "sup-zeynep", "att_photo")]
    assert stored.version == dispute.version == 1


async def test_a_save_from_a_copy_read_before_a_view_keeps_the_view(cases: Cases) -> None:
    dispute = await cases.open()
    read_before = await cases.storage.disputes.get(dispute.id)
    await cases.storage.disputes.record_view(dispute.id, viewed(1))

    read_before.add_note(INVESTIGATOR, "İmzayı inceledim.", NOW + timedelta(minutes=2))
    await cases.storage.disputes.save(read_before)  # the view moved no version: the save goes through

    stored = await cases.storage.disputes.get(dispute.id)
    assert stored.attachment_views == [viewed(1)]
    assert [e.action for e in stored.full_timeline][-2:] == ["attachment_viewed", "note_added"]


async def test_a_copy_read_earlier_does_not_see_later_views(cases: Cases) -> None:
    dispute = await cases.open()
    read_before = await cases.storage.disputes.get(dispute.id)

    await cases.storage.disputes.record_view(dispute.id, viewed(1))

    assert read_before.attachment_views == []


async def test_a_view_of_a_dispute_never_stored_is_refused(cases: Cases) -> None:
    assert not await cases.storage.disputes.record_view("dsp_unknown", viewed(1))
    assert await cases.storage.disputes.get("dsp_unknown") is None
