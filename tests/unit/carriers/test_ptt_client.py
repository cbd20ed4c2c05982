import pytest
from aiohttp import web
from pydantic import SecretStr

from carriers.errors import CarrierUnavailable
from carriers.ptt.client import PttAdapter
from carriers.ptt.settings import PttSettings
from carriers.retry import RetryBudget
from schemas.proof import ProofStatus
from tests.unit.carriers.conftest import Recorder, xml_texts

PATH = "/GonderiTakipV2/services/Sorgu"


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


async def test_a_pull_posts_the_barcode_query_and_reads_the_movements(payloads, adapter_at, clock) -> None:
    service = Recorder(payloads.raw("ptt/query-delivered.xml"))
    ptt = await ptt_at(service.handle, adapter_at)
    proof = await ptt.pull("KP01234567890")

    assert (proof.status, proof.received_at) == (ProofStatus.DELIVERED, clock.now())
    [(headers, body)] = service.seen
    assert headers["SOAPAction"] == '"urn:gonderiSorgu"'
    values = xml_texts(body)
    assert (values["barkod"], values["kullanici"], values["sifre"]) == ("KP01234567890", "900123456", "ptt-pass")


async def test_a_reference_query_is_sent_when_configured(payloads, adapter_at) -> None:
    actions: list[str] = []

    async def service(request: web.Request) -> web.Response:
        actions.append(request.headers["SOAPAction"])
        return web.Response(body=payloads.raw("ptt/query-not-found.xml"), content_type="text/xml")

    ptt = await ptt_at(service, adapter_at, key="referansNo")
    assert (await ptt.pull("ORD-777")).status is ProofStatus.NOT_FOUND
    assert actions == ['"urn:gonderiSorgu_referansNo"']


async def test_a_gateway_timeout_is_retried(payloads, adapter_at) -> None:
    calls: list[int] = []

    async def slow_then_fine(request: web.Request) -> web.Response:
        calls.append(1)
        if len(calls) == 1:
            return web.Response(status=504)
        return web.Response(body=payloads.raw("ptt/query-delivered.xml"), content_type="text/xml")

    ptt = await ptt_at(slow_then_fine, adapter_at)
    assert (await ptt.pull("KP01234567890")).status is ProofStatus.DELIVERED
    assert len(calls) == 2


async def test_a_garbage_500_is_treated_as_an_outage(adapter_at, clock) -> None:
    async def broken(request: web.Request) -> web.Response:
        return web.Response(status=500, text="Internal Server Error")

    ptt = await ptt_at(broken, adapter_at)
    with pytest.raises(CarrierUnavailable, match="HTTP 500"):
        await ptt.pull("KP01234567890")
    assert len(clock.sleeps) == 2
