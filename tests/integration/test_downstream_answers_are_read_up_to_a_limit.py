"""An answer from the order service, the digital provider or an effect's service is read up to a limit, however much
it sends: an order, a packing record or a digital delivery record over 1 MiB is a bad answer, as a body that is not
one is; an effect's answer counts by its status, its body unread beyond 64 KiB."""

from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from pydantic import SecretStr

from adapters.digital import HttpDigitalDeliveries
from adapters.downstream import Backoff, PaymentsClient, Signer
from adapters.orders import HttpOrderDirectory, OrdersUnavailable
from disputes.ports import EvidenceRejected, PackingRecordUnavailable
from schemas.common import RefundDestination
from schemas.effects import RefundRequest

CHUNK = b"x" * (1 << 20)
SENT_AT_MOST = 256  # MiB the server is ready to send
READ_LIMIT = 8 << 20  # 1 MiB read, and what the sockets' buffers hold besides: far from all that was sent
FAST = Backoff(multiplier=0.001, max_wait=0.01, jitter=0.001, budget=30.0)


class FixedClock:
    def now(self) -> datetime:
        return datetime(2026, 11, 18, 9, 30, tzinfo=UTC)


def flood(sent: dict[str, int], *, declared: bool = False):
    """A 200 whose JSON body runs on for 256 MiB: streamed, or with its length declared up front."""

    async def handler(request: web.Request) -> web.StreamResponse:
        head = b'{"id":"pay_1","pad":"'
        response = web.StreamResponse(status=200, headers={"Content-Type": "application/json"})
        if declared:
            response.content_length = len(head) + SENT_AT_MOST * len(CHUNK) + 2
        await response.prepare(request)
        try:
            await response.write(head)
            for _ in range(SENT_AT_MOST):
                await response.write(CHUNK)
                sent["bytes"] += len(CHUNK)
            await response.write(b'"}')
        except ConnectionResetError:  # the client stopped reading and closed the connection
            pass
        return response

    return handler


@pytest.fixture
async def flooding(aiohttp_server: Any):
    sent = {"bytes": 0}
    app = web.Application()
    app.router.add_post("/payments/v1/refunds", flood(sent))
    app.router.add_get("/orders/v1/orders/ord-1", flood(sent))
    app.router.add_get("/orders/v1/orders/ord-2", flood(sent, declared=True))
    app.router.add_get("/orders/v1/orders/ord-1/shipments/shp-1/packing-record", flood(sent))
    app.router.add_get("/digital/v1/orders/ord-1/lines/sku-1/delivery", flood(sent))
    server = await aiohttp_server(app)
    return str(server.make_url("/")), sent


@pytest.mark.parametrize("order_id", ["ord-1", "ord-2"])
async def test_an_order_of_hundreds_of_megabytes_is_an_invalid_order_read_no_further(flooding, order_id) -> None:
    base, sent = flooding
    async with aiohttp.ClientSession() as session:
        orders = HttpOrderDirectory(session, base, 30.0, 1, backoff=FAST)
        with pytest.raises(OrdersUnavailable, match=r"orders answered an invalid order \(over 1048576 bytes\)"):
            await orders.get(order_id)
    assert sent["bytes"] <= READ_LIMIT, f"the client read {sent['bytes'] >> 20} MiB of an order"


async def test_a_packing_record_of_hundreds_of_megabytes_is_an_invalid_record_read_no_further(flooding) -> None:
    base, sent = flooding
    async with aiohttp.ClientSession() as session:
        orders = HttpOrderDirectory(session, base, 30.0, 1, backoff=FAST)
        with pytest.raises(PackingRecordUnavailable, match="invalid packing record"):
            await orders.packing_record("ord-1", "shp-1")
    assert sent["bytes"] <= READ_LIMIT, f"the client read {sent['bytes'] >> 20} MiB of a packing record"


async def test_a_digital_record_of_hundreds_of_megabytes_is_an_invalid_record_read_no_further(flooding) -> None:
    base, sent = flooding
    async with aiohttp.ClientSession() as session:
        provider = HttpDigitalDeliveries(session, base, 30.0, 1, FixedClock(), backoff=FAST)
        with pytest.raises(EvidenceRejected, match="invalid record"):
            await provider.record("ord-1", "sku-1")
    assert sent["bytes"] <= READ_LIMIT, f"the client read {sent['bytes'] >> 20} MiB of a digital record"


async def test_a_refund_answered_2xx_is_done_whatever_its_body_s_size_and_that_body_is_not_read_whole(
    flooding,
) -> None:
    base, sent = flooding
    refund = RefundRequest(dispute_id="dsp_1", order_id="ord-1", customer_id="c-1", amount_minor=100, currency="TRY",
                           destination=RefundDestination.WALLET, payment_method="card")
    async with aiohttp.ClientSession() as session:
        client = PaymentsClient(session, base, 30.0, 1, signer=Signer("k", SecretStr("s" * 32)), backoff=FAST)
        await client.refund(refund, "dsp_1:d1:refund")  # no error: a 2xx is done
    assert sent["bytes"] <= READ_LIMIT, f"the client read {sent['bytes'] >> 20} MiB of a refund's answer"
