"""A decision's refund reaches the payments sandbox signed with the deployment's key, on every attempt; the guide's
verifier (docs/downstream.md, run as written) takes the messages the relay sent and refuses them altered or under
another Idempotency-Key; the secret is in no log line."""

import asyncio
import hashlib
import hmac
import re
import time
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from sandbox.downstream import create_downstream_sandbox
from tests.e2e.conftest import AGENT, INVESTIGATOR, settled
from tests.e2e.test_dispute_journey import applied, open_dispute
from tests.factories import effects_key

SHIPMENT_KEY = effects_key("ord-1", "shp-1")

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "downstream.md"
KEY_ID = "e2e-2026"
SECRET = "effects-e2e-secret-0123456789abcdef0123456789"
HEADER = re.compile(r"^t=(\d+),kid=([^,]+),v2=([0-9a-f]{64})$")


LEGACY_HEADER = re.compile(r"^t=(\d+),kid=([^,]+),v1=([0-9a-f]{64}),v2=([0-9a-f]{64})$")


@pytest.fixture
def app_changes(request) -> dict:
    return {"effects_signing_key_id": KEY_ID, "effects_signing_secret": SECRET} | getattr(request, "param", {})


@pytest.fixture
def captured() -> list[tuple[str, str, bytes]]:
    """(Disputes-Signature, Idempotency-Key, raw body) of every message that reached the payments sandbox."""
    return []


@pytest.fixture
async def sandbox(aiohttp_server, orders_document, captured):
    @web.middleware
    async def capture(request: web.Request, handler: Any) -> web.StreamResponse:
        if request.path == "/payments/v1/refunds":
            captured.append((request.headers.get("Disputes-Signature", ""), request.headers.get("Idempotency-Key", ""),
                             await request.read()))
        return await handler(request)

    app = create_downstream_sandbox(orders_document, signing_keys={KEY_ID: SECRET})
    app.middlewares.insert(0, capture)
    return await aiohttp_server(app)


def guide_verifier() -> Any:
    [block] = re.findall(r"```python\n(.*?)```", GUIDE.read_text(), re.DOTALL)
    namespace: dict[str, Any] = {}
    exec(compile(block, str(GUIDE), "exec"), namespace)  # the example as a downstream team would copy it
    return namespace["verify_signature"]


async def decide_refund(api) -> str:
    dispute = await (await open_dispute(api)).json()
    one = f"/v1/disputes/{dispute['id']}"
    assigned = await api.post(one + "/assign", headers=INVESTIGATOR)
    decision = {"outcome": "refund", "reason_code": "carrier_no_proof", "note": "No proof of delivery."}
    decided = await api.post(one + "/decision", json=decision, headers={**INVESTIGATOR, "If-Match": assigned.headers["ETag"]})
    assert decided.status == 200, await decided.text()
    return dispute["id"]


async def test_a_refund_reaches_payments_signed_on_every_attempt_and_the_guide_verifies_it(
    api, sandbox, aiohttp_client, captured, log_audit
):
    downstream = await aiohttp_client(sandbox)
    fault = {"service": "payments", "mode": "error", "times": 1}
    assert (await downstream.post("/_sandbox/faults", json=fault)).status == 200

    dispute_id = await decide_refund(api)

    await settled(api, dispute_id)
    assert await applied(downstream, "payments") == {f"{SHIPMENT_KEY}:d1:refund": 1}
    received = (await (await downstream.get("/_sandbox/received")).json())["requests"]
    assert [(r["status"], r["key"]) for r in received if r["service"] == "payments"] == [
        (503, f"{SHIPMENT_KEY}:d1:refund"), (200, f"{SHIPMENT_KEY}:d1:refund"),
    ]
    assert len(captured) == 2
    verify_signature = guide_verifier()
    for header, key, body in captured:
        t, kid, v2 = HEADER.match(header).groups()  # type: ignore[union-attr]
        assert kid == KEY_ID and abs(time.time() - int(t)) < 60 and key == f"{SHIPMENT_KEY}:d1:refund"
        assert v2 == hmac.new(SECRET.encode(), f"{t}.{key}.".encode() + body, hashlib.sha256).hexdigest()
        assert verify_signature(header, key, body, {KEY_ID: SECRET}) is True
        assert verify_signature(header, key, body.replace(b"129900", b"999900", 1), {KEY_ID: SECRET}) is False
        assert verify_signature(header, key + "-replayed", body, {KEY_ID: SECRET}) is False
        assert verify_signature(header, "", body, {KEY_ID: SECRET}) is False
        assert verify_signature(header, key, body, {KEY_ID: SECRET}, now=int(t) + 301) is False
        assert verify_signature(header, key, body, {"e2e-2025": SECRET}) is False
    assert SECRET not in log_audit.getvalue()


async def test_a_replayed_or_altered_refund_is_refused_by_the_payments_sandbox(api, sandbox, aiohttp_client, captured):
    downstream = await aiohttp_client(sandbox)
    dispute_id = await decide_refund(api)
    await settled(api, dispute_id)
    assert await applied(downstream, "payments") == {f"{SHIPMENT_KEY}:d1:refund": 1}
    [(header, _, body)] = captured
    assert b"129900" in body
    altered = {"Disputes-Signature": header, "Idempotency-Key": "another-key", "Content-Type": "application/json"}

    answer = await downstream.post("/payments/v1/refunds", data=body.replace(b"129900", b"999900", 1), headers=altered)
    assert (answer.status, (await answer.json())["reason"]) == (401, "bad_signature")
    answer = await downstream.post("/payments/v1/refunds", data=body, headers=altered)  # as sent, under another key
    assert (answer.status, (await answer.json())["reason"]) == (401, "bad_signature")
    t = int(HEADER.match(header).group(1))  # type: ignore[union-attr]
    stale = {**altered, "Disputes-Signature": header.replace(f"t={t},", f"t={t - 301},")}
    answer = await downstream.post("/payments/v1/refunds", data=body, headers=stale)
    assert (answer.status, (await answer.json())["reason"]) == (401, "stale_timestamp")
    replayed = await downstream.post("/payments/v1/refunds", data=body, headers={
        "Disputes-Signature": header, "Idempotency-Key": f"{SHIPMENT_KEY}:d1:refund", "Content-Type": "application/json",
    })  # within the window, the exact message: its key makes it harmless
    assert replayed.status == 200 and (await replayed.json())["replayed"] is True
    assert await applied(downstream, "payments") == {f"{SHIPMENT_KEY}:d1:refund": 1}


def former_guide_verifier(header: str, body: bytes, secrets: dict[str, str]) -> bool:
    """What a service verifying by the former scheme checks: exactly one `t` and one `kid`, at least one `v1`, the
    HMAC of `<t>.<raw body>` (other names ignored); written here from that scheme."""
    fields: dict[str, list[str]] = {}
    for item in header.split(","):
        name, _, value = item.partition("=")
        fields.setdefault(name, []).append(value)
    [t], [kid], v1 = fields["t"], fields["kid"], fields.get("v1", [])
    expected = hmac.new(secrets[kid].encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return abs(time.time() - int(t)) <= 300 and any(hmac.compare_digest(expected, value) for value in v1)


@pytest.mark.parametrize("app_changes", [{"effects_signing_legacy_v1": True}], indirect=True)
async def test_during_the_move_from_v1_a_refund_carries_both_signatures_and_either_kind_of_receiver_takes_it(
    api, sandbox, aiohttp_client, captured
):
    downstream = await aiohttp_client(sandbox)

    dispute_id = await decide_refund(api)

    await settled(api, dispute_id)
    assert await applied(downstream, "payments") == {f"{SHIPMENT_KEY}:d1:refund": 1}
    [(header, key, body)] = captured
    t, kid, v1, v2 = LEGACY_HEADER.match(header).groups()  # type: ignore[union-attr]
    assert kid == KEY_ID and key == f"{SHIPMENT_KEY}:d1:refund"
    assert v1 == hmac.new(SECRET.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    assert v2 == hmac.new(SECRET.encode(), f"{t}.{key}.".encode() + body, hashlib.sha256).hexdigest()
    verify_signature = guide_verifier()
    assert verify_signature(header, key, body, {KEY_ID: SECRET}) is True  # v1 ignored
    assert verify_signature(header, key + "-replayed", body, {KEY_ID: SECRET}) is False
    assert former_guide_verifier(header, body, {KEY_ID: SECRET}) is True
    assert former_guide_verifier(header.replace(f",v1={v1}", ""), body, {KEY_ID: SECRET}) is False



@pytest.fixture
async def guide_receiver(aiohttp_server):
    """A service built on the guide: its aiohttp handler, as the guide shows it, around its verifier as written."""
    verify_signature = guide_verifier()

    async def receive(request: web.Request) -> web.Response:
        body = await request.read()
        keys = request.headers.getall("Idempotency-Key", [])
        if len(keys) != 1 or not verify_signature(request.headers.get("Disputes-Signature", ""), keys[0], body,
                                                  {KEY_ID: SECRET}):
            raise web.HTTPUnauthorized()
        return web.Response(text="applied")

    app = web.Application()
    app.router.add_post("/payments/v1/refunds", receive)
    return await aiohttp_server(app)


async def raw_post(server, key: bytes, signature: bytes, body: bytes) -> bytes:
    """The status code a raw request gets: header bytes as sent, whatever their encoding."""
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    try:
        writer.write(b"POST /payments/v1/refunds HTTP/1.1\r\nHost: receiver\r\nConnection: close\r\n"
                     b"Content-Type: application/json\r\nIdempotency-Key: " + key + b"\r\nDisputes-Signature: "
                     + signature + b"\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
        await writer.drain()
        status_line = await asyncio.wait_for(reader.readline(), 10)
    finally:
        writer.close()
    return status_line.split()[1]


async def test_the_guide_s_handler_refuses_a_key_or_a_signature_that_is_not_utf8_with_401_not_500(
    api, sandbox, aiohttp_client, captured, guide_receiver
):
    downstream = await aiohttp_client(sandbox)
    dispute_id = await decide_refund(api)
    await settled(api, dispute_id)
    assert await applied(downstream, "payments") == {f"{SHIPMENT_KEY}:d1:refund": 1}
    [(header, key, body)] = captured
    t = int(HEADER.match(header).group(1))  # type: ignore[union-attr]
    assert await raw_post(guide_receiver, key.encode(), header.encode(), body) == b"200"  # the relay's message

    hostile = key.encode().replace(b":d1:", b"\xff:d1:")  # not UTF-8: aiohttp hands it over with escapes
    signed = hmac.new(SECRET.encode(), f"{t}.".encode() + hostile + b"." + body, hashlib.sha256).hexdigest()
    assert await raw_post(guide_receiver, hostile, f"t={t},kid={KEY_ID},v2={signed}".encode(), body) == b"401"
    assert await raw_post(guide_receiver, hostile, header.encode(), body) == b"401"
    not_hex = header.encode().replace(b",v2=", b",v2=\xff", 1)[:-1]
    assert await raw_post(guide_receiver, key.encode(), not_hex, body) == b"401"
    assert await raw_post(sandbox, hostile, header.encode(), body) == b"401"  # so do the stand-in services
    assert await raw_post(sandbox, key.encode(), not_hex, body) == b"401"


async def test_once_payments_took_the_refund_the_agent_is_told_the_day_and_staff_see_payments_own_id(
    api, sandbox, aiohttp_client
):
    downstream = await aiohttp_client(sandbox)
    dispute_id = await decide_refund(api)
    staff = await settled(api, dispute_id)

    taken = await (await api.get(f"/v1/disputes/{dispute_id}", headers=AGENT)).json()
    [refund] = [e for e in staff["effects"]["delivered"] if e["kind"] == "refund"]
    answered = [r for r in (await (await downstream.get("/_sandbox/received")).json())["requests"]
                if r["service"] == "payments" and r["status"] == 200]
    assert refund["reference"].startswith("pay_") and len(answered) == 1
    day = re.search(r"on (\d\d\.\d\d\.\d{4})\.$", taken["next_step"]["en"])
    assert day is not None, taken["next_step"]["en"]
    assert taken["next_step"]["en"].endswith(f"we refunded 1,299.00 TRY to your original payment method on {day[1]}.")
    assert f"{day[1]} tarihinde orijinal ödeme yönteminize yapıldı." in taken["next_step"]["tr"]
