import json

import pytest
from pydantic import SecretStr, ValidationError

from carriers.base import CarrierAdapter, PushCarrier
from carriers.errors import CarrierRejected, WebhookRejected
from carriers.partner.settings import PartnerWebhookSettings
from carriers.partner.signing import HEADER, sign
from carriers.surat.client import SuratAdapter
from carriers.surat.settings import SuratSettings
from schemas.proof import ProofSource, ProofStatus
from tests.unit.carriers.conftest import NOW

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


def test_a_signed_delivery_push_becomes_evidence(surat, payloads, clock) -> None:
    event = payloads.json("partner/delivered.json") | {"carrier": "surat", "tracking_number": "SRT123"}
    raw = json.dumps(event).encode()
    surat.verify_webhook({HEADER: sign(SECRET, raw, int(NOW.timestamp()))}, raw, NOW)
    [pushed] = surat.parse_webhook(raw)
    assert (pushed.tracking_number, pushed.proof.carrier) == ("SRT123", "surat")
    assert pushed.proof.status is ProofStatus.DELIVERED
    assert (pushed.proof.source, pushed.proof.received_at) == (ProofSource.PUSH, clock.now())


def test_an_unsigned_push_is_rejected(surat, payloads) -> None:
    raw = payloads.raw("partner/delivered.json")
    with pytest.raises(WebhookRejected):
        surat.verify_webhook({}, raw, NOW)
