"""Every carrier misbehaves on about a third of its calls (5xx, slow 504s, 429 with Retry-After, cut bodies).
Whatever the carriers do, each dispute is decided by its deadline, once, and paid once downstream."""

import itertools
import random
from collections import Counter
from datetime import datetime, timedelta

import pytest
from aiohttp.test_utils import TestClient

from schemas.common import Role
from tests.e2e.conftest import INVESTIGATOR, bearer, eventually, orders_file_document
from tests.factories import effects_key, order, shipment
from tests.registered import PULLED

SEED = 7
SCENARIOS = ("delivered", "far_gps", "unknown", "in_transit", "neighbour")
CALLS_PER_CARRIER = 120  # enough queued calls to cover the test; 30% of them fail
FAULTS = (
    {"mode": "error"},
    {"mode": "timeout", "delay_seconds": 0.2},  # the sandbox answers 504 after 0.2 s
    {"mode": "throttle", "delay_seconds": 1},  # 429 with Retry-After: 1
    {"mode": "garbage"},
)
DEADLINE_SLACK = timedelta(seconds=10)  # the sweeper runs every 20 ms: a decision lands right at the deadline
CASES = [(carrier, SCENARIOS[(i + n) % len(SCENARIOS)]) for i, carrier in enumerate(PULLED) for n in range(2)]


def chaos_order(n: int, carrier: str):
    """One customer per address: many accounts claiming at one address is an abuse signal, not chaos."""
    placed = order(f"ord-chaos-{n}", customer_id=f"cust-chaos-{n}", shipments=[shipment(f"shp-chaos-{n}", carrier=carrier)])
    return placed.model_copy(update={"address": placed.address.model_copy(update={"line": f"Bağdat Cad. No:{n + 1}"})})


ORDERS = [chaos_order(n, carrier) for n, (carrier, _) in enumerate(CASES)]


@pytest.fixture
def orders_document():
    return orders_file_document(ORDERS)


@pytest.fixture
def carrier_cases():
    return [(o, scenario, "Ayşe Yılmaz") for o, (_, scenario) in zip(ORDERS, CASES, strict=True)]


async def inject_chaos(control: TestClient) -> Counter[str]:
    """Queue, per carrier, a seeded shuffle of calls: ~30% faults, the rest answered normally (zero latency)."""
    rng = random.Random(SEED)
    queued: Counter[str] = Counter()
    for carrier in PULLED:
        failing = round(CALLS_PER_CARRIER * 0.3)
        plan = [rng.choice(FAULTS) for _ in range(failing)] + [{"mode": "latency"}] * (CALLS_PER_CARRIER - failing)
        rng.shuffle(plan)
        for spec, run in itertools.groupby(plan):
            times = len(list(run))
            answer = await control.post("/_sandbox/faults", json={"carrier": carrier, "times": times, **spec})
            assert answer.status == 200, await answer.text()
            queued[spec["mode"]] += times
    return queued


async def cases(api, ids):
    return [await (await api.get(f"/v1/disputes/{i}", headers=INVESTIGATOR)).json() for i in ids]


async def test_under_carrier_chaos_every_dispute_is_decided_by_its_deadline_exactly_once(
    api, clock, carrier_sandbox, sandbox, aiohttp_client
):
    control = await aiohttp_client(carrier_sandbox)
    downstream = await aiohttp_client(sandbox)
    queued = await inject_chaos(control)
    assert all(queued[mode] for mode in ("error", "timeout", "throttle", "garbage"))

    ids = []
    for o in ORDERS:
        headers = bearer(Role.CUSTOMER, o.customer_id, o.customer_id)
        body = {"order_id": o.order_id, "statement": "Gelmedi.", "preferred_resolution": "refund"}
        opened = await api.post("/v1/disputes", json=body, headers=headers)
        assert opened.status == 201, await opened.text()
        ids.append((await opened.json())["id"])

    async def pulled_under_fire():
        seen = (await (await control.get("/_sandbox/requests")).json())["counts"]
        return seen if all(seen.get(c, 0) >= 2 for c in PULLED) else None

    assert await eventually(pulled_under_fire, timeout=20), "the carriers were never asked"

    # Past the evidence deadline: no case may still be waiting for a carrier.
    first = await cases(api, ids)
    clock.offset = max(datetime.fromisoformat(c["sla"]["evidence_due"]) for c in first) - clock.now() + timedelta(minutes=1)

    async def none_waiting():
        found = await cases(api, ids)
        return found if all(c["status"] not in ("opened", "awaiting_evidence") for c in found) else None

    waiting = await eventually(none_waiting, timeout=20)
    assert waiting is not None, "cases still wait for evidence past the deadline"

    # Just short of the first decision deadline: the sweeper must decide each case as its deadline arrives.
    earliest = min(datetime.fromisoformat(c["sla"]["decision_due"]) for c in first)
    clock.offset += earliest - clock.now() - timedelta(seconds=1)

    async def all_resolved():
        found = await cases(api, ids)
        return found if all(c["status"] == "resolved" for c in found) else None

    decided = await eventually(all_resolved, timeout=20)
    assert decided is not None, [(c["id"], c["status"]) for c in await cases(api, ids)]
    for case in decided:
        due = datetime.fromisoformat(case["sla"]["decision_due"])
        decision = case["decision"]
        assert datetime.fromisoformat(decision["decided_at"]) <= due + DEADLINE_SLACK, case["id"]
        assert decision["sequence"] == 1 and decision["outcome"] == "refund", decision

    expected = {f"{effects_key(o.order_id, o.shipments[0].shipment_id)}:d1:refund": 1 for o in ORDERS}

    async def paid():
        applied = (await (await downstream.get("/_sandbox/received")).json())["applied"].get("payments", {})
        return applied if len(applied) >= len(ids) else None

    assert await eventually(paid, timeout=20) == expected
