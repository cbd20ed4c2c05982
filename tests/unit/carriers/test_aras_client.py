import pytest
from aiohttp import web
from defusedxml.ElementTree import fromstring
from pydantic import SecretStr

from carriers.aras.client import ArasAdapter
from carriers.aras.mapping import ACTION
from carriers.aras.settings import ArasSettings
from carriers.errors import BadRequest, CarrierUnavailable
from carriers.retry import RetryBudget
from schemas.proof import ProofStatus

PATH = "/ArasCargoCustomerIntegrationService/ArasCargoIntegrationService.svc"


async def aras_at(handler, carrier_server, session, clock) -> ArasAdapter:
    settings = ArasSettings(
        base_url=await carrier_server([("POST", PATH, handler)]),
        username="aras-user",
        password=SecretStr("aras-pass"),
        customer_code="1234567",
        retry=RetryBudget(attempts=2, total_seconds=10),
    )
    return ArasAdapter(settings, session, clock=clock)


async def test_a_pull_posts_get_query_json_and_reads_the_document(payloads, carrier_server, session, clock) -> None:
    seen: list[tuple[dict[str, str], bytes]] = []

    async def service(request: web.Request) -> web.Response:
        seen.append((dict(request.headers), await request.read()))
        return web.Response(body=payloads.raw("aras/query-delivered.xml"), content_type="text/xml")

    aras = await aras_at(service, carrier_server, session, clock)
    proof = await aras.pull("ORD-777")

    assert (proof.status, proof.received_by) == (ProofStatus.DELIVERED, "Ayse Yilmaz")
    [(headers, body)] = seen
    assert headers["SOAPAction"] == f'"{ACTION}"'
    texts = {element.tag.rpartition("}")[2]: element.text for element in fromstring(body).iter()}
    assert "<CustomerCode>1234567</CustomerCode>" in texts["loginInfo"]
    assert "<IntegrationCode>ORD-777</IntegrationCode>" in texts["queryInfo"]


async def test_a_service_fault_is_reported_without_retrying(carrier_server, session, clock) -> None:
    fault = (
        '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault>'
        "<faultcode>s:Client</faultcode><faultstring>Hatalı giriş</faultstring></s:Fault></s:Body></s:Envelope>"
    ).encode()

    async def refuses(request: web.Request) -> web.Response:
        return web.Response(status=500, body=fault, content_type="text/xml")

    aras = await aras_at(refuses, carrier_server, session, clock)
    with pytest.raises(BadRequest, match="SOAP fault s:Client"):
        await aras.pull("ORD-777")
    assert clock.sleeps == []


async def test_a_timeout_like_outage_is_retried_then_unavailable(carrier_server, session, clock) -> None:
    async def busy(request: web.Request) -> web.Response:
        return web.Response(status=429, headers={"Retry-After": "2"})

    aras = await aras_at(busy, carrier_server, session, clock)
    with pytest.raises(CarrierUnavailable):
        await aras.pull("ORD-777")
    assert clock.sleeps == [2]


async def test_a_number_that_is_no_identifier_is_refused_before_calling(carrier_server, session, clock) -> None:
    async def never(request: web.Request) -> web.Response:
        raise AssertionError("no call expected")

    aras = await aras_at(never, carrier_server, session, clock)
    with pytest.raises(BadRequest, match="not a plain identifier"):
        await aras.pull('{"$ne": 1}')
