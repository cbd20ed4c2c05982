"""SLA deadlines, fixed on the dispute when it opens, counted in Turkish business days."""

from datetime import datetime

from disputes.calendar import BusinessCalendar
from disputes.rules import Rules
from schemas.dispute import Sla


def deadlines(opened_at: datetime, rules: Rules) -> Sla:
    calendar = BusinessCalendar(half_day_eves=rules.half_day_eves)
    return Sla(
        first_response_due=calendar.add_business_days(opened_at, rules.first_response_business_days),
        evidence_due=calendar.add_business_days(opened_at, rules.evidence_business_days),
        decision_due=calendar.add_business_days(opened_at, rules.decision_business_days),
    )
