"""The workers' log while a carrier's circuit breaker is open: a pull the breaker refuses called no carrier, so
refusals are logged once when they start and once when calls get through again (with how many were refused),
not once per case per pass; every refusal is still counted in /metrics, and nothing personal is logged."""

import pytest
from prometheus_client import CollectorRegistry, generate_latest
from structlog.testing import capture_logs

from adapters.carrier_gateway import CarrierMetrics, RegistryGateway
from adapters.memory import InMemoryOrders
from adapters.worklog import StructlogWorkLog
from carriers.base import Capabilities
from carriers.errors import CircuitOpen
from carriers.parsing import attachment_media_type
from carriers.yurtici.client import PULL_OFFER
from disputes.evidence import EvidencePuller
from disputes.intake import EvidenceIntake
from disputes.rules import Rules
from tests.factories import CUSTOMER, order, shipment
from tests.unit.test_evidence import proof

CASES = 7
COOL_DOWN = 30  # seconds the breaker names before it lets a call through again
ORDERS = [order(f"ord-{n}", customer_id="cust-1", shipments=[shipment(f"shp-{n}")]) for n in range(CASES)]


class BreakerCarrier:
    """Yurtiçi behind its circuit breaker: refused while `open`, then answering with proof."""

    code = name = "yurtici"
    capabilities = Capabilities(pull=PULL_OFFER, push=None)

    def __init__(self) -> None:
        self.open = True
        self.called = 0

    async def pull(self, tracking_number):
        if self.open:
            raise CircuitOpen("circuit open", carrier=self.code, retry_after=COOL_DOWN)
        self.called += 1
        return proof(tracking=tracking_number)


@pytest.fixture
def orders():
    return InMemoryOrders(ORDERS)


async def test_an_open_breaker_is_logged_when_it_starts_refusing_and_when_calls_get_through_again(
    service, pushed, clock, due_work, request_for
):
    for placed in ORDERS:
        await service.open(CUSTOMER, request_for(placed.order_id), None)
    carrier, registry = BreakerCarrier(), CollectorRegistry()
    intake = EvidenceIntake(pushed, pushed, clock, attachment_media_type)
    gateway = RegistryGateway({carrier.code: carrier}, intake, clock, CarrierMetrics(registry))
    puller = due_work(EvidencePuller(service, gateway, pushed, Rules(), log=StructlogWorkLog()))
    with capture_logs() as lines:
        for _ in range(3):  # three passes the breaker refuses, every case due on each
            assert await puller.run_once() == CASES
            clock.advance(seconds=COOL_DOWN)
        carrier.open = False
        assert await puller.run_once() == CASES
    worker = [line for line in lines if line["event"].startswith("evidence_pull")]
    assert worker[0] == {"event": "evidence_pulls_refused", "log_level": "warning", "carrier": "yurtici",
                         "refused_by": "circuit_breaker"}
    assert worker[1] == {"event": "evidence_pulls_resumed", "log_level": "info", "carrier": "yurtici",
                         "refused": 3 * CASES}
    pulls = worker[2:]
    assert carrier.called == CASES and [line["event"] for line in pulls] == ["evidence_pull"] * CASES
    assert {line["outcome"] for line in pulls} == {"delivered"}
    metrics = generate_latest(registry).decode()
    assert f'disputes_evidence_pulls_total{{carrier="yurtici",result="refused"}} {3.0 * CASES}' in metrics
    personal = ("Ayşe", "Yılmaz", "Şükrü", "+90", "Bağdat", "Teslim görünüyor", "TRKSHP")
    assert not [line for line in lines for word in personal if word in str(line)]


def test_a_pull_in_flight_when_the_refusals_began_does_not_read_as_the_breaker_letting_calls_through():
    work_log = StructlogWorkLog()
    with capture_logs() as lines:
        work_log.pulled("dsp-1", "yurtici", "refused", 0.0)
        work_log.pulled("dsp-2", "yurtici", "unavailable", 60.0)  # called a minute ago, before the first refusal
        work_log.pulled("dsp-3", "yurtici", "refused", 0.0)
        work_log.pulled("dsp-4", "yurtici", "delivered", 0.0)
    assert [(line["event"], line.get("dispute_id"), line.get("refused")) for line in lines] == [
        ("evidence_pulls_refused", None, None), ("evidence_pull", "dsp-2", None),
        ("evidence_pulls_resumed", None, 2), ("evidence_pull", "dsp-4", None),
    ]
