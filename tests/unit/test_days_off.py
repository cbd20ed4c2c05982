"""Days declared off on top of the public holidays (an administrative leave joining Kurban Bayramı 2027, Sun 16 – Wed
19 May, to the weekend: Thu 20 and Fri 21 May): no deadline counts them, and the open cases' deadlines still ahead move
past them when they are declared, never sooner when a day is no longer declared."""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from adapters.memory import FixedClock, InMemoryDisputes
from adapters.settings import Settings
from disputes.calendar import BusinessCalendar
from disputes.rules import Rules
from disputes.service import DisputeService
from disputes.sla import deadlines
from schemas.dispute import Channel, Sla
from tests.factories import AGENT, CUSTOMER
from tests.unit.sla_cases import opened_at

IST = ZoneInfo("Europe/Istanbul")
BRIDGE = (date(2027, 5, 20), date(2027, 5, 21))
BRIDGED = Rules(extra_non_business_days=BRIDGE)
OPENED = datetime(2027, 5, 14, 16, tzinfo=IST)  # Friday before the Bayram
clock, orders = opened_at(OPENED)


def end_of(day: int) -> datetime:
    """The deadline instant that ends a business day of May 2027: the next local midnight, in UTC."""
    return (datetime(2027, 5, day, tzinfo=IST) + timedelta(days=1)).astimezone(UTC)


AS_PUBLISHED = Sla(first_response_due=end_of(20), evidence_due=end_of(21), decision_due=end_of(24))
OVER_THE_BRIDGE = Sla(first_response_due=end_of(24), evidence_due=end_of(25), decision_due=end_of(26))


def test_a_day_declared_off_is_no_business_day_and_no_deadline_counts_it() -> None:
    calendar = BusinessCalendar(days_off=frozenset(BRIDGE))
    assert BusinessCalendar().is_business_day(BRIDGE[0]) and not calendar.is_business_day(BRIDGE[0])
    assert calendar.business_hours(BRIDGE[1]) is None
    assert calendar.add_business_days(OPENED, 1) == end_of(24)
    assert calendar.business_time_remaining(OPENED, end_of(24)) == timedelta(hours=8 + 24)  # Friday evening, Monday


def test_a_case_opened_over_the_holiday_is_due_after_the_bridge() -> None:
    assert deadlines(OPENED.astimezone(UTC), Rules()) == AS_PUBLISHED
    assert deadlines(OPENED.astimezone(UTC), BRIDGED) == OVER_THE_BRIDGE


@pytest.mark.parametrize(("day", "said"), [
    (date(2027, 5, 22), "not a business day anyway"),  # a Saturday
    (date(2027, 5, 19), "not a business day anyway"),  # the Bayram itself
    (date(2040, 5, 21), "beyond the years the calendar counts"),
])
def test_the_rules_refuse_a_day_off_the_calendar_cannot_count(day: date, said: str) -> None:
    with pytest.raises(ValidationError, match=f"extra_non_business_days: {day} is .*{said}"):
        Rules(extra_non_business_days=(day,))


def test_the_setting_takes_iso_dates_separated_by_commas_and_blank_for_none(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISPUTES_EXTRA_NON_BUSINESS_DAYS", " 2027-05-21, 2027-05-20 ")
    assert Settings(_env_file=None).rules().extra_non_business_days == BRIDGE
    monkeypatch.setenv("DISPUTES_EXTRA_NON_BUSINESS_DAYS", "")
    assert Settings(_env_file=None).rules().extra_non_business_days == ()


@pytest.mark.parametrize(("value", "said"), [
    ("20.05.2027", "must be dates written YYYY-MM-DD"),
    ("2027-05-20;2027-05-21", "must be dates written YYYY-MM-DD"),
    ("2027-02-30", "day is out of range"),
    ("2027-05-22", "DISPUTES_EXTRA_NON_BUSINESS_DAYS: 2027-05-22 is not a business day anyway"),
    ("2033-05-20", "DISPUTES_EXTRA_NON_BUSINESS_DAYS: 2033-05-20 is beyond the years the calendar counts"),
])
def test_the_setting_refuses_what_is_no_day_off_in_one_line(
    monkeypatch: pytest.MonkeyPatch, value: str, said: str
) -> None:
    monkeypatch.setenv("DISPUTES_EXTRA_NON_BUSINESS_DAYS", value)
    with pytest.raises(ValidationError, match=said):
        Settings(_env_file=None)


def declared(service: DisputeService, rules: Rules, now: datetime) -> DisputeService:
    """The service as it starts again with `rules`, at `now`."""
    return DisputeService(service.repository, service.orders, FixedClock(now), rules)


async def test_an_open_case_s_deadlines_move_past_days_declared_after_it_opened(
    service: DisputeService, repository: InMemoryDisputes, request_for
) -> None:
    case = (await service.open(CUSTOMER, request_for(), None)).dispute
    assert case.sla == AS_PUBLISHED
    restarted = declared(service, BRIDGED, datetime(2027, 5, 17, 9, tzinfo=IST))  # announced during the Bayram
    assert await restarted.count_days_off() == 1
    stored = repository.docs[case.id]
    assert stored.sla == OVER_THE_BRIDGE
    assert stored.sla_check_due == end_of(24) - timedelta(hours=12)  # the first response's escalation, Mon 24 12:00
    assert stored.timeline[-1].action == "deadlines_recounted"
    assert stored.timeline[-1].details["days_off"] == ["2027-05-20", "2027-05-21"]
    version = stored.version
    assert await restarted.count_days_off() == 0  # counted already: nothing moves, nothing is saved
    assert await declared(service, Rules(), datetime(2027, 5, 18, tzinfo=IST)).count_days_off() == 0
    assert repository.docs[case.id].sla == OVER_THE_BRIDGE and repository.docs[case.id].version == version


async def test_a_deadline_passed_when_a_day_is_declared_stays_and_the_others_move(
    service: DisputeService, repository: InMemoryDisputes, request_for
) -> None:
    case = (await service.open(CUSTOMER, request_for(), None)).dispute
    friday = Rules(extra_non_business_days=(BRIDGE[1],))
    assert await declared(service, friday, datetime(2027, 5, 21, 9, tzinfo=IST)).count_days_off() == 1
    assert repository.docs[case.id].sla == Sla(
        first_response_due=end_of(20), evidence_due=end_of(24), decision_due=end_of(25)
    )


async def test_days_declared_off_already_past_move_no_case(
    service: DisputeService, repository: InMemoryDisputes, request_for
) -> None:
    case = (await service.open(CUSTOMER, request_for(), None)).dispute
    assert await declared(service, BRIDGED, datetime(2027, 5, 22, 9, tzinfo=IST)).count_days_off() == 0
    assert repository.docs[case.id].sla == AS_PUBLISHED


async def test_an_accessible_case_s_shorter_decision_deadline_moves_past_the_days_declared_off(
    service: DisputeService, repository: InMemoryDisputes, request_for
) -> None:
    request = replace(request_for(), customer_id=CUSTOMER.id, channel=Channel.PHONE, accessibility_need=True)
    case = (await service.open(AGENT, request, None)).dispute
    assert case.sla.decision_due == end_of(21)  # two business days: the bridge
    assert await declared(service, BRIDGED, datetime(2027, 5, 17, 9, tzinfo=IST)).count_days_off() == 1
    assert repository.docs[case.id].sla == Sla(first_response_due=end_of(24), evidence_due=end_of(25),
                                               decision_due=end_of(25))
