from datetime import timedelta

import pytest

from adapters.memory import FixedClock, InMemoryDisputes, InMemoryEvidenceStore, InMemoryOrders, InMemorySchedule
from disputes.rules import Rules
from disputes.schedule import DueWork
from disputes.service import DisputeService, OpenRequest
from schemas.common import Resolution
from tests.factories import NOW, order
from tests.unit.relay_fakes import Downstream, Relayed


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def repository() -> InMemoryDisputes:
    return InMemoryDisputes()


@pytest.fixture
def pushed() -> InMemoryEvidenceStore:
    return InMemoryEvidenceStore()


@pytest.fixture
def schedule(repository, pushed) -> InMemorySchedule:
    return InMemorySchedule(repository, pushed)


@pytest.fixture
def due_work(schedule, clock):
    """A job run as a worker runs it: claimed from the schedule with a lease held by `holder`."""

    def make(job, holder="worker-1", **timing) -> DueWork:
        return DueWork(schedule, job, clock, holder, **timing)

    return make


@pytest.fixture
def orders() -> InMemoryOrders:
    return InMemoryOrders([order()])


@pytest.fixture
def service(repository, orders, clock) -> DisputeService:
    return DisputeService(repository, orders, clock, Rules())


@pytest.fixture
def request_for():
    def make(order_id="ord-1", shipment_id=None, statement="Teslim görünüyor ama gelmedi.", resolution=Resolution.REFUND):
        return OpenRequest(order_id, shipment_id, statement, resolution)

    return make


@pytest.fixture
def downstream() -> Downstream:
    """The marketplace's services as the relay meets them, scripted per call (`tests/unit/test_relay.py`)."""
    return Downstream()


@pytest.fixture
def relay(repository, downstream, clock, due_work) -> Relayed:
    return Relayed(repository, downstream, clock, due_work, max_attempts=2, backoff=timedelta(seconds=1))
