"""A carrier's answer pulled again is the evidence the case holds, not a second piece of it: recognised by its content as
storage keeps it (its times in UTC, to the millisecond, whatever the carrier wrote), whatever key a release gave it when
it was first pulled (a field added to the proof since changes every new key)."""

from datetime import UTC, datetime, timedelta, timezone

from carriers.parsing import attachment_media_type
from disputes.actors import SYSTEM
from disputes.intake import EvidenceIntake
from schemas.dispute import Evidence, Status, pull_key
from schemas.proof import (
    Attachment, AttachmentKind, Courier, DeliveryLocation, ProofOfDelivery, ProofSource, ProofStatus, TrackingEvent,
)
from tests.contract.conftest import Cases
from tests.factories import INVESTIGATOR, NOW

ISTANBUL = timezone(timedelta(hours=3))
EARLIER_KEY = "pull:74b4ef7144c27ff701f2f45a9c7b1b01"
"""A key an earlier release gave a pulled answer, over the proof's fields as they were then."""


def answer(tracking_number: str) -> ProofOfDelivery:
    """An answer as a carrier may write one: times with its offset, one finer than a millisecond."""
    return ProofOfDelivery(
        carrier="yurtici", tracking_number=tracking_number, status=ProofStatus.DELIVERED, status_code="5",
        delivered_at=datetime(2026, 12, 6, 10, 0, 0, 123456, tzinfo=ISTANBUL), received_by="Ayşe Yılmaz",
        signature=Attachment(kind=AttachmentKind.SIGNATURE, url="https://pod.example/s.png"),
        location=DeliveryLocation(lat=41.0, lon=29.1, accuracy_m=12.5, text="Kapı"),
        courier=Courier(name="Ali", unit="Kadıköy"),
        events=(TrackingEvent(at=datetime(2026, 12, 6, 9, 0, tzinfo=ISTANBUL), code="4", description="Dağıtımda"),
                TrackingEvent(at=datetime(2026, 12, 6, 7, 0, 0, 5000, tzinfo=UTC), code="5")),
        weight_grams=1200, source=ProofSource.PULL, received_at=NOW,
    )


async def test_an_answer_held_under_an_earlier_key_is_recognised_when_pulled_again(cases: Cases) -> None:
    intake = EvidenceIntake(cases.storage.evidence, cases.storage.evidence, cases.clock, attachment_media_type)
    case = await cases.open()
    first = await intake.receive_pull("yurtici", answer(case.order.tracking_number), None, None)
    await cases.change(case.id, lambda d: d.attach_evidence(SYSTEM, Evidence(key=EARLIER_KEY, proof=first), NOW))
    await cases.change(case.id, lambda d: d.request_evidence(INVESTIGATOR, NOW))

    cases.clock.advance(minutes=5)
    again = await intake.receive_pull("yurtici", answer(case.order.tracking_number), None, None)
    assert pull_key(again) != EARLIER_KEY
    stored = await cases.change(case.id, lambda d: d.attach_evidence(SYSTEM, Evidence(key=pull_key(again), proof=again), NOW))

    assert [e.key for e in stored.evidence] == [EARLIER_KEY]
    assert stored.timeline[-1].action == "evidence_unchanged" and stored.status is Status.UNDER_REVIEW
