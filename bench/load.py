"""The load client, in its own process: a fixed number of keep-alive HTTP/1.1 connections, each sending its
next request as soon as the previous answer is in (closed loop, fixed concurrency).

    python -m bench.load SPEC.json      → one JSON object on stdout

SPEC: ``{"host", "port", "concurrency", "mode": "once"|"cycle", "duration": s|null, "expect": [status],
"keep_bodies": bool, "requests": [{"method", "path", "headers": {...}, "body": str|null}]}``. ``once``
sends each request once (distinct orders, distinct webhook events), ``cycle`` goes round the list until
``duration`` has passed. Requests are encoded before the clock starts; the client is a small
``asyncio.Protocol`` rather than aiohttp's client so that it costs the machine less than the server it
loads (its own CPU use is reported next to the server's).
"""

import asyncio
import itertools
import json
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any


class Connection(asyncio.Protocol):
    """One keep-alive connection; responses must carry Content-Length (aiohttp's always do here)."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.waiter: asyncio.Future[tuple[int, bytes]] | None = None
        self.status = 0
        self.length: int | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if self.length is None:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            lines = bytes(self.buffer[:end]).split(b"\r\n")
            self.status = int(lines[0].split(b" ", 2)[1])
            self.length = 0
            for line in lines[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    self.length = int(value)
                elif name.strip().lower() == b"transfer-encoding":
                    self._fail(ConnectionError("chunked responses are not supported"))
                    return
            del self.buffer[: end + 4]
        if len(self.buffer) >= self.length:
            body = bytes(self.buffer[: self.length])
            del self.buffer[: self.length]
            self.length = None
            waiter, self.waiter = self.waiter, None
            if waiter is not None and not waiter.done():
                waiter.set_result((self.status, body))

    def connection_lost(self, exc: Exception | None) -> None:
        self._fail(ConnectionError("connection closed"))

    def _fail(self, error: Exception) -> None:
        waiter, self.waiter = self.waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_exception(error)

    def send(self, request: bytes) -> "asyncio.Future[tuple[int, bytes]]":
        assert self.transport is not None
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(request)
        return self.waiter


def encode(host: str, port: int, request: dict[str, Any]) -> bytes:
    body = (request.get("body") or "").encode()
    head = [f"{request['method']} {request['path']} HTTP/1.1", f"Host: {host}:{port}"]
    head += [f"{name}: {value}" for name, value in request.get("headers", {}).items()]
    if body or request["method"] in ("POST", "PUT", "PATCH"):
        head.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


def percentile(ordered: list[float], q: float) -> float:
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


async def run(spec: dict[str, Any]) -> dict[str, Any]:
    host, port = spec["host"], spec["port"]
    requests = [encode(host, port, r) for r in spec["requests"]]
    expect = set(spec.get("expect", [200]))
    cycle, duration = spec.get("mode", "once") == "cycle", spec.get("duration")
    keep_bodies = spec.get("keep_bodies", False)
    loop = asyncio.get_running_loop()
    connections = [
        (await loop.create_connection(Connection, host, port))[1] for _ in range(spec["concurrency"])
    ]
    counter = itertools.count()
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    bodies: list[str] = []
    unexpected: list[str] = []
    transport_errors = 0
    started_at = time.time()
    started = time.perf_counter()
    cpu_started = time.process_time()
    deadline = started + duration if duration else None

    async def worker(connection: Connection) -> None:
        nonlocal transport_errors
        while True:
            index = next(counter)
            if (not cycle and index >= len(requests)) or (deadline is not None and time.perf_counter() >= deadline):
                return
            request = requests[index % len(requests)]
            sent = time.perf_counter()
            try:
                status, body = await connection.send(request)
            except ConnectionError:
                transport_errors += 1
                connection = (await loop.create_connection(Connection, host, port))[1]
                continue
            latencies.append(time.perf_counter() - sent)
            statuses[status] += 1
            if keep_bodies:
                bodies.append(body.decode())
            if status not in expect and len(unexpected) < 5:
                unexpected.append(f"{status}: {body[:300].decode(errors='replace')}")

    await asyncio.gather(*(worker(c) for c in connections))
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    for connection in connections:
        if connection.transport is not None:
            connection.transport.close()
    ordered = sorted(latencies)
    ok = sum(n for status, n in statuses.items() if status in expect)
    result = {
        "started_at": started_at,
        "requests": len(latencies),
        "ok": ok,
        "errors": len(latencies) - ok + transport_errors,
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "unexpected": unexpected,
        "elapsed_s": elapsed,
        "rps": ok / elapsed if elapsed else 0.0,
        "p50_ms": percentile(ordered, 50) * 1000,
        "p95_ms": percentile(ordered, 95) * 1000,
        "p99_ms": percentile(ordered, 99) * 1000,
        "max_ms": (ordered[-1] * 1000) if ordered else float("nan"),
        "client_cpu_s": cpu,
    }
    if keep_bodies:
        result["bodies"] = bodies
    return result


def main() -> None:
    spec = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    print(json.dumps(asyncio.run(run(spec))))


if __name__ == "__main__":
    main()
