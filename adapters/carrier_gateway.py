"""The core's `CarrierGateway` over the carrier registry: pulls through each carrier's adapter (its own
retries and circuit breaker), translates the carrier error tree into the core's two outcomes, hands what
the carrier answered to the evidence intake, and counts what happened per carrier for /metrics."""

import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import aiohttp
import structlog
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import CounterMetricFamily, Metric
from prometheus_client.registry import Collector

from carriers.base import CarrierAdapter
from carriers.breaker import BreakerState
from carriers.errors import CarrierAuthError, CarrierRejected, CarrierUnavailable
from carriers.registry import create_adapter
from carriers.retry import RETRIES, waiting_outside
from carriers.status import UNMAPPED
from carriers.transcript import recording, transcript_bytes
from disputes.intake import EvidenceIntake
from disputes.ports import EvidenceRejected, EvidenceUnavailable, Slot
from schemas.proof import ProofOfDelivery

log = structlog.get_logger("carriers")
CIRCUIT_LEVEL = {BreakerState.CLOSED: 0, BreakerState.HALF_OPEN: 1, BreakerState.OPEN: 2}


def build_carriers(config: Mapping[str, Mapping[str, Any]], session: aiohttp.ClientSession) -> dict[str, CarrierAdapter]:
    return {code: create_adapter(code, settings, session) for code, settings in config.items()}


class _RetryCollector(Collector):
    def collect(self) -> Iterator[Metric]:
        family = CounterMetricFamily("carrier_retries", "Carrier calls retried after a transient failure", labels=["carrier"])
        for carrier, count in sorted(RETRIES.items()):
            family.add_metric([carrier], count)
        yield family
        unmapped = CounterMetricFamily(
            "carrier_unmapped_status", "Carrier status codes the mapping does not know yet", labels=["carrier", "code"]
        )
        for (carrier, code), count in sorted(UNMAPPED.items()):
            unmapped.add_metric([carrier, code], count)
        yield unmapped


class CarrierMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        registry.register(_RetryCollector())
        self.calls = Counter("carrier_pulls", "Proof-of-delivery pulls by outcome", ["carrier", "outcome"], registry=registry)
        self.latency = Histogram("carrier_pull_seconds", "Pull latency including retries", ["carrier"], registry=registry)
        self.circuit = Gauge("carrier_circuit_state", "0 closed, 1 half-open, 2 open", ["carrier"], registry=registry)


def _circuit_level(adapter: CarrierAdapter) -> Callable[[], float]:
    return lambda: CIRCUIT_LEVEL[adapter.breaker.state]


class RegistryGateway:
    def __init__(
        self, carriers: Mapping[str, CarrierAdapter], intake: EvidenceIntake, metrics: CarrierMetrics
    ) -> None:
        self.carriers = carriers
        self.intake = intake
        self.metrics = metrics
        for code, adapter in carriers.items():
            metrics.circuit.labels(code).set_function(_circuit_level(adapter))

    async def pull(self, carrier: str, tracking_number: str, slot: Slot | None = None) -> ProofOfDelivery:
        adapter = self.carriers.get(carrier)
        if adapter is None or not adapter.capabilities.pull:
            raise EvidenceRejected(f"{carrier} offers no pull API here")
        started = time.perf_counter()
        outcome = "error"
        try:
            with waiting_outside(slot), recording() as replies:
                proof = await adapter.pull(tracking_number)
            outcome = proof.status.value
        except CarrierUnavailable as error:
            outcome = "unavailable"
            raise EvidenceUnavailable(str(error)) from error
        except CarrierAuthError as error:
            outcome = "auth_failed"
            # Our credentials, not the case: operators must act, and the case waits instead of giving up.
            log.error("carrier_auth_failed", carrier=carrier)
            raise EvidenceUnavailable(str(error)) from error
        except CarrierRejected as error:
            outcome = "rejected"
            raise EvidenceRejected(str(error)) from error
        finally:
            self.metrics.calls.labels(carrier, outcome).inc()
            self.metrics.latency.labels(carrier).observe(time.perf_counter() - started)
        transcript = transcript_bytes(carrier, replies) if replies else None
        return await self.intake.receive_pull(carrier, proof, adapter.capabilities.pull, transcript)
