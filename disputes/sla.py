"""SLA deadlines, fixed on the dispute when it opens, counted in Turkish business days."""

from datetime import datetime
from functools import cache

from disputes.calendar import BusinessCalendar, HalfDayEves
from disputes.rules import Rules
from schemas.dispute import Sla


@cache
def _calendar(half_day_eves: HalfDayEves) -> BusinessCalendar:
    return BusinessCalendar(half_day_eves=half_day_eves)


def deadlines(opened_at: datetime, rules: Rules) -> Sla:
    calendar = _calendar(rules.half_day_eves)
    return Sla(
        first_response_due=calendar.add_business_days(opened_at, rules.first_response_business_days),
        evidence_due=calendar.add_business_days(opened_at, rules.evidence_business_days),
        decision_due=calendar.add_business_days(opened_at, rules.decision_business_days),
    )
