"""Oversized headers and slow clients, over raw sockets against the app served as `disputes serve` serves it
(the same runner options), with limits made small and short so each test takes about a second.

What aiohttp refuses itself (request line, header field, header count) comes from its protocol layer before
any middleware: a plain-text 400 and a closed connection. A body that does not arrive in time is ours: a 408
problem, nothing stored. A client that hangs up mid-body is its own doing (499), and a part header the multipart
parser warns about never reaches the output with the file name it quotes. Waits on the server are bounded; the
only sleeps pace a deliberately slow client.
"""

import asyncio
import io
import json
import re
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from PIL import Image

from adapters.bootstrap import Overrides, create_app
from adapters.mongo.client import connect
from adapters.mongo.indexes import CARRIER_EVENTS, DISPUTES, RAW_PAYLOADS
from adapters.observability import configure_logging
from adapters.orders import FileOrderDirectory
from adapters.web.carriers_api import FULL_PUSHES_IN_FLIGHT, PUSHES_IN_FLIGHT
from adapters.web.in_flight import ADMISSION
from adapters.web.keys import INTAKE, SERVICE
from adapters.web.limits import server_options
from adapters.web.uploads import FORMS_IN_FLIGHT
from carriers.partner.signing import sign
from schemas.orders import Order
from tests.e2e.conftest import (
    CARRIERS, CUSTOMER, INVESTIGATOR, UPS_WEBHOOK_CREDENTIAL, RunningClock, app_settings, e2e_orders,
)
from tests.factories import PERSONAL_VALUES

BOUND = 5.0
"""The longest any wait here may take: far above every configured limit, so a pass is never a near miss."""
LIMITS = {
    "max_request_line_bytes": 1024,
    "max_header_bytes": 1024,
    "max_headers": 20,
    "keepalive_timeout_seconds": 1.0,
    "body_timeout_seconds": 0.5,
    "linger_seconds": 0.2,
}
OPEN = json.dumps({"order_id": "ord-1", "statement": "Gelmedi.", "preferred_resolution": "refund"}).encode()
WEBHOOK = (Path(__file__).resolve().parents[1] / "fixtures" / "carriers" / "ups" / "alert-delivered.json").read_bytes()
UPS = {"x-api-key": UPS_WEBHOOK_CREDENTIAL, "Content-Type": "application/json"}
PARTNER_SECRET = "partner-secret-" + "s" * 32
ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Service:
    runner: web.AppRunner
    db: Any
    port: int = field(init=False)

    def __post_init__(self) -> None:
        self.port = self.runner.addresses[0][1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def stored(self, collection: str) -> int:
        return await self.db[collection].count_documents({})


class SlowOrders:
    """The order service taking its time: work that starts once the body is in."""

    def __init__(self, orders: FileOrderDirectory, delay: float) -> None:
        self.orders, self.delay = orders, delay

    async def get(self, order_id: str) -> Order | None:
        await asyncio.sleep(self.delay)
        return await self.orders.get(order_id)


class Stalled:
    """A slow database: the first `count` calls of a method wait until they are let go, one by one; later calls go
    straight on."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, owner: object, name: str, count: int) -> None:
        self.calls, self._turns = 0, asyncio.Semaphore(0)
        method = getattr(owner, name)

        async def stalled(*args: Any, **kwargs: Any) -> Any:
            self.calls += 1
            if self.calls <= count:
                await self._turns.acquire()
            return await method(*args, **kwargs)

        monkeypatch.setattr(owner, name, stalled)

    def let_go(self, count: int = 1) -> None:
        for _ in range(count):
            self._turns.release()


@pytest.fixture
def logs(capfd: pytest.CaptureFixture[str]) -> Any:
    """Everything the service logs, structured or through the standard library; no personal value may be in it."""
    stream = io.StringIO()
    configure_logging("DEBUG", json=True, stream=stream)
    yield stream
    everything = stream.getvalue() + "".join(capfd.readouterr())
    assert not [value for value in PERSONAL_VALUES if value in everything], "personal data in logs"


@pytest.fixture
async def serve(mongo_uri: str, tmp_path: Path, logs: io.StringIO) -> AsyncIterator[Callable[..., Awaitable[Service]]]:
    """Starts the app on a loopback port with `LIMITS` (and any changes); every one started is stopped at the end."""
    orders_file = tmp_path / "orders.json"
    orders_file.write_text(json.dumps(e2e_orders()))
    started: list[Service] = []
    client = connect(mongo_uri)

    async def start(orders_delay: float | None = None, **changes: Any) -> Service:
        settings = app_settings(
            mongo_uri, f"limits_{uuid.uuid4().hex[:10]}", orders_file, "http://127.0.0.1:9",
            run_workers=False, **(LIMITS | changes),
        )
        orders = SlowOrders(FileOrderDirectory(orders_file), orders_delay) if orders_delay else None
        runner = web.AppRunner(create_app(settings, Overrides(clock=RunningClock(), orders=orders)), **server_options(settings))
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        started.append(service := Service(runner, client[settings.mongodb_database]))
        return service

    yield start
    for service in started:
        await service.runner.cleanup()
        await client.drop_database(service.db.name)
    await client.close()


@pytest.fixture
async def service(serve: Callable[..., Awaitable[Service]]) -> Service:
    return await serve()


def head(method: str, path: str, headers: dict[str, str] | None = None, length: int | None = None) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: disputes.test", *(f"{k}: {v}" for k, v in (headers or {}).items())]
    if length is not None:
        lines.append(f"Content-Length: {length}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def parse(raw: bytes) -> Answer:
    top, _, body = raw.partition(b"\r\n\r\n")
    status_line, *header_lines = top.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in header_lines)}
    return Answer(int(status_line.split()[1]), headers, body)


async def until_closed(reader: asyncio.StreamReader) -> bytes:
    """Everything the server sends until it closes the connection; fails if it does not within BOUND."""
    return await asyncio.wait_for(reader.read(), BOUND)


async def exchange(service: Service, data: bytes) -> Answer:
    """Send the bytes, then read until the server closes the connection (the request asks it to)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", service.port)
    try:
        writer.write(data)
        return parse(await until_closed(reader))
    finally:
        writer.close()


async def healthy(service: Service) -> bool:
    answer = await exchange(service, head("GET", "/healthz", {"Connection": "close"}))
    return answer.status == 200


async def eventually(check: Callable[[], bool]) -> bool:
    deadline = time.monotonic() + BOUND
    while not check() and time.monotonic() < deadline:
        await asyncio.sleep(0.01)
    return check()


# --- oversized headers -------------------------------------------------------------------------------------

def long_line(size: int) -> bytes:
    return head("GET", "/healthz?pad=" + "p" * (size - len("GET /healthz?pad= HTTP/1.1")), {"Connection": "close"})


def long_header(size: int) -> bytes:
    return head("GET", "/healthz", {"Connection": "close", "X-Note": "n" * (size - len("X-Note"))})


def many_headers(count: int) -> bytes:
    return head("GET", "/healthz", {"Connection": "close"} | {f"X-{i}": "1" for i in range(count - 2)})  # and Host


# Each pair lands just within and just beyond its limit in LIMITS.
HEADER_LIMITS = {
    "request line": (long_line(1000), long_line(1100)),
    "header field": (long_header(1000), long_header(1100)),
    "header count": (many_headers(20), many_headers(21)),
}


@pytest.mark.parametrize("within", [pair[0] for pair in HEADER_LIMITS.values()], ids=HEADER_LIMITS.keys())
async def test_a_request_within_the_header_limits_is_served(service, within):
    assert (await exchange(service, within)).status == 200


@pytest.mark.parametrize("beyond", [pair[1] for pair in HEADER_LIMITS.values()], ids=HEADER_LIMITS.keys())
async def test_an_oversized_request_line_or_header_is_refused_by_aiohttp_and_the_connection_closed(service, beyond):
    answer = await exchange(service, beyond)  # returns only once the server has closed the connection
    # aiohttp's protocol layer answers before any middleware runs: not problem+json, and 400 rather than 431.
    assert answer.status == 400 and answer.headers["content-type"].startswith("text/plain")
    assert await healthy(service), "the server stopped serving others"


async def test_what_aiohttp_refuses_is_logged_without_the_refused_bytes(service, logs):
    name = PERSONAL_VALUES[1].encode()
    answer = await exchange(service, head("GET", "/healthz")[:-2] + b"X-Recipient: " + name + b"x" * 1100 + b"\r\n\r\n")
    assert answer.status == 400
    lines = [json.loads(line) for line in logs.getvalue().splitlines()]
    assert {"event": "http_protocol_error", "error": "LineTooLong", "status": 400} in [
        {k: line.get(k) for k in ("event", "error", "status")} for line in lines
    ]
    assert "127.0.0.1" not in logs.getvalue()  # nor the client's address; the `logs` fixture checks the name


async def test_a_body_that_does_not_decompress_is_a_400_problem_and_the_connection_closed(service, logs):
    """The sender's fault, answered as one: not a 500 (which carriers retry for a day), nor logged as our error."""
    garbled = b"not gzip at all"
    headers = UPS | {"Content-Encoding": "gzip"}
    answer = await exchange(service, head("POST", "/v1/carriers/ups/webhooks", headers, len(garbled)) + garbled)
    assert (answer.status, answer.headers["content-type"].split(";")[0]) == (400, "application/problem+json")
    assert answer.json()["type"] == "urn:dispute-service:problem:unreadable-body"
    assert answer.headers["connection"] == "close"
    lines = [json.loads(line) for line in logs.getvalue().splitlines()]
    assert {"event": "webhook_rejected", "carrier": "ups", "reason": "unreadable_body"} in [
        {k: line.get(k) for k in ("event", "carrier", "reason")} for line in lines
    ]
    assert not [line for line in lines if line.get("level") == "error"]
    assert await healthy(service)


# --- slow and stalled connections --------------------------------------------------------------------------

async def test_a_client_that_never_finishes_its_headers_is_disconnected_after_the_keepalive_timeout(service):
    reader, writer = await asyncio.open_connection("127.0.0.1", service.port)
    writer.write(head("GET", "/healthz")[:-2] + b"X-Slow: ")

    async def one_byte_at_a_time() -> None:  # a slowloris: the header never ends, the line never grows past the limit
        while not reader.at_eof():
            writer.write(b"s")
            await asyncio.sleep(0.05)

    trickling = asyncio.create_task(one_byte_at_a_time())
    try:
        assert await until_closed(reader) == b"", "the server answered a request it never received"
    finally:
        trickling.cancel()
        writer.close()


async def test_a_silent_connection_and_an_idle_keepalive_connection_are_closed(service):
    silent_reader, silent = await asyncio.open_connection("127.0.0.1", service.port)
    reader, writer = await asyncio.open_connection("127.0.0.1", service.port)
    writer.write(head("GET", "/healthz"))
    answered = parse(await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), BOUND))
    assert answered.status == 200 and "close" not in answered.headers.get("connection", "")
    try:
        await asyncio.wait_for(reader.readexactly(int(answered.headers["content-length"])), BOUND)
        assert await until_closed(silent_reader) == b""
        assert await until_closed(reader) == b""
    finally:
        silent.close()
        writer.close()


async def test_many_stalled_connections_do_not_keep_others_from_being_served(serve):
    # Long limits: the stalled connections stay open, held by the server, while others are served.
    service = await serve(keepalive_timeout_seconds=30.0, body_timeout_seconds=30.0)
    partial = {
        "silent": b"",
        "half a request line": b"POST /v1/disp",
        "headers without their end": head("GET", "/healthz")[:-2],
        "a body that stops": head("POST", "/v1/disputes", {**CUSTOMER, "Content-Type": "application/json"}, len(OPEN)) + OPEN[:10],
    }
    stalled = []
    for kind in [kind for kind in partial for _ in range(25)]:
        reader, writer = await asyncio.open_connection("127.0.0.1", service.port)
        writer.write(partial[kind])
        stalled.append((reader, writer))
    server = service.runner.server
    assert server is not None
    try:
        # Every connection reached the server, and the 25 stalled bodies each hold a running handler.
        assert await eventually(lambda: len(server.connections) == 100 and server.requests_count == 25)
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=BOUND)) as session:
            opened = await session.post(f"{service.url}/v1/disputes", data=OPEN,
                                        headers={**CUSTOMER, "Content-Type": "application/json"})
            assert opened.status == 201, await opened.text()
            assert (await session.get(f"{service.url}/healthz")).status == 200
        assert not any(reader.at_eof() for reader, _ in stalled), "served others by dropping the stalled ones"
        assert await service.stored(DISPUTES) == 1
    finally:
        for _, writer in stalled:
            writer.close()
    assert await eventually(lambda: len(server.connections) == 0)


# --- bodies that do not arrive in time ---------------------------------------------------------------------

async def send_slowly(service: Service, request_head: bytes, body: bytes, *, sent: int, pace: float | None) -> Answer:
    """Headers and the first `sent` bytes of the body, then one more byte every `pace` seconds (or nothing at all)
    until the server answers. The answer must come while some of the body is still unsent.

    Over a plain socket: a byte that reaches the server after its last read makes its close a reset (RFC 9112
    §9.6), which the kernel reports after the answer it received before it, where a stream reader would drop that
    answer."""
    loop = asyncio.get_running_loop()
    with socket.create_connection(("127.0.0.1", service.port)) as sock:
        sock.setblocking(False)
        await loop.sock_sendall(sock, request_head + body[:sent])
        unsent = body[sent:]

        async def trickle() -> None:
            nonlocal unsent
            while pace is not None and len(unsent) > 1:
                await asyncio.sleep(pace)
                try:
                    await loop.sock_sendall(sock, unsent[:1])
                except OSError:  # the server has closed the connection
                    return
                unsent = unsent[1:]

        async def answer() -> bytes:
            raw = bytearray()
            try:
                while chunk := await loop.sock_recv(sock, 65536):
                    raw += chunk
            except ConnectionResetError:  # after the answer: the bytes it carried were received
                pass
            return bytes(raw)

        trickling = asyncio.create_task(trickle())
        try:
            raw = await asyncio.wait_for(answer(), BOUND)  # the 408 asks for the connection to close; the server closes it
        finally:
            trickling.cancel()
        assert unsent, "the whole body was sent: this proves nothing about a slow one"
        return parse(raw)


SLOWNESS = {"trickles": 0.05, "stops sending": None}


@pytest.mark.parametrize("pace", SLOWNESS.values(), ids=SLOWNESS.keys())
async def test_a_dispute_body_that_does_not_arrive_in_time_is_a_408_and_nothing_is_stored(service, pace):
    headers = {**CUSTOMER, "Content-Type": "application/json", "Idempotency-Key": "slow-1"}
    answer = await send_slowly(service, head("POST", "/v1/disputes", headers, len(OPEN)), OPEN, sent=20, pace=pace)

    assert answer.status == 408 and answer.headers["content-type"].split(";")[0] == "application/problem+json"
    assert answer.headers["connection"] == "close"
    problem = answer.json()
    assert problem["type"] == "urn:dispute-service:problem:request-timeout" and problem["status"] == 408
    assert problem["title"] and problem["request_id"] == answer.headers["x-request-id"]
    assert await service.stored(DISPUTES) == 0
    # The same request sent promptly is stored: the count above would have seen it, and the key was not used up.
    assert (await exchange(service, head("POST", "/v1/disputes", headers | {"Connection": "close"}, len(OPEN)) + OPEN)).status == 201
    assert await service.stored(DISPUTES) == 1


async def test_an_upload_that_does_not_arrive_in_time_is_told_to_send_fewer_images_and_add_the_rest_later(service):
    opened = await exchange(service, head("POST", "/v1/disputes", {**CUSTOMER, "Content-Type": "application/json",
                                                                  "Connection": "close"}, len(OPEN)) + OPEN)
    dispute_id = opened.json()["id"]
    form = (b'--sinir\r\nContent-Disposition: form-data; name="statement"\r\n\r\nEkte.\r\n'
            b'--sinir\r\nContent-Disposition: form-data; name="images"; filename="kapi.jpg"\r\n'
            b"Content-Type: image/jpeg\r\n\r\n\xff\xd8\xff\xe0" + b"\0" * 4000 + b"\r\n--sinir--\r\n")
    headers = {**CUSTOMER, "Content-Type": "multipart/form-data; boundary=sinir"}
    answer = await send_slowly(service, head("POST", f"/v1/disputes/{dispute_id}/information", headers, len(form)),
                               form, sent=200, pace=None)

    assert answer.status == 408 and answer.json()["type"] == "urn:dispute-service:problem:request-timeout"
    detail = answer.json()["detail"]
    assert "fewer images" in detail and "/v1/disputes/{id}/information" in detail
    slow_json = await send_slowly(service, head("POST", "/v1/disputes", {**CUSTOMER, "Content-Type": "application/json"},
                                                len(OPEN)), OPEN, sent=20, pace=None)
    assert slow_json.status == 408 and "images" not in slow_json.json()["detail"]  # no images to send fewer of


@pytest.mark.parametrize("pace", SLOWNESS.values(), ids=SLOWNESS.keys())
async def test_a_slow_webhook_is_a_408_and_nothing_is_stored(service, pace):
    request_head = head("POST", "/v1/carriers/ups/webhooks", UPS, len(WEBHOOK))
    answer = await send_slowly(service, request_head, WEBHOOK, sent=100, pace=pace)

    assert answer.status == 408 and answer.json()["type"] == "urn:dispute-service:problem:request-timeout"
    assert (await service.stored(RAW_PAYLOADS), await service.stored(CARRIER_EVENTS)) == (0, 0)
    prompt = await exchange(service, head("POST", "/v1/carriers/ups/webhooks", UPS | {"Connection": "close"}, len(WEBHOOK)) + WEBHOOK)
    assert prompt.status == 200
    assert (await service.stored(RAW_PAYLOADS), await service.stored(CARRIER_EVENTS)) == (1, 1)


async def answer_head(service: Service, data: bytes) -> Answer:
    """Send the bytes and read the answer's head (bounded): the body they announce is never sent."""
    reader, writer = await asyncio.open_connection("127.0.0.1", service.port)
    try:
        writer.write(data)
        return parse(await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), BOUND))
    finally:
        writer.close()


def chunked_part(size: int) -> bytes:
    """`size` bytes of a chunked body (one chunk), the body not ended."""
    return b"%x\r\n" % size + b" " * size + b"\r\n"


async def test_a_push_finding_no_room_among_the_push_bodies_in_flight_is_told_to_retry(serve):
    limit = 64 * 1024
    service = await serve(webhook_max_bytes=limit, body_timeout_seconds=30.0, keepalive_timeout_seconds=30.0)
    pushes = service.runner.app[PUSHES_IN_FLIGHT]["ups"]
    chunked = head("POST", "/v1/carriers/ups/webhooks", UPS | {"Transfer-Encoding": "chunked"})
    held = []
    try:
        for sent in [limit] * (FULL_PUSHES_IN_FLIGHT - 1) + [limit - len(WEBHOOK) + 1]:  # bodies arriving, not ended
            _, writer = await asyncio.open_connection("127.0.0.1", service.port)
            writer.write(chunked + chunked_part(sent))
            held.append(writer)
        assert await eventually(lambda: pushes.held == pushes.budget - len(WEBHOOK) + 1)

        invited = await answer_head(service, head("POST", "/v1/carriers/ups/webhooks", UPS | {"Expect": "100-continue"},
                                                  len(WEBHOOK)))
        assert invited.status == 100, "the body of a push with room for its first bytes was not invited"
        refused = await exchange(service, head("POST", "/v1/carriers/ups/webhooks", UPS | {"Connection": "close"},
                                               len(WEBHOOK)) + WEBHOOK)  # its bytes do not fit in the room left
        assert refused.status == 503 and int(refused.headers["retry-after"]) > 0, refused
        assert refused.headers["content-type"].startswith("application/problem+json")

        held[-1].write(chunked_part(len(WEBHOOK) - 1))  # the budget full
        assert await eventually(lambda: pushes.held == pushes.budget)
        refused = await answer_head(service, head("POST", "/v1/carriers/ups/webhooks", UPS, len(WEBHOOK)))
        assert refused.status == 503 and int(refused.headers["retry-after"]) > 0
        invited = await answer_head(service, head("POST", "/v1/carriers/ups/webhooks", UPS | {"Expect": "100-continue"},
                                                  len(WEBHOOK)))
        assert invited.status == 503, "the body of a push with no room was invited"

        held.pop().close()
        assert await eventually(lambda: pushes.held == (FULL_PUSHES_IN_FLIGHT - 1) * limit)
        taken = await exchange(service, head("POST", "/v1/carriers/ups/webhooks", UPS | {"Connection": "close"},
                                             len(WEBHOOK)) + WEBHOOK)
        assert taken.status == 200, taken.body
        assert (await service.stored(RAW_PAYLOADS), await service.stored(CARRIER_EVENTS)) == (1, 1)
    finally:
        for writer in held:
            writer.close()
    assert await eventually(lambda: pushes.held == 0)


async def test_requests_past_their_share_in_flight_are_told_to_retry_at_once_and_pushes_never_crowd_out_people(
    serve, logs, monkeypatch,
):
    service = await serve(requests_in_flight=2, webhooks_in_flight=2)
    app = service.runner.app
    admission = app[ADMISSION]
    queues, intakes = Stalled(monkeypatch, app[SERVICE], "list", 2), Stalled(monkeypatch, app[INTAKE], "receive_push", 2)
    queue = head("GET", "/v1/disputes", INVESTIGATOR)
    push = head("POST", "/v1/carriers/ups/webhooks", UPS, len(WEBHOOK))
    closing = {"Connection": "close"}
    working = [asyncio.create_task(exchange(service, request)) for request in (
        *[head("GET", "/v1/disputes", INVESTIGATOR | closing)] * 2,
        *[head("POST", "/v1/carriers/ups/webhooks", UPS | closing, len(WEBHOOK)) + WEBHOOK] * 2,
    )]
    try:
        assert await eventually(lambda: queues.calls == 2 and intakes.calls == 2)  # each share full, all at work
        assert admission.full("people") and admission.full("webhooks")

        unread = await answer_head(service, head("POST", "/v1/disputes", {**CUSTOMER, "Content-Type": "application/json"},
                                                 len(OPEN)))  # answered without its body
        pushed = await answer_head(service, push)
        invited = await answer_head(service, head("POST", "/v1/carriers/ups/webhooks", UPS | {"Expect": "100-continue"},
                                                  len(WEBHOOK)))
        for refused in (await answer_head(service, queue), unread, pushed, invited):
            assert refused.status == 503 and int(refused.headers["retry-after"]) > 0, refused
            assert refused.headers["content-type"].startswith("application/problem+json")
        for probe in ("/healthz", "/readyz", "/metrics"):  # the operations endpoints are never refused
            assert (await exchange(service, head("GET", probe, closing))).status == 200, probe
        metrics = (await exchange(service, head("GET", "/metrics", closing))).body.decode()
        assert 'disputes_requests_shed_total{share="people"} 2.0' in metrics
        assert 'disputes_requests_shed_total{share="webhooks"} 2.0' in metrics
        shed = [(line["status"], line["shed"]) for line in request_lines(logs, "/v1/disputes") if "shed" in line]
        assert shed == [(503, "people")] * 2

        intakes.let_go()  # a push ends: one push is taken, people still have no room
        assert await eventually(lambda: not admission.full("webhooks"))
        assert (await exchange(service, head("POST", "/v1/carriers/ups/webhooks", UPS | closing,
                                             len(WEBHOOK)) + WEBHOOK)).status == 200
        assert (await answer_head(service, queue)).status == 503
        queues.let_go()  # a queue is answered: people are served again
        assert await eventually(lambda: not admission.full("people"))
        served = await exchange(service, head("GET", "/v1/disputes", INVESTIGATOR | closing))
        assert served.status == 200, served.body
    finally:
        queues.let_go(2)
        intakes.let_go(2)
        assert [answer.status for answer in await asyncio.gather(*working)] == [200, 200, 200, 200]


async def test_a_person_s_upload_or_form_finding_no_room_is_refused_before_its_body_is_invited(serve, monkeypatch):
    service = await serve(requests_in_flight=1, body_timeout_seconds=30.0, keepalive_timeout_seconds=30.0)
    admission = service.runner.app[ADMISSION]
    queues = Stalled(monkeypatch, service.runner.app[SERVICE], "list", 1)
    expecting = {"Expect": "100-continue"}
    upload = head("POST", "/v1/disputes/dsp-1/information",
                  CUSTOMER | expecting | {"Content-Type": "multipart/form-data; boundary=b"}, 5_000_000)
    console_form = head("POST", "/console/sign-in", expecting | {"Content-Type": "application/x-www-form-urlencoded"}, 100)
    holder = asyncio.create_task(exchange(service, head("GET", "/v1/disputes", {**INVESTIGATOR, "Connection": "close"})))
    try:
        assert await eventually(lambda: queues.calls == 1)  # at work
        for request_head in (upload, console_form):
            refused = await answer_head(service, request_head)
            assert refused.status == 503 and int(refused.headers["retry-after"]) > 0, "a body with no room was invited"
            assert refused.headers["content-type"].startswith("application/problem+json")
    finally:
        queues.let_go()
        assert (await holder).status == 200
    assert await eventually(lambda: not admission.full("people"))
    assert (await answer_head(service, upload)).status == 100  # with room, the body is invited


SLOW_BODIES = {
    "anyone's console form": head("POST", "/console/sign-in", {"Content-Type": "application/x-www-form-urlencoded"}, 100)
    + b"t",
    "one customer's JSON": head("POST", "/v1/disputes", {**CUSTOMER, "Content-Type": "application/json"}, len(OPEN))
    + b"{",
}


@pytest.mark.parametrize("slow", SLOW_BODIES.values(), ids=SLOW_BODIES)
async def test_bodies_still_arriving_take_no_place_among_people_s_requests_in_flight(serve, slow):
    places = 4
    service = await serve(requests_in_flight=places, body_timeout_seconds=30.0, keepalive_timeout_seconds=30.0)
    admission, server = service.runner.app[ADMISSION], service.runner.server
    assert server is not None
    begun = server.requests_count
    held = []
    try:
        for _ in range(places):  # as many as people's share takes, each body begun and never finished
            _, writer = await asyncio.open_connection("127.0.0.1", service.port)
            writer.write(slow)
            held.append(writer)
        assert await eventually(lambda: server.requests_count == begun + places)  # each being handled
        for who in (CUSTOMER, INVESTIGATOR):
            served = await exchange(service, head("GET", "/v1/disputes", {**who, "Connection": "close"}))
            assert served.status == 200, served.body
        assert not admission.full("people")
    finally:
        for writer in held:
            writer.close()


async def test_an_upload_takes_no_place_among_people_s_requests_in_flight_while_its_form_arrives(serve):
    service = await serve(requests_in_flight=1, body_timeout_seconds=30.0, keepalive_timeout_seconds=30.0)
    one = await opened(service)
    form = {**CUSTOMER, "Content-Type": "multipart/form-data; boundary=b"}
    _, writer = await asyncio.open_connection("127.0.0.1", service.port)
    writer.write(head("POST", one + "/information", form, 5_000_000) + b"--b\r\n")
    try:
        assert await eventually(lambda: FORMS_IN_FLIGHT.held > 0)  # its case looked up, its form arriving
        served = await exchange(service, head("GET", "/v1/disputes", {**INVESTIGATOR, "Connection": "close"}))
        assert served.status == 200, served.body
    finally:
        writer.close()
    assert await eventually(lambda: FORMS_IN_FLIGHT.held == 0 and not service.runner.app[ADMISSION].full("people"))


@pytest.mark.parametrize(("path", "headers", "body"), [
    ("/v1/disputes", {**CUSTOMER, "Content-Type": "application/json"}, OPEN),
    ("/console/sign-in", {"Content-Type": "application/x-www-form-urlencoded"}, b"token=x&next=%2Fconsole"),
], ids=["json", "console form"])
async def test_a_request_whose_body_is_in_when_people_s_requests_at_work_leave_no_room_is_told_to_retry(
    serve, logs, monkeypatch, path, headers, body,
):
    service = await serve(requests_in_flight=1, body_timeout_seconds=30.0, keepalive_timeout_seconds=30.0)
    server = service.runner.server
    assert server is not None
    queues = Stalled(monkeypatch, service.runner.app[SERVICE], "list", 1)
    begun = server.requests_count
    reader, writer = await asyncio.open_connection("127.0.0.1", service.port)
    writer.write(head("POST", path, headers | {"Connection": "close"}, len(body)) + body[:1])
    working = None
    try:
        assert await eventually(lambda: server.requests_count == begun + 1)  # its body arriving
        working = asyncio.create_task(exchange(service, head("GET", "/v1/disputes",
                                                             {**INVESTIGATOR, "Connection": "close"})))
        assert await eventually(lambda: queues.calls == 1)  # the queue takes the only place, and is at work
        writer.write(body[1:])
        refused = parse(await until_closed(reader))
        assert refused.status == 503 and int(refused.headers["retry-after"]) > 0, refused
        assert refused.headers["content-type"].startswith("application/problem+json")
    finally:
        writer.close()
        queues.let_go()
    assert working is not None and (await working).status == 200
    assert await service.stored(DISPUTES) == 0
    shed = [(line["status"], line["shed"]) for line in request_lines(logs, path) if "shed" in line]
    assert shed == [(503, "people")]


async def test_pushes_to_one_carrier_never_take_another_carrier_s_room_nor_a_place_while_their_bodies_arrive(serve):
    surat = {"surat": {"partner_webhook": {"secrets": [PARTNER_SECRET]}}}
    limit = 64 * 1024
    service = await serve(carriers=CARRIERS | surat, webhook_max_bytes=limit, webhooks_in_flight=FULL_PUSHES_IN_FLIGHT,
                          body_timeout_seconds=30.0, keepalive_timeout_seconds=30.0)
    app, server = service.runner.app, service.runner.server
    assert server is not None
    forged = {"X-Partner-Signature": "t=1,v1=forged", "Content-Type": "application/json"}
    chunked = head("POST", "/v1/carriers/surat/webhooks", forged | {"Transfer-Encoding": "chunked"})
    begun = server.requests_count
    held = []
    try:
        for _ in range(FULL_PUSHES_IN_FLIGHT):  # anyone's, signed with made-up values, each body at the limit, not ended
            _, writer = await asyncio.open_connection("127.0.0.1", service.port)
            writer.write(chunked + chunked_part(limit))
            held.append(writer)
        assert await eventually(lambda: server.requests_count == begun + FULL_PUSHES_IN_FLIGHT)
        invited = await answer_head(service, head("POST", "/v1/carriers/ups/webhooks", UPS | {"Expect": "100-continue"},
                                                  len(WEBHOOK)))
        assert invited.status == 100, invited
        taken = await exchange(service, head("POST", "/v1/carriers/ups/webhooks", UPS | {"Connection": "close"},
                                             len(WEBHOOK)) + WEBHOOK)
        assert taken.status == 200, taken.body
        assert (await service.stored(RAW_PAYLOADS), await service.stored(CARRIER_EVENTS)) == (1, 1)

        surat_bodies = app[PUSHES_IN_FLIGHT]["surat"]
        assert await eventually(lambda: surat_bodies.held == surat_bodies.budget)
        assert app[PUSHES_IN_FLIGHT]["ups"].held == 0 and not app[ADMISSION].full("webhooks")
        one_more = await answer_head(service, head("POST", "/v1/carriers/surat/webhooks",
                                                   forged | {"Expect": "100-continue"}, len(WEBHOOK)))
        assert one_more.status == 503 and int(one_more.headers["retry-after"]) > 0, "a body with no room was invited"
    finally:
        for writer in held:
            writer.close()


async def test_slow_pushes_with_a_made_up_signature_hold_only_what_they_sent_so_the_carrier_s_own_push_is_taken(serve):
    service = await serve(carriers=CARRIERS | {"surat": {"partner_webhook": {"secrets": [PARTNER_SECRET]}}},
                          body_timeout_seconds=30.0, keepalive_timeout_seconds=30.0)
    forged = {"X-Partner-Signature": "t=1,v1=forged", "Content-Type": "application/json", "Transfer-Encoding": "chunked"}
    bodies = service.runner.app[PUSHES_IN_FLIGHT]["surat"]
    held = []
    try:
        for _ in range(FULL_PUSHES_IN_FLIGHT):  # anyone: no secret needed, one byte sent, then nothing
            _, writer = await asyncio.open_connection("127.0.0.1", service.port)
            writer.write(head("POST", "/v1/carriers/surat/webhooks", forged) + b"1\r\n{\r\n")
            held.append(writer)
        assert await eventually(lambda: bodies.held == FULL_PUSHES_IN_FLIGHT)
        body = (ROOT / "tests" / "fixtures" / "carriers" / "surat" / "in-transit.json").read_bytes()
        signed = {"X-Partner-Signature": sign(PARTNER_SECRET, body, int(time.time())),
                  "Content-Type": "application/json", "Connection": "close"}
        taken = await exchange(service, head("POST", "/v1/carriers/surat/webhooks", signed, len(body)) + body)
        assert taken.status == 202, taken.body
        assert (await service.stored(RAW_PAYLOADS), await service.stored(CARRIER_EVENTS)) == (1, 1)
    finally:
        for writer in held:
            writer.close()
    assert await eventually(lambda: bodies.held == 0)


async def pipelined(service: Service, *request_heads: bytes) -> list[int]:
    """The statuses of requests sent at once on one connection (the last asks to close it), answered one by one."""
    reader, writer = await asyncio.open_connection("127.0.0.1", service.port)
    try:
        writer.write(b"".join(request_heads))
        answers = await until_closed(reader)
    finally:
        writer.close()
    return [int(status) for status in re.findall(rb"HTTP/1\.1 (\d{3}) ", answers)]


async def test_requests_pipelined_on_one_connection_are_handled_one_at_a_time_and_never_refused_for_each_other(serve):
    service = await serve(requests_in_flight=2)
    admission = service.runner.app[ADMISSION]
    queue = head("GET", "/v1/disputes")  # no token: answered 401 without waiting on anything
    statuses = await pipelined(service, queue, queue, queue, queue, head("GET", "/v1/disputes", {"Connection": "close"}))
    assert statuses == [401] * 5
    metrics = (await exchange(service, head("GET", "/metrics", {"Connection": "close"}))).body.decode()
    assert 'disputes_requests_shed_total{share="people"} 0.0' in metrics
    assert not admission.full("people")


async def test_pushes_pipelined_on_one_connection_never_hold_room_among_the_push_bodies_for_each_other(serve):
    limit = 1024
    service = await serve(webhook_max_bytes=limit)
    pushes = service.runner.app[PUSHES_IN_FLIGHT]["ups"]
    unreadable = b"[" + b" " * (limit - 1)  # each the most a push may be, refused as malformed once read
    push = head("POST", "/v1/carriers/ups/webhooks", UPS, limit) + unreadable
    last = head("POST", "/v1/carriers/ups/webhooks", UPS | {"Connection": "close"}, limit) + unreadable
    statuses = await pipelined(service, *[push] * FULL_PUSHES_IN_FLIGHT, last)
    assert len(statuses) == FULL_PUSHES_IN_FLIGHT + 1 and 503 not in statuses, statuses
    assert pushes.held == 0


@pytest.mark.parametrize("ends", ["stored", "cancelled"])
async def test_a_keyed_request_whose_client_hangs_up_keeps_its_place_in_flight_until_its_run_ends(
    serve, logs, monkeypatch, ends,
):
    # The run goes on to the end though its client went (its retry gets its answer): it holds its place until then.
    service = await serve(requests_in_flight=1)
    admission = service.runner.app[ADMISSION]
    one = await opened(service)
    disputes = service.runner.app[SERVICE]
    withdraw, begun, go_on = disputes.withdraw, asyncio.Event(), asyncio.Event()

    async def slow_withdraw(*args: Any, **kwargs: Any) -> Any:  # a slow database: the run outlasts its client
        begun.set()
        await go_on.wait()
        if ends == "cancelled":  # as at shutdown
            raise asyncio.CancelledError
        return await withdraw(*args, **kwargs)

    monkeypatch.setattr(disputes, "withdraw", slow_withdraw)
    keyed = {**CUSTOMER, "Content-Type": "application/json", "Idempotency-Key": "withdraw-1"}
    _, writer = await asyncio.open_connection("127.0.0.1", service.port)
    writer.write(head("POST", one + "/withdraw", keyed, 2) + b"{}")
    await asyncio.wait_for(begun.wait(), BOUND)
    writer.close()  # the client hangs up while the withdrawal is being stored
    assert await eventually(lambda: bool(request_lines(logs, "/v1/disputes/{id}/withdraw")))  # its handler is done
    assert admission.full("people")
    assert (await answer_head(service, head("GET", "/v1/disputes", INVESTIGATOR))).status == 503

    go_on.set()
    assert await eventually(lambda: not admission.full("people"))
    monkeypatch.undo()
    retried = await exchange(service, head("POST", one + "/withdraw", keyed | {"Connection": "close"}, 2) + b"{}")
    assert retried.status == 200, retried.body
    assert retried.headers.get("idempotent-replayed") == ("true" if ends == "stored" else None)


async def test_the_deadline_ends_when_the_body_is_in_so_slow_work_after_it_is_never_cut_short(serve):
    # The body arrives in two parts, well within the deadline; the order lookup then takes twice the deadline.
    service = await serve(orders_delay=2 * LIMITS["body_timeout_seconds"])
    server = service.runner.server
    assert server is not None
    reader, writer = await asyncio.open_connection("127.0.0.1", service.port)
    try:
        writer.write(head("POST", "/v1/disputes", {**CUSTOMER, "Content-Type": "application/json", "Connection": "close"},
                          len(OPEN)) + OPEN[:20])
        assert await eventually(lambda: server.requests_count == 1)  # the handler runs and the deadline is set
        writer.write(OPEN[20:])
        answer = parse(await until_closed(reader))
    finally:
        writer.close()
    assert answer.status == 201, answer.body
    assert await service.stored(DISPUTES) == 1


async def opened(service: Service) -> str:
    answer = await exchange(service, head("POST", "/v1/disputes", {**CUSTOMER, "Content-Type": "application/json",
                                                                    "Connection": "close"}, len(OPEN)) + OPEN)
    assert answer.status == 201, answer.body
    return answer.headers["location"]


def request_lines(logs: io.StringIO, route: str) -> list[dict[str, Any]]:
    lines = [json.loads(line) for line in logs.getvalue().splitlines()]
    return [line for line in lines if line.get("event") == "request" and line.get("route") == route]


async def test_a_client_that_hangs_up_in_the_middle_of_its_body_is_logged_and_counted_as_499_not_as_our_error(
    service, logs,
):
    messages = "/v1/disputes/{id}/messages"
    one = await opened(service)
    reader, writer = await asyncio.open_connection("127.0.0.1", service.port)
    writer.write(head("POST", one + "/messages", {**CUSTOMER, "Content-Type": "application/json"}, 1000) + b'{"text": "Kap')
    await writer.drain()
    writer.close()
    await writer.wait_closed()

    assert await eventually(lambda: bool(request_lines(logs, messages)))
    [line] = request_lines(logs, messages)
    assert line["status"] == 499 and line["level"] == "info"
    scraped = (await exchange(service, head("GET", "/metrics", {"Connection": "close"}))).body.decode()
    counted = [row for row in scraped.splitlines() if row.startswith("disputes_http_requests_total{") and messages in row]
    assert len(counted) == 1 and 'status="499"' in counted[0] and counted[0].endswith(" 1.0"), counted
    assert not [line for line in logs.getvalue().splitlines() if '"level":"error"' in line]


# --- what the multipart parser warns about ----------------------------------------------------------------

QUOTED_NAME = "Ay%C5%9Fe%20Y%C4%B1lmaz%20%2B90%20532%20418%2027%2065"  # "Ayşe Yılmaz +90 532 418 27 65"
UNQUOTED_NAME = "Zeynep Ozturk 0555 624 1390"
IN_A_FILE_NAME = (QUOTED_NAME, "Ayşe Yılmaz", "532 418 27 65", UNQUOTED_NAME, "0555 624 1390")


def form_with_image_part(disposition: str) -> tuple[str, bytes]:
    """A form's Content-Type and body: a statement and one PNG whose part has this Content-Disposition."""
    image = io.BytesIO()
    Image.new("RGB", (4, 3), (10, 20, 30)).save(image, "PNG")
    body = (b'--b\r\nContent-Disposition: form-data; name="statement"\r\n\r\nKap\xc4\xb1da yoktu.\r\n'
            b"--b\r\nContent-Disposition: " + disposition.encode() + b"\r\nContent-Type: image/png\r\n\r\n"
            + image.getvalue() + b"\r\n--b--\r\n")
    return "multipart/form-data; boundary=b", body


@pytest.mark.parametrize(("disposition", "status", "category"), [
    (f"form-data; name=\"images\"; filename*=UTF-8''{QUOTED_NAME}%FF.png", 201, "BadContentDispositionParam"),
    (f"form-data; name=\"images\"; filename={UNQUOTED_NAME}.png", 422, "BadContentDispositionHeader"),
], ids=["undecodable filename*", "unquoted filename"])
async def test_a_part_header_the_multipart_parser_warns_about_is_logged_without_the_file_name(
    service, logs, capfd, disposition, status, category,
):
    one = await opened(service)
    content_type, body = form_with_image_part(disposition)
    request_head = head("POST", one + "/information", {**CUSTOMER, "Content-Type": content_type, "Connection": "close"},
                        len(body))

    answer = await exchange(service, request_head + body)

    assert answer.status == status, answer.body
    warned = [line for line in map(json.loads, logs.getvalue().splitlines())
              if line.get("event") == "python_warning" and line.get("category") == category]
    assert warned and all(line["level"] == "warning" and line["location"].startswith("multipart.py:") for line in warned)
    everything = logs.getvalue() + "".join(capfd.readouterr())
    assert not [value for value in IN_A_FILE_NAME if value in everything]


def test_a_python_warning_reaches_a_process_s_stderr_as_a_json_line_without_its_text():
    """In a process of its own, as the service runs (pytest itself records the warnings its tests raise)."""
    header = f"form-data; name=\"images\"; filename={UNQUOTED_NAME}.png"
    program = ("from aiohttp.multipart import parse_content_disposition\n"
               "from adapters.observability import configure_logging\n"
               "configure_logging('INFO', json=True, once=True)\n"
               f"parse_content_disposition({header!r})\n")
    ran = subprocess.run([sys.executable, "-c", program], cwd=ROOT, capture_output=True, text=True, timeout=60)

    assert ran.returncode == 0, ran.stderr
    [line] = [json.loads(line) for line in ran.stderr.splitlines()]
    assert (line["event"], line["category"], line["level"]) == ("python_warning", "BadContentDispositionHeader", "warning")
    assert UNQUOTED_NAME not in ran.stderr + ran.stdout


# --- header values that are not UTF-8 ----------------------------------------------------------------------

def with_raw_header(request_head: bytes, name: bytes, value: bytes) -> bytes:
    """`request_head` with one more header whose value is bytes no UTF-8 decoder reads (aiohttp keeps them as
    surrogate escapes)."""
    return request_head.removesuffix(b"\r\n\r\n") + b"\r\n" + name + b": " + value + b"\r\n\r\n"


async def test_a_webhook_credential_that_is_not_utf8_is_refused_as_wrong_and_nothing_is_stored(service):
    request_head = head("POST", "/v1/carriers/ups/webhooks", {"Content-Type": "application/json", "Connection": "close"}, len(WEBHOOK))
    answer = await exchange(service, with_raw_header(request_head, b"x-api-key", b"\xff\xfe" + UPS_WEBHOOK_CREDENTIAL.encode()) + WEBHOOK)

    assert answer.status == 401 and answer.headers["content-type"].startswith("application/problem+json")
    assert (await service.stored(RAW_PAYLOADS), await service.stored(CARRIER_EVENTS)) == (0, 0)


async def test_a_bearer_token_that_is_not_utf8_is_refused(service):
    request_head = head("GET", "/v1/disputes", {"Connection": "close"})
    answer = await exchange(service, with_raw_header(request_head, b"Authorization", b"Bearer \xc3\x28\xff"))

    assert answer.status == 401 and answer.headers["content-type"].startswith("application/problem+json")


NOT_UTF8 = b"\xc3\x28\xff"
HEADERS_READ = {
    "Idempotency-Key on opening": ("POST", "/v1/disputes", CUSTOMER, b"Idempotency-Key", OPEN),
    "If-None-Match on the queue": ("GET", "/v1/disputes", INVESTIGATOR, b"If-None-Match", None),
    "If-Match on opening with a key": ("POST", "/v1/disputes", CUSTOMER | {"Idempotency-Key": "k-1"}, b"If-Match", OPEN),
    "X-Request-Id": ("GET", "/v1/disputes", INVESTIGATOR, b"X-Request-Id", None),
    "traceparent": ("GET", "/v1/disputes", INVESTIGATOR, b"traceparent", None),
    "tracestate on opening": ("POST", "/v1/disputes", CUSTOMER | {"traceparent": f"00-{'a' * 32}-{'b' * 16}-01"},
                              b"tracestate", OPEN),
    "Content-Type on opening": ("POST", "/v1/disputes", CUSTOMER, b"Content-Type", OPEN),
    "Accept-Language on the console": ("GET", "/console", {}, b"Accept-Language", None),
}


@pytest.mark.parametrize(("method", "path", "auth", "name", "body"), HEADERS_READ.values(), ids=HEADERS_READ.keys())
async def test_any_header_the_service_reads_that_is_not_utf8_never_makes_a_500(service, method, path, auth, name, body):
    headers = auth | ({"Content-Type": "application/json"} if body is not None and name != b"Content-Type" else {})
    request_head = head(method, path, headers | {"Connection": "close"}, len(body) if body is not None else None)
    answer = await exchange(service, with_raw_header(request_head, name, NOT_UTF8) + (body or b""))

    assert answer.status < 500, answer.body
    if answer.status >= 400:
        assert answer.headers["content-type"].startswith("application/problem+json")


async def test_a_part_header_past_the_header_field_limit_is_refused_as_the_request_s_own_headers_are(service):
    """The limit on a header field (here 1,024 bytes) holds for the headers of a form's parts too."""
    one = await opened(service)
    content_type, body = form_with_image_part('form-data; name="images"; filename="' + "k" * 2000 + '.png"')
    request_head = head("POST", one + "/information", {**CUSTOMER, "Content-Type": content_type, "Connection": "close"},
                        len(body))

    answer = await exchange(service, request_head + body)

    assert answer.status == 400 and answer.json()["type"] == "urn:dispute-service:problem:malformed-multipart"
