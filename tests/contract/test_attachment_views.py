"""The record of who viewed a case's attachments: appended in one write that leaves the version alone, never erased
by a save made from a copy read before it, and refused for a dispute that does not exist. It takes one view per
viewer and attachment in a window, and none beyond its limit."""

from datetime import timedelta

from disputes.ports import ViewBound
from schemas.common import Role
from schemas.dispute import TimelineEntry
from tests.contract.conftest import Cases
from tests.factories import INVESTIGATOR, NOW

HOUR = timedelta(hours=1)


def viewed(minutes: int, who: str = "inv-ayse", ref: str = "att_signature", role: Role = Role.INVESTIGATOR
           ) -> TimelineEntry:
    return TimelineEntry(at=NOW + timedelta(minutes=minutes), actor=who, role=role,
                         action="attachment_viewed", details={"attachment": ref, "kind": "signature"})


async def record(cases: Cases, dispute_id: str, view: TimelineEntry, limit: int = 300) -> bool:
    """Add `view` unless the same viewer's view of the same attachment is on record within the hour before it."""
    return bool(await cases.storage.disputes.record_view(dispute_id, view, ViewBound(view.at - HOUR, limit)))


async def test_views_are_kept_in_order_and_the_version_stays(cases: Cases) -> None:
    dispute = await cases.open()

    assert await record(cases, dispute.id, viewed(1))
    assert await record(cases, dispute.id, viewed(2, "sup-zeynep", "att_photo"))

    stored = await cases.storage.disputes.get(dispute.id)
    assert stored.attachment_views == [viewed(1), viewed(2, "sup-zeynep", "att_photo")]
    assert stored.version == dispute.version == 1


async def test_a_save_from_a_copy_read_before_a_view_keeps_the_view(cases: Cases) -> None:
    dispute = await cases.open()
    read_before = await cases.storage.disputes.get(dispute.id)
    await record(cases, dispute.id, viewed(1))

    read_before.add_note(INVESTIGATOR, "İmzayı inceledim.", NOW + timedelta(minutes=2))
    await cases.storage.disputes.save(read_before)  # the view moved no version: the save goes through

    stored = await cases.storage.disputes.get(dispute.id)
    assert stored.attachment_views == [viewed(1)]
    assert [e.action for e in stored.full_timeline][-2:] == ["attachment_viewed", "note_added"]


async def test_a_copy_read_earlier_does_not_see_later_views(cases: Cases) -> None:
    dispute = await cases.open()
    read_before = await cases.storage.disputes.get(dispute.id)

    await record(cases, dispute.id, viewed(1))

    assert read_before.attachment_views == []


async def test_a_view_of_a_dispute_never_stored_is_refused(cases: Cases) -> None:
    assert not await record(cases, "dsp_unknown", viewed(1))
    assert await cases.storage.disputes.get("dsp_unknown") is None


async def test_a_thousand_views_a_minute_apart_by_one_viewer_keep_one_entry_an_hour(cases: Cases) -> None:
    dispute = await cases.open()

    added = [minute for minute in range(1000) if await record(cases, dispute.id, viewed(minute))]

    assert added == [0, 61, 122, 183, 244, 305, 366, 427, 488, 549, 610, 671, 732, 793, 854, 915, 976]
    stored = await cases.storage.disputes.get(dispute.id)
    assert stored.attachment_views == [viewed(minute) for minute in added]


async def test_a_view_an_hour_after_the_last_one_on_record_is_recorded(cases: Cases) -> None:
    dispute = await cases.open()
    await record(cases, dispute.id, viewed(0))

    assert not await record(cases, dispute.id, viewed(60))  # the window holds its end
    assert await record(cases, dispute.id, viewed(61))

    stored = await cases.storage.disputes.get(dispute.id)
    assert stored.attachment_views == [viewed(0), viewed(61)]


async def test_another_viewer_another_role_or_another_attachment_is_recorded_within_the_hour(cases: Cases) -> None:
    dispute = await cases.open()
    await record(cases, dispute.id, viewed(0))
    others = [viewed(1, "sup-zeynep"), viewed(2, role=Role.SUPERVISOR), viewed(3, ref="att_photo")]

    assert [await record(cases, dispute.id, view) for view in others] == [True, True, True]
    assert not await record(cases, dispute.id, viewed(4))

    stored = await cases.storage.disputes.get(dispute.id)
    assert stored.attachment_views == [viewed(0), *others]


async def test_a_full_record_refuses_even_a_first_view(cases: Cases) -> None:
    dispute = await cases.open()
    for minute, who in enumerate(["inv-ayse", "inv-mehmet", "sup-zeynep"]):
        assert await record(cases, dispute.id, viewed(minute, who), limit=3)

    assert not await record(cases, dispute.id, viewed(5, "inv-elif"), limit=3)
    assert await record(cases, dispute.id, viewed(6, "inv-elif"), limit=4)

    stored = await cases.storage.disputes.get(dispute.id)
    assert [view.actor for view in stored.attachment_views] == ["inv-ayse", "inv-mehmet", "sup-zeynep", "inv-elif"]


async def test_a_view_bound_from_long_ago_refuses_a_viewer_already_on_record_however_long_ago(cases: Cases) -> None:
    """What keeps a viewer's first view of an attachment once on the record: a bound reaching back before every view."""
    dispute = await cases.open()
    long_ago = NOW - timedelta(days=3650)
    assert await record(cases, dispute.id, viewed(0))
    first_only = ViewBound(since=long_ago, limit=300)

    repeated = await cases.storage.disputes.record_view(dispute.id, viewed(60 * 24 * 30), first_only)
    newcomer = await cases.storage.disputes.record_view(dispute.id, viewed(60 * 24 * 30, "sup-zeynep"), first_only)

    assert (repeated, newcomer) == (False, True)
    stored = await cases.storage.disputes.get(dispute.id)
    assert stored.attachment_views == [viewed(0), viewed(60 * 24 * 30, "sup-zeynep")]
