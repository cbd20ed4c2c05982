"""The PTT adapter over a local stand-in: the request it sends, and what the link does with PTT's answers.
Only the HTTP call is faked; the replies are the public samples in ``tests/fixtures/carriers/ptt/``."""

import pytest
from aiohttp import web
from pydantic import SecretStr

from carriers.errors import CarrierAuthError, CarrierUnavailable
from carriers.partner.settings import PartnerWebhookSettings
from carriers.ptt.client import PttAdapter
from carriers.ptt.settings import PttSettings
from carriers.retry import RetryBudget
from carriers.transcript import recording
from schemas.proof import ProofOffer, ProofStatus
from tests.unit.carriers.conftest import Recorder, xml_texts
from tests.unit.carriers.properties import sample

PATH = "/GonderiTakipV2/services/Sorgu"
DELIVERED = sample("ptt", "gonderiSorgu-delivered-to-addressee.xml")


async def ptt_at(handler, adapter_at, **settings) -> PttAdapter:
    return await adapter_at(
        PttAdapter,
        PttSettings,
        [("POST", PATH, handler)],
        username="900123456",
        password=SecretStr("ptt-pass"),
        retry=RetryBudget(attempts=3, total_seconds=10),
        **settings,
    )


def answering(status: int, body: bytes) -> tuple[list[int], object]:
    calls: list[int] = []

    async def handle(request: web.Request) -> web.Response:
        calls.append(1)
        return web.Response(status=status, body=body, content_type="text/xml")

    return calls, handle


async def test_a_pull_posts_the_barcode_query_to_the_tracking_service(adapter_at, clock) -> None:
    service = Recorder(DELIVERED)
    ptt = await ptt_at(service.handle, adapter_at)

    proof = await ptt.pull("KP02123456789")

    assert (proof.status, proof.package_number, proof.received_at) == (
        ProofStatus.DELIVERED, "KP02123456789", clock.now(),
    )
    [(headers, body)] = service.seen
    assert headers["SOAPAction"] == '"urn:gonderiSorgu"'
    assert headers["Content-Type"].startswith("text/xml")
    values = xml_texts(body)
    assert "gonderiSorgu" in values and "input" in values
    assert (values["barkod"], values["kullanici"], values["sifre"]) == ("KP02123456789", "900123456", "ptt-pass")


async def test_a_reference_query_is_sent_when_configured(adapter_at) -> None:
    service = Recorder(sample("ptt", "gonderiSorgu_referansNo-out-for-delivery.xml"))
    ptt = await ptt_at(service.handle, adapter_at, key="referansNo")

    proof = await ptt.pull("ORD-777")

    assert (proof.status, proof.tracking_number, proof.package_number) == (ProofStatus.IN_TRANSIT, "ORD-777", None)
    [(headers, body)] = service.seen
    assert headers["SOAPAction"] == '"urn:gonderiSorgu_referansNo"'
    assert xml_texts(body)["referansNo"] == "ORD-777"


async def test_ptts_reply_is_kept_as_received(adapter_at) -> None:
    service = Recorder(DELIVERED)
    ptt = await ptt_at(service.handle, adapter_at)

    with recording() as replies:
        await ptt.pull("KP02123456789")

    [kept] = replies
    assert (kept.status, kept.body, kept.path.endswith(PATH)) == (200, DELIVERED, True)


async def test_a_credentials_fault_is_an_authentication_failure_not_retried(adapter_at, clock) -> None:
    calls, handle = answering(500, sample("ptt", "fault-bad-credentials.xml"))
    ptt = await ptt_at(handle, adapter_at)

    with pytest.raises(CarrierAuthError):
        await ptt.pull("KP02123456789")
    assert (len(calls), clock.sleeps) == (1, [])


async def test_the_gateways_refusal_of_our_account_is_an_authentication_failure_not_retried(adapter_at, clock) -> None:
    calls, handle = answering(500, sample("ptt", "fault-gateway-policy.xml"))
    ptt = await ptt_at(handle, adapter_at)

    with pytest.raises(CarrierAuthError):
        await ptt.pull("KP02123456789")
    assert (len(calls), clock.sleeps) == (1, [])


async def test_a_gateway_timeout_is_retried(adapter_at) -> None:
    calls: list[int] = []

    async def slow_then_fine(request: web.Request) -> web.Response:
        calls.append(1)
        if len(calls) == 1:
            return web.Response(status=504)
        return web.Response(body=DELIVERED, content_type="text/xml")

    ptt = await ptt_at(slow_then_fine, adapter_at)

    assert (await ptt.pull("KP02123456789")).status is ProofStatus.DELIVERED
    assert len(calls) == 2


async def test_a_500_that_is_no_fault_is_an_outage(adapter_at, clock) -> None:
    calls, handle = answering(500, b"<html><body>Internal Server Error</body></html>")
    ptt = await ptt_at(handle, adapter_at)

    with pytest.raises(CarrierUnavailable, match="HTTP 500"):
        await ptt.pull("KP02123456789")
    assert len(calls) == 3 and len(clock.sleeps) == 2


async def test_an_unknown_barcode_is_an_answer(adapter_at) -> None:
    service = Recorder(sample("ptt", "gonderiSorgu-not-found.xml"))
    ptt = await ptt_at(service.handle, adapter_at)

    assert (await ptt.pull("KP02000000000")).status is ProofStatus.NOT_FOUND


def test_what_ptt_can_give_by_pull_and_by_push(session, clock) -> None:
    settings = PttSettings(username="u", password=SecretStr("p"))
    pull_only = PttAdapter(settings, session, clock=clock)
    webhook = PartnerWebhookSettings(secrets=(SecretStr("x" * 32),))
    pushing = PttAdapter(settings.model_copy(update={"partner_webhook": webhook}), session, clock=clock)

    assert pull_only.capabilities.pull == ProofOffer(
        signature=False, photo=False, gps=False, place_text=False, receiver_name=True, masked_names=False,
    )
    assert pull_only.capabilities.push is None
    assert pushing.capabilities.push is not None and pushing.capabilities.push.signature
