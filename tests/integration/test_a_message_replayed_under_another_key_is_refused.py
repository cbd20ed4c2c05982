"""A captured message re-sent within the replay window under another `Idempotency-Key` is refused: the signature
covers the key (docs/downstream.md), so a receiver verifying as the guide says never applies a refund twice."""

from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from sandbox.downstream import LEDGER, create_downstream_sandbox
from tests.integration.test_downstream import KEY, REFUND, payments


@pytest.fixture
async def sandbox(aiohttp_server: Any) -> TestServer:
    return await aiohttp_server(create_downstream_sandbox())


async def test_a_captured_refund_replayed_under_another_key_is_refused_and_not_applied(sandbox) -> None:
    async with aiohttp.ClientSession() as session:
        await payments(session, sandbox).refund(REFUND, KEY)  # the relay's message, as sent
        [captured] = sandbox.app[LEDGER].requests
        body = REFUND.model_dump_json().encode()
        headers = {"Content-Type": "application/json", "Disputes-Signature": captured["signature"],
                   "Idempotency-Key": KEY + "-replayed"}  # the signature and body as captured, another key
        async with session.post(sandbox.make_url("/payments/v1/refunds"), data=body, headers=headers) as response:
            answer = (response.status, (await response.json()).get("reason"))

    assert answer == (401, "bad_signature")
    assert sandbox.app[LEDGER].applied["payments"] == {KEY: 1}


async def test_a_captured_refund_replayed_under_its_own_key_is_answered_as_the_first_time(sandbox) -> None:
    async with aiohttp.ClientSession() as session:
        await payments(session, sandbox).refund(REFUND, KEY)
        [captured] = sandbox.app[LEDGER].requests
        headers = {"Content-Type": "application/json", "Disputes-Signature": captured["signature"],
                   "Idempotency-Key": KEY}
        url = sandbox.make_url("/payments/v1/refunds")
        async with session.post(url, data=REFUND.model_dump_json().encode(), headers=headers) as response:
            answer = (response.status, (await response.json())["replayed"])

    assert answer == (200, True)
    assert sandbox.app[LEDGER].applied["payments"] == {KEY: 1}
