"""Disputes and proofs for policy tests, built directly: the order of tests/factories.py, delivered two days
before NOW, disputed six hours before NOW, with evidence received an hour before NOW."""

from datetime import datetime, timedelta
from math import degrees
from typing import Any

from disputes.model import Dispute
from disputes.policy.geo import EARTH_RADIUS_M
from disputes.rules import Rules
from disputes.sla import deadlines
from schemas.common import Outcome, Resolution, Role
from schemas.dispute import (
    CustomerEvidence,
    CustomerImage,
    Decision,
    Evidence,
    OrderSnapshot,
    ReasonCode,
    Status,
    SubmissionKind,
)
from schemas.proof import (
    Attachment,
    AttachmentKind,
    DeliveryLocation,
    ProofOfDelivery,
    ProofSource,
    ProofStatus,
    RecipientRelation,
    TrackingEvent,
)
from tests.factories import NOW, order

ORDER = order()
SHIPMENT = ORDER.shipments[0]
ADDRESS = ORDER.address
DELIVERED_AT = SHIPMENT.delivered_at or NOW
OPENED_AT = NOW - timedelta(hours=6)
RECEIVED_AT = NOW - timedelta(hours=1)
SLA = deadlines(OPENED_AT, Rules())
HIGH_VALUE = 2_500_000
_UNSET: list[TrackingEvent] = []


def north_of_address(metres: float) -> tuple[float, float]:
    """A point `metres` due north of the order's address (on a meridian the great-circle distance is exact)."""
    assert ADDRESS.lat is not None and ADDRESS.lon is not None
    return ADDRESS.lat + degrees(metres / EARTH_RADIUS_M), ADDRESS.lon


def snapshot(value_minor: int = 129_900, reshippable: bool = True, coordinates: bool = True) -> OrderSnapshot:
    address = ADDRESS if coordinates else ADDRESS.model_copy(update={"lat": None, "lon": None})
    return OrderSnapshot(
        order_id=ORDER.order_id, customer_id=ORDER.customer_id, buyer_name=ORDER.buyer_name,
        recipient_name=ORDER.recipient_name, recipient_phone=ORDER.recipient_phone, address=address,
        currency=ORDER.currency, payment_method=ORDER.payment_method, placed_at=ORDER.placed_at,
        shipment_id=SHIPMENT.shipment_id,
        carrier=SHIPMENT.carrier, tracking_number=SHIPMENT.tracking_number, delivered_at=DELIVERED_AT,
        items=SHIPMENT.items, value_minor=value_minor, reshippable=reshippable,
    )


def proof(
    *,
    status: ProofStatus = ProofStatus.DELIVERED,
    received_by: str | None = "Ayşe Yılmaz",
    relation: RecipientRelation = RecipientRelation.RECIPIENT,
    signature: bool = True,
    photo: bool = False,
    document: bool = False,
    metres: float | None = 20.0,
    accuracy: float | None = 10.0,
    place: str | None = None,
    delivered_at: datetime | None = DELIVERED_AT,
    received_at: datetime = RECEIVED_AT,
    events: list[TrackingEvent] = _UNSET,
    **carrier_facts: Any,
) -> ProofOfDelivery:
    """By default a strong proof: the recipient signed, the scan 20 m from the door, at the tracked time."""
    lat, lon = north_of_address(metres) if metres is not None else (None, None)
    location = None
    if metres is not None or place is not None:
        location = DeliveryLocation(lat=lat, lon=lon, accuracy_m=accuracy if metres is not None else None, text=place)
    if events is _UNSET:
        events = [TrackingEvent(at=delivered_at, code="DELIVERED")] if delivered_at else []
    return ProofOfDelivery(
        carrier="yurtici", tracking_number=SHIPMENT.tracking_number, status=status,
        delivered_at=delivered_at if status is ProofStatus.DELIVERED else None,
        received_by=received_by, recipient_relation=relation,
        signature=_attachment(AttachmentKind.SIGNATURE) if signature else None,
        photo=_attachment(AttachmentKind.PHOTO) if photo else None,
        document=_attachment(AttachmentKind.DOCUMENT) if document else None,
        location=location, source=ProofSource.PULL, received_at=received_at, events=tuple(events), **carrier_facts,
    )


def evidence(key: str = "ev-1", **proof_fields: object) -> Evidence:
    return Evidence(key=key, proof=proof(**proof_fields))


def dispute(
    *evidence: Evidence,
    proof_missing: bool = False,
    value_minor: int = 129_900,
    reshippable: bool = True,
    preference: Resolution = Resolution.REFUND,
    opened_at: datetime = OPENED_AT,
    decided_before: bool = False,
    coordinates: bool = True,
    added: tuple[CustomerEvidence, ...] = (),
) -> Dispute:
    decision = Decision(
        outcome=Outcome.REJECTED, reason_code=ReasonCode.PROOF_OF_DELIVERY, note="Signed by the recipient.",
        refund_to=None, decided_by="inv-ayse", decided_by_role=Role.INVESTIGATOR, decided_at=OPENED_AT, sequence=1,
    ) if decided_before else None
    return Dispute(
        id="dsp_policy", status=Status.UNDER_REVIEW if evidence else Status.AWAITING_EVIDENCE,
        customer_id=ORDER.customer_id, order=snapshot(value_minor, reshippable, coordinates),
        statement="Teslim görünüyor ama gelmedi.", preferred_resolution=preference, opened_at=opened_at,
        updated_at=opened_at, sla=SLA if opened_at == OPENED_AT else deadlines(opened_at, Rules()),
        evidence=list(evidence), proof_missing=proof_missing, decision=decision,
        decisions=1 if decided_before else 0, customer_evidence=list(added),
    )


def customer_added(images: int = 1, at: datetime = RECEIVED_AT, kind: SubmissionKind = SubmissionKind.INFORMATION
                   ) -> CustomerEvidence:
    """What the customer sent: a statement and `images` images by reference."""
    pictures = [CustomerImage(ref=f"att_{n}", media_type="image/jpeg", filename=f"kapi-{n}.jpg", size=2048)
                for n in range(images)]
    return CustomerEvidence(kind=kind, statement="Kapıda paket yoktu, fotoğrafı ekledim.", images=pictures,
                            submitted_at=at, submitted_by=ORDER.customer_id)


def _attachment(kind: AttachmentKind) -> Attachment:
    return Attachment(kind=kind, url=f"https://pod.example/{kind.value}/1")
