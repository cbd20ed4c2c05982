"""A webhook storm: carriers redeliver every event several times, out of order, all at once. Each dispute
must end with exactly the distinct events as evidence (nothing lost, nothing doubled), and every delivery,
first or fifth, is acknowledged as its carrier asks (UPS 200, the partner format 202)."""

import asyncio
import json
import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from carriers.base import derive_event_id
from carriers.partner import signing
from schemas.common import Role
from tests.e2e.conftest import INVESTIGATOR, UPS_WEBHOOK_CREDENTIAL, bearer, eventually
from tests.factories import NOW, order, shipment

SEED = 20261118
CLOSED = "http://127.0.0.1:9"  # pulls fail at once: evidence can only arrive by push
HEPSIJET_SECRET = "chaos-hepsijet-partner-webhook-secret-0001"
NO_RETRY = {"timeout_seconds": 0.5, "retry": {"attempts": 1, "total_seconds": 1}}
PER_CARRIER = 5
EVENTS_PER_DISPUTE = 3
UPS_SAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "carriers" / "ups"


def tracking(carrier: str, i: int) -> str:
    return f"1Z999AA1012345{i:04d}" if carrier == "ups" else f"HJ{i:010d}"


CASES = [(f"ord-storm-{carrier}-{i}", carrier, tracking(carrier, i)) for carrier in ("ups", "hepsijet") for i in range(PER_CARRIER)]


@pytest.fixture
def orders_document():
    orders = []
    for n, (order_id, carrier, number) in enumerate(CASES):
        item = shipment(f"shp-storm-{n}", carrier=carrier).model_copy(update={"tracking_number": number})
        orders.append(order(order_id, customer_id=f"cust-storm-{n}", shipments=[item]))
    return {"orders": [json.loads(o.model_dump_json()) for o in orders]}


@pytest.fixture
def carrier_settings():
    return {
        "ups": {"base_url": CLOSED, "credentials": {"client_id": "c", "client_secret": "s"},
                "webhook_credential": UPS_WEBHOOK_CREDENTIAL, **NO_RETRY},
        "hepsijet": {"base_url": CLOSED, "username": "u", "password": "p", "apikey": "k",
                     "partner_webhook": {"secrets": [HEPSIJET_SECRET]}, **NO_RETRY},
    }


@pytest.fixture
def evidence_interval():
    return 0.02


def ups_event(number: str, step: int) -> tuple[str, bytes, dict[str, str]]:
    """Out-for-delivery scans, then the delivery: UPS's own Track Alert examples (``alert-out-for-delivery.json``,
    ``alert-delivered.json``) for this parcel at this hour, local time four hours behind GMT as in them. UPS sends
    no id: the service derives it from the status and the GMT time."""
    at = NOW - timedelta(days=2, hours=EVENTS_PER_DISPUTE - step)
    delivered = step == EVENTS_PER_DISPUTE - 1
    sample = "alert-delivered.json" if delivered else "alert-out-for-delivery.json"
    body = json.loads((UPS_SAMPLES / sample).read_bytes())
    (date, time), (local_date, local_time) = (
        (moment.strftime("%Y%m%d"), moment.strftime("%H%M%S")) for moment in (at, at - timedelta(hours=4))
    )
    body |= {"trackingNumber": number, "localActivityDate": local_date, "localActivityTime": local_time,
             "gmtActivityDate": date, "gmtActivityTime": time}
    if delivered:
        body |= {"actualDeliveryDate": local_date, "actualDeliveryTime": local_time}
    status = body["activityStatus"]
    key = "push:ups:" + derive_event_id("ups", number, status["type"], status["code"], date, time)
    return key, json.dumps(body).encode(), {"x-api-key": UPS_WEBHOOK_CREDENTIAL, "Content-Type": "application/json"}


def hepsijet_event(number: str, step: int) -> tuple[str, bytes, dict[str, str]]:
    at = NOW - timedelta(days=2, hours=EVENTS_PER_DISPUTE - step)
    event = {"event_id": f"hj-{number}-{step}", "carrier": "hepsijet", "tracking_number": number,
             "status": "in_transit", "occurred_at": at.isoformat(), "courier": {"unit": "Depo"}}
    if step == EVENTS_PER_DISPUTE - 1:
        event |= {"status": "delivered", "delivered_at": at.isoformat(), "recipient_relation": "recipient"}
    body = json.dumps(event).encode()
    # Signed when sent, on the real clock: the replay window is measured there.
    return f"push:hepsijet:{event['event_id']}", body, {"Content-Type": "application/json"}


async def test_a_storm_of_redelivered_shuffled_webhooks_leaves_each_dispute_exact_evidence(api):
    rng = random.Random(SEED)
    expected: dict[str, set[str]] = {}
    deliveries = []
    for n, (order_id, carrier, number) in enumerate(CASES):
        customer = f"cust-storm-{n}"
        body = {"order_id": order_id, "statement": "Gelmedi.", "preferred_resolution": "refund"}
        opened = await api.post("/v1/disputes", json=body, headers=bearer(Role.CUSTOMER, customer, customer))
        assert opened.status == 201, await opened.text()
        dispute_id = (await opened.json())["id"]
        expected[dispute_id] = set()
        render = ups_event if carrier == "ups" else hepsijet_event
        for step in range(EVENTS_PER_DISPUTE):
            key, payload, headers = render(number, step)
            expected[dispute_id].add(key)
            deliveries += [(carrier, payload, headers)] * rng.randint(3, 10)
    rng.shuffle(deliveries)

    gate = asyncio.Semaphore(16)

    async def deliver(carrier: str, payload: bytes, headers: dict[str, str]) -> int:
        if carrier != "ups":
            stamp = int(datetime.now(UTC).timestamp())
            headers = {**headers, signing.HEADER: signing.sign(HEPSIJET_SECRET, payload, stamp)}
        async with gate:
            answer = await api.post(f"/v1/carriers/{carrier}/webhooks", data=payload, headers=headers)
            await answer.read()
            return carrier, answer.status

    statuses = await asyncio.gather(*(deliver(*d) for d in deliveries))
    assert Counter(statuses) == Counter((carrier, 200 if carrier == "ups" else 202) for carrier, _, _ in deliveries)

    async def evidence_keys() -> dict[str, list[str]] | None:
        found = {}
        for dispute_id in expected:
            case = await (await api.get(f"/v1/disputes/{dispute_id}", headers=INVESTIGATOR)).json()
            found[dispute_id] = sorted(e["key"] for e in case["evidence"] if e["proof"]["source"] == "push")
        return found if all(set(keys) == expected[d] for d, keys in found.items()) else None

    assert await eventually(evidence_keys, timeout=20) is not None, "some pushed events never reached their dispute"
    final = await evidence_keys()
    assert final is not None
    for dispute_id, keys in final.items():
        assert len(keys) == len(set(keys)) == EVENTS_PER_DISPUTE, f"{dispute_id}: duplicated evidence {keys}"
