"""What carriers send, stored before we answer them: each pushed event once by its identity (a push's events
recorded together too), found by shipment in the order stored (a push's together, pushes in the order stored; the
latest, up to a limit), those waiting to be attached read and marked together; raw bodies and images kept under their
reference, the first copy stored. (Claiming events to attach: test_claims.py.)"""

from datetime import timedelta

import pytest

from adapters.mongo import evidence_store
from disputes.evidence import EARLIER_PUSHES
from disputes.ports import CUSTOMER_IMAGE, CarrierSource, CustomerSource, PushPage, StoredAttachment
from disputes.work import WorkKind
from schemas.dispute import Evidence
from schemas.proof import AttachmentKind, ProofStatus
from tests.contract.conftest import Storage, pushed
from tests.factories import NOW

PNG = b"\x89PNG\r\n\x1a\n" + b"signature-pixels" * 50
JPEG = b"\xff\xd8\xff\xe0" + b"photo-pixels" * 50
WEBP = b"RIFF\x00\x01\x00\x00WEBPVP8 " + b"door-pixels" * 50
LEASE = timedelta(seconds=10)


async def test_a_pushed_event_is_recorded_once_by_its_identity(storage: Storage) -> None:
    first = pushed("yurtici:ev-1")
    again = pushed("yurtici:ev-1", at=NOW + timedelta(minutes=1))

    assert await storage.evidence.record(first, NOW) is True
    assert await storage.evidence.record(again, NOW + timedelta(minutes=1)) is False

    assert await storage.evidence.for_shipment("yurtici", "TRKSHP1", EARLIER_PUSHES) == [first]


@pytest.fixture
def small_inserts(monkeypatch: pytest.MonkeyPatch) -> None:
    """MongoDB's inserts of a push's events take 2 at a time, so that a few events span several of them."""
    monkeypatch.setattr(evidence_store, "RECORD_CHUNK", 2)


@pytest.mark.usefixtures("small_inserts")
async def test_a_pushs_events_recorded_together_are_each_stored_due_and_kept_in_the_pushs_order(
    storage: Storage,
) -> None:
    events = [pushed(f"dhl:ev-{n}", carrier="dhl") for n in (7, 3, 9, 1, 5)]  # not in the order of their keys
    events.append(pushed("dhl:ev-other", tracking_number="TRKSHP2", carrier="dhl"))

    assert await storage.evidence.record_many(events, NOW) == [True] * 6

    assert await storage.evidence.for_shipment("dhl", "TRKSHP1", EARLIER_PUSHES) == events[:5]
    assert await storage.evidence.for_shipment("dhl", "TRKSHP2", EARLIER_PUSHES) == events[5:]
    due = await storage.schedule.claim_due(WorkKind.ATTACH_PUSHED, NOW, LEASE, 10, "worker-1")
    assert sorted(claimed.subject for claimed in due) == sorted(event.key for event in events)


@pytest.mark.usefixtures("small_inserts")
async def test_events_recorded_together_that_were_sent_before_in_the_push_or_earlier_are_reported_and_change_nothing(
    storage: Storage,
) -> None:
    earlier = pushed("dhl:ev-1", carrier="dhl", at=NOW - timedelta(minutes=5))
    await storage.evidence.record(earlier, NOW - timedelta(minutes=5))
    first, again = pushed("dhl:ev-0", carrier="dhl"), pushed("dhl:ev-0", tracking_number="TRKSHP9", carrier="dhl")
    resent = pushed("dhl:ev-1", tracking_number="TRKSHP9", carrier="dhl")
    last = pushed("dhl:ev-2", carrier="dhl")

    stored = await storage.evidence.record_many([first, resent, again, last, again], NOW)

    assert stored == [True, False, False, True, False]  # in inserts of 2: each duplicate of an earlier one
    assert await storage.evidence.for_shipment("dhl", "TRKSHP1", EARLIER_PUSHES) == [earlier, first, last]
    assert await storage.evidence.for_shipment("dhl", "TRKSHP9", EARLIER_PUSHES) == []


async def test_a_single_event_or_none_recorded_together_is_recorded_as_alone(storage: Storage) -> None:
    event = pushed("dhl:ev-1", carrier="dhl")

    assert await storage.evidence.record_many([], NOW) == []  # a subscription's own message carries no event
    assert await storage.evidence.record_many([event], NOW) == [True]
    assert await storage.evidence.record_many([event], NOW) == [False]

    assert await storage.evidence.for_shipment("dhl", "TRKSHP1", EARLIER_PUSHES) == [event]


async def test_a_shipments_events_come_in_the_order_they_were_received(storage: Storage) -> None:
    late = pushed("yurtici:ev-a", at=NOW + timedelta(minutes=2))
    early = pushed("yurtici:ev-b", at=NOW + timedelta(minutes=1))
    await storage.evidence.record(late, NOW + timedelta(minutes=2))
    await storage.evidence.record(early, NOW + timedelta(minutes=1))

    assert await storage.evidence.for_shipment("yurtici", "TRKSHP1", EARLIER_PUSHES) == [early, late]


async def test_a_shipments_events_are_only_its_own_carriers_on_its_tracking_number(storage: Storage) -> None:
    mine = pushed("yurtici:ev-1")
    await storage.evidence.record(mine, NOW)
    await storage.evidence.record(pushed("yurtici:ev-2", tracking_number="TRKSHP2"), NOW)
    await storage.evidence.record(pushed("aras:ev-1", carrier="aras"), NOW)

    assert await storage.evidence.for_shipment("yurtici", "TRKSHP1", EARLIER_PUSHES) == [mine]
    assert await storage.evidence.for_shipment("ptt", "TRKSHP1", EARLIER_PUSHES) == []


async def test_an_events_shipment_waiting_is_read_with_it_in_the_order_received_up_to_a_limit(storage: Storage) -> None:
    events = [pushed(f"yurtici:ev-{n}", at=NOW + timedelta(minutes=n)) for n in range(5)]
    for event in reversed(events):
        await storage.evidence.record(event, event.proof.received_at)
    await storage.evidence.record(pushed("yurtici:ev-other", tracking_number="TRKSHP2"), NOW)
    await storage.evidence.record(pushed("aras:ev-1", carrier="aras"), NOW)

    assert await storage.evidence.waiting("yurtici:ev-2") == events[2]
    assert await storage.evidence.waiting_with(events[2], 10) == events
    assert await storage.evidence.waiting_with(events[4], 5) == events  # as many as the limit
    assert await storage.evidence.waiting_with(events[4], 3) == [events[0], events[1], events[4]]  # its own kept
    assert await storage.evidence.waiting_with(events[0], 1) == [events[0]]
    assert await storage.evidence.waiting("yurtici:ev-unknown") is None
    assert await storage.evidence.waiting_with(pushed("yurtici:ev-unknown"), 10) == []


async def test_a_pushs_waiting_events_are_read_in_the_pushs_order_below_and_at_the_limit(storage: Storage) -> None:
    events = [pushed(f"dhl:ev-{n}", carrier="dhl") for n in (7, 3, 9, 1, 5)]  # one push: one time of receipt
    assert await storage.evidence.record_many(events, NOW) == [True] * 5

    assert await storage.evidence.waiting_with(events[2], 10) == events
    assert await storage.evidence.waiting_with(events[2], 5) == events
    assert await storage.evidence.waiting_with(events[4], 3) == [events[0], events[1], events[4]]
    assert await storage.evidence.for_shipment("dhl", "TRKSHP1", EARLIER_PUSHES) == events


async def test_pushes_received_within_one_millisecond_keep_their_events_together_in_the_order_stored(
    storage: Storage,
) -> None:
    first = [pushed(f"dhl:ev-b{n}", carrier="dhl") for n in range(2)]  # keys not in the pushes' order
    second = [pushed(f"dhl:ev-a{n}", carrier="dhl") for n in range(2)]
    third = pushed("dhl:ev-c0", carrier="dhl")
    await storage.evidence.record_many(first, NOW + timedelta(microseconds=100))
    await storage.evidence.record_many(second, NOW + timedelta(microseconds=700))  # a date is kept to the millisecond
    await storage.evidence.record(third, NOW + timedelta(microseconds=900))

    in_order = [*first, *second, third]
    assert await storage.evidence.for_shipment("dhl", "TRKSHP1", EARLIER_PUSHES) == in_order
    assert await storage.evidence.for_shipment("dhl", "TRKSHP1", 3) == in_order[2:]
    assert await storage.evidence.waiting_with(second[0], 10) == in_order
    assert await storage.evidence.waiting_with(third, 2) == [first[0], third]  # the earliest others, then itself


@pytest.mark.usefixtures("small_inserts")
async def test_a_shipments_latest_events_are_read_up_to_a_limit_in_the_order_stored(storage: Storage) -> None:
    early = [pushed(f"yurtici:ev-{n}", at=NOW + timedelta(minutes=n)) for n in range(4)]
    for event in reversed(early):
        await storage.evidence.record(event, event.proof.received_at)
    late = [pushed(f"yurtici:ev-p{n}", at=NOW + timedelta(minutes=9)) for n in (3, 1, 2)]
    await storage.evidence.record_many(late, NOW + timedelta(minutes=9))  # one push, in 2 inserts
    await storage.evidence.attached(early[3].key, None, [e.key for e in early[:3]])
    await storage.evidence.record(pushed("yurtici:ev-other", tracking_number="TRKSHP2"), NOW + timedelta(hours=1))

    assert await storage.evidence.for_shipment("yurtici", "TRKSHP1", 7) == [*early, *late]  # attached ones too
    assert await storage.evidence.for_shipment("yurtici", "TRKSHP1", 5) == [*early[2:], *late]
    assert await storage.evidence.for_shipment("yurtici", "TRKSHP1", 2) == late[1:]  # a push cut at its place
    assert await storage.evidence.for_shipment("yurtici", "TRKSHP1", 1) == late[2:]


async def test_a_proof_of_delivery_before_a_window_of_scans_is_read_first(storage: Storage) -> None:
    def scan(n: int) -> Evidence:
        event = pushed(f"yurtici:scan-{n}", at=NOW + timedelta(minutes=n))
        return event.model_copy(update={"proof": event.proof.model_copy(
            update={"status": ProofStatus.IN_TRANSIT, "delivered_at": None, "signature": None})})

    older, latest_proof = pushed("yurtici:proof-1", at=NOW), pushed("yurtici:proof-2", at=NOW + timedelta(seconds=1))
    scans = [scan(n) for n in range(1, 4)]
    for event in (older, latest_proof, *scans):
        await storage.evidence.record(event, event.proof.received_at)

    assert await storage.evidence.for_shipment("yurtici", "TRKSHP1", 3) == [latest_proof, *scans]
    assert await storage.evidence.for_shipment("yurtici", "TRKSHP1", 4) == [latest_proof, *scans]  # in the window
    assert await storage.evidence.for_shipment("yurtici", "TRKSHP1", 2) == [latest_proof, *scans[1:]]


async def test_events_marked_attached_with_another_no_longer_wait_nor_are_due(storage: Storage) -> None:
    events = [pushed(f"yurtici:ev-{n}", at=NOW + timedelta(minutes=n)) for n in range(4)]
    for event in events:
        await storage.evidence.record(event, event.proof.received_at)

    await storage.evidence.attached("yurtici:ev-2", None, ["yurtici:ev-0", "yurtici:ev-1"])

    assert await storage.evidence.waiting_with(events[3], 10) == [events[3]]
    assert await storage.evidence.waiting("yurtici:ev-0") is None  # attached: nothing to do for it
    assert await storage.evidence.waiting_with(events[0], 10) == []
    assert await storage.evidence.waiting_with(events[0], 1) == []
    due = await storage.schedule.claim_due(WorkKind.ATTACH_PUSHED, NOW + timedelta(hours=1), LEASE, 10, "worker-1")
    assert [claimed.subject for claimed in due] == ["yurtici:ev-3"]
    assert await storage.evidence.for_shipment("yurtici", "TRKSHP1", EARLIER_PUSHES) == events  # still kept


async def test_staff_read_a_tracking_numbers_pushes_from_every_carrier_newest_first_a_page_at_a_time(
    storage: Storage,
) -> None:
    older = pushed("yurtici:ev-1", at=NOW)
    together = [pushed("aras:ev-a", carrier="aras", at=NOW + timedelta(minutes=1)),  # one push: one time of receipt
                pushed("aras:ev-b", carrier="aras", at=NOW + timedelta(minutes=1))]
    newest = pushed("yurtici:ev-2", at=NOW + timedelta(minutes=2))
    await storage.evidence.record(older, NOW)
    await storage.evidence.record_many(together, NOW + timedelta(minutes=1))
    await storage.evidence.record(newest, NOW + timedelta(minutes=2))
    await storage.evidence.record(pushed("yurtici:ev-3", tracking_number="TRKSHP2"), NOW)
    await storage.evidence.attached("aras:ev-a")

    first = await storage.evidence.pushed_for("TRKSHP1", None, 2)
    rest = await storage.evidence.pushed_for("TRKSHP1", first.next_after, 2)

    assert [(p.evidence, p.received_at, p.waiting) for p in first.items] == [
        (newest, NOW + timedelta(minutes=2), True),
        (together[1], NOW + timedelta(minutes=1), True),  # received together: by key, the greater first
    ]
    assert [(p.evidence, p.waiting) for p in rest.items] == [(together[0], False), (older, True)]
    assert first.next_after == (NOW + timedelta(minutes=1), "aras:ev-b") and rest.next_after is None
    assert (await storage.evidence.pushed_for("TRKSHP1", None, 4)).next_after is None


async def test_a_tracking_number_nothing_was_pushed_for_has_no_pushes(storage: Storage) -> None:
    await storage.evidence.record(pushed("yurtici:ev-1"), NOW)

    assert await storage.evidence.pushed_for("TRKNONE", None, 10) == PushPage([])


async def test_a_raw_body_stored_again_under_its_reference_is_accepted(storage: Storage) -> None:
    await storage.evidence.put_raw("raw_1", "yurtici", b"<reply>1</reply>", NOW)

    await storage.evidence.put_raw("raw_1", "yurtici", b"<reply>1</reply>", NOW + timedelta(minutes=1))


async def test_an_attachment_reads_back_as_stored_and_storing_its_reference_again_keeps_the_first(
    storage: Storage,
) -> None:
    signature = StoredAttachment(AttachmentKind.SIGNATURE, "image/png", PNG, CarrierSource("yurtici", "TRKSHP1"))
    other = StoredAttachment(AttachmentKind.SIGNATURE, "image/jpeg", JPEG, CarrierSource("yurtici", "TRKSHP1"))
    await storage.evidence.put_attachment("att_1", signature, NOW)

    await storage.evidence.put_attachment("att_1", other, NOW + timedelta(minutes=1))

    assert await storage.evidence.attachment("att_1") == ("image/png", PNG)


async def test_an_unknown_attachment_is_not_found(storage: Storage) -> None:
    assert await storage.evidence.attachment("att_unknown") is None


async def test_a_customers_image_is_kept_beside_the_carriers_and_reads_back_as_stored(storage: Storage) -> None:
    upload = StoredAttachment(CUSTOMER_IMAGE, "image/webp", WEBP, CustomerSource("dsp_1", "cust-1"))
    await storage.evidence.put_attachment("att_c1", upload, NOW)
    await storage.evidence.put_attachment(
        "att_s1", StoredAttachment(AttachmentKind.PHOTO, "image/png", PNG, CarrierSource("yurtici", "TRKSHP1")), NOW
    )

    assert await storage.evidence.attachment("att_c1") == ("image/webp", WEBP)
    assert await storage.evidence.attachment("att_s1") == ("image/png", PNG)


async def test_the_same_image_uploaded_for_another_case_keeps_the_one_copy(storage: Storage) -> None:
    first = StoredAttachment(CUSTOMER_IMAGE, "image/jpeg", JPEG, CustomerSource("dsp_1", "cust-1"))
    again = StoredAttachment(CUSTOMER_IMAGE, "image/jpeg", JPEG, CustomerSource("dsp_2", "cust-1"))
    await storage.evidence.put_attachment("att_c1", first, NOW)

    await storage.evidence.put_attachment("att_c1", again, NOW + timedelta(minutes=1))

    assert await storage.evidence.attachment("att_c1") == ("image/jpeg", JPEG)
