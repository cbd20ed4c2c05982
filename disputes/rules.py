"""Numbers the business sets. Every default here is overridden from configuration."""

from dataclasses import dataclass
from datetime import timedelta

from disputes.calendar import HalfDayEves


@dataclass(frozen=True, slots=True)
class Rules:
    claim_window: timedelta = timedelta(days=30)
    appeal_window: timedelta = timedelta(days=14)
    idempotency_ttl: timedelta = timedelta(hours=24)
    first_response_business_days: int = 1
    decision_business_days: int = 3
    half_day_eves: HalfDayEves = "business"
    evidence_business_days: int = 2
    escalate_before_deadline: timedelta = timedelta(hours=12)
    evidence_retry: timedelta = timedelta(minutes=2)
    evidence_max_retry: timedelta = timedelta(hours=1)
