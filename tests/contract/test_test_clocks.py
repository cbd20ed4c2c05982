"""The test clock store, and how a case on a clock is scheduled: work the clock has not reached is not due at any
real time; once the clock passes it (and the case is saved as of the new reading), it is due at once."""

from datetime import timedelta

import pytest

from adapters.memory import FixedClock, InMemoryOrders, InMemoryTestClocks
from adapters.mongo.test_clocks import MongoTestClocks
from disputes import errors, model
from disputes import test_clocks as clocks_use_case
from disputes.rules import Rules
from disputes.service import DisputeService, OpenRequest
from disputes.work import WorkKind
from schemas.common import Resolution
from tests.contract.conftest import Storage
from tests.factories import CUSTOMER, NOW, order, shipment, subjects

LEASE = timedelta(seconds=10)


@pytest.fixture
def clocks(storage: Storage, request: pytest.FixtureRequest):
    if storage.name == "memory":
        return InMemoryTestClocks(storage.disputes)
    return MongoTestClocks(request.getfixturevalue("mongo_db"))


@pytest.fixture
def use_case(storage: Storage, clocks, clock: FixedClock):
    orders = InMemoryOrders()
    for n in (1, 2):
        orders.orders[f"ord-{n}"] = order(f"ord-{n}", shipments=[shipment(f"shp-{n}")])
    service = DisputeService(storage.disputes, orders, clock, Rules(), test_clocks=clocks)
    return clocks_use_case.TestClockService(clocks, service, clock)


def request(order_id: str) -> OpenRequest:
    return OpenRequest(order_id, None, "Teslim görünüyor ama gelmedi.", Resolution.REFUND)


async def test_a_clock_reads_back_as_stored_and_an_unknown_one_is_none(clocks) -> None:
    clock = model.TestClock(id="clk_1", name="demo", frozen_time=NOW - timedelta(days=3), created_at=NOW,
                            owner="customer/cust-1")
    await clocks.add(clock)
    assert await clocks.get("clk_1") == clock
    assert await clocks.get("clk_2") is None


async def test_a_clock_moves_forward_or_to_its_own_time_never_back(clocks) -> None:
    await clocks.add(model.TestClock(id="clk_1", frozen_time=NOW, created_at=NOW))
    assert (await clocks.advance("clk_1", NOW + timedelta(days=1))).frozen_time == NOW + timedelta(days=1)
    assert (await clocks.advance("clk_1", NOW + timedelta(days=1))).frozen_time == NOW + timedelta(days=1)
    assert (await clocks.advance("clk_1", NOW)).frozen_time == NOW + timedelta(days=1)
    assert (await clocks.get("clk_1")).frozen_time == NOW + timedelta(days=1)
    assert await clocks.advance("clk_2", NOW) is None


async def test_the_cases_on_a_clock_are_those_opened_on_it(use_case, clocks) -> None:
    on_clock = await use_case.create(CUSTOMER, NOW, None)
    opened = await use_case.open(CUSTOMER, on_clock.id, request("ord-1"), None)
    await use_case.disputes.open(CUSTOMER, request("ord-2"), None)
    assert await clocks.disputes_on(on_clock.id) == [opened.dispute.id]
    assert await clocks.disputes_on("clk_other") == []


async def test_a_clock_s_case_and_the_real_case_each_hold_the_shipment_apart(use_case) -> None:
    """A tester's case on a clock never stands in the way of the customer's real one (nor the real one in its way);
    on one clock, the shipment is held once, as in real time."""
    on_clock = await use_case.create(CUSTOMER, NOW, None)
    tried = await use_case.open(CUSTOMER, on_clock.id, request("ord-1"), None)
    real = await use_case.disputes.open(CUSTOMER, request("ord-1"), None)
    assert real.dispute.id != tried.dispute.id and real.dispute.clock_id is None
    with pytest.raises(errors.ActiveDisputeExists) as held:
        await use_case.open(CUSTOMER, on_clock.id, request("ord-1"), None)
    assert held.value.facts["dispute_id"] == tried.dispute.id
    other_clock = await use_case.create(CUSTOMER, NOW, None)
    assert (await use_case.open(CUSTOMER, other_clock.id, request("ord-1"), None)).dispute.clock_id == other_clock.id


async def test_work_the_clock_has_not_reached_waits_for_it_whatever_the_real_time(
    use_case, storage: Storage, clock: FixedClock
) -> None:
    on_clock = await use_case.create(CUSTOMER, NOW - timedelta(days=2), None)  # at the delivery
    case = (await use_case.open(CUSTOMER, on_clock.id, request("ord-1"), None)).dispute
    assert case.opened_at == NOW - timedelta(days=2)
    # Opening makes the pull due at once; the SLA check lies ahead of the clock, though long past in real time.
    assert subjects(await storage.schedule.claim_due(WorkKind.PULL_EVIDENCE, NOW, LEASE, 10, "w1")) == [case.id]
    clock.advance(days=60)
    assert subjects(await storage.schedule.claim_due(WorkKind.SLA_CHECK, clock.now(), LEASE, 10, "w1")) == []

    await use_case.advance(CUSTOMER, on_clock.id, case.sla.decision_due)

    assert subjects(await storage.schedule.claim_due(WorkKind.SLA_CHECK, clock.now(), LEASE, 10, "w1")) == [case.id]
    stored = await storage.disputes.get(case.id)
    assert stored.test_clock.time == case.sla.decision_due and stored.test_clock.at == clock.now()
