"""A worker stopped while its downstream service keeps failing (the downstream sandbox over a real socket) stops at
once: it does not wait out the client's wait before its next attempt (up to its 20 s budget). The message it was
delivering stays pending, and the worker gives its lease back: another worker claims it at once."""

import asyncio
from collections.abc import Callable
from typing import Any

import aiohttp
from aiohttp.test_utils import TestServer

from adapters.downstream import (
    AccountsClient, EffectClient, FinanceClient, FulfillmentClient, NotificationsClient, PaymentsClient, Signer,
)
from adapters.memory import FixedClock, InMemoryDisputes, InMemoryEvidenceStore, InMemoryOrders, InMemorySchedule
from adapters.wake import Wakeups
from adapters.workers import run_workers
from disputes.relay import Relay
from disputes.rules import Rules
from disputes.schedule import DueWork
from disputes.service import DisputeService, OpenRequest
from disputes.work import WorkKind
from pydantic import SecretStr
from sandbox.downstream import LEDGER, create_downstream_sandbox
from sandbox.signing import DEVELOPMENT_KEY_ID, DEVELOPMENT_SECRET
from schemas.common import Resolution
from tests.factories import CUSTOMER, NOW, order, subjects

RETRY_AFTER = 15.0
"""What the notifications service asks the client to wait: within its budget, so the client waits it out."""
STOPPED_WITHIN = 5.0
"""Bound on the stop, with slack for a busy machine: far below `RETRY_AFTER`."""


async def until(condition: Callable[[], bool]) -> None:
    async with asyncio.timeout(5):
        while not condition():
            await asyncio.sleep(0.01)


def client(kind: type[EffectClient], session: aiohttp.ClientSession, sandbox: TestServer) -> Any:
    """A client with the deployment's retry policy (default backoff and budget)."""
    return kind(session, str(sandbox.make_url("/")), 2.0, 5, signer=Signer(DEVELOPMENT_KEY_ID, SecretStr(DEVELOPMENT_SECRET)))


async def test_a_relay_stopped_while_waiting_to_retry_stops_at_once_and_gives_the_message_back(
    aiohttp_server: Any,
) -> None:
    sandbox = await aiohttp_server(create_downstream_sandbox())
    clock = FixedClock(NOW)
    repository = InMemoryDisputes()
    schedule = InMemorySchedule(repository, InMemoryEvidenceStore())
    service = DisputeService(repository, InMemoryOrders([order()]), clock, Rules())
    opened = (await service.open(CUSTOMER, OpenRequest("ord-1", "shp-1", "Gelmedi.", Resolution.REFUND), None)).dispute
    async with aiohttp.ClientSession() as session:
        async with session.post(sandbox.make_url("/_sandbox/faults"), json={
            "service": "notifications", "mode": "throttle", "delay_seconds": RETRY_AFTER, "times": 10,
        }) as response:
            assert response.status == 200
        clients = [client(kind, session, sandbox) for kind in
                   (PaymentsClient, FulfillmentClient, NotificationsClient, AccountsClient, FinanceClient)]
        work = DueWork(schedule, Relay(repository, *clients, clock), clock, "relay-1")
        stop = asyncio.Event()
        run = asyncio.create_task(run_workers([(work, 1.0)], stop, Wakeups(), 0.1))
        await until(lambda: len(sandbox.app[LEDGER].requests) == 1)  # throttled: the client waits to retry

        stop.set()
        async with asyncio.timeout(STOPPED_WITHIN):
            await run

    assert len(sandbox.app[LEDGER].requests) == 1
    assert [m.id for m in await repository.pending(opened.id)] == [m.id for m in opened.outbox]
    assert subjects(await schedule.claim_due(WorkKind.RELAY, NOW, work.lease, 10, "relay-2")) == [opened.id]
