"""A carrier's push about an earlier parcel under the same tracking number (carriers reuse numbers: FedEx's Track API
documents `trackingNumberUniqueId` "to distinguish duplicate FedEx tracking numbers"), delivered months before this
order was placed and kept with the pushes (365 days), is another person's delivery: it is not put on this customer's
case, nor told to them, and it does not spare asking the carrier about this parcel."""

import json
import time
from datetime import timedelta
from pathlib import Path

import pytest

from carriers.partner.signing import HEADER, sign
from tests.e2e.conftest import CARRIERS, CUSTOMER, INVESTIGATOR, UPS_WEBHOOK_CREDENTIAL, e2e_orders, eventually
from tests.factories import NOW, order, shipment

SECRET = "whsec_surat_e2e_0123456789abcdef0123456789"
TRACKING = "SRT-REUSED-0001"
OTHER_PERSON = "Nurhan Tekin"  # who received the earlier parcel under this number, 200 days ago
UPS_SAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "carriers" / "ups"
UPS = {"x-api-key": UPS_WEBHOOK_CREDENTIAL, "Content-Type": "application/json"}


@pytest.fixture
def carrier_settings() -> dict:
    return CARRIERS | {"surat": {"partner_webhook": {"secrets": [SECRET]}}}


@pytest.fixture
def orders_document() -> dict:
    parcel = shipment("shp-reused", carrier="surat").model_copy(update={"tracking_number": TRACKING})
    document = e2e_orders()
    document["orders"].append(json.loads(order("ord-reused", shipments=[parcel]).model_dump_json()))
    return document


@pytest.fixture
def evidence_interval() -> float:
    return 0.02


async def open_case(api, order_id: str) -> str:
    opened = await api.post("/v1/disputes", headers=CUSTOMER, json={
        "order_id": order_id, "statement": "Gelmedi.", "preferred_resolution": "refund"})
    assert opened.status == 201, await opened.text()
    return f"/v1/disputes/{(await opened.json())['id']}"


async def test_a_push_about_an_earlier_parcel_is_not_put_on_a_new_customer_s_case(api, sandbox, aiohttp_client):
    long_ago = (NOW - timedelta(days=200)).isoformat()
    body = json.dumps({
        "event_id": "srt-old-1", "carrier": "surat", "tracking_number": TRACKING, "status": "delivered",
        "delivered_at": long_ago, "occurred_at": long_ago, "received_by": OTHER_PERSON,
        "recipient_relation": "neighbour", "location": {"text": "Komşu, daire 9"},
    }).encode()
    pushed = await api.post("/v1/carriers/surat/webhooks", data=body,
                            headers={HEADER: sign(SECRET, body, int(time.time())), "Content-Type": "application/json"})
    assert pushed.status == 202, await pushed.text()
    one = await open_case(api, "ord-reused")

    async def assessed():
        case = await (await api.get(one, headers=INVESTIGATOR)).json()
        return case if case["recommendation"] else None

    case = await eventually(assessed, timeout=10)
    downstream = await aiohttp_client(sandbox)
    received = await (await downstream.get("/_sandbox/received")).json()
    told = [r["body"]["message"] for r in received["requests"] if r["service"] == "notifications"]
    assert OTHER_PERSON not in json.dumps(told, ensure_ascii=False)
    assert OTHER_PERSON not in await (await api.get(one, headers=CUSTOMER)).text()
    assert case["evidence"] == []


async def test_a_push_delivered_before_the_order_was_placed_does_not_spare_asking_the_carrier(api):
    """The public UPS sample was delivered 2024-04-23; ord-7 was placed 2026-11-13. UPS is down in these tests, so
    asking it leaves `evidence_pull_failed` on the timeline; on the stale push, the case was refunded at once and UPS
    held liable, on a delivery from before the order."""
    stored = await api.post("/v1/carriers/ups/webhooks", data=(UPS_SAMPLES / "alert-delivered-photo.json").read_bytes(),
                            headers=UPS)
    assert stored.status == 200
    one = await open_case(api, "ord-7")

    async def asked_or_decided():
        entries = (await (await api.get(one + "/timeline", headers=INVESTIGATOR)).json())["entries"]
        actions = [e["action"] for e in entries]
        return actions if "evidence_pull_failed" in actions or "decided" in actions else None

    actions = await eventually(asked_or_decided, timeout=10)
    assert "evidence_pull_failed" in actions and "decided" not in actions, actions
