"""A marketplace service (or a proxy before it) whose answer is not well-formed HTTP: a header line past aiohttp's
8190-byte limit (a gateway's large Set-Cookie or CSP), a status line that is not one. The request was sent, so what
it asked may have been done: every client reads it as a failure to retry, as a body cut short, and the relay records
each attempt and parks the message in the end, never sending it again without end."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import aiohttp
import pytest

from adapters.digital import HttpDigitalDeliveries
from adapters.downstream import Backoff, PaymentsClient, Transient
from adapters.mongo.schedule import MongoSchedule
from adapters.orders import HttpOrderDirectory, OrdersUnavailable
from disputes.ports import EffectUnavailable, EvidenceUnavailable, PackingRecordUnavailable
from schemas.common import RefundDestination
from schemas.dispute import EffectKind, ParkReason
from schemas.effects import RefundRequest
from tests.integration.test_downstream import SIGNER, relay_once
from tests.integration.test_refused_refund import refund_decided

FAST = Backoff(multiplier=0.001, max_wait=0.01, jitter=0.001, budget=5.0)
OK = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
HEADER_TOO_LONG = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nSet-Cookie: s=" + b"a" * 9000 + b"\r\n\r\n"
NO_STATUS_LINE = b"HTTP/1.1 two hundred\r\nContent-Length: 0\r\n\r\n"
REFUND = RefundRequest(dispute_id="dsp_7f3a", order_id="ord-2001", customer_id="cust-1001", amount_minor=899_900,
                       currency="TRY", destination=RefundDestination.ORIGINAL_PAYMENT, payment_method="card")
RELAY_MAX_ATTEMPTS = 20
"""README: a message runs out of attempts after DISPUTES_RELAY_MAX_ATTEMPTS (20) passes."""


class Clock:
    def now(self) -> datetime:
        return datetime(2026, 11, 18, 9, 30, tzinfo=UTC)


@pytest.fixture(params=[HEADER_TOO_LONG, NO_STATUS_LINE], ids=["header line too long", "no status line"])
async def garbled(request: pytest.FixtureRequest) -> AsyncIterator[tuple[str, list[bytes]]]:
    """A server on 127.0.0.1 that reads each request and answers the payments service's, the order service's and the
    digital provider's with an answer whose head is not HTTP; the others (notifications) with a plain 200."""
    seen: list[bytes] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        sent = await reader.read(65536)
        seen.append(sent)
        plain = not any(path in sent for path in (b"/payments/", b"/orders/", b"/digital/"))
        writer.write(OK if plain else request.param)
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}", seen
    server.close()
    await server.wait_closed()


async def test_an_order_lookup_answered_so_is_unavailable_after_its_retries(garbled) -> None:
    base, seen = garbled
    async with aiohttp.ClientSession() as session:
        orders = HttpOrderDirectory(session, base, 1.0, 3, backoff=FAST)

        with pytest.raises(OrdersUnavailable, match="not well-formed HTTP"):  # the opening answers 503
            await orders.get("ord-2001")
        with pytest.raises(PackingRecordUnavailable, match="not well-formed HTTP"):
            await orders.packing_record("ord-2001", "shp-2001-1")
    assert len(seen) == 6


async def test_a_digital_delivery_record_answered_so_is_unavailable_not_refused(garbled) -> None:
    base, _ = garbled
    async with aiohttp.ClientSession() as session:
        provider = HttpDigitalDeliveries(session, base, 1.0, 3, Clock(), backoff=FAST)

        with pytest.raises(EvidenceUnavailable, match="not well-formed HTTP"):
            await provider.record("ord-1", "sku-steam")


async def test_a_refund_answered_so_is_retried_and_may_have_been_applied(garbled) -> None:
    base, seen = garbled
    async with aiohttp.ClientSession() as session:
        client = PaymentsClient(session, base, 1.0, 3, signer=SIGNER, backoff=FAST)

        with pytest.raises(EffectUnavailable) as raised:
            await client.refund(REFUND, "dsp_7f3a:d1:refund")

    cause = raised.value.__cause__
    assert isinstance(cause, Transient) and cause.maybe_applied  # the request was received
    assert len(seen) == 3


async def test_a_refund_answered_so_on_every_pass_is_recorded_each_time_and_parked_in_the_end(garbled, mongo_db) -> None:
    base, seen = garbled
    disputes, clock, _, dispute_id = await refund_decided(mongo_db)
    schedule = MongoSchedule(mongo_db, disputes.stored)

    for _ in range(RELAY_MAX_ATTEMPTS + 2):
        with contextlib.suppress(ExceptionGroup):
            await relay_once(base, disputes, schedule, clock)
        clock.advance(minutes=30)

    stored = await disputes.get(dispute_id)
    [refund] = [m for m in stored.effects_parked if m.kind is EffectKind.REFUND]
    assert (refund.attempts, refund.parked) == (RELAY_MAX_ATTEMPTS, ParkReason.OUT_OF_ATTEMPTS)
    assert refund.last_error is not None and "not well-formed HTTP" in refund.last_error
    assert sum(b"/payments/v1/refunds" in r for r in seen) == RELAY_MAX_ATTEMPTS
    assert any(m.kind is EffectKind.STAFF_ALERT for m in (*stored.outbox, *stored.effects_delivered))
