"""The workers' account of what they did: one line per evidence pull that called the carrier, per assessment and per
parcel's pushed events attached (or matched to no case), and one when an item's work fails unforeseen (ids, carriers,
tracking numbers, outcomes, error types and durations; never a person's data, nor what a carrier's reply held).

A pull the carrier's circuit breaker refused called no carrier, and while the breaker is open it refuses every
due case on every pass: those refusals get one warning per carrier when they start and one line when a pull
gets through again, with how many this worker had refused meanwhile (/metrics counts each one). A pull that was
already in flight when the refusals started ends with its own line, and says nothing of the breaker."""

import time
from collections.abc import Sequence
from dataclasses import dataclass

import structlog

from schemas.dispute import Status
from schemas.recommendation import Recommendation

log = structlog.get_logger("worker")
REFUSED = "refused"  # the outcome of a pull the circuit breaker refused (`disputes.ports.WorkLog.pulled`)


@dataclass
class Refusals:
    since: float  # `time.monotonic()` at the first refusal, which the pulls' durations are measured on
    count: int = 0


class StructlogWorkLog:
    def __init__(self) -> None:
        self._refusing: dict[str, Refusals] = {}  # by carrier, while its breaker refuses

    def pulled(self, dispute_id: str, carrier: str, outcome: str, seconds: float) -> None:
        if outcome == REFUSED:
            self._refusal(carrier)
            return
        refusals = self._refusing.get(carrier)
        if refusals is not None and time.monotonic() - seconds >= refusals.since:  # let through since they began
            del self._refusing[carrier]
            log.info("evidence_pulls_resumed", carrier=carrier, refused=refusals.count)
        duration_ms = round(seconds * 1000, 2)
        log.info("evidence_pull", dispute_id=dispute_id, carrier=carrier, outcome=outcome, duration_ms=duration_ms)

    def _refusal(self, carrier: str) -> None:
        if carrier not in self._refusing:
            self._refusing[carrier] = Refusals(since=time.monotonic())
            log.warning("evidence_pulls_refused", carrier=carrier, refused_by="circuit_breaker")
        self._refusing[carrier].count += 1

    def assessed(self, dispute_id: str, advice: Recommendation, status: Status) -> None:
        log.info(
            "assessment",
            dispute_id=dispute_id,
            action=advice.action.value,
            rule=advice.rule.value,
            confidence=advice.confidence,
            auto_resolve=advice.auto_resolve,
            status=status.value,
        )

    def attached(self, carrier: str, tracking_number: str, events: Sequence[str], dispute_ids: Sequence[str]) -> None:
        if dispute_ids:
            log.info("pushed_events_attached", carrier=carrier, tracking_number=tracking_number, events=list(events),
                     dispute_ids=list(dispute_ids))
        else:
            log.info("pushed_events_unmatched", carrier=carrier, tracking_number=tracking_number, events=list(events))

    def failed(self, kind: str, subject: str, lane: str | None, error: str, failures: int) -> None:
        log.warning("work_item_failed", kind=kind, subject=subject, lane=lane, error=error, failures=failures)
