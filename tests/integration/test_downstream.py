"""The payments, fulfillment and notifications clients against the downstream sandbox over a real socket."""

import asyncio
import hashlib
import hmac
import socket
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from multidict import CIMultiDict
from structlog.testing import capture_logs

from adapters.downstream import (
    AccountsClient,
    Backoff,
    FinanceClient,
    FulfillmentClient,
    NotificationsClient,
    PaymentsClient,
    Signer,
    Transient,
)
from pydantic import SecretStr
from carriers.retry import waits_end_on
from sandbox.downstream import LEDGER, create_downstream_sandbox
from sandbox.signing import DEVELOPMENT_KEY_ID, DEVELOPMENT_SECRET, REPLAY_WINDOW_SECONDS
from disputes.ports import CredentialsRefused, EffectRejected, EffectUnavailable
from disputes.relay import Relay
from disputes.schedule import DueWork
from schemas.common import Outcome, RefundDestination
from schemas.effects import CustomerNotification, RefundRequest, ReshipRequest
from schemas.orders import Address, OrderItem

FAST = Backoff(multiplier=0.001, max_wait=0.01, jitter=0.001, budget=5.0)
KEY = "dsp_7f3a:decision-1:refund"
SIGNER = Signer(DEVELOPMENT_KEY_ID, SecretStr(DEVELOPMENT_SECRET))


async def relay_once(
    base: str, disputes: Any, schedule: Any, clock: Any, *, timeout: float = 2.0, attempts: int = 1
) -> None:
    """One pass of the outbox relay, with the real clients of every downstream service at `base`."""
    async with aiohttp.ClientSession() as session:
        clients = [
            kind(session, base, timeout, attempts, signer=SIGNER, backoff=FAST)
            for kind in (PaymentsClient, FulfillmentClient, NotificationsClient, AccountsClient, FinanceClient)
        ]
        relay = Relay(disputes, *clients, clock=clock)
        await DueWork(schedule, relay, clock, "relay-1").run_once()
REFUND = RefundRequest(
    dispute_id="dsp_7f3a",
    order_id="ord-2001",
    customer_id="cust-1001",
    amount_minor=899_900,
    currency="TRY",
    destination=RefundDestination.ORIGINAL_PAYMENT,
    payment_method="card",
)


@pytest.fixture
async def sandbox(aiohttp_server: Any) -> TestServer:
    return await aiohttp_server(create_downstream_sandbox())


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def payments(session: aiohttp.ClientSession, sandbox: TestServer, timeout: float = 2.0) -> PaymentsClient:
    return PaymentsClient(session, str(sandbox.make_url("/")), timeout, 3, signer=SIGNER, backoff=FAST)


async def inject(session: aiohttp.ClientSession, sandbox: TestServer, **fault: Any) -> None:
    async with session.post(sandbox.make_url("/_sandbox/faults"), json=fault) as response:
        assert response.status == 200, await response.text()


def received(sandbox: TestServer, field: str = "status") -> list[Any]:
    return [request[field] for request in sandbox.app[LEDGER].requests]


def applied(sandbox: TestServer, service: str = "payments") -> dict[str, int]:
    return sandbox.app[LEDGER].applied[service]


async def test_a_refund_is_applied_once_with_its_payload_and_key(session, sandbox) -> None:
    await payments(session, sandbox).refund(REFUND, KEY)

    assert applied(sandbox) == {KEY: 1}
    assert received(sandbox, "body") == [REFUND.model_dump(mode="json")]
    assert received(sandbox, "key") == [KEY]


async def test_repeating_a_refund_with_the_same_key_does_not_apply_it_twice(session, sandbox) -> None:
    client = payments(session, sandbox)
    await client.refund(REFUND, KEY)
    await client.refund(REFUND, KEY)

    assert received(sandbox) == [200, 200]
    assert applied(sandbox) == {KEY: 1}


async def test_a_replay_answers_with_the_first_id(session, sandbox) -> None:
    url, body = sandbox.make_url("/payments/v1/refunds"), REFUND.model_dump_json().encode()
    answers = []
    for _ in range(2):
        async with session.post(url, data=body, headers={"Idempotency-Key": KEY} | SIGNER.headers(KEY, body)) as response:
            answers.append(await response.json())

    assert answers[1] == {"id": answers[0]["id"], "replayed": True}
    assert answers[0]["replayed"] is False


async def test_the_refund_id_payments_answers_with_is_returned_and_the_same_on_a_replay(session, sandbox) -> None:
    client = payments(session, sandbox)
    first = await client.refund(REFUND, KEY)

    assert first is not None and first.startswith("pay_")
    assert await client.refund(REFUND, KEY) == first


@pytest.mark.parametrize("body", [b"", b"OK", b"[]", b'{"id": 42}', b'{"id": ""}', b'{"id": "pay 1"}',
                                  b'{"id": "' + b"p" * 129 + b'"}', b'{"status": "applied"}'],
                         ids=["empty", "text", "list", "number", "blank", "space", "too-long", "no-id"])
async def test_a_2xx_without_a_readable_id_is_done_with_no_reference(session, aiohttp_server, body) -> None:
    async def applied_without_id(request: web.Request) -> web.Response:
        return web.Response(status=200, body=body, content_type="application/json")

    app = web.Application()
    app.router.add_post(PaymentsClient.path, applied_without_id)
    server = await aiohttp_server(app)
    client = PaymentsClient(session, str(server.make_url("/")), 2.0, 1, signer=SIGNER, backoff=FAST)

    assert await client.refund(REFUND, KEY) is None


async def test_reusing_a_key_for_another_refund_is_rejected(session, sandbox) -> None:
    client = payments(session, sandbox)
    await client.refund(REFUND, KEY)

    with pytest.raises(EffectRejected, match="HTTP 422"):
        await client.refund(REFUND.model_copy(update={"amount_minor": 1}), KEY)
    assert applied(sandbox) == {KEY: 1}


async def test_two_503s_then_success_deliver_once_after_logged_retries(session, sandbox) -> None:
    await inject(session, sandbox, service="payments", mode="error", times=2)

    with capture_logs() as logs:
        await payments(session, sandbox).refund(REFUND, KEY)

    assert received(sandbox) == [503, 503, 200]
    assert received(sandbox, "key") == [KEY, KEY, KEY]
    assert applied(sandbox) == {KEY: 1}
    assert [(line["event"], line["downstream"], line["attempt"], line["status"]) for line in logs] == [
        ("downstream_retry", "payments", 1, 503),
        ("downstream_retry", "payments", 2, 503),
    ]
    assert set(logs[0]) == {"event", "log_level", "downstream", "attempt", "wait", "status", "reason"}


async def test_a_timeout_is_retried(session, sandbox) -> None:
    await inject(session, sandbox, service="payments", mode="timeout", delay_seconds=30)

    await payments(session, sandbox, timeout=0.2).refund(REFUND, KEY)

    assert received(sandbox, "fault") == ["timeout", None]
    assert applied(sandbox) == {KEY: 1}


async def test_an_answer_lost_to_a_timeout_is_retried_without_refunding_twice(session, sandbox) -> None:
    await inject(session, sandbox, service="payments", mode="slow", delay_seconds=30)

    await payments(session, sandbox, timeout=0.2).refund(REFUND, KEY)

    assert received(sandbox, "fault") == ["slow", None]
    assert applied(sandbox) == {KEY: 1}


async def test_a_throttled_request_is_retried(session, sandbox) -> None:
    await inject(session, sandbox, service="payments", mode="throttle", delay_seconds=0)

    await payments(session, sandbox).refund(REFUND, KEY)

    assert received(sandbox) == [429, 200]


async def test_a_retry_after_beyond_the_time_budget_gives_up_without_waiting(session, sandbox) -> None:
    await inject(session, sandbox, service="payments", mode="throttle", delay_seconds=60)

    with pytest.raises(EffectUnavailable, match="HTTP 429") as raised:
        await payments(session, sandbox).refund(REFUND, KEY)
    assert received(sandbox) == [429]
    assert raised.value.retry_after == timedelta(seconds=60)  # the relay's next pass waits as long


async def test_a_retry_after_past_an_hour_is_waited_for_an_hour(session, aiohttp_server) -> None:
    async def busy(request: web.Request) -> web.Response:
        return web.Response(status=429, headers={"Retry-After": "9" * 20})

    app = web.Application()
    app.router.add_post(PaymentsClient.path, busy)
    server = await aiohttp_server(app)
    client = PaymentsClient(session, str(server.make_url("/")), 2.0, 3, signer=SIGNER, backoff=FAST)

    with pytest.raises(EffectUnavailable, match="HTTP 429") as raised:
        await client.refund(REFUND, KEY)
    assert raised.value.retry_after == timedelta(hours=1)


async def test_a_permanent_400_is_rejected_at_once(session, sandbox) -> None:
    await inject(session, sandbox, service="payments", mode="reject", times=5)

    with pytest.raises(EffectRejected, match="payments rejected the request: HTTP 400") as raised:
        await payments(session, sandbox).refund(REFUND, KEY)
    assert received(sandbox) == [400] and not raised.value.maybe_applied


async def test_a_refusal_after_an_attempt_whose_answer_was_lost_says_that_attempt_may_have_been_applied(
    session, sandbox
) -> None:
    await inject(session, sandbox, service="payments", mode="slow", delay_seconds=30)  # applied, answered too late
    await inject(session, sandbox, service="payments", mode="reject")

    with pytest.raises(EffectRejected, match="HTTP 400, after an attempt that may have been applied") as raised:
        await payments(session, sandbox, timeout=0.2).refund(REFUND, KEY)

    assert raised.value.maybe_applied
    assert received(sandbox, "fault") == ["slow", "reject"]
    assert applied(sandbox) == {KEY: 1}


async def test_a_refusal_after_a_503_says_the_503_may_have_been_applied(session, sandbox) -> None:
    await inject(session, sandbox, service="payments", mode="error")
    await inject(session, sandbox, service="payments", mode="reject")

    with pytest.raises(EffectRejected, match=r"HTTP 400, after an attempt that may have been applied \(HTTP 503\)") as raised:
        await payments(session, sandbox).refund(REFUND, KEY)

    assert raised.value.maybe_applied and received(sandbox) == [503, 400]


async def test_a_refusal_after_a_429_is_a_plain_refusal_as_a_429_takes_nothing(session, sandbox) -> None:
    await inject(session, sandbox, service="payments", mode="throttle", delay_seconds=0)
    await inject(session, sandbox, service="payments", mode="reject")

    with pytest.raises(EffectRejected) as raised:
        await payments(session, sandbox).refund(REFUND, KEY)

    assert (str(raised.value), raised.value.maybe_applied) == ("payments rejected the request: HTTP 400", False)
    assert received(sandbox) == [429, 400] and applied(sandbox) == {}


async def test_a_409_says_the_key_is_still_being_applied_so_an_attempt_before_may_have_been(
    session, aiohttp_server
) -> None:
    """As after a worker that died mid-call: this pass made no attempt before, another may have."""
    async def applying(request: web.Request) -> web.Response:
        return web.json_response({"error": "a request with this key is in progress"}, status=409)

    app = web.Application()
    app.router.add_post(PaymentsClient.path, applying)
    client = PaymentsClient(session, str((await aiohttp_server(app)).make_url("/")), 2.0, 3, signer=SIGNER, backoff=FAST)

    with pytest.raises(EffectRejected, match="HTTP 409, its key still being applied") as raised:
        await client.refund(REFUND, KEY)
    assert raised.value.maybe_applied


async def test_a_worker_stopping_between_retries_after_a_lost_answer_ends_the_call_as_that_attempt_s_failure(
    session, sandbox
) -> None:
    """Not cancelled with nothing kept: the relay records the attempt, so a refusal on a later pass is known to follow
    one that may have been applied. The stop comes while the first attempt is in flight: the call goes on to its
    end (a timeout), and the wait before the retry ends at once."""
    await inject(session, sandbox, service="payments", mode="slow", delay_seconds=30)  # applied, answered too late
    stop = asyncio.Event()
    client = PaymentsClient(session, str(sandbox.make_url("/")), 0.2, 3, signer=SIGNER,
                            backoff=Backoff(multiplier=30.0, max_wait=30.0, jitter=0.0, budget=60.0))

    async def refund_until_stopped() -> None:
        waits_end_on(stop)
        await client.refund(REFUND, KEY)

    call = asyncio.create_task(refund_until_stopped())
    async with asyncio.timeout(5):
        while not applied(sandbox):
            await asyncio.sleep(0.01)
    stop.set()
    with pytest.raises(EffectUnavailable, match="stopped before retrying, after .*Timeout"):
        async with asyncio.timeout(5):  # far below the 30 s wait before the retry
            await call
    assert applied(sandbox) == {KEY: 1} and received(sandbox, "fault") == ["slow"]


async def test_a_worker_stopping_while_it_waits_out_a_503_s_retry_after_keeps_that_wait_for_the_next_pass(
    session, aiohttp_server
) -> None:
    async def failing(request: web.Request) -> web.Response:
        return web.Response(status=503, headers={"Retry-After": "30"})

    app = web.Application()
    app.router.add_post(PaymentsClient.path, failing)
    stop = asyncio.Event()
    client = PaymentsClient(session, str((await aiohttp_server(app)).make_url("/")), 2.0, 3, signer=SIGNER,
                            backoff=Backoff(multiplier=0.001, max_wait=0.01, jitter=0.0, budget=60.0))

    async def refund_until_stopped() -> None:
        waits_end_on(stop)
        await client.refund(REFUND, KEY)

    stop.set()  # set before the first attempt ends: that attempt is made, the wait after it is not
    with pytest.raises(EffectUnavailable, match="stopped before retrying, after HTTP 503") as raised:
        async with asyncio.timeout(5):
            await refund_until_stopped()
    assert raised.value.retry_after == timedelta(seconds=30)


async def test_exhausted_retries_raise_effect_unavailable_from_the_last_failure(session, sandbox) -> None:
    await inject(session, sandbox, service="payments", mode="error", times=5)

    with pytest.raises(EffectUnavailable, match="payments unavailable: HTTP 503") as raised:
        await payments(session, sandbox).refund(REFUND, KEY)
    assert isinstance(raised.value.__cause__, Transient)
    assert received(sandbox) == [503, 503, 503]
    assert applied(sandbox) == {}


async def test_a_service_that_is_not_listening_is_unavailable(session, unused_tcp_port) -> None:
    client = PaymentsClient(session, f"http://127.0.0.1:{unused_tcp_port}", 1.0, 2, signer=SIGNER, backoff=FAST)

    with pytest.raises(EffectUnavailable, match=r"ClientConnectorError \(never reached payments\)") as raised:
        await client.refund(REFUND, KEY)
    assert not raised.value.reached  # nothing of the request was written: the refund certainly did not happen


async def test_a_service_that_takes_no_connection_within_the_timeout_is_unavailable_as_never_reached(session) -> None:
    with socket.create_server(("127.0.0.1", 0), backlog=0) as listening:  # never accepts: its queue fills
        address = listening.getsockname()
        queued = [socket.socket() for _ in range(3)]
        for waiting in queued:
            waiting.setblocking(False)
            waiting.connect_ex(address)  # the first fills the queue; the rest wait for it, as the client's does
        client = PaymentsClient(session, f"http://127.0.0.1:{address[1]}", 0.4, 2, signer=SIGNER, backoff=FAST)

        with pytest.raises(EffectUnavailable, match="ConnectionTimeoutError") as raised:
            async with asyncio.timeout(5):
                await client.refund(REFUND, KEY)
        for waiting in queued:
            waiting.close()
    assert not raised.value.reached


async def test_a_service_whose_tls_handshake_fails_is_unavailable_as_never_reached(session) -> None:
    async def not_tls(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")  # plain HTTP to a ClientHello
        await writer.drain()
        writer.close()

    async with await asyncio.start_server(not_tls, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        client = PaymentsClient(session, f"https://127.0.0.1:{port}", 1.0, 2, signer=SIGNER, backoff=FAST)

        with pytest.raises(EffectUnavailable, match="ClientConnectorSSLError") as raised:
            await client.refund(REFUND, KEY)
    assert not raised.value.reached


async def test_a_service_that_answered_is_unavailable_as_reached(session, sandbox) -> None:
    await inject(session, sandbox, service="payments", mode="error", times=5)

    with pytest.raises(EffectUnavailable) as raised:
        await payments(session, sandbox).refund(REFUND, KEY)
    assert raised.value.reached and "never reached" not in str(raised.value)


async def test_a_refusal_to_connect_after_an_attempt_that_was_answered_is_unavailable_as_reached(session) -> None:
    async def answer_once(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        server.close()  # listens no more: the retries' connections are refused
        head = await reader.readuntil(b"\r\n\r\n")
        length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length"))
        await reader.readexactly(length)
        writer.write(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer_once, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    client = PaymentsClient(session, f"http://127.0.0.1:{port}", 1.0, 3, signer=SIGNER, backoff=FAST)

    with pytest.raises(EffectUnavailable, match="ClientConnectorError") as raised:
        async with asyncio.timeout(5):
            await client.refund(REFUND, KEY)
    assert raised.value.reached  # the first attempt was answered 503: it may have been applied


async def test_a_request_without_one_idempotency_key_is_refused_as_unsigned(session, sandbox) -> None:
    url = sandbox.make_url("/payments/v1/refunds")
    body = REFUND.model_dump_json().encode()
    answers = []
    for keys in ([], [KEY, KEY + "-other"]):
        headers = CIMultiDict(SIGNER.headers(KEY, body))
        for key in keys:
            headers.add("Idempotency-Key", key)
        async with session.post(url, data=body, headers=headers) as response:
            answers.append((response.status, (await response.json())["reason"]))

    assert answers == [(401, "missing_idempotency_key"), (401, "repeated_idempotency_key")]
    assert applied(sandbox) == {}


async def test_reships_and_notifications_go_to_their_own_services(session, sandbox) -> None:
    base = str(sandbox.make_url("/"))
    reship = ReshipRequest(
        dispute_id="dsp_7f3a",
        order_id="ord-2001",
        original_shipment_id="shp-2001-1",
        carrier="hepsijet",
        items=[OrderItem(sku="HB-AIRFRYER", name="Airfryer XXL", quantity=1, unit_price_minor=899_900)],
        address=Address(line="Caferağa Mah. Moda Cad. No: 42 D: 5", district="Kadıköy", city="İstanbul"),
        recipient_name="Ayşe Yılmaz",
    )
    notice = CustomerNotification(
        dispute_id="dsp_7f3a", customer_id="cust-1001", template="decision_made", outcome=Outcome.RESHIP
    )

    await FulfillmentClient(session, base, 2.0, 3, signer=SIGNER, backoff=FAST).reship(reship, "k-reship")
    await NotificationsClient(session, base, 2.0, 3, signer=SIGNER, backoff=FAST).notify(notice, "k-notice")

    assert received(sandbox, "path") == ["/fulfillment/v1/reships", "/notifications/v1/messages"]
    assert applied(sandbox, "fulfillment") == {"k-reship": 1}
    assert applied(sandbox, "notifications") == {"k-notice": 1}


async def test_the_sandbox_state_can_be_read_and_reset_over_http(session, sandbox) -> None:
    await inject(session, sandbox, service="payments", mode="error", times=3)
    async with session.delete(sandbox.make_url("/_sandbox/faults")) as response:
        assert response.status == 204
    await payments(session, sandbox).refund(REFUND, KEY)

    async with session.get(sandbox.make_url("/_sandbox/received")) as response:
        state = await response.json()
    assert state["applied"] == {"payments": {KEY: 1}}
    assert [(r["service"], r["key"], r["status"]) for r in state["requests"]] == [("payments", KEY, 200)]
    async with session.delete(sandbox.make_url("/_sandbox/received")) as response:
        assert response.status == 204
    assert received(sandbox) == [] and applied(sandbox) == {}


async def test_a_fault_with_an_unknown_mode_is_refused(session, sandbox) -> None:
    async with session.post(sandbox.make_url("/_sandbox/faults"), json={"service": "payments", "mode": "x"}) as r:
        assert r.status == 400
        assert "mode" in (await r.json())["title"]


async def test_every_attempt_is_signed_afresh_with_the_same_idempotency_key(session, sandbox) -> None:
    await inject(session, sandbox, service="payments", mode="error", times=1)
    now = int(time.time())
    clock = iter([now - 3.0, now + 0.0])
    signer = Signer(DEVELOPMENT_KEY_ID, SecretStr(DEVELOPMENT_SECRET), now=lambda: next(clock))

    await PaymentsClient(session, str(sandbox.make_url("/")), 2.0, 3, signer=signer, backoff=FAST).refund(REFUND, KEY)

    first, second = received(sandbox, "signature")
    assert first.startswith(f"t={now - 3},kid=dev,v2=") and second.startswith(f"t={now},kid=dev,v2=")
    assert first.rpartition("=")[2] != second.rpartition("=")[2]
    assert received(sandbox) == [503, 200] and received(sandbox, "key") == [KEY, KEY]
    assert applied(sandbox) == {KEY: 1}


async def test_a_message_signed_with_v1_beside_v2_is_taken_by_a_v2_verifier(session, sandbox) -> None:
    now = int(time.time())
    signer = Signer(DEVELOPMENT_KEY_ID, SecretStr(DEVELOPMENT_SECRET), now=lambda: now, legacy_v1=True)

    await PaymentsClient(session, str(sandbox.make_url("/")), 2.0, 3, signer=signer, backoff=FAST).refund(REFUND, KEY)

    [header] = received(sandbox, "signature")
    body = REFUND.model_dump_json().encode()
    v1 = hmac.new(DEVELOPMENT_SECRET.encode(), f"{now}.".encode() + body, hashlib.sha256).hexdigest()
    v2 = hmac.new(DEVELOPMENT_SECRET.encode(), f"{now}.{KEY}.".encode() + body, hashlib.sha256).hexdigest()
    assert header == f"t={now},kid=dev,v1={v1},v2={v2}"
    assert received(sandbox) == [200] and applied(sandbox) == {KEY: 1}


async def test_a_signature_under_an_unknown_key_or_a_wrong_secret_is_refused_and_nothing_applied(session, sandbox) -> None:
    base = str(sandbox.make_url("/"))
    for signer in (Signer("2025-12", SecretStr(DEVELOPMENT_SECRET)), Signer(DEVELOPMENT_KEY_ID, SecretStr("x" * 32))):
        with pytest.raises(CredentialsRefused, match="payments refused our credentials: HTTP 401") as refused:
            await PaymentsClient(session, base, 2.0, 3, signer=signer, backoff=FAST).refund(REFUND, KEY)
        assert isinstance(refused.value, EffectUnavailable)  # the relay tries it again later

    assert received(sandbox) == [401, 401] and applied(sandbox) == {}


async def test_signed_with_the_new_key_and_the_previous_one_a_message_is_taken_by_a_service_holding_the_previous(
    session, sandbox
) -> None:
    signer = Signer("2026-12", SecretStr("n" * 32), previous=(DEVELOPMENT_KEY_ID, SecretStr(DEVELOPMENT_SECRET)))

    await PaymentsClient(session, str(sandbox.make_url("/")), 2.0, 3, signer=signer, backoff=FAST).refund(REFUND, KEY)

    assert received(sandbox) == [200] and applied(sandbox) == {KEY: 1}


async def test_a_tampered_body_or_a_stale_timestamp_is_refused_by_the_sandbox(session, sandbox) -> None:
    url, body = sandbox.make_url("/payments/v1/refunds"), REFUND.model_dump_json().encode()
    now = int(time.time())

    def signed(t: int, signed_body: bytes) -> dict[str, str]:
        v2 = hmac.new(DEVELOPMENT_SECRET.encode(), f"{t}.{KEY}.".encode() + signed_body, hashlib.sha256).hexdigest()
        return {"Idempotency-Key": KEY, "Content-Type": "application/json", "Disputes-Signature": f"t={t},kid=dev,v2={v2}"}

    tampered = body.replace(b'"amount_minor":899900', b'"amount_minor":999900')
    answers = []
    outside = REPLAY_WINDOW_SECONDS + 60  # a loaded machine may answer seconds after `now`
    for sent, headers in ((tampered, signed(now, body)), (body, signed(now - outside, body)),
                          (body, signed(now + outside, body))):
        async with session.post(url, data=sent, headers=headers) as response:
            answers.append((response.status, (await response.json())["reason"]))

    assert tampered != body
    assert answers == [(401, "bad_signature"), (401, "stale_timestamp"), (401, "stale_timestamp")]
    assert applied(sandbox) == {}
    async with session.post(url, data=body, headers=signed(now, body)) as response:
        assert response.status == 200
    assert applied(sandbox) == {KEY: 1}


async def test_the_signing_secret_never_reaches_the_logs(session, sandbox) -> None:
    await inject(session, sandbox, service="payments", mode="error", times=2)

    with capture_logs() as logs:
        await payments(session, sandbox).refund(REFUND, KEY)
        with pytest.raises(CredentialsRefused):
            await PaymentsClient(
                session, str(sandbox.make_url("/")), 2.0, 3, signer=Signer("old", SecretStr(DEVELOPMENT_SECRET)),
                backoff=FAST,
            ).refund(REFUND, "another-key")

    assert len(logs) == 2 and DEVELOPMENT_SECRET not in repr(logs)
