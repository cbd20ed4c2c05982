"""The Yurtiçi adapter over HTTP: the SOAP call it makes, and how refusals, outages and unknown keys end.
Only the carrier's HTTP endpoint is stood in for; it answers with the samples in tests/fixtures."""

from collections.abc import Awaitable, Callable

import pytest
from aiohttp import web
from defusedxml.ElementTree import fromstring
from pydantic import SecretStr

from carriers.errors import CarrierAuthError, CarrierUnavailable
from carriers.retry import RetryBudget
from carriers.yurtici.client import YurticiAdapter
from carriers.yurtici.settings import YurticiSettings
from schemas.proof import ProofStatus
from tests.unit.carriers.conftest import Recorder
from tests.unit.carriers.properties import sample

PATH = "/KOPSWebServices/ShippingOrderDispatcherServices"
type Handler = Callable[[web.Request], Awaitable[web.Response]]


async def yurtici_at(handler, adapter_at) -> YurticiAdapter:
    return await adapter_at(
        YurticiAdapter,
        YurticiSettings,
        [("POST", PATH, handler)],
        username="YKTEST",
        password=SecretStr("secret"),
        retry=RetryBudget(attempts=3, total_seconds=10),
    )


def answering(status: int, name: str, calls: list[int]) -> Handler:
    async def handle(request: web.Request) -> web.Response:
        calls.append(1)
        return web.Response(status=status, body=sample("yurtici", name), content_type="text/xml")

    return handle


async def test_a_pull_posts_the_query_envelope_to_the_service_and_reads_the_reply(adapter_at, clock) -> None:
    service = Recorder(sample("yurtici", "query-delivered.xml"))
    yurtici = await yurtici_at(service.handle, adapter_at)
    proof = await yurtici.pull("12520")

    assert (proof.status, proof.received_by, proof.received_at) == (ProofStatus.DELIVERED, "Ali Veli", clock.now())
    [(headers, body)] = service.seen
    assert headers["Content-Type"] == "text/xml; charset=utf-8" and headers["SOAPAction"] == '""'
    values = {child.tag.rpartition("}")[2]: child.text for child in fromstring(body).iter()}
    assert (values["wsUserName"], values["wsPassword"], values["keys"], values["keyType"]) == (
        "YKTEST", "secret", "12520", "0"
    )


async def test_wrong_credentials_reported_as_a_fault_are_an_auth_failure_not_retried(adapter_at) -> None:
    calls: list[int] = []
    yurtici = await yurtici_at(answering(500, "fault-auth.xml", calls), adapter_at)
    with pytest.raises(CarrierAuthError):
        await yurtici.pull("12520")
    assert len(calls) == 1 and yurtici.breaker.failures == 0


async def test_wrong_credentials_reported_in_the_reply_are_an_auth_failure_not_retried(adapter_at) -> None:
    calls: list[int] = []
    yurtici = await yurtici_at(answering(200, "query-auth-error.xml", calls), adapter_at)
    with pytest.raises(CarrierAuthError):
        await yurtici.pull("12520")
    assert len(calls) == 1


async def test_an_outage_is_retried_then_reported_unavailable(adapter_at, clock) -> None:
    async def down(request: web.Request) -> web.Response:
        return web.Response(status=502, text="<html>Bad Gateway</html>")

    yurtici = await yurtici_at(down, adapter_at)
    with pytest.raises(CarrierUnavailable):
        await yurtici.pull("12520")
    assert len(clock.sleeps) == 2 and yurtici.breaker.failures == 3


async def test_an_unknown_key_is_a_not_found_result(adapter_at) -> None:
    yurtici = await yurtici_at(answering(200, "query-not-found.xml", []), adapter_at)
    assert (await yurtici.pull("KEY404")).status is ProofStatus.NOT_FOUND


def test_the_adapter_says_what_yurtici_can_prove() -> None:
    offer = YurticiAdapter.capabilities.pull
    assert offer is not None and YurticiAdapter.capabilities.push is None
    assert (offer.signature, offer.photo, offer.gps, offer.place_text) == (False, False, False, False)
    assert (offer.receiver_name, offer.masked_names) == (True, False)
