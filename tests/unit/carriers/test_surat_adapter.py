from datetime import UTC, datetime

import pytest
from pydantic import SecretStr, ValidationError

from carriers.base import CarrierAdapter, PushCarrier
from carriers.errors import CarrierRejected, WebhookRejected
from carriers.partner.settings import PartnerWebhookSettings
from carriers.partner.signing import HEADER, sign
from carriers.surat.client import SuratAdapter
from carriers.surat.settings import SuratSettings
from schemas.proof import ProofSource, ProofStatus, RecipientRelation
from tests.unit.carriers.conftest import NOW
from tests.unit.carriers.properties import sample

SECRET = "whsec_surat_0123456789abcdef0123456789ab"


@pytest.fixture
def surat(session, clock) -> SuratAdapter:
    webhook = PartnerWebhookSettings(secrets=(SecretStr(SECRET),))
    return SuratAdapter(SuratSettings(partner_webhook=webhook), session, clock=clock)


def test_surat_is_a_push_only_carrier(surat) -> None:
    assert isinstance(surat, CarrierAdapter) and isinstance(surat, PushCarrier)
    assert surat.capabilities.pull is None and surat.capabilities.push is not None
    assert surat.breaker.state == "closed"


async def test_a_pull_is_refused_as_unsupported(surat) -> None:
    with pytest.raises(CarrierRejected, match="no pull API"):
        await surat.pull("SRT123")


def test_surat_cannot_be_configured_without_a_partner_secret(session) -> None:
    with pytest.raises(ValidationError, match="pushes only"):
        SuratSettings(partner_webhook=PartnerWebhookSettings())
    with pytest.raises(ValidationError):
        SuratSettings.model_validate({})


def test_a_signed_delivery_push_becomes_evidence(surat, clock) -> None:
    raw = sample("surat", "delivered-with-proof.json")
    surat.verify_webhook({HEADER: sign(SECRET, raw, int(NOW.timestamp()))}, raw, NOW)
    [pushed] = surat.parse_webhook(raw)
    proof = pushed.proof
    assert (pushed.event_id, pushed.tracking_number, proof.carrier) == (
        "srt-SRT20240422001-TESLIM", "SRT20240422001", "surat",
    )
    assert (proof.status, proof.status_code, proof.source, proof.received_at) == (
        ProofStatus.DELIVERED, "delivered", ProofSource.PUSH, clock.now(),
    )
    assert proof.delivered_at == datetime(2024, 4, 22, 13, 5, 44, tzinfo=UTC)
    assert (proof.received_by, proof.recipient_relation) == ("Zeynep Arslan", RecipientRelation.DOORMAN)
    assert proof.signature is not None and proof.signature.media_type == "image/png"
    assert proof.photo is not None and proof.photo.url == "https://partner.surat.test/pod/SRT20240422001/photo.jpg"
    assert proof.location is not None and (proof.location.lat, proof.location.lon, proof.location.accuracy_m) == (
        39.9208, 32.8541, 15,
    )
    assert proof.courier is not None and (proof.courier.name, proof.courier.unit) == ("Burak Şahin", "Çankaya")


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("delivered-without-proof.json", ProofStatus.DELIVERED),
        ("in-transit.json", ProofStatus.IN_TRANSIT),
        ("failed-attempt.json", ProofStatus.FAILED_ATTEMPT),
    ],
)
def test_every_surat_sample_becomes_a_proof_with_only_what_it_carries(surat, name: str, status: ProofStatus) -> None:
    [pushed] = surat.parse_webhook(sample("surat", name))
    proof = pushed.proof
    assert (proof.status, proof.signature, proof.photo, proof.received_by) == (status, None, None, None)
    assert (proof.delivered_at is not None) == (status is ProofStatus.DELIVERED)
    assert proof.location is None  # GPS on a failed attempt is not a delivery place


def test_an_unsigned_push_is_rejected(surat) -> None:
    raw = sample("partner", "delivered-with-proof.json")
    with pytest.raises(WebhookRejected):
        surat.verify_webhook({}, raw, NOW)
