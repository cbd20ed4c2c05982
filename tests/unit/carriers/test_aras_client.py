"""The Aras adapter over HTTP: only the carrier's server is faked, the request and its reading are real."""

import pytest
from aiohttp import web
from pydantic import SecretStr

from carriers.aras.client import ArasAdapter
from carriers.aras.settings import ArasSettings
from carriers.errors import BadRequest, CarrierAuthError, CarrierUnavailable
from carriers.retry import RetryBudget
from schemas.proof import ProofStatus
from tests.unit.carriers.conftest import Recorder, xml_texts
from tests.unit.carriers.properties import sample

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


def answering(status: int, body: bytes):
    async def handle(request: web.Request) -> web.Response:
        return web.Response(status=status, body=body, content_type="text/xml")

    return handle


async def test_a_pull_posts_get_query_json_to_the_service_and_reads_the_reply(adapter_at) -> None:
    service = Recorder(sample("aras", "delivered.xml"))
    aras = await aras_at(service.handle, adapter_at)
    proof = await aras.pull("100")

    assert (proof.status, proof.received_by) == (ProofStatus.DELIVERED, "NEBAHAT YILMAZ")
    [(headers, body)] = service.seen
    assert headers["SOAPAction"] == '"http://tempuri.org/IArasCargoIntegrationService/GetQueryJSON"'
    assert headers["Content-Type"].startswith("text/xml")
    texts = xml_texts(body)
    assert texts["loginInfo"] == (
        "<LoginInfo><UserName>aras-user</UserName><Password>aras-pass</Password>"
        "<CustomerCode>1234567</CustomerCode></LoginInfo>"
    )
    assert texts["queryInfo"] == "<QueryInfo><QueryType>1</QueryType><IntegrationCode>100</IntegrationCode></QueryInfo>"


async def test_the_services_internal_fault_is_an_outage_retried_within_the_budget(adapter_at, clock) -> None:
    calls: list[int] = []

    async def handle(request: web.Request) -> web.Response:
        calls.append(1)
        return web.Response(status=500, body=sample("aras", "fault.xml"), content_type="text/xml")

    aras = await aras_at(handle, adapter_at)

    with pytest.raises(CarrierUnavailable, match="SOAP fault a:InternalServiceFault"):
        await aras.pull("100")
    assert len(calls) == 2 and len(clock.sleeps) == 1


async def test_a_pull_answered_after_an_internal_fault_reads_the_reply(adapter_at) -> None:
    replies = iter([(500, sample("aras", "fault.xml")), (200, sample("aras", "delivered.xml"))])

    async def handle(request: web.Request) -> web.Response:
        status, body = next(replies)
        return web.Response(status=status, body=body, content_type="text/xml")

    aras = await aras_at(handle, adapter_at)

    assert (await aras.pull("100")).status is ProofStatus.DELIVERED


async def test_a_fault_refusing_the_login_is_an_authentication_failure(adapter_at, clock) -> None:
    fault = (
        '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault>'
        "<faultcode>s:Client</faultcode><faultstring>Kullanıcı adı veya şifre hatalı</faultstring>"
        "</s:Fault></s:Body></s:Envelope>"
    ).encode()
    aras = await aras_at(answering(500, fault), adapter_at)

    with pytest.raises(CarrierAuthError):
        await aras.pull("100")
    assert clock.sleeps == []


async def test_a_throttled_service_is_waited_for_then_unavailable(adapter_at, clock) -> None:
    async def busy(request: web.Request) -> web.Response:
        return web.Response(status=429, headers={"Retry-After": "2"})

    aras = await aras_at(busy, adapter_at)
    with pytest.raises(CarrierUnavailable):
        await aras.pull("100")
    assert clock.sleeps == [2]


async def test_a_number_that_is_no_identifier_is_refused_before_calling(adapter_at) -> None:
    async def never(request: web.Request) -> web.Response:
        raise AssertionError("no call expected")

    aras = await aras_at(never, adapter_at)
    with pytest.raises(BadRequest, match="not a plain identifier"):
        await aras.pull('{"$ne": 1}')


def test_the_pull_offers_the_receivers_name_only() -> None:
    offer = ArasAdapter.capabilities.pull
    assert offer is not None and offer.receiver_name and not offer.masked_names
    assert (offer.signature, offer.photo, offer.gps, offer.place_text) == (False, False, False, False)
