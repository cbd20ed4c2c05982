"""Evidence intake: what a carrier pushed or answered is kept one way, whichever way it came."""

import base64
from collections.abc import Sequence
from datetime import datetime, timedelta

import pytest

from adapters.memory import FixedClock, InMemoryEvidenceStore
from carriers.parsing import attachment_media_type
from disputes.intake import EvidenceIntake, PushedEvent, PushReceipt, attachment_ref, push_key, raw_ref
from disputes.work import WorkKind
from schemas.dispute import Evidence, pull_key
from schemas.proof import (
    Attachment, AttachmentKind, Courier, DeliveryLocation, ProofOfDelivery, ProofOffer, ProofSource, ProofStatus,
    RecipientRelation, TrackingEvent,
)
from tests.factories import NOW

PNG = b"\x89PNG\r\n\x1a\n" + b"signature-pixels" * 50
BODY = b'{"events": "as the carrier sent them"}'
OFFER = ProofOffer(signature=True, photo=False, gps=False, place_text=True, receiver_name=True, masked_names=False)


def proof(tracking: str = "TRK1", signature: bytes | None = None) -> ProofOfDelivery:
    signed = Attachment(kind=AttachmentKind.SIGNATURE, content_b64=base64.b64encode(signature).decode(),
                        media_type="image/jpeg") if signature else None
    return ProofOfDelivery(carrier="yurtici", tracking_number=tracking, status=ProofStatus.DELIVERED,
                           delivered_at=NOW, source=ProofSource.PUSH, signature=signed,
                           received_at=NOW - timedelta(hours=1))  # the carrier's stamp; the service stamps its own


def intake_over(store: InMemoryEvidenceStore) -> EvidenceIntake:
    return EvidenceIntake(store, store, FixedClock(NOW), attachment_media_type)


async def test_a_push_is_stored_whole_before_the_receipt() -> None:
    store = InMemoryEvidenceStore()
    events = [PushedEvent("ev-1", proof("TRK1", PNG)), PushedEvent("ev-2", proof("TRK2"))]

    receipt = await intake_over(store).receive_push("yurtici", BODY, events, OFFER)

    assert receipt == PushReceipt(received=2, duplicates=0)
    assert store.raw == {raw_ref(BODY): BODY}
    assert store.attachments == {attachment_ref(PNG): ("image/png", PNG)}  # labelled by its bytes, not its claim
    assert sorted(store.events) == [push_key("yurtici", "ev-1"), push_key("yurtici", "ev-2")]
    first = store.events[push_key("yurtici", "ev-1")].proof
    assert first.signature is not None and first.signature.ref == attachment_ref(PNG)
    assert first.signature.content_b64 is None
    assert (first.raw_ref, first.received_at, first.offer) == (raw_ref(BODY), NOW, OFFER)
    assert store.due[WorkKind.ATTACH_PUSHED] == {push_key("yurtici", "ev-1"): NOW, push_key("yurtici", "ev-2"): NOW}


async def test_a_redelivered_event_is_counted_and_changes_nothing() -> None:
    store = InMemoryEvidenceStore()
    intake = intake_over(store)
    await intake.receive_push("yurtici", BODY, [PushedEvent("ev-1", proof("TRK1"))], OFFER)
    stored = dict(store.events)

    again = await intake.receive_push("yurtici", BODY + b" ", [PushedEvent("ev-1", proof("TRK9")),
                                                               PushedEvent("ev-2", proof("TRK2"))], OFFER)

    assert again == PushReceipt(received=2, duplicates=1)
    assert store.events[push_key("yurtici", "ev-1")] == stored[push_key("yurtici", "ev-1")]
    assert push_key("yurtici", "ev-2") in store.events


class CountedInbox(InMemoryEvidenceStore):
    """The in-memory store, counting the inbox's writes: the events given to each call storing a push's events."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[int] = []

    async def record_many(self, events: Sequence[Evidence], at: datetime) -> list[bool]:
        self.writes.append(len(events))
        return await super().record_many(events, at)


async def test_a_pushs_events_are_recorded_in_one_write_counting_those_sent_before_in_it_or_earlier() -> None:
    store = CountedInbox()
    intake = intake_over(store)
    await intake.receive_push("yurtici", BODY, [PushedEvent("ev-1", proof("TRK1"))], OFFER)
    events = [PushedEvent(event_id, proof(f"TRK{event_id}")) for event_id in ("ev-1", "ev-2", "ev-3", "ev-2", "ev-4")]

    receipt = await intake.receive_push("yurtici", BODY + b" ", events, OFFER)

    assert receipt == PushReceipt(received=5, duplicates=2)
    assert store.writes == [1, 5]
    assert [store.events[push_key("yurtici", f"ev-{n}")].proof.tracking_number for n in (1, 2, 3, 4)] == [
        "TRK1", "TRKEV-2", "TRKEV-3", "TRKEV-4",
    ]


class RefusingInbox(InMemoryEvidenceStore):
    """While `refusing`, stores all it is given but the last, then fails: as a write refused for a reason other
    than a duplicate."""

    refusing = True

    async def record_many(self, events: Sequence[Evidence], at: datetime) -> list[bool]:
        if not self.refusing:
            return await super().record_many(events, at)
        await super().record_many(events[:-1], at)
        raise RuntimeError("write refused")


async def test_a_push_whose_events_were_not_all_stored_gets_no_receipt_and_is_stored_whole_when_sent_again() -> None:
    store = RefusingInbox()
    intake = intake_over(store)
    events = [PushedEvent("ev-1", proof("TRK1")), PushedEvent("ev-2", proof("TRK2"))]

    with pytest.raises(RuntimeError):
        await intake.receive_push("yurtici", BODY, events, OFFER)
    store.refusing = False
    again = await intake.receive_push("yurtici", BODY, events, OFFER)

    assert again == PushReceipt(received=2, duplicates=1)
    assert sorted(store.events) == [push_key("yurtici", "ev-1"), push_key("yurtici", "ev-2")]


async def test_the_same_event_id_from_two_carriers_is_two_events() -> None:
    store = InMemoryEvidenceStore()
    intake = intake_over(store)

    await intake.receive_push("yurtici", BODY, [PushedEvent("ev-1", proof())], OFFER)
    other = await intake.receive_push("aras", BODY, [PushedEvent("ev-1", proof())], OFFER)

    assert other.duplicates == 0 and len(store.events) == 2


async def test_a_pull_without_a_transcript_keeps_no_raw_answer() -> None:
    store = InMemoryEvidenceStore()

    kept = await intake_over(store).receive_pull("yurtici", proof(signature=PNG), OFFER, None)

    assert kept.raw_ref is None and store.raw == {}
    assert kept.signature is not None and kept.signature.ref in store.attachments
    assert store.events == {}  # pulled proof goes onto the dispute, not into the push inbox


async def test_the_same_answer_in_two_replies_that_differ_only_in_their_transaction_id_is_one_piece_of_evidence() -> None:
    """FedEx's Track API echoes a fresh `transactionId` in every reply: each pull's transcript, and the stored copy
    it points at, differ, and the answer is still the one already held."""
    store = InMemoryEvidenceStore()
    intake = intake_over(store)
    answer = ProofOfDelivery(carrier="fedex", tracking_number="794600000001", status=ProofStatus.IN_TRANSIT,
                             source=ProofSource.PULL, received_at=NOW)
    first = await intake.receive_pull("fedex", answer, None, b'{"transactionId": "APIF_SV_TRKC_TxID-1", "output": {}}')
    again = await intake.receive_pull("fedex", answer, None, b'{"transactionId": "APIF_SV_TRKC_TxID-2", "output": {}}')

    assert first.raw_ref is not None and again.raw_ref is not None and first.raw_ref != again.raw_ref  # both kept
    assert pull_key(first) == pull_key(again)  # one piece of evidence


def test_attachments_labelled_as_their_bytes_leave_the_proof_as_it_is() -> None:
    labelled = proof(signature=PNG).model_copy(update={"signature": proof(signature=PNG).signature.model_copy(
        update={"media_type": "image/png"})})

    assert labelled.with_inline_media_types(attachment_media_type) is labelled


def test_a_mislabelled_attachment_is_relabelled_by_its_bytes() -> None:
    claimed_jpeg = proof(signature=PNG)

    relabelled = claimed_jpeg.with_inline_media_types(attachment_media_type)

    assert relabelled.signature is not None and relabelled.signature.media_type == "image/png"
    assert claimed_jpeg.signature is not None and claimed_jpeg.signature.media_type == "image/jpeg"


async def test_what_a_carrier_writes_for_people_reaches_the_service_without_control_characters() -> None:
    """Shown in the console, the customer's thread and exports: an escape sequence or a NUL is a space there, and
    the proof is kept all the same (pulled or pushed: both enter here)."""
    written = proof().model_copy(update={
        "received_by": "Mehmet\x1b[2J Demir\x00",
        "location": DeliveryLocation(text="Kapı\r\nönü", address="Moda Cd.\t12"),
        "courier": Courier(name="\x07", unit="Kadıköy"),
        "events": (TrackingEvent(at=NOW, code="DLV", description="Teslim\x85edildi", location_text="Kadıköy"),),
    })
    store = InMemoryEvidenceStore()

    await intake_over(store).receive_push("yurtici", BODY, [PushedEvent("ev-1", written)], OFFER)

    kept = store.events[push_key("yurtici", "ev-1")].proof
    assert (kept.received_by, kept.location.text, kept.location.address) == ("Mehmet [2J Demir", "Kapı önü", "Moda Cd. 12")
    assert (kept.courier.name, kept.courier.unit) == (None, "Kadıköy")
    assert [(e.description, e.location_text) for e in kept.events] == [("Teslim edildi", "Kadıköy")]
    plain = proof()
    assert (await intake_over(InMemoryEvidenceStore()).receive_pull("yurtici", plain, OFFER, None)).events == plain.events


@pytest.mark.parametrize(("written", "stated", "stored"), [
    ("KOMŞU MEHMET", RecipientRelation.UNKNOWN, RecipientRelation.NEIGHBOUR),
    ("KAPICI", RecipientRelation.UNKNOWN, RecipientRelation.DOORMAN),
    ("EŞİ", RecipientRelation.UNKNOWN, RecipientRelation.HOUSEHOLD_MEMBER),
    ("Kendisi", RecipientRelation.UNKNOWN, RecipientRelation.RECIPIENT),
    ("KOMŞU MEHMET", RecipientRelation.HOUSEHOLD_MEMBER, RecipientRelation.HOUSEHOLD_MEMBER),  # the carrier's word wins
    ("Ayşe Kapıcı", RecipientRelation.UNKNOWN, RecipientRelation.UNKNOWN),  # a surname, not a relation
])
async def test_a_couriers_relation_word_in_the_receiver_field_is_kept_as_the_relation_pulled_or_pushed(
    written: str, stated: RecipientRelation, stored: RecipientRelation
) -> None:
    """What the console and the views show of the proof is what the policy reads; the field stays as written."""
    carried = proof().model_copy(update={"received_by": written, "recipient_relation": stated})
    store = InMemoryEvidenceStore()

    await intake_over(store).receive_push("yurtici", BODY, [PushedEvent("ev-1", carried)], OFFER)
    pulled = await intake_over(InMemoryEvidenceStore()).receive_pull("yurtici", carried, OFFER, None)

    pushed = store.events[push_key("yurtici", "ev-1")].proof
    assert (pushed.recipient_relation, pushed.received_by) == (stored, written)
    assert (pulled.recipient_relation, pulled.received_by) == (stored, written)
