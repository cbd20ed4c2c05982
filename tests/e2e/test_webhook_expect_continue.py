"""`Expect: 100-continue` on a push (curl sends it past 1 MiB, .NET Framework's HttpWebRequest on every POST): a push
the service refuses on its headers alone is refused before the body is sent, not invited with `100 Continue`, and the
refusal is the one the push would get without the expectation (problem+json, request id, logged and counted); a push
that passes is invited and stored; an expectation the service does not take is a problem (RFC 9110 §10.1.1: 417),
like every other refusal."""

import asyncio
import json
import time

import pytest

from carriers.partner.signing import HEADER, sign
from tests.e2e.conftest import CARRIERS

SECRET = "whsec_surat_e2e_0123456789abcdef0123456789"


@pytest.fixture
def carrier_settings() -> dict:
    return CARRIERS | {"surat": {"partner_webhook": {"secrets": [SECRET]}}}


async def connected(api) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.open_connection(api.server.host, api.server.port)


async def send_head(writer: asyncio.StreamWriter, path: str, headers: list[tuple[str, str]]) -> None:
    """The headers of a POST declaring a body that is not sent (yet)."""
    head = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", *(f"{name}: {value}" for name, value in headers)]
    writer.write(("\r\n".join(head) + "\r\n\r\n").encode())
    await writer.drain()


async def first_answer(api, path: str, headers: list[tuple[str, str]]) -> tuple[bytes, dict]:
    """The first answer's head to a POST whose body is not sent, and its JSON body."""
    reader, writer = await connected(api)
    try:
        await send_head(writer, path, headers)
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
        return head, json.loads(await asyncio.wait_for(reader.readexactly(length_of(head)), 5))
    finally:
        writer.close()


def status_of(head: bytes) -> bytes:
    return head.split(b"\r\n")[0].split(b" ")[1]


def length_of(head: bytes) -> int:
    return int(next(line for line in head.split(b"\r\n") if line.startswith(b"Content-Length: ")).split()[1])


@pytest.mark.parametrize(("path", "headers", "status", "reason"), [
    ("/v1/carriers/surat/webhooks", [], b"401", "missing_signature"),
    ("/v1/carriers/nosuch/webhooks", [], b"404", "unknown_carrier"),
    ("/v1/carriers/surat/webhooks", [("Content-Type", "text/plain")], b"415", "unsupported_media_type"),
    ("/v1/carriers/surat/webhooks", [("Content-Encoding", "br")], b"415", "unsupported_encoding"),
    ("/v1/carriers/surat/webhooks", [("Content-Length", "300000")], b"413", "too_large"),  # the e2e limit: 256 KiB
    ("/v1/carriers/ups/webhooks", [("x-api-key", "a-guessed-ups-credential")], b"401", "bad_signature"),
], ids=["no-signature", "unknown-carrier", "not-json", "coding", "too-large", "wrong-static-credential"])
async def test_a_push_refused_on_its_headers_is_refused_before_its_body_is_invited(
        api, log_audit, path, headers, status, reason):
    length = [] if any(name == "Content-Length" for name, _ in headers) else [("Content-Length", "200000")]
    answer, problem = await first_answer(api, path, [*length, ("Expect", "100-continue"), *headers])
    assert status_of(answer) == status, answer
    assert problem["reason"] == reason and problem["request_id"], problem
    assert b"Content-Type: application/problem+json" in answer and b"X-Request-ID: " in answer, answer
    assert b"Connection: close" in answer, answer  # the body it was not invited to send may follow or not
    logged = [json.loads(line) for line in log_audit.getvalue().splitlines() if '"webhook_rejected"' in line]
    assert [line["reason"] for line in logged] == [reason]
    carrier = path.split("/")[3] if "nosuch" not in path else "unknown"
    metrics = await (await api.get("/metrics")).text()
    assert f'disputes_webhooks_total{{carrier="{carrier}",outcome="rejected",reason="{reason}"}} 1.0' in metrics


async def test_a_push_that_passes_its_headers_is_invited_then_stored(api):
    body = json.dumps({"event_id": "srt-expect-1", "carrier": "surat", "tracking_number": "SRT20240421001",
                       "status": "in_transit", "occurred_at": "2026-11-16T14:31:09+03:00"}).encode()
    reader, writer = await connected(api)
    try:
        await send_head(writer, "/v1/carriers/surat/webhooks", [
            ("Content-Type", "application/json"), ("Content-Length", str(len(body))), ("Expect", "100-Continue"),
            (HEADER, sign(SECRET, body, int(time.time())))])
        assert await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5) == b"HTTP/1.1 100 Continue\r\n\r\n"
        writer.write(body)
        answer = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
        assert status_of(answer) == b"202", answer
        assert json.loads(await reader.readexactly(length_of(answer))) == {"received": 1, "duplicates": 0}
    finally:
        writer.close()


@pytest.mark.parametrize("expectation", ["100-continue, x-checksum", "x-checksum"])
async def test_an_expectation_not_taken_is_a_problem_with_its_request_id(api, expectation):
    answer, problem = await first_answer(api, "/v1/carriers/surat/webhooks",
                                         [("Content-Length", "10"), ("Expect", expectation)])
    assert status_of(answer) == b"417", answer
    assert b"application/problem+json" in answer and b"X-Request-ID" in answer, answer
    assert problem["type"] == "urn:dispute-service:problem:expectation-failed" and problem["request_id"], problem
    assert "x-checksum" not in json.dumps(problem), problem  # the header is not echoed back
