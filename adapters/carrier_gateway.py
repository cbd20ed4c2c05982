"""The core's `CarrierGateway` over the carrier registry: pulls through each carrier's adapter (its own
retries and circuit breaker), translates the carrier error tree into the core's two outcomes (a call the
breaker refused, or the carrier throttled, names when to ask again; a reply that could not be read is asked
again, not given up), hands what the carrier answered to the evidence intake, and counts what happened per
carrier for /metrics."""

import math
import time
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta
from typing import Any, get_args

import aiohttp
import structlog
from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, Metric
from prometheus_client.registry import Collector

from carriers.base import CarrierAdapter
from carriers.breaker import BreakerStore
from carriers.dhl.webhook import SKIPPED as PUSH_ENTRIES_SKIPPED
from carriers.errors import CarrierAuthError, CarrierRejected, CarrierUnavailable, CircuitOpen, MalformedResponse
from carriers.registry import create_adapter
from carriers.retry import RETRIES, waiting_outside
from carriers.status import UNMAPPED
from carriers.transcript import recording, transcript_bytes
from disputes.intake import EvidenceIntake
from disputes.ports import Clock, EvidenceRejected, EvidenceUnavailable, PullTrouble, Slot
from schemas.proof import ProofOfDelivery, ProofStatus

log = structlog.get_logger("carriers")


def build_carriers(
    config: Mapping[str, Mapping[str, Any]], session: aiohttp.ClientSession, breakers: BreakerStore, *,
    plain_http_to: str | None = None,
) -> dict[str, CarrierAdapter]:
    return {
        code: create_adapter(code, settings, session, breakers, plain_http_to=plain_http_to) for code, settings in config.items()
    }


class CarrierCounters(Collector):
    """What every process that reads carriers counts as it goes (retries, codes no table knows, push entries
    skipped): registered in the API, which reads the pushes, as much as in the workers, which pull."""

    def __init__(self, registry: CollectorRegistry) -> None:
        registry.register(self)

    def collect(self) -> Iterator[Metric]:
        family = CounterMetricFamily(
            "disputes_carrier_retries", "Carrier calls retried after a transient failure", labels=["carrier"]
        )
        for carrier, count in sorted(RETRIES.items()):
            family.add_metric([carrier], count)
        yield family
        unmapped = CounterMetricFamily(
            "disputes_carrier_unmapped_statuses", "Carrier status codes the mapping does not know yet", labels=["carrier", "code"]
        )
        for (carrier, code), count in sorted(UNMAPPED.items()):
            unmapped.add_metric([carrier, code], count)
        yield unmapped
        skipped = CounterMetricFamily(
            "disputes_carrier_push_entries_skipped",
            "Shipment entries of carrier pushes that could not be read, skipped beside entries that could",
            labels=["carrier"],
        )
        for carrier, count in sorted(PUSH_ENTRIES_SKIPPED.items()):
            skipped.add_metric([carrier], count)
        yield skipped


PULL_SECONDS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, math.inf)
"""The pull-duration buckets: up past a pull's retry budget (`carriers.retry.RetryBudget.total_seconds`, 20 s), so a
pull that met one 10 s timeout and one that ran out its budget fall in buckets of their own."""


class CarrierMetrics:
    """The pulls' own counters, in the processes that pull (the workers)."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.calls = Counter(
            "disputes_evidence_pulls", "Proof-of-delivery pulls by carrier and result", ["carrier", "result"],
            registry=registry,
        )
        self.latency = Histogram(
            "disputes_evidence_pull_duration_seconds", "Pull duration including retries", ["carrier"], registry=registry,
            buckets=PULL_SECONDS,
        )


PULL_RESULTS = (*(status.value for status in ProofStatus), *get_args(PullTrouble.__value__), "rejected", "error")
"""Every `result` a pull is counted under: the proof's status, or why there was none."""


class RegistryGateway:
    def __init__(
        self, carriers: Mapping[str, CarrierAdapter], intake: EvidenceIntake, clock: Clock, metrics: CarrierMetrics
    ) -> None:
        self.carriers = carriers
        self.intake = intake
        self.clock = clock
        self.metrics = metrics
        for carrier in (name for name, adapter in carriers.items() if adapter.capabilities.pull):
            for result in PULL_RESULTS:  # from 0, so that a rate over a process's first pulls counts them all
                metrics.calls.labels(carrier, result)

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
            unavailable = self._unavailable(error)
            outcome = unavailable.why
            raise unavailable from error
        except CarrierAuthError as error:
            outcome = "auth_failed"
            # Our credentials, not the case: operators must act, and the case waits instead of giving up.
            log.error("carrier_auth_failed", carrier=carrier, status=error.status, error=str(error))  # our words
            raise EvidenceUnavailable(str(error), why="auth_failed") from error
        except MalformedResponse as error:
            # A reply cut short (by a proxy) or in a shape we do not read says nothing of the shipment: the case
            # is pulled again on the evidence backoff, not given up.
            outcome = "malformed"
            raise EvidenceUnavailable(str(error), why="malformed") from error
        except CarrierRejected as error:
            outcome = "rejected"
            raise EvidenceRejected(str(error)) from error
        finally:
            self.metrics.calls.labels(carrier, outcome).inc()
            self.metrics.latency.labels(carrier).observe(time.perf_counter() - started)
        transcript = transcript_bytes(carrier, replies) if replies else None
        return await self.intake.receive_pull(carrier, proof, adapter.capabilities.pull, transcript)

    def _unavailable(self, error: CarrierUnavailable) -> EvidenceUnavailable:
        """A call the breaker refused names when it lets calls through again; a carrier's own ``Retry-After`` (a
        429's, or a 503's that outlasted the call's retry budget) when it will take the next call. A call whose
        failed tries opened the breaker called the carrier: it is unavailable, until the breaker lets calls through
        (``carriers.retry``)."""
        if isinstance(error, CircuitOpen):
            return EvidenceUnavailable(str(error), self._after(error.retry_after or 0), "refused")
        retry_at = None if error.retry_after is None else self._after(error.retry_after)
        return EvidenceUnavailable(str(error), retry_at, "throttled" if error.status == 429 else "unavailable")

    def _after(self, seconds: float) -> datetime:
        return self.clock.now() + timedelta(seconds=seconds)
