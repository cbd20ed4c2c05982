"""The digital delivery provider's client against the sandbox provider over a real socket: the record of each
scripted order line, "never sent" as data, retries at the edge, and answers it cannot use."""

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from structlog.testing import capture_logs

from adapters.digital import HttpDigitalDeliveries, parse_delivery
from adapters.downstream import Backoff
from carriers.retry import waits_end_on
from disputes.ports import EvidenceRejected, EvidenceUnavailable
from sandbox.digital import DigitalScript
from sandbox.downstream import LEDGER, create_downstream_sandbox
from schemas.digital import DigitalChannel, DigitalState

FAST = Backoff(multiplier=0.001, max_wait=0.01, jitter=0.001, budget=5.0)
RECEIVED = datetime(2026, 11, 18, 9, 30, tzinfo=UTC)
SCRIPTS = {
    ("ord-1", "sku-steam"): DigitalScript(scenario="activated", channel="APP", recipient="ay***@app", sent_hours_ago=30),
    ("ord-1", "sku-office"): DigitalScript(scenario="opened"),
    ("ord-2", "sku/gift card"): DigitalScript(scenario="link_missing", channel="SMS"),
}


class FixedClock:
    def now(self) -> datetime:
        return RECEIVED


@pytest.fixture
async def sandbox(aiohttp_server: Any) -> TestServer:
    return await aiohttp_server(create_downstream_sandbox(digital=SCRIPTS))


@pytest.fixture
async def provider(sandbox: TestServer) -> AsyncIterator[HttpDigitalDeliveries]:
    async with aiohttp.ClientSession() as session:
        yield HttpDigitalDeliveries(session, str(sandbox.make_url("/")), 2.0, 3, FixedClock(), backoff=FAST)


async def test_an_activated_line_reads_with_channel_recipient_and_times(provider) -> None:
    before = datetime.now(UTC)

    record = await provider.record("ord-1", "sku-steam")

    assert record.state is DigitalState.ACTIVATED and record.found and record.link_present
    assert (record.channel, record.sent_to, record.received_at) == (DigitalChannel.APP, "ay***@app", RECEIVED)
    assert record.sent_at is not None and record.opened_at is not None and record.activated_at is not None
    assert abs(record.sent_at - (before - timedelta(hours=30))) < timedelta(minutes=1)
    assert record.sent_at < record.opened_at < record.activated_at


async def test_each_line_of_an_order_has_its_own_record(provider) -> None:
    record = await provider.record("ord-1", "sku-office")

    assert record.state is DigitalState.OPENED and record.activated_at is None


async def test_a_line_the_provider_never_sent_is_a_record_saying_so(provider) -> None:
    record = await provider.record("ord-1", "sku-never-scripted")

    assert (record.found, record.state, record.sent_to) == (False, DigitalState.NOT_SENT, None)


async def test_a_message_without_the_code_or_link_reads_as_link_missing_and_odd_skus_are_quoted(provider) -> None:
    record = await provider.record("ord-2", "sku/gift card")

    assert (record.state, record.channel) == (DigitalState.LINK_MISSING, DigitalChannel.SMS)


async def test_a_provider_that_fails_twice_is_retried_at_the_edge(provider, sandbox) -> None:
    await _fault(sandbox, mode="error", times=2)

    record = await provider.record("ord-1", "sku-steam")

    assert record.state is DigitalState.ACTIVATED
    assert [r["status"] for r in sandbox.app[LEDGER].requests] == [503, 503, 200]


async def test_a_provider_down_after_every_attempt_is_unavailable(provider, sandbox) -> None:
    await _fault(sandbox, mode="error", times=3)

    with pytest.raises(EvidenceUnavailable):
        await provider.record("ord-1", "sku-steam")


async def test_a_read_stopped_between_retries_is_left_to_its_lease_not_recorded_as_failed(sandbox) -> None:
    """A read applies nothing: a worker told to stop after a 503 ends the call there (another worker takes the case at
    once), where an effect's call would end as the 503's failure, for the relay to record."""
    await _fault(sandbox, mode="error", times=3)
    stop = asyncio.Event()
    async with aiohttp.ClientSession() as session:
        reader = HttpDigitalDeliveries(session, str(sandbox.make_url("/")), 2.0, 3, FixedClock(),
                                       backoff=Backoff(multiplier=30.0, max_wait=30.0, jitter=0.0, budget=60.0))

        async def read_until_stopped() -> None:
            waits_end_on(stop)
            await reader.record("ord-1", "sku-steam")

        stop.set()  # the first attempt is made; the wait after it is not
        with pytest.raises(asyncio.CancelledError):
            async with asyncio.timeout(5):
                await read_until_stopped()
    assert [r["status"] for r in sandbox.app[LEDGER].requests] == [503]


async def test_a_refusal_is_not_retried(provider, sandbox) -> None:
    await _fault(sandbox, mode="reject", times=1)

    with pytest.raises(EvidenceRejected):
        await provider.record("ord-1", "sku-steam")
    assert len(sandbox.app[LEDGER].requests) == 1


@pytest.mark.parametrize(("status", "why"), [(429, "throttled"), (503, "unavailable")])
async def test_a_provider_s_retry_after_past_the_retry_budget_says_when_to_ask_again(aiohttp_server, status, why) -> None:
    async def busy(request: web.Request) -> web.Response:
        return web.json_response({"title": "Slow down"}, status=status, headers={"Retry-After": "900"},
                                 content_type="application/problem+json")

    app = web.Application()
    app.router.add_get("/{tail:.*}", busy)
    server = await aiohttp_server(app)
    async with aiohttp.ClientSession() as session:
        busy_provider = HttpDigitalDeliveries(session, str(server.make_url("/")), 2.0, 3, FixedClock(), backoff=FAST)

        with pytest.raises(EvidenceUnavailable) as raised:
            await busy_provider.record("ord-1", "sku-steam")

    assert (raised.value.retry_at, raised.value.why) == (RECEIVED + timedelta(minutes=15), why)


async def test_a_provider_down_without_a_retry_after_names_no_time(provider, sandbox) -> None:
    await _fault(sandbox, mode="error", times=3)

    with pytest.raises(EvidenceUnavailable) as raised:
        await provider.record("ord-1", "sku-steam")

    assert raised.value.retry_at is None

async def test_a_refusal_is_logged_with_its_status_and_nothing_of_the_order(provider, sandbox) -> None:
    await _fault(sandbox, mode="reject", times=1)

    with capture_logs() as logs, pytest.raises(EvidenceRejected):
        await provider.record("ord-1", "sku-steam")

    assert [(line["event"], line["status"], line["reason"]) for line in logs] == [
        ("digital_provider_refused", 400, "digital provider answered HTTP 400"),
    ]
    assert "ord-1" not in str(logs) and "sku-steam" not in str(logs)

@pytest.mark.parametrize(("body", "media_type"), [
    ("<html><body><h1>404 Not Found</h1><hr>nginx</body></html>", "text/html"),
    ('{"message": "Not Found"}', "application/json"),  # a gateway's, not the provider's problem document
], ids=["web server page", "gateway json"])
async def test_a_404_that_is_not_the_provider_s_own_answer_is_no_record_of_the_line(aiohttp_server, body, media_type) -> None:
    async def page(request: web.Request) -> web.Response:
        return web.Response(status=404, text=body, content_type=media_type)

    app = web.Application()
    app.router.add_get("/{tail:.*}", page)  # a base URL that reaches something else
    server = await aiohttp_server(app)
    async with aiohttp.ClientSession() as session:
        elsewhere = HttpDigitalDeliveries(session, str(server.make_url("/")), 2.0, 3, FixedClock(), backoff=FAST)

        with pytest.raises(EvidenceRejected, match="404"):
            await elsewhere.record("ord-1", "sku-steam")  # never "never sent", which the policy refunds on its own


def test_the_reader_ignores_unknown_fields_and_keeps_an_unknown_channel() -> None:
    body = b'{"channel": "CARRIER_PIGEON", "sentAt": "2026-11-16T10:00:00Z", "payload": {"link": true}, "x": 1}'

    record = parse_delivery("ord-1", "sku-steam", body, RECEIVED)

    assert (record.channel, record.state) == (DigitalChannel.UNKNOWN, DigitalState.SENT)


@pytest.mark.parametrize(("opened", "state"), [(None, DigitalState.SENT), ("2026-11-16T11:00:00Z", DigitalState.OPENED)])
def test_a_record_that_says_nothing_of_the_code_or_link_is_no_proof_they_were_missing(opened, state) -> None:
    body = json.dumps({"channel": "EMAIL", "sentAt": "2026-11-16T10:00:00Z", "openedAt": opened}).encode()

    record = parse_delivery("ord-1", "sku-steam", body, RECEIVED)

    assert (record.link_present, record.state) == (None, state)  # not link_missing, which the policy refunds


def test_a_body_that_is_not_a_record_is_refused() -> None:
    with pytest.raises(ValueError):
        parse_delivery("ord-1", "sku-steam", b'{"sentAt": "yesterday"}', RECEIVED)


async def _fault(sandbox: TestServer, **fault: Any) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.post(sandbox.make_url("/_sandbox/faults"), json={"service": "digital", **fault}) as reply,
    ):
        assert reply.status == 200, await reply.text()
