"""A database that stops answering mid-way: it keeps the connections open and reads every command, but answers
nothing (a loopback proxy in front of the embedded database, silenced once the service is up). A request then
answers a 503 problem within its database time (`mongodb_request_timeout_seconds`), not when the driver gives the
server up (5-15 s); and readiness still answers. A database busy with every request's storage call while it answers
`ping` leaves the process ready: readiness does not wait for a connection of the requests' pool."""

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator

import pytest

from adapters.bootstrap import create_app
from tests.e2e.conftest import CUSTOMER, app_settings, eventually

REQUEST_DATABASE_SECONDS = 0.5
POOL = 2  # the requests' pool (`maxPoolSize`)
ANSWERED_WITHIN = 3.0  # the database time and slack for a busy machine: below the 5 s the driver takes at the least


class SilencedProxy:
    """Forwards loopback connections to the database until `silence()`: from then on it reads what either side
    sends and passes nothing on, keeping every connection open. From `hold()` to `release()` it holds back every
    command but a handshake and `ping` (`held`: read, not passed on, so not answered yet)."""

    ANSWERED = {b"hello", b"isMaster", b"ismaster", b"ping"}

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.silent = False
        self.holding = False
        self.held: list[tuple[asyncio.StreamWriter, bytes]] = []
        self._writers: list[asyncio.StreamWriter] = []

    async def start(self) -> str:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        return f"mongodb://127.0.0.1:{port}/?directConnection=true"

    def silence(self) -> None:
        self.silent = True

    def hold(self) -> None:
        self.holding = True

    def release(self) -> None:
        self.holding = False
        for sink, message in self.held:
            sink.write(message)
        self.held.clear()

    async def close(self) -> None:
        self._server.close()
        for writer in self._writers:
            writer.close()

    async def _serve(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        self._writers += [client_writer, upstream_writer]
        await asyncio.gather(
            self._commands(client_reader, upstream_writer), self._pump(upstream_reader, client_writer),
            return_exceptions=True,
        )

    async def _commands(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        """Pass on the client's messages (wire protocol: a little-endian length first), each whole."""
        while header := await source.readexactly(16):
            message = header + await source.readexactly(int.from_bytes(header[:4], "little") - 16)
            if self.holding and self._command(message) not in self.ANSWERED:
                self.held.append((sink, message))
            elif not self.silent:
                sink.write(message)
                await sink.drain()

    @staticmethod
    def _command(message: bytes) -> bytes:
        """The command an OP_MSG names (its body's first key); empty for another opcode (a legacy handshake)."""
        if int.from_bytes(message[12:16], "little") != 2013:
            return b""
        name = message[26:]  # header, flag bits, section kind, document length, element type
        return name[: name.index(b"\0")]

    async def _pump(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        while data := await source.read(65536):
            if not self.silent:
                sink.write(data)
                await sink.drain()


@pytest.fixture
async def proxy(mongo_uri: str) -> AsyncIterator[SilencedProxy]:
    port = int(mongo_uri.split("//")[1].split("/")[0].rsplit(":", 1)[1])
    silenced = SilencedProxy(port)
    yield silenced
    await silenced.close()


async def opened(api) -> str:
    """The id of a case the customer opens on ord-1."""
    body = {"order_id": "ord-1", "statement": "Gelmedi.", "preferred_resolution": "refund"}
    answer = await api.post("/v1/disputes", json=body, headers=CUSTOMER)
    assert answer.status == 201, await answer.text()
    return (await answer.json())["id"]


async def test_a_request_to_a_database_that_stops_answering_gets_a_prompt_503_problem(
    aiohttp_client, sandbox, proxy, tmp_path, orders_document
) -> None:
    orders_file = tmp_path / "orders.json"
    orders_file.write_text(json.dumps(orders_document))
    settings = app_settings(
        await proxy.start(), f"silent_{uuid.uuid4().hex[:10]}", orders_file, str(sandbox.make_url("/")).rstrip("/"),
        run_workers=False, mongodb_request_timeout_seconds=REQUEST_DATABASE_SECONDS,
    )
    api = await aiohttp_client(create_app(settings))
    dispute_id = await opened(api)

    proxy.silence()
    started = time.monotonic()
    async with asyncio.timeout(30):  # a hang fails the test instead of stalling it
        answer = await api.get(f"/v1/disputes/{dispute_id}", headers=CUSTOMER)
        problem = await answer.json(content_type=None)
    seconds = time.monotonic() - started

    assert (answer.status, answer.content_type) == (503, "application/problem+json"), problem
    assert seconds < ANSWERED_WITHIN, f"answered after {seconds:.1f} s"
    assert (await api.get("/healthz")).status == 200
    await api.close()


async def test_requests_keeping_every_pooled_connection_busy_leave_the_process_ready(
    aiohttp_client, sandbox, proxy, tmp_path, orders_document
) -> None:
    orders_file = tmp_path / "orders.json"
    orders_file.write_text(json.dumps(orders_document))
    settings = app_settings(
        f"{await proxy.start()}&maxPoolSize={POOL}", f"busy_{uuid.uuid4().hex[:10]}", orders_file,
        str(sandbox.make_url("/")).rstrip("/"), run_workers=False, mongodb_request_timeout_seconds=30,
        mongodb_timeout_seconds=30,
    )
    api = await aiohttp_client(create_app(settings))
    dispute_id = await opened(api)

    proxy.hold()
    reads = [asyncio.create_task(api.get(f"/v1/disputes/{dispute_id}", headers=CUSTOMER)) for _ in range(POOL)]

    async def pool_busy() -> bool:
        return len(proxy.held) >= POOL

    try:
        await eventually(pool_busy, explain="the reads did not reach the database")
        ready = await api.get("/readyz")
        assert ready.status == 200, await ready.text()
    finally:
        proxy.release()
        answers = await asyncio.gather(*reads, return_exceptions=True)
    assert [getattr(answer, "status", answer) for answer in answers] == [200] * POOL
    await api.close()
