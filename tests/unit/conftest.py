import pytest

from adapters.memory import FixedClock, InMemoryDisputes, InMemoryOrders
from disputes.rules import Rules
from disputes.service import DisputeService, OpenRequest
from schemas.common import Resolution
from tests.factories import NOW, order


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def repository() -> InMemoryDisputes:
    return InMemoryDisputes()


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
