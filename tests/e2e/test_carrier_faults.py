"""A carrier that misbehaves on a pull, through the running app and the carrier sandbox's scripted faults: a reply cut
short by a proxy is asked for again, and a carrier that throttles is not called again before its Retry-After."""

from datetime import UTC, datetime, timedelta

import pytest
from aiohttp.test_utils import TestClient

from sandbox.carriers import create_carrier_sandbox
from schemas.common import Role
from tests.e2e.conftest import INVESTIGATOR, bearer, eventually, orders_file_document, sandbox_shipments
from tests.factories import order, shipment

# UPS parcels delivered to the customer, signed and photographed: full proof behind one scripted fault each.
FAULTS = {"ord-garbled": "garbage", "ord-throttled": "throttle"}  # the sandbox's scripted throttle asks for 30 s
ORDERS = [
    order(order_id, customer_id=f"cust-f{n}", shipments=[shipment(f"shp-f{n}", carrier="ups")])
    for n, order_id in enumerate(FAULTS)
]
EVIDENCE_BACKOFF = timedelta(minutes=2)  # the evidence backoff's first pause (`Rules.evidence_retry`)
RETRY_AFTER = timedelta(seconds=30)


@pytest.fixture
def orders_document():
    return orders_file_document(ORDERS)


@pytest.fixture
def carrier_cases():
    return [(o, "delivered", "Ayşe Yılmaz") for o in ORDERS]


@pytest.fixture
async def carrier_sandbox(aiohttp_server, carrier_cases):
    """The first data call for each parcel fails as scripted; every later one answers with the proof."""
    faults = {o.shipments[0].tracking_number: [FAULTS[o.order_id]] for o in ORDERS}
    shipments = [s.model_copy(update={"faults": faults[s.tracking_number]}) for s in sandbox_shipments(carrier_cases)]
    return await aiohttp_server(create_carrier_sandbox(shipments))


async def open_dispute(api: TestClient, order_id: str) -> str:
    customer = next(o.customer_id for o in ORDERS if o.order_id == order_id)
    body = {"order_id": order_id, "statement": "Teslim görünüyor, gelmedi.", "preferred_resolution": "refund"}
    opened = await api.post("/v1/disputes", json=body, headers=bearer(Role.CUSTOMER, customer, customer))
    assert opened.status == 201, await opened.text()
    return (await opened.json())["id"]


async def case(api: TestClient, dispute_id: str) -> dict:
    return await (await api.get(f"/v1/disputes/{dispute_id}", headers=INVESTIGATOR)).json()


async def after_the_failed_pull(api: TestClient, dispute_id: str) -> dict:
    """The case once its first pull is recorded as failed (and no other has begun)."""

    async def failed():
        timeline = await (await api.get(f"/v1/disputes/{dispute_id}/timeline", headers=INVESTIGATOR)).json()
        return "evidence_pull_failed" in [e["action"] for e in timeline["entries"]]

    assert await eventually(failed, timeout=10), "the first pull was not recorded as failed"
    return await case(api, dispute_id)


async def with_proof(api: TestClient, dispute_id: str) -> dict:
    async def assessed():
        found = await case(api, dispute_id)
        return found if found["evidence"] and not found["recommendation_provisional"] else None

    found = await eventually(assessed, timeout=10)
    assert found is not None, "the proof never reached the case"
    return found


async def ups_data_calls(control: TestClient) -> list[tuple[str | None, int | None, datetime]]:
    """(fault, status, when) of each call to UPS's tracking API (its token endpoint aside)."""
    seen = (await (await control.get("/_sandbox/requests")).json())["requests"]
    return [(e["fault"], e["status"], datetime.fromisoformat(e["at"]))
            for e in seen if e["carrier"] == "ups" and e["endpoint"] != "token"]


async def test_a_reply_cut_short_is_asked_for_again_and_the_proof_that_follows_is_not_refunded(
    api, clock, carrier_sandbox, sandbox, aiohttp_client
):
    control, downstream = await aiohttp_client(carrier_sandbox), await aiohttp_client(sandbox)
    dispute_id = await open_dispute(api, "ord-garbled")

    waiting = await after_the_failed_pull(api, dispute_id)
    due = datetime.fromisoformat(waiting["evidence_pull_due"])
    deadline = datetime.fromisoformat(waiting["sla"]["evidence_due"])
    assert clock.now() < due <= clock.now() + EVIDENCE_BACKOFF < deadline  # asked again on the backoff, not given up
    assert [(fault, status) for fault, status, _ in await ups_data_calls(control)] == [("garbage", 200)]

    clock.offset += EVIDENCE_BACKOFF
    found = await with_proof(api, dispute_id)
    proof = found["evidence"][0]["proof"]
    assert (proof["status"], proof["signature"] is not None, proof["photo"] is not None) == ("delivered", True, True)
    assert found["status"] == "under_review" and found["decision"] is None and not found["proof_missing"]
    assert not found["recommendation"]["carrier_liable"] and found["recommendation"]["action"] != "refund"
    applied = (await (await downstream.get("/_sandbox/received")).json())["applied"]
    assert (applied.get("payments"), applied.get("finance")) == (None, None)


async def test_a_throttle_longer_than_the_calls_budget_is_waited_out_between_pulls(api, clock, carrier_sandbox, aiohttp_client):
    """The sandbox's carriers retry within a 5 s budget: the carrier's 30 s are not cut to it."""
    control = await aiohttp_client(carrier_sandbox)
    dispute_id = await open_dispute(api, "ord-throttled")

    waiting = await after_the_failed_pull(api, dispute_id)
    due = datetime.fromisoformat(waiting["evidence_pull_due"])
    assert clock.now() + RETRY_AFTER - timedelta(seconds=5) < due <= clock.now() + RETRY_AFTER
    assert [(fault, status) for fault, status, _ in await ups_data_calls(control)] == [("throttle", 429)]

    moved = datetime.now(UTC)
    clock.offset += RETRY_AFTER
    found = await with_proof(api, dispute_id)
    assert found["evidence"][0]["proof"]["status"] == "delivered"
    (_, _, throttled), (_, answered, again) = await ups_data_calls(control)
    assert answered == 200 and throttled < moved <= again  # called again only once the app's time had moved past it
