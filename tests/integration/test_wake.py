"""Work a save makes due starts at once in the process that saved it, not at the worker's next poll."""

import asyncio

from adapters.bootstrap import Overrides, create_app
from adapters.memory import InMemoryOrders
from disputes.ports import EvidenceUnavailable, Slot
from schemas.proof import ProofOfDelivery
from tests.e2e.conftest import CUSTOMER, RunningClock, app_settings
from tests.factories import order

LONG = 60.0  # far longer than the test waits: only a wake-up can start the pull in time
BOUND = 5.0


class WatchedGateway:
    """A carrier that is never reachable; it tells when it was asked."""

    def __init__(self) -> None:
        self.asked = asyncio.Event()
        self.tracking: list[str] = []

    async def pull(self, carrier: str, tracking_number: str, slot: Slot | None = None) -> ProofOfDelivery:
        self.tracking.append(tracking_number)
        self.asked.set()
        raise EvidenceUnavailable("away")


async def test_an_opened_dispute_is_pulled_without_waiting_for_the_poll(aiohttp_client, tmp_path):
    placed = order("ord-1")
    gateway = WatchedGateway()
    settings = app_settings(
        None, "unused", tmp_path / "orders.json", "http://127.0.0.1:9", storage="memory",
        evidence_interval_seconds=LONG, busy_interval_seconds=LONG, assess_interval_seconds=LONG,
    )
    overrides = Overrides(orders=InMemoryOrders([placed]), gateway=gateway, clock=RunningClock())
    api = await aiohttp_client(create_app(settings, overrides))
    try:
        await asyncio.sleep(0)  # the loops' first pass (nothing due) is over before the dispute opens
        assert not gateway.asked.is_set()
        opened = await api.post(
            "/v1/disputes", json={"order_id": "ord-1", "statement": "Gelmedi.", "preferred_resolution": "refund"},
            headers=CUSTOMER,
        )
        assert opened.status == 201
        await asyncio.wait_for(gateway.asked.wait(), BOUND)
        assert gateway.tracking == [placed.shipments[0].tracking_number]
    finally:
        await api.close()


async def test_without_wake_ups_the_pull_waits_for_the_poll(aiohttp_client, tmp_path):
    gateway = WatchedGateway()
    settings = app_settings(
        None, "unused", tmp_path / "orders.json", "http://127.0.0.1:9", storage="memory", wake_workers=False,
        evidence_interval_seconds=LONG, busy_interval_seconds=LONG,
    )
    overrides = Overrides(orders=InMemoryOrders([order("ord-1")]), gateway=gateway, clock=RunningClock())
    api = await aiohttp_client(create_app(settings, overrides))
    try:
        opened = await api.post(
            "/v1/disputes", json={"order_id": "ord-1", "statement": "Gelmedi.", "preferred_resolution": "refund"},
            headers=CUSTOMER,
        )
        assert opened.status == 201
        assert (await api.get("/healthz")).status == 200  # a round trip: time for a wake-up, had there been one
        assert not gateway.asked.is_set()
    finally:
        await api.close()
