"""SLA deadlines, fixed on the dispute when it opens, counted in Turkish business days."""

from datetime import date, datetime
from functools import cache, lru_cache

from disputes.calendar import BusinessCalendar, HalfDayEves
from disputes.rules import Rules
from schemas.dispute import Sla


@cache
def _calendar(half_day_eves: HalfDayEves) -> BusinessCalendar:
    return BusinessCalendar(half_day_eves=half_day_eves)


def deadlines(opened_at: datetime, rules: Rules, accessible: bool = False) -> Sla:
    """`accessible`: the customer declared an accessibility need, so the decision is due sooner."""
    calendar = _calendar(rules.half_day_eves)
    decision = rules.accessible_decision_business_days if accessible else rules.decision_business_days
    days = (rules.first_response_business_days, rules.evidence_business_days, decision)
    return _deadlines(calendar, calendar.local_day(opened_at), days)


@lru_cache(maxsize=1024)
def _deadlines(calendar: BusinessCalendar, opened_on: date, days: tuple[int, int, int]) -> Sla:
    """Deadlines depend only on the local day a dispute opens (Sla is immutable, so it is shared)."""
    first, evidence, decision = (calendar.add_business_days(calendar.start_of(opened_on), n) for n in days)
    return Sla(first_response_due=first, evidence_due=evidence, decision_due=decision)


def answer_by(asked_at: datetime, rules: Rules) -> datetime:
    """When a customer's answer to an investigator's question is due: the end of the configured business day."""
    calendar = _calendar(rules.half_day_eves)
    return calendar.add_business_days(calendar.start_of(calendar.local_day(asked_at)), rules.information_reply_business_days)
