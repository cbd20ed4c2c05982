"""Viewing a case's attachments: staff see the carrier's proof and the customer's images, the customer (and an agent
for them) only the customer's own uploads; each view is on the timeline, by whom and when, without moving the
version a decision quotes, once per viewer and attachment an hour, a viewer's later views no more once the case holds
its limit while a first view still is; the customer's own views are not recorded, so they never take the room staff
views need."""

import hashlib
from datetime import timedelta

import pytest

from disputes.actors import SYSTEM
from disputes.errors import Forbidden, NotFound
from disputes.model import ClockReading
from disputes.evidence_access import VIEWED, VIEWS_LIMIT_REACHED, EvidenceAccess
from disputes.ports import CarrierSource, StoredAttachment, ViewBound
from disputes.service import Upload
from schemas.common import Outcome, Role
from schemas.dispute import Evidence, ReasonCode, TimelineEntry
from schemas.proof import Attachment, AttachmentKind, ProofSource
from tests.factories import AGENT, CUSTOMER, INVESTIGATOR, OTHER_CUSTOMER, SUPERVISOR
from tests.unit import kept_images
from tests.unit.policy.builders import proof

store, cleaner, service = kept_images.store, kept_images.cleaner, kept_images.service  # the fixtures

SIGNATURE = b"\x89PNG\r\n\x1a\n" + b"someone-elses-signature" * 30
DOOR = Upload("kapi.jpg", "image/jpeg", b"\xff\xd8\xff\xe0" + b"door-pixels" * 40)


def ref_of(content: bytes) -> str:
    return "att_" + hashlib.sha256(content).hexdigest()[:40]


@pytest.fixture
def access(repository, store, clock) -> EvidenceAccess:
    return EvidenceAccess(repository, store, clock)


@pytest.fixture
async def case(service, store, request_for, clock):
    """A case with the carrier's signed proof and a photo the customer sent."""
    dispute = (await service.open(CUSTOMER, request_for(), None)).dispute
    signature = Attachment(kind=AttachmentKind.SIGNATURE, ref=ref_of(SIGNATURE), media_type="image/png")
    source = CarrierSource("yurtici", dispute.order.tracking_number)
    await store.put_attachment(ref_of(SIGNATURE), StoredAttachment(AttachmentKind.SIGNATURE, "image/png", SIGNATURE, source), clock.now())
    signed = Evidence(key="ev-signed", proof=proof().model_copy(update={"signature": signature}))
    await service.apply(SYSTEM, dispute.id, lambda d: d.attach_evidence(SYSTEM, signed, clock.now()))
    return await service.add_information(CUSTOMER, dispute.id, "Kapının fotoğrafı ekte.", [DOOR])


@pytest.mark.parametrize("staff", [INVESTIGATOR, SUPERVISOR], ids=["investigator", "supervisor"])
async def test_staff_see_the_carriers_signature_and_the_customers_photo(access, case, staff):
    signature = await access.view(staff, case.id, ref_of(SIGNATURE))
    photo = await access.view(staff, case.id, ref_of(DOOR.content))

    assert (signature.kind, signature.media_type, signature.content) == (AttachmentKind.SIGNATURE, "image/png", SIGNATURE)
    assert (photo.kind, photo.media_type, photo.content) == ("customer_image", "image/jpeg", DOOR.content)


@pytest.mark.parametrize("caller", [CUSTOMER, AGENT], ids=["customer", "agent"])
async def test_the_customer_side_sees_the_customers_own_upload_but_never_the_carriers_signature(access, case, caller):
    photo = await access.view(caller, case.id, ref_of(DOOR.content))
    assert photo.content == DOOR.content

    with pytest.raises(Forbidden):
        await access.view(caller, case.id, ref_of(SIGNATURE))


async def test_another_customer_cannot_tell_the_case_exists(access, case):
    with pytest.raises(NotFound):
        await access.view(OTHER_CUSTOMER, case.id, ref_of(DOOR.content))


async def test_an_attachment_of_another_case_is_not_found_even_though_it_is_stored(access, case, store, clock):
    elsewhere = b"\x89PNG\r\n\x1a\n" + b"another-case" * 30
    source = CarrierSource("yurtici", "TRK-OTHER")
    await store.put_attachment(ref_of(elsewhere), StoredAttachment(AttachmentKind.PHOTO, "image/png", elsewhere, source), clock.now())

    with pytest.raises(NotFound):
        await access.view(INVESTIGATOR, case.id, ref_of(elsewhere))
    with pytest.raises(NotFound):
        await access.view(INVESTIGATOR, "dsp_unknown", ref_of(SIGNATURE))


async def test_bytes_deleted_after_the_retention_period_are_not_found(access, case, store):
    del store.attachments[ref_of(SIGNATURE)]

    with pytest.raises(NotFound):
        await access.view(INVESTIGATOR, case.id, ref_of(SIGNATURE))


async def test_each_view_is_on_the_timeline_by_whom_and_when_and_the_version_stays(access, case, repository, clock):
    clock.advance(minutes=5)
    await access.view(INVESTIGATOR, case.id, ref_of(SIGNATURE))
    clock.advance(minutes=1)
    await access.view(AGENT, case.id, ref_of(DOOR.content))

    stored = await repository.get(case.id)
    views = [(e.at, e.actor, e.role, e.action, e.details) for e in stored.full_timeline if e.action == VIEWED]
    assert views == [
        (clock.now() - timedelta(minutes=1), "inv-ayse", Role.INVESTIGATOR, VIEWED,
         {"attachment": ref_of(SIGNATURE), "kind": "signature"}),
        (clock.now(), "agent-elif", Role.AGENT, VIEWED, {"attachment": ref_of(DOOR.content), "kind": "customer_image"}),
    ]
    assert stored.version == case.version
    assert [e.action for e in stored.full_timeline][-2:] == [VIEWED, VIEWED]


async def test_a_view_of_a_case_on_a_test_clock_is_at_the_clock_s_time(access, case, repository, clock):
    ahead = ClockReading(id="clk_1", time=clock.now() + timedelta(days=1), at=clock.now())
    repository.docs[case.id] = case.model_copy(update={"test_clock": ahead})  # as a case opened on a clock a day ahead

    await access.view(INVESTIGATOR, case.id, ref_of(SIGNATURE))

    [view] = (await repository.get(case.id)).attachment_views
    assert view.at == ahead.time  # after the case's own entries, as the case lives by the clock


async def test_staff_download_a_pull_s_raw_reply_but_not_a_push_s_which_may_hold_other_shipments(
    access, service, store, case, clock
):
    pulled, pushed = b'{"trackResults": ["ours"]}', b'<shipments><one/><another-customer-s/></shipments>'
    def raw(body: bytes) -> str:
        return ref_of(body).replace("att_", "raw_")

    received = [Evidence(key=key, proof=proof().model_copy(update={"raw_ref": raw(body), "source": source}))
                for body, source, key in ((pulled, ProofSource.PULL, "pull:1"), (pushed, ProofSource.PUSH, "push:1"))]
    for body in (pulled, pushed):
        await store.put_raw(raw(body), "yurtici", body, clock.now())
    await service.apply(SYSTEM, case.id, lambda d: [d.attach_evidence(SYSTEM, e, clock.now()) for e in received])

    reply = await access.view(INVESTIGATOR, case.id, raw(pulled))

    assert (reply.kind, reply.media_type, reply.content) == ("raw_reply", "application/json", pulled)
    with pytest.raises(NotFound):
        await access.view(SUPERVISOR, case.id, raw(pushed))
    with pytest.raises(Forbidden):  # the carrier's words are for staff
        await access.view(CUSTOMER, case.id, raw(pulled))


async def test_a_refused_view_is_not_recorded(access, case, repository):
    with pytest.raises(Forbidden):
        await access.view(CUSTOMER, case.id, ref_of(SIGNATURE))

    assert (await repository.get(case.id)).attachment_views == []


async def test_the_version_the_investigator_reviewed_still_decides_after_viewing_the_proof(access, case, service):
    reviewed = await service.get(INVESTIGATOR, case.id)
    await access.view(INVESTIGATOR, case.id, ref_of(SIGNATURE))

    decided = await service.decide(INVESTIGATOR, case.id, {reviewed.version}, Outcome.REJECTED,
                                   ReasonCode.PROOF_OF_DELIVERY, "İmza ve fotoğraf adreste.", None)

    assert decided.decision is not None and [e.action for e in decided.attachment_views] == [VIEWED]


async def test_a_viewer_looking_again_and_again_is_recorded_once_an_hour(access, case, repository, clock):
    first_seen = clock.now()
    for _ in range(120):  # a browser asking every thirty seconds for an hour
        await access.view(AGENT, case.id, ref_of(DOOR.content))
        clock.advance(seconds=30)
    await access.view(AGENT, case.id, ref_of(DOOR.content))  # an hour after the first view: still within it
    clock.advance(seconds=1)
    await access.view(AGENT, case.id, ref_of(DOOR.content))

    stored = await repository.get(case.id)
    assert [(e.at, e.actor, e.action) for e in stored.attachment_views] == [
        (first_seen, "agent-elif", VIEWED), (first_seen + timedelta(hours=1, seconds=1), "agent-elif", VIEWED),
    ]
    assert stored.version == case.version


async def test_the_later_view_that_finds_the_record_full_says_so_once_and_later_views_add_nothing(
        access, case, repository, clock):
    for number in range(300):  # the record as 300 first views, of as many investigators, leave it
        filler = TimelineEntry(at=clock.now(), actor=f"inv-{number}", role=Role.INVESTIGATOR, action=VIEWED,
                               details={"attachment": ref_of(SIGNATURE), "kind": "signature"})
        assert await repository.record_view(case.id, filler, ViewBound(since=clock.now(), limit=300))

    await access.view(INVESTIGATOR, case.id, ref_of(SIGNATURE))  # a first view: still recorded
    clock.advance(hours=2)
    found_full = await access.view(INVESTIGATOR, case.id, ref_of(SIGNATURE))  # a later one: no room for it
    clock.advance(hours=2)
    await access.view(INVESTIGATOR, case.id, ref_of(SIGNATURE))
    await access.view(AGENT, case.id, ref_of(DOOR.content))  # a first view again

    assert found_full.content == SIGNATURE  # the investigator still sees the signature
    views = (await repository.get(case.id)).attachment_views
    assert len(views) == 303
    assert [(e.actor, e.action, e.details) for e in views[-3:]] == [
        ("inv-ayse", VIEWED, {"attachment": ref_of(SIGNATURE), "kind": "signature"}),
        ("inv-ayse", VIEWS_LIMIT_REACHED, {"limit": 300}),
        ("agent-elif", VIEWED, {"attachment": ref_of(DOOR.content), "kind": "customer_image"}),
    ]


async def test_one_investigator_viewing_every_attachment_each_hour_for_weeks_leaves_room_for_whoever_looks_next(
        access, case, repository, clock):
    for _ in range(200):  # the case page, opened once an hour, fetches both attachments
        await access.view(INVESTIGATOR, case.id, ref_of(SIGNATURE))
        await access.view(INVESTIGATOR, case.id, ref_of(DOOR.content))
        clock.advance(hours=1, seconds=1)

    await access.view(SUPERVISOR, case.id, ref_of(DOOR.content))
    await access.view(AGENT, case.id, ref_of(DOOR.content))

    views = (await repository.get(case.id)).attachment_views
    # 150 hours of two views fill the 300 places; the 151st hour's first view says so; the newcomers are on record
    assert [e.action for e in views].count(VIEWED) == 302 and len(views) == 303
    assert [(e.actor, e.action) for e in views[-3:]] == [
        ("inv-ayse", VIEWS_LIMIT_REACHED), ("sup-zeynep", VIEWED), ("agent-elif", VIEWED)]


async def test_the_customer_looking_at_their_own_photo_past_the_limit_leaves_room_for_the_investigator(
        access, case, repository, clock):
    for _ in range(350):  # each view in a window of its own: each would be recorded, were it anyone else's
        assert (await access.view(CUSTOMER, case.id, ref_of(DOOR.content))).content == DOOR.content
        clock.advance(hours=1, seconds=1)

    await access.view(INVESTIGATOR, case.id, ref_of(SIGNATURE))

    stored = await repository.get(case.id)
    assert [(e.at, e.actor, e.role, e.action, e.details) for e in stored.attachment_views] == [
        (clock.now(), "inv-ayse", Role.INVESTIGATOR, VIEWED, {"attachment": ref_of(SIGNATURE), "kind": "signature"}),
    ]
    assert stored.version == case.version
