"""The workers' account of what they did: one line per evidence pull and per assessment (ids, carriers,
outcomes and durations; never a person's data)."""

import structlog

from schemas.dispute import Status
from schemas.recommendation import Recommendation

log = structlog.get_logger("worker")


class StructlogWorkLog:
    def pulled(self, dispute_id: str, carrier: str, outcome: str, seconds: float) -> None:
        duration_ms = round(seconds * 1000, 2)
        log.info("evidence_pull", dispute_id=dispute_id, carrier=carrier, outcome=outcome, duration_ms=duration_ms)

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
