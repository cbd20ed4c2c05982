import pytest
from aiohttp import web
from pydantic import SecretStr

from carriers.aras.client import ArasAdapter
from carriers.aras.mapping import ACTION
from carriers.aras.settings import ArasSettings
from carriers.errors import BadRequest, CarrierUnavailable
from carriers.retry import RetryBudget
from schemas.proof import ProofStatus
from tests.unit.carriers.conftest import Recorder, xml_texts

PATH = "/ArasCargoCustomerIntegrationService/ArasCargoIntegrationService.svc"


async def aras_at(handler, adapter_at) -> ArasAdapter:
    return await adapter_at(
        ArasAdapter,
        ArasSettings,
        [("POST", PATH, handler)],
        username="aras-user",
        password=SecretStr("aras-pass"),
        customer_code="1234567",
        retry=RetryBudget(attempts=2, total_seconds=10),
    )


async def test_a_pull_posts_get_query_json_and_reads_the_document(payloads, adapter_at) -> None:
    service = Recorder(payloads.raw("aras/query-delivered.xml"))
    aras = await aras_at(service.handle, adapter_at)
    proof = await aras.pull("ORD-777")

    assert (proof.status, proof.received_by) == (ProofStatus.DELIVERED, "Ayse Yilmaz")
    [(headers, body)] = service.seen
    assert headers["SOAPAction"] == f'"{ACTION}"'
    texts = xml_texts(body)
    assert "<CustomerCode>1234567</CustomerCode>" in texts["loginInfo"]
    assert "<IntegrationCode>ORD-777</IntegrationCode>" in texts["queryInfo"]


async def test_a_service_fault_is_reported_without_retrying(adapter_at, clock) -> None:
    fault = (
        '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault>'
        "<faultcode>s:Client</faultcode><faultstring>Hatalı giriş</faultstring></s:Fault></s:Body></s:Envelope>"
    ).encode()

    async def refuses(request: web.Request) -> web.Response:
        return web.Response(status=500, body=fault, content_type="text/xml")

    aras = await aras_at(refuses, adapter_at)
    with pytest.raises(BadRequest, match="SOAP fault s:Client"):
        await aras.pull("ORD-777")
    assert clock.sleeps == []


async def test_a_timeout_like_outage_is_retried_then_unavailable(adapter_at, clock) -> None:
    async def busy(request: web.Request) -> web.Response:
        return web.Response(status=429, headers={"Retry-After": "2"})

    aras = await aras_at(busy, adapter_at)
    with pytest.raises(CarrierUnavailable):
        await aras.pull("ORD-777")
    assert clock.sleeps == [2]


async def test_a_number_that_is_no_identifier_is_refused_before_calling(adapter_at) -> None:
    async def never(request: web.Request) -> web.Response:
        raise AssertionError("no call expected")

    aras = await aras_at(never, adapter_at)
    with pytest.raises(BadRequest, match="not a plain identifier"):
        await aras.pull('{"$ne": 1}')
