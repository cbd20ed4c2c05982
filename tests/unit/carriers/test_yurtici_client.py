import pytest
from aiohttp import web
from defusedxml.ElementTree import fromstring
from pydantic import SecretStr

from carriers.errors import BadRequest, CarrierUnavailable
from carriers.retry import RetryBudget
from carriers.yurtici.client import YurticiAdapter
from carriers.yurtici.settings import YurticiSettings
from schemas.proof import ProofStatus

NUMBER = "YK20240421001"
PATH = "/KOPSWebServices/ShippingOrderDispatcherServices"


async def yurtici_at(handler, carrier_server, session, clock) -> YurticiAdapter:
    settings = YurticiSettings(
        base_url=await carrier_server([("POST", PATH, handler)]),
        username="YKTEST",
        password=SecretStr("secret"),
        retry=RetryBudget(attempts=3, total_seconds=10),
    )
    return YurticiAdapter(settings, session, clock=clock)


async def test_a_pull_posts_the_query_envelope_and_reads_the_reply(payloads, carrier_server, session, clock) -> None:
    seen: list[tuple[dict[str, str], bytes]] = []

    async def service(request: web.Request) -> web.Response:
        seen.append((dict(request.headers), await request.read()))
        return web.Response(body=payloads.raw("yurtici/query-delivered.xml"), content_type="text/xml")

    yurtici = await yurtici_at(service, carrier_server, session, clock)
    proof = await yurtici.pull(NUMBER)

    assert (proof.status, proof.received_at) == (ProofStatus.DELIVERED, clock.now())
    [(headers, body)] = seen
    assert headers["Content-Type"] == "text/xml; charset=utf-8" and headers["SOAPAction"] == '""'
    values = {child.tag: child.text for child in fromstring(body).iter()}
    assert (values["wsUserName"], values["wsPassword"], values["keys"]) == ("YKTEST", "secret", NUMBER)


async def test_wrong_credentials_reported_as_a_fault_are_not_retried(payloads, carrier_server, session, clock) -> None:
    calls: list[int] = []

    async def refuses(request: web.Request) -> web.Response:
        calls.append(1)
        return web.Response(status=500, body=payloads.raw("yurtici/fault.xml"), content_type="text/xml")

    yurtici = await yurtici_at(refuses, carrier_server, session, clock)
    with pytest.raises(BadRequest, match="SOAP fault"):
        await yurtici.pull(NUMBER)
    assert len(calls) == 1 and yurtici.breaker.failures == 0


async def test_an_outage_is_retried_then_reported_unavailable(carrier_server, session, clock) -> None:
    async def down(request: web.Request) -> web.Response:
        return web.Response(status=502, text="<html>Bad Gateway</html>")

    yurtici = await yurtici_at(down, carrier_server, session, clock)
    with pytest.raises(CarrierUnavailable):
        await yurtici.pull(NUMBER)
    assert len(clock.sleeps) == 2 and yurtici.breaker.failures == 3


async def test_an_unknown_key_is_a_not_found_result(payloads, carrier_server, session, clock) -> None:
    async def unknown(request: web.Request) -> web.Response:
        return web.Response(body=payloads.raw("yurtici/query-not-found.xml"), content_type="text/xml")

    yurtici = await yurtici_at(unknown, carrier_server, session, clock)
    assert (await yurtici.pull("YK404")).status is ProofStatus.NOT_FOUND
