"""SLA deadlines, fixed on the dispute when it opens, counted in Turkish business days (and counted again when days
are declared off: `Dispute.count_days_off`)."""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cache, lru_cache

from disputes.calendar import BusinessCalendar, HalfDayEves
from disputes.rules import Rules
from schemas.common import Role
from schemas.dispute import Decision, ReasonCode, Sla


@cache
def _calendar(half_day_eves: HalfDayEves, days_off: tuple[date, ...]) -> BusinessCalendar:
    return BusinessCalendar(half_day_eves=half_day_eves, days_off=frozenset(days_off))


def business_calendar(rules: Rules) -> BusinessCalendar:
    """The calendar the rules count business time by."""
    return _calendar(rules.half_day_eves, rules.extra_non_business_days)


@dataclass(slots=True)
class _Day:
    """A local day, as the UTC instants [start, end) it spans, and the deadlines of disputes opened on it, by their
    counts of business days."""

    local: date
    start: datetime
    end: datetime
    slas: dict[tuple[int, int, int], Sla] = field(default_factory=dict)


_LATEST: dict[BusinessCalendar, _Day] = {}
"""The day disputes last opened on, by the calendar counting their deadlines: the openings of a day find their
deadlines by comparing two instants, without converting each opening's time to the local zone."""


def deadlines(opened_at: datetime, rules: Rules, accessible: bool = False) -> Sla:
    """`accessible`: the customer declared an accessibility need, so the decision is due sooner."""
    decision = rules.accessible_decision_business_days if accessible else rules.decision_business_days
    days = (rules.first_response_business_days, rules.evidence_business_days, decision)
    calendar = business_calendar(rules)
    day = _LATEST.get(calendar)
    if day is None or opened_at.tzinfo is not UTC or not day.start <= opened_at < day.end:
        opened_on = calendar.local_day(opened_at)
        if opened_at.tzinfo is not UTC:  # the clocks' own instants are UTC; others are converted every time
            return _deadlines(calendar, opened_on, days)
        day = _Day(opened_on, calendar.start_of(opened_on), calendar.start_of(opened_on + timedelta(days=1)))
        _LATEST[calendar] = day
    if (sla := day.slas.get(days)) is None:
        sla = day.slas[days] = _deadlines(calendar, day.local, days)
    return sla


@lru_cache(maxsize=1024)
def _deadlines(calendar: BusinessCalendar, opened_on: date, days: tuple[int, int, int]) -> Sla:
    """Deadlines depend only on the local day a dispute opens (Sla is immutable, so it is shared)."""
    first, evidence, decision = (calendar.add_business_days(calendar.start_of(opened_on), n) for n in days)
    return Sla(first_response_due=first, evidence_due=evidence, decision_due=decision)


AT_THE_DEADLINE = timedelta(hours=1)
"""How soon after the decision deadline a decision by the deadline rule is still the deadline's (less than this after
it): the sweeper takes a case within seconds of it (`sla_interval_seconds`); one decided later (the sweeper was
stopped) missed it."""


def taken_at_the_deadline(decision: Decision, due: datetime) -> bool:
    """A decision the deadline rule took as its deadline came: the promise kept by construction. The rule is the
    service's: a person who names its reason (`deadline_reached`) after the deadline decided late."""
    return (decision.reason_code is ReasonCode.DEADLINE_REACHED and decision.decided_by_role is Role.SERVICE
            and due <= decision.decided_at < due + AT_THE_DEADLINE)


def decided_in_time(decision: Decision, due: datetime) -> bool:
    """Whether a decision kept the decision deadline: by it, or by the deadline rule at it."""
    return decision.decided_at <= due or taken_at_the_deadline(decision, due)


def answer_by(asked_at: datetime, rules: Rules) -> datetime:
    """When a customer's answer to an investigator's question is due: the end of the configured business day, a
    whole day even when it is a half-day eve (the customer is told a date, and its afternoon is no business time
    the decision deadline waits for)."""
    calendar = business_calendar(rules)
    due = calendar.add_business_days(calendar.start_of(calendar.local_day(asked_at)), rules.information_reply_business_days)
    return calendar.start_of(calendar.local_day(due - timedelta(microseconds=1)) + timedelta(days=1))
