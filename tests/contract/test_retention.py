"""Retention: a closed case's images and raw replies are deleted its retention after it closes, and the case records
it (markers instead of references and file names, findings that link nothing, a timeline entry); a reference still
needed elsewhere (another case, a stored push not yet expired, a push being stored) is kept; a stored push is deleted
its keeping after its receipt, with what only it held, and a push attached to a case goes when the case's images go.
A case on a test clock, its retention come by the clock, deletes its own copies and leaves the shipment's pushes to
real time, for the customer's real cases. The copies of an entry a full case drops for a proof are deleted once
nothing else cites them, the case still open.
The case records the deletion first: a case reopened during its pass keeps its images, and what a case recorded is
deleted though the pass that recorded it stopped."""

import base64
from contextlib import suppress
from datetime import timedelta

import pytest

from adapters.memory import FixedClock, InMemoryPushRetention, InMemoryRetention, InMemoryStoredCopyCheck
from adapters.mongo.retention import AttachmentRetention, PushRetention, StoredCopyCheck
from disputes.actors import SYSTEM
from disputes.calendar import BusinessCalendar
from disputes.errors import StaleVersion
from disputes.evidence import EARLIER_PUSHES
from disputes.intake import EvidenceIntake, PushedEvent, attachment_ref, raw_ref
from disputes.lanes import Lanes
from disputes.model import MAX_EVIDENCE, ClockReading, Dispute
from disputes.ports import CUSTOMER_IMAGE, STORED_LATELY, CarrierSource, CustomerSource, StoredAttachment
from disputes.schedule import DueWork, Job
from disputes.work import COPY_CHECKS, WorkKind
from schemas.common import Outcome
from schemas.dispute import CustomerImage, Evidence, ReasonCode, pull_key
from schemas.proof import Attachment, AttachmentKind, DeletedAttachment, ProofOfDelivery, ProofSource, ProofStatus
from schemas.recommendation import Citation, Effect, Finding, PolicyRule, Recommendation, RecommendedAction
from tests.contract.conftest import Cases, Storage
from tests.factories import CUSTOMER, INVESTIGATOR, NOW, SUPERVISOR

SIGNATURE = b"\x89PNG\r\n\x1a\n" + b"the-same-signature-every-push" * 20
OTHER_SIGNATURE = b"\x89PNG\r\n\x1a\n" + b"another-signature" * 20
DOOR = b"\xff\xd8\xff\xe0" + b"door-photo" * 50
RETENTION = timedelta(days=365)  # the stores' default retention, and their default keeping of pushes
LATER = NOW + RETENTION + timedelta(days=1)


def retention_jobs(storage: Storage, clock: FixedClock) -> tuple[Job, Job, list[Job]]:
    """The case retention, the push retention and the checks of stored copies over `storage`, on the worker's
    `clock`."""
    if storage.name == "memory":
        return (InMemoryRetention(storage.disputes, storage.evidence, clock),
                InMemoryPushRetention(storage.disputes, storage.evidence, clock),
                [InMemoryStoredCopyCheck(storage.disputes, storage.evidence, clock, kind) for kind in COPY_CHECKS])
    db = storage.disputes.collection.database
    return (AttachmentRetention(db, storage.disputes, clock), PushRetention(db, RETENTION, clock),
            [StoredCopyCheck(db, clock, kind) for kind in COPY_CHECKS])


class Retention:
    """The retention workers over one storage, on a clock of their own."""

    def __init__(self, storage: Storage) -> None:
        self.clock = FixedClock(NOW)
        self.storage = storage
        self.case_job, pushes, checks = retention_jobs(storage, self.clock)
        self.cases = DueWork(storage.schedule, self.case_job, self.clock, "worker-1")
        self.pushes = DueWork(storage.schedule, pushes, self.clock, "worker-1")
        self.checks = [DueWork(storage.schedule, check, self.clock, "worker-1") for check in checks]

    async def run(self, at) -> tuple[int, int]:
        """One pass of each at `at`: how many cases and pushes each claimed (then the checks of stored copies run)."""
        self.clock.current = at
        claimed = await self.cases.run_once(), await self.pushes.run_once()
        for check in self.checks:
            await check.run_once()
        return claimed

    async def pass_on(self, at, meanwhile) -> None:
        """One case's retention pass at `at`, the case changed by `meanwhile` between its claim and its handling (the
        pass may give the case up then)."""
        self.clock.current = at
        [claimed] = await self.storage.schedule.claim_due(WorkKind.RETENTION, at, timedelta(seconds=10), 1, "worker-1")
        await meanwhile()
        with suppress(StaleVersion):
            await self.case_job.handle(claimed, Lanes(1).enter())


@pytest.fixture
def retention(storage: Storage) -> Retention:
    return Retention(storage)


def image(kind: AttachmentKind, content: bytes) -> Attachment:
    return Attachment(kind=kind, content_b64=base64.b64encode(content).decode(), media_type="image/png")


async def pulled(storage: Storage, clock: FixedClock, transcript: bytes, *images: Attachment) -> Evidence:
    """A proof pulled for TRKSHP1 as the pull keeps it (its transcript, if any, and images by reference), delivered at
    the clock's time."""
    intake = EvidenceIntake(storage.evidence, storage.evidence, clock, lambda kind, content: "image/png")
    proof = ProofOfDelivery(carrier="surat", tracking_number="TRKSHP1", status=ProofStatus.DELIVERED,
                            delivered_at=clock.now(), source=ProofSource.PULL, received_at=clock.now(),
                            **{i.kind.value: i for i in images})
    stored = await intake.receive_pull("surat", proof, None, transcript)
    return Evidence(key=pull_key(stored), proof=stored)


def signed(tracking_number: str, signature: bytes = SIGNATURE) -> ProofOfDelivery:
    content = base64.b64encode(signature).decode()
    return ProofOfDelivery(
        carrier="surat", tracking_number=tracking_number, status=ProofStatus.DELIVERED, delivered_at=NOW,
        signature=Attachment(kind=AttachmentKind.SIGNATURE, content_b64=content, media_type="image/png"),
        source=ProofSource.PUSH, received_at=NOW,
    )


async def push(storage: Storage, clock: FixedClock, event_id: str, tracking_number: str,
               signature: bytes = SIGNATURE) -> Evidence:
    """A push as the webhook stores it (its body and signature by reference); the event as recorded."""
    intake = EvidenceIntake(storage.evidence, storage.evidence, clock, lambda kind, content: "image/png")
    body = f'{{"event": "{event_id}"}}'.encode()
    await intake.receive_push("surat", body, [PushedEvent(event_id, signed(tracking_number, signature))], None)
    stored = await storage.evidence.for_shipment("surat", tracking_number, EARLIER_PUSHES)
    [event] = [e for e in stored if e.key.endswith(event_id)]
    return event


async def attach(cases: Cases, dispute_id: str, event: Evidence) -> None:
    await cases.change(dispute_id, lambda d: d.attach_evidence(SYSTEM, event, NOW))
    await cases.storage.evidence.attached(event.key)


async def on_a_push(storage: Storage, cases: Cases, clock: FixedClock) -> tuple[Dispute, Evidence]:
    """A case with a push's proof attached: the case, and the push."""
    case = await cases.open(1, carrier="surat")
    event = await push(storage, clock, "ev-1", "TRKSHP1")
    await attach(cases, case.id, event)
    return case, event


async def withdrawn(cases: Cases, dispute_id: str) -> None:
    await cases.change(dispute_id, lambda d: d.withdraw(CUSTOMER, "Komşuda buldum.", NOW))


async def decided(cases: Cases, dispute_id: str, outcome: Outcome, at) -> None:
    reason = ReasonCode.PROOF_OF_DELIVERY if outcome is Outcome.REJECTED else ReasonCode.GOODWILL
    await cases.change(dispute_id, lambda d: d.decide(INVESTIGATOR, outcome, reason, "n", None, at))


async def kept(storage: Storage, ref: str) -> bool:
    """Whether the attachment store still holds `ref` (an image or a raw body)."""
    if storage.name == "memory":
        return ref in storage.evidence.attachments or ref in storage.evidence.raw
    db = storage.disputes.collection.database
    return bool(await db.attachments.count_documents({"_id": ref}) + await db.raw_payloads.count_documents({"_id": ref}))


def cited(ref: str) -> Recommendation:
    """The policy's advice citing the signature `ref`."""
    finding = Finding(code="signature_present", text="Signature present.", text_tr="İmza var.", effect=Effect.SUPPORTS_DELIVERY,
                      evidence=[Citation(evidence_key="push:surat:ev-1", field="proof.signature", attachment=ref)])
    return Recommendation(action=RecommendedAction.NEEDS_PERSON, rule=PolicyRule.WEAK_PROOF, confidence=0.5,
                          findings=[finding], auto_resolve=False, carrier_liable=False, needs_supervisor=False,
                          priority=0, abuse_flags=[], computed_at=NOW)


async def test_a_closed_cases_images_go_after_its_retention_and_the_case_says_so_instead_of_pointing_at_them(
    storage: Storage, cases: Cases, clock: FixedClock, retention: Retention,
) -> None:
    case, event = await on_a_push(storage, cases, clock)
    door_ref = "att_" + "d" * 40
    source = CustomerSource(case.id, "cust-1")
    await storage.evidence.put_attachment(door_ref, StoredAttachment(CUSTOMER_IMAGE, "image/jpeg", DOOR, source), NOW)
    door = CustomerImage(ref=door_ref, media_type="image/jpeg", filename="ayse-yilmaz-0532-555-12-12.jpg", size=len(DOOR))
    signature_ref, raw_ref = event.proof.signature.ref, event.proof.raw_ref

    def advised_and_added(d):
        d.recommendation = cited(signature_ref)
        d.add_information(CUSTOMER, "Kapının fotoğrafı.", [door], NOW, timedelta(hours=12), BusinessCalendar())

    await cases.change(case.id, advised_and_added)
    await withdrawn(cases, case.id)

    assert await retention.run(NOW + RETENTION - timedelta(days=1)) == (0, 0)
    assert await retention.run(LATER) == (1, 0)

    for ref in (signature_ref, raw_ref, door_ref):
        assert not await kept(storage, ref), ref
    purged = await storage.disputes.read(case.id)
    assert purged.images_deleted_at == LATER
    assert purged.timeline[-1].action == "images_deleted" and purged.timeline[-1].at == LATER
    signature = purged.evidence[0].proof.signature
    assert (type(signature), signature.ref, signature.media_type) == (DeletedAttachment, None, "image/png")
    assert purged.evidence[0].proof.raw_ref is None
    [added] = purged.customer_evidence
    assert added.images == [] and [(m.media_type, m.size) for m in added.deleted_images] == [("image/jpeg", len(DOOR))]
    written = purged.model_dump_json()
    assert "ayse-yilmaz" not in written and signature_ref not in written and raw_ref not in written
    [finding] = purged.recommendation.findings
    assert finding.code == "signature_present" and [c.attachment for c in finding.evidence] == [None]
    assert await retention.run(LATER + timedelta(days=1)) == (0, 0)


async def test_a_proof_s_images_held_by_the_carrier_s_link_go_with_the_stored_ones(
    storage: Storage, cases: Cases, clock: FixedClock, retention: Retention,
) -> None:
    # DHL's proof of delivery links its signature and document (`signatureUrl`, `documentUrl`); a partner may link
    # its photo: the way to the receiver's signature and the door, as the stored copies are.
    case, event = await on_a_push(storage, cases, clock)
    link = "https://pod.surat.example/TRKSHP1/imza-mehmet-kaya.png"
    linked = event.proof.model_copy(update={"photo": Attachment(kind=AttachmentKind.PHOTO, url=link)})
    await cases.change(case.id, lambda d: d.attach_evidence(SYSTEM, Evidence(key="pull:linked", proof=linked), NOW))
    await withdrawn(cases, case.id)

    assert (await retention.run(LATER))[0] == 1

    purged = await storage.disputes.read(case.id)
    assert purged.images_deleted_at == LATER and link not in purged.model_dump_json()
    photos = [e.proof.photo for e in purged.evidence if e.proof.photo is not None]
    assert photos and all(isinstance(photo, DeletedAttachment) for photo in photos)


async def test_a_case_closed_before_its_retention_was_raised_keeps_its_images_for_the_longer_one(
    storage: Storage, cases: Cases, clock: FixedClock, retention: Retention,
) -> None:
    # A court case: DISPUTES_ATTACHMENT_RETENTION_DAYS raised from 365 to 1,000 days after the case closed, which
    # had it due at 365 days (README: "a longer duty (a court case) is met by raising it").
    case, event = await on_a_push(storage, cases, clock)
    await withdrawn(cases, case.id)
    storage.disputes.retention = timedelta(days=1000)
    storage.disputes.personal_data = timedelta(days=1100)

    cases_claimed, _ = await retention.run(LATER)
    assert cases_claimed == 1  # claimed by the date the shorter retention gave it: kept

    kept_case = await storage.disputes.read(case.id)
    assert kept_case.images_deleted_at is None and await kept(storage, event.proof.signature.ref)
    assert (await retention.run(NOW + timedelta(days=999)))[0] == 0  # due again by the longer one
    assert (await retention.run(NOW + timedelta(days=1001)))[0] == 1
    assert (await storage.disputes.read(case.id)).images_deleted_at == NOW + timedelta(days=1001)
    assert not await kept(storage, event.proof.signature.ref)


async def test_an_image_a_waiting_push_holds_is_kept_when_the_case_that_shared_it_is_purged(
    storage: Storage, cases: Cases, clock: FixedClock, retention: Retention,
) -> None:
    first = await cases.open(1, carrier="surat")
    await attach(cases, first.id, await push(storage, clock, "ev-1", "TRKSHP1"))
    clock.current = NOW + timedelta(days=300)  # every push of this carrier carries the same signature bytes
    waiting = await push(storage, clock, "ev-2", "TRKSHP2")
    await withdrawn(cases, first.id)

    assert await retention.run(LATER) == (1, 0)  # the first push went with the case's images

    assert await kept(storage, waiting.proof.signature.ref), "a push on another shipment still waits with it"
    clock.current = NOW  # opened within the claim window of its shipment's delivery (the service's rule, not storage's)
    second = await cases.open(2, carrier="surat")
    await attach(cases, second.id, waiting)
    assert await kept(storage, waiting.proof.signature.ref)


async def test_an_image_stored_again_lately_is_kept_for_the_push_whose_event_may_not_be_recorded_yet(
    storage: Storage, cases: Cases, clock: FixedClock, retention: Retention,
) -> None:
    case, event = await on_a_push(storage, cases, clock)
    await withdrawn(cases, case.id)
    again = StoredAttachment(AttachmentKind.SIGNATURE, "image/png", SIGNATURE, CarrierSource("surat", "TRKSHP2"))
    await storage.evidence.put_attachment(event.proof.signature.ref, again, LATER - timedelta(minutes=1))

    assert await retention.run(LATER) == (1, 0)

    assert await kept(storage, event.proof.signature.ref), "a push's intake stored it a minute ago"
    assert not await kept(storage, event.proof.raw_ref)
    await retention.run(LATER - timedelta(minutes=1) + STORED_LATELY)
    assert not await kept(storage, event.proof.signature.ref), "that push was never recorded"


async def test_a_push_no_case_took_is_deleted_its_keeping_after_receipt_with_what_only_it_held(
    storage: Storage, cases: Cases, clock: FixedClock, retention: Retention,
) -> None:
    lonely = await push(storage, clock, "ev-1", "TRKSHP7", OTHER_SIGNATURE)
    shared = await push(storage, clock, "ev-2", "TRKSHP8")
    case = await cases.open(1, carrier="surat")
    clock.current = NOW + timedelta(days=10)
    await attach(cases, case.id, await push(storage, clock, "ev-3", "TRKSHP1"))  # the same signature as ev-2

    assert await retention.run(NOW + RETENTION - timedelta(seconds=1)) == (0, 0)
    assert await retention.run(NOW + RETENTION) == (0, 2)

    assert await storage.evidence.for_shipment("surat", "TRKSHP7", EARLIER_PUSHES) == []
    assert await storage.evidence.for_shipment("surat", "TRKSHP8", EARLIER_PUSHES) == []
    assert not await kept(storage, lonely.proof.signature.ref) and not await kept(storage, lonely.proof.raw_ref)
    assert not await kept(storage, shared.proof.raw_ref)
    assert await kept(storage, shared.proof.signature.ref), "the open case still cites it"


async def test_a_push_attached_to_a_case_goes_when_the_cases_images_go(
    storage: Storage, cases: Cases, clock: FixedClock, retention: Retention,
) -> None:
    case, event = await on_a_push(storage, cases, clock)
    await withdrawn(cases, case.id)

    await retention.run(NOW + timedelta(days=366))

    assert await storage.evidence.for_shipment("surat", "TRKSHP1", EARLIER_PUSHES) == []
    assert not await kept(storage, event.proof.signature.ref)


async def test_a_case_on_a_clock_past_its_retention_deletes_its_own_copies_and_leaves_the_pushes_to_the_real_case(
    storage: Storage, cases: Cases, clock: FixedClock, retention: Retention,
) -> None:
    event = await push(storage, clock, "ev-1", "TRKSHP1")  # a push-only carrier's strong proof
    on_clock = await cases.draft(1, carrier="surat")
    on_clock.test_clock = ClockReading(id="clk_1", time=NOW, at=NOW)
    await storage.disputes.add(on_clock, NOW)
    await attach(cases, on_clock.id, event)
    door_ref = "att_" + "d" * 40  # the customer's photo: the clock's case's own copy, nothing else cites it
    source = CustomerSource(on_clock.id, "cust-1")
    await storage.evidence.put_attachment(door_ref, StoredAttachment(CUSTOMER_IMAGE, "image/jpeg", DOOR, source), NOW)
    door = CustomerImage(ref=door_ref, media_type="image/jpeg", filename="kapi.jpg", size=len(DOOR))
    await cases.change(on_clock.id, lambda d: d.add_information(CUSTOMER, "Kapının fotoğrafı.", [door], NOW,
                                                                 timedelta(hours=12), BusinessCalendar()))
    await withdrawn(cases, on_clock.id)
    ahead = ClockReading(id="clk_1", time=NOW + timedelta(days=370), at=NOW)  # the clock advanced past its retention

    def advanced(d: Dispute) -> None:
        d.test_clock = ahead

    await cases.change(on_clock.id, advanced)

    assert await retention.run(NOW + STORED_LATELY * 2) == (1, 0)  # by the clock's time: hours later, really

    assert (await storage.disputes.read(on_clock.id)).images_deleted_at == ahead.time
    assert not await kept(storage, door_ref)
    real = await cases.open(1, carrier="surat")  # the customer's real case on the shipment, opened afterwards
    [kept_push] = await storage.evidence.for_shipment("surat", "TRKSHP1", EARLIER_PUSHES)  # what its first pull reads
    assert kept_push.key == event.key and kept_push.proof.signature.ref == event.proof.signature.ref
    await attach(cases, real.id, kept_push)
    assert (await storage.disputes.read(real.id)).stored_refs() == sorted([event.proof.signature.ref, event.proof.raw_ref])
    for ref in (event.proof.signature.ref, event.proof.raw_ref):
        assert await kept(storage, ref), ref


async def test_a_case_reopened_while_its_retention_pass_runs_keeps_every_image_it_cites_until_it_closes_again(
    storage: Storage, cases: Cases, clock: FixedClock, retention: Retention,
) -> None:
    case, event = await on_a_push(storage, cases, clock)
    await decided(cases, case.id, Outcome.REFUND, NOW)

    async def reopened() -> None:
        await cases.change(case.id, lambda d: d.reopen(SUPERVISOR, "Kamera kaydına bakılacak.", LATER))

    await retention.pass_on(LATER, reopened)
    assert await retention.run(LATER + timedelta(days=1)) == (0, 1)  # only the push's own keeping ends

    active = await storage.disputes.read(case.id)
    assert active.is_active and active.images_deleted_at is None
    assert active.stored_refs() == sorted([event.proof.signature.ref, event.proof.raw_ref])
    for ref in active.stored_refs():
        assert await kept(storage, ref), ref

    await decided(cases, case.id, Outcome.REJECTED, LATER + timedelta(days=1))
    assert await retention.run(LATER + RETENTION + timedelta(days=1)) == (1, 0)
    assert not await kept(storage, event.proof.signature.ref) and not await kept(storage, event.proof.raw_ref)
    assert await storage.evidence.for_shipment("surat", "TRKSHP1", EARLIER_PUSHES) == []


async def test_a_case_reopened_once_its_pass_recorded_the_deletion_cites_no_image_and_the_images_still_go(
    storage: Storage, cases: Cases, clock: FixedClock, retention: Retention,
) -> None:
    case, event = await on_a_push(storage, cases, clock)
    await decided(cases, case.id, Outcome.REFUND, NOW)

    async def recorded_then_reopened() -> None:  # the state a pass leaves that stopped after its first write
        await cases.change(case.id, lambda d: d.delete_stored_copies(LATER))
        await cases.change(case.id, lambda d: d.reopen(SUPERVISOR, "Kamera kaydına bakılacak.", LATER))

    await retention.pass_on(LATER, recorded_then_reopened)
    assert await retention.run(LATER + timedelta(days=1)) == (1, 0)  # what the case recorded is deleted

    active = await storage.disputes.read(case.id)
    assert active.is_active and active.stored_refs() == [] and active.images_deleted_at == LATER
    assert not await kept(storage, event.proof.signature.ref) and not await kept(storage, event.proof.raw_ref)
    assert await storage.evidence.for_shipment("surat", "TRKSHP1", EARLIER_PUSHES) == []
    assert await retention.run(LATER + timedelta(days=2)) == (0, 0)


async def test_a_case_that_recorded_its_images_deleted_has_them_deleted_though_its_pass_stopped_before_deleting(
    storage: Storage, cases: Cases, clock: FixedClock, retention: Retention,
) -> None:
    case, event = await on_a_push(storage, cases, clock)
    await withdrawn(cases, case.id)
    await cases.change(case.id, lambda d: d.delete_stored_copies(LATER))  # the pass's first write, then it died

    assert await retention.run(LATER) == (1, 0)

    assert not await kept(storage, event.proof.signature.ref) and not await kept(storage, event.proof.raw_ref)
    assert await storage.evidence.for_shipment("surat", "TRKSHP1", EARLIER_PUSHES) == []
    assert (await storage.disputes.read(case.id)).images_deleted_at == LATER
    assert await retention.run(LATER + timedelta(days=1)) == (0, 0)


async def test_images_nothing_came_to_cite_are_deleted_an_hour_after_they_were_stored(
    storage: Storage, retention: Retention,
) -> None:
    carriers = StoredAttachment(AttachmentKind.SIGNATURE, "image/png", OTHER_SIGNATURE, CarrierSource("surat", "TRKSHP9"))
    customers = StoredAttachment(CUSTOMER_IMAGE, "image/jpeg", DOOR, CustomerSource("dsp-lost", "cust-1"))
    for stored in (carriers, customers):  # the push's event never recorded; the case's save of the image lost
        await storage.evidence.put_attachment(attachment_ref(stored.content), stored, NOW)
    refs = [attachment_ref(OTHER_SIGNATURE), attachment_ref(DOOR)]

    await retention.run(NOW + STORED_LATELY - timedelta(seconds=1))
    for ref in refs:
        assert await kept(storage, ref), "what stored it may still cite it"

    await retention.run(NOW + STORED_LATELY)
    for ref in refs:
        assert not await kept(storage, ref), ref


async def test_images_a_recorded_push_or_a_case_cites_are_kept_by_the_check_of_stored_images(
    storage: Storage, cases: Cases, clock: FixedClock, retention: Retention,
) -> None:
    event = await push(storage, clock, "ev-1", "TRKSHP7", OTHER_SIGNATURE)
    case = await cases.open(1, carrier="surat")
    door_ref = attachment_ref(DOOR)
    await storage.evidence.put_attachment(
        door_ref, StoredAttachment(CUSTOMER_IMAGE, "image/jpeg", DOOR, CustomerSource(case.id, "cust-1")), NOW
    )
    door = CustomerImage(ref=door_ref, media_type="image/jpeg", filename="kapi.jpg", size=len(DOOR))
    await cases.change(case.id, lambda d: d.add_information(
        CUSTOMER, "Kapının fotoğrafı.", [door], NOW, timedelta(hours=12), BusinessCalendar()
    ))

    await retention.run(NOW + timedelta(days=1))

    assert await kept(storage, event.proof.signature.ref) and await kept(storage, door_ref)


async def test_a_redelivered_push_s_body_no_event_came_to_cite_is_deleted_an_hour_after_it_was_stored(
    storage: Storage, clock: FixedClock, retention: Retention,
) -> None:
    intake = EvidenceIntake(storage.evidence, storage.evidence, clock, lambda kind, content: "image/png")
    event = PushedEvent("ev-1", signed("TRKSHP3"))
    first, again = b'{"event": "ev-1", "attempt": 1}', b'{"event": "ev-1", "attempt": 2}'
    await intake.receive_push("surat", first, [event], None)
    assert (await intake.receive_push("surat", again, [event], None)).duplicates == 1  # the carrier's retry

    await retention.run(NOW + STORED_LATELY - timedelta(seconds=1))
    assert await kept(storage, raw_ref(again)), "what stored it may still cite it"

    await retention.run(NOW + STORED_LATELY)
    assert not await kept(storage, raw_ref(again))
    assert await kept(storage, raw_ref(first)), "the recorded push cites it"


async def test_the_copies_of_a_pulled_proof_a_full_case_drops_for_a_newer_one_are_deleted_unless_still_cited(
    storage: Storage, cases: Cases, clock: FixedClock, retention: Retention,
) -> None:
    elsewhere = await push(storage, clock, "ev-1", "TRKSHP7")  # another parcel's push: the same signature bytes
    case = await cases.open(1, carrier="surat")
    shared_document = image(AttachmentKind.DOCUMENT, b"%PDF-1.4 teslim tutanagi" * 20)
    oldest = await pulled(storage, clock, b'{"reply": 0}', image(AttachmentKind.PHOTO, DOOR),
                          image(AttachmentKind.SIGNATURE, SIGNATURE), shared_document)
    entries = [oldest, await pulled(storage, clock, b'{"reply": 1}', shared_document)]
    for _ in range(2, MAX_EVIDENCE):
        clock.advance(seconds=1)
        entries.append(await pulled(storage, clock, b""))  # no transcript: no copy
    await cases.change(case.id, lambda d: d.attach_all_evidence(SYSTEM, entries, NOW))
    photo, raw = oldest.proof.photo.ref, oldest.proof.raw_ref
    assert await retention.run(NOW + STORED_LATELY) == (0, 0)  # the checks of the stored copies: all cited
    assert await kept(storage, photo) and await kept(storage, raw)

    clock.current = NOW + timedelta(days=2)
    proof = await push(storage, clock, "ev-2", "TRKSHP1")
    await attach(cases, case.id, proof)
    assert oldest.key not in {e.key for e in (await storage.disputes.read(case.id)).evidence}
    await retention.run(clock.current)

    assert not await kept(storage, photo) and not await kept(storage, raw), "nothing cites the dropped entry's copies"
    for ref in (oldest.proof.signature.ref, oldest.proof.document.ref, entries[1].proof.raw_ref):
        assert await kept(storage, ref), ref
    active = await storage.disputes.read(case.id)
    assert active.is_active and active.images_deleted_at is None and active.copies_to_delete == []
    assert "images_deleted" not in {entry.action for entry in active.timeline}
    assert [e.key for e in await storage.evidence.for_shipment("surat", "TRKSHP1", EARLIER_PUSHES)] == [proof.key]
    assert [e.key for e in await storage.evidence.for_shipment("surat", "TRKSHP7", EARLIER_PUSHES)] == [elsewhere.key]
    assert await retention.run(clock.current + timedelta(days=1)) == (0, 0)
