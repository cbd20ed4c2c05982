"""A DHL push of many shipments through the running app: answered 200 once every shipment's event is stored, and
the same push sent again (as DHL does when its answer is late) answered 200 with every event a duplicate."""

from typing import Any

import pytest

from adapters.mongo.client import connect
from adapters.mongo.indexes import CARRIER_EVENTS
from adapters.settings import Settings
from adapters.web.keys import INTAKE
from tests.bursts import dhl_push
from tests.e2e.conftest import CARRIERS

DHL_TOKEN = "dhl-webhook-token-0123456789abcdef"
DHL = {"X-Webhook-Token": DHL_TOKEN, "Content-Type": "application/json"}
SHIPMENTS = 300


@pytest.fixture
def carrier_settings() -> dict:
    return CARRIERS | {"dhl": {"base_url": "http://127.0.0.1:9", "api_key": "e2e", "webhook_token": DHL_TOKEN}}


@pytest.fixture
def app_changes() -> dict:
    return {"webhook_max_bytes": Settings.model_fields["webhook_max_bytes"].default}  # 300 shipments: about 1 MB


async def stored_numbers(api: Any, mongo_uri: str) -> list[str]:
    """The tracking numbers of the events stored, read on a connection of its own (kept out of the query audit)."""
    client = connect(mongo_uri)
    try:
        events = client[api.server.app[INTAKE].attachments.events.database.name][CARRIER_EVENTS]
        return sorted([doc["tracking_number"] async for doc in events.find({"carrier": "dhl"})])
    finally:
        await client.close()


async def test_a_dhl_push_of_300_shipments_is_answered_200_with_every_event_stored_and_sent_again_all_duplicates(
    api: Any, mongo_uri: str
) -> None:
    body = dhl_push(SHIPMENTS)

    first = await api.post("/v1/carriers/dhl/webhooks", data=body, headers=DHL)
    again = await api.post("/v1/carriers/dhl/webhooks", data=body, headers=DHL)

    assert [(first.status, await first.json()), (again.status, await again.json())] == [
        (200, {"received": SHIPMENTS, "duplicates": 0}), (200, {"received": SHIPMENTS, "duplicates": SHIPMENTS})]
    assert await stored_numbers(api, mongo_uri) == [str(4_000_000_000 + n) for n in range(SHIPMENTS)]
