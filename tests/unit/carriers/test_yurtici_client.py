"""The Yurtiçi adapter over HTTP: the SOAP call it makes, and how refusals, outages and unknown keys end.
Only the carrier's HTTP endpoint is stood in for; it answers with the samples in tests/fixtures."""

from collections.abc import Awaitable, Callable

import pytest
from aiohttp import web
from defusedxml.ElementTree import fromstring
from pydantic import SecretStr

from carriers.errors import BadRequest, CarrierAuthError, CarrierUnavailable
from carriers.partner.webhook import PARTNER_PUSH
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


async def test_a_key_yurtici_does_not_know_reported_as_a_fault_is_not_found_not_retried(adapter_at) -> None:
    calls: list[int] = []
    yurtici = await yurtici_at(answering(500, "fault-key-not-found.xml", calls), adapter_at)
    proof = await yurtici.pull("KEY404")
    assert (proof.status, proof.tracking_number) == (ProofStatus.NOT_FOUND, "KEY404")
    assert len(calls) == 1


async def test_wrong_credentials_reported_in_the_reply_are_an_auth_failure_not_retried(adapter_at) -> None:
    calls: list[int] = []
    yurtici = await yurtici_at(answering(200, "query-auth-error.xml", calls), adapter_at)
    with pytest.raises(CarrierAuthError):
        await yurtici.pull("12520")
    assert len(calls) == 1


def fault(detail: str) -> str:
    """A SOAP 1.1 fault as JAX-WS writes a service exception (faultcode Server, as fault-auth.xml), with ``detail``."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?><env:Envelope xmlns:env="http://schemas.xmlsoap.org/soap/envelope/">'
        "<env:Header/><env:Body><env:Fault><faultcode>env:Server</faultcode><faultstring>ERR</faultstring>"
        f"{detail}</env:Fault></env:Body></env:Envelope>"
    )


def ws_exception(code: str, words: str) -> str:
    """The fault detail every operation of Yurtiçi's WSDL declares: YurticikargoWSException{errorCode, errText}."""
    return (
        '<detail><ns1:YurticikargoWSException xmlns:ns1="http://yurticikargo.com.tr/WSExceptions/">'
        f"<errorCode>{code}</errorCode><errText>{words}</errText></ns1:YurticikargoWSException></detail>"
    )


def faulting(body: str, calls: list[int]) -> Handler:
    async def handle(request: web.Request) -> web.Response:
        calls.append(1)
        return web.Response(status=500, text=body, content_type="text/xml")

    return handle


@pytest.mark.parametrize(
    ("code", "words"), [("82527", "ERR_INTG_KEY_TYPE_NOT_FOUND"), ("82526", "ERR_INTG_KEYS_NOT_FOUND")]
)
async def test_a_request_error_sent_as_a_server_fault_is_refused_at_once_and_not_counted_as_an_outage(
    adapter_at, clock, code: str, words: str
) -> None:
    """Yurtiçi sends its errors as server exceptions: F (umithan-guldemir/odoo-addons @ a4d4f79…,
    delivery_yurtici/models/yurtici_request.py, _process_reply: "Yurtiçi API returns error as server exceptions");
    W declares YurticikargoWSException{errorCode, errText} as every operation's fault; D lists 82526
    ERR_INTG_KEYS_NOT_FOUND and 82527 ERR_INTG_KEY_TYPE_NOT_FOUND as queryShipment's request errors."""
    calls: list[int] = []
    yurtici = await yurtici_at(faulting(fault(ws_exception(code, words)), calls), adapter_at)
    with pytest.raises(BadRequest) as caught:
        await yurtici.pull("12520")
    assert str(caught.value) == f"yurtici: SOAP fault env:Server, YurticikargoWSException errorCode {code}"
    assert len(calls) == 1 and clock.sleeps == [] and yurtici.breaker.failures == 0


async def test_yurticis_unexpected_error_sent_as_a_fault_is_retried_then_reported_unavailable(adapter_at, clock) -> None:
    """D: 936 is queryShipment's unknown (unexpected) error, worth trying again, as it is in the reply."""
    calls: list[int] = []
    yurtici = await yurtici_at(faulting(fault(ws_exception("936", "Beklenmeyen hata")), calls), adapter_at)
    with pytest.raises(CarrierUnavailable):
        await yurtici.pull("12520")
    assert len(calls) == 3 and len(clock.sleeps) == 2 and yurtici.breaker.failures == 3


@pytest.mark.parametrize(
    "detail", ["", "<detail><stackTrace>java.lang.NullPointerException</stackTrace></detail>", ws_exception("", "x")],
    ids=["no detail", "another detail", "no error code"],
)
async def test_a_server_fault_without_yurticis_declared_exception_is_retried_as_an_outage(
    adapter_at, clock, detail: str
) -> None:
    """SOAP 1.1 §4.4.1: a Server fault "may succeed at a later point in time"; only Yurtiçi's declared exception
    with its errorCode makes it an answer to our request."""
    calls: list[int] = []
    yurtici = await yurtici_at(faulting(fault(detail), calls), adapter_at)
    with pytest.raises(CarrierUnavailable):
        await yurtici.pull("12520")
    assert len(calls) == 3 and yurtici.breaker.failures == 3


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
    assert offer is not None and YurticiAdapter.capabilities.push == PARTNER_PUSH  # once we hold a secret
    assert (offer.signature, offer.photo, offer.gps, offer.place_text) == (False, False, False, False)
    assert (offer.receiver_name, offer.masked_names) == (True, False)
