import pytest
from aiohttp import web
from defusedxml.ElementTree import fromstring
from pydantic import SecretStr

from carriers.errors import BadRequest, CarrierUnavailable
from carriers.retry import RetryBudget
from carriers.yurtici.client import YurticiAdapter
from carriers.yurtici.settings import YurticiSettings
from schemas.proof import ProofStatus
from tests.unit.carriers.conftest import Recorder

NUMBER = "YK20240421001"
PATH = "/KOPSWebServices/ShippingOrderDispatcherServices"


async def yurtici_at(handler, adapter_at) -> YurticiAdapter:
    return await adapter_at(
        YurticiAdapter,
        YurticiSettings,
        [("POST", PATH, handler)],
        username="YKTEST",
        password=SecretStr("secret"),
        retry=RetryBudget(attempts=3, total_seconds=10),
    )


async def test_a_pull_posts_the_query_envelope_and_reads_the_reply(payloads, adapter_at, clock) -> None:
    service = Recorder(payloads.raw("yurtici/query-delivered.xml"))
    yurtici = await yurtici_at(service.handle, adapter_at)
    proof = await yurtici.pull(NUMBER)

    assert (proof.status, proof.received_at) == (ProofStatus.DELIVERED, clock.now())
    [(headers, body)] = service.seen
    assert headers["Content-Type"] == "text/xml; charset=utf-8" and headers["SOAPAction"] == '""'
    values = {child.tag: child.text for child in fromstring(body).iter()}
    assert (values["wsUserName"], values["wsPassword"], values["keys"]) == ("YKTEST", "secret", NUMBER)


async def test_wrong_credentials_reported_as_a_fault_are_not_retried(payloads, adapter_at) -> None:
    calls: list[int] = []

    async def refuses(request: web.Request) -> web.Response:
        calls.append(1)
        return web.Response(status=500, body=payloads.raw("yurtici/fault.xml"), content_type="text/xml")

    yurtici = await yurtici_at(refuses, adapter_at)
    with pytest.raises(BadRequest, match="SOAP fault"):
        await yurtici.pull(NUMBER)
    assert len(calls) == 1 and yurtici.breaker.failures == 0


async def test_an_outage_is_retried_then_reported_unavailable(adapter_at, clock) -> None:
    async def down(request: web.Request) -> web.Response:
        return web.Response(status=502, text="<html>Bad Gateway</html>")

    yurtici = await yurtici_at(down, adapter_at)
    with pytest.raises(CarrierUnavailable):
        await yurtici.pull(NUMBER)
    assert len(clock.sleeps) == 2 and yurtici.breaker.failures == 3


async def test_an_unknown_key_is_a_not_found_result(payloads, adapter_at) -> None:
    async def unknown(request: web.Request) -> web.Response:
        return web.Response(body=payloads.raw("yurtici/query-not-found.xml"), content_type="text/xml")

    yurtici = await yurtici_at(unknown, adapter_at)
    assert (await yurtici.pull("YK404")).status is ProofStatus.NOT_FOUND
