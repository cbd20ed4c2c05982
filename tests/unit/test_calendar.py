"""The Turkish business-day calendar: weekends, national and religious holidays, eves, zones, properties."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest
from holidays.constants import HALF_DAY, PUBLIC
from hypothesis import given, settings
from hypothesis import strategies as st

from disputes.calendar import COVERED_YEARS, BeyondCalendar, BusinessCalendar
from disputes.rules import Rules
from disputes.sla import answer_by, deadlines
from schemas.dispute import Sla

IST = ZoneInfo("Europe/Istanbul")
CAL = BusinessCalendar()
EVES_OFF = BusinessCalendar(half_day_eves="holiday")


def in_business_time(cal: BusinessCalendar, at: datetime) -> bool:
    """The instant falls within its local day's business hours (none on a day off, to 13:00 on a half-day eve)."""
    hours = cal.business_hours(cal.local_day(at))
    return hours is not None and hours[0] <= at < hours[1]


def ist(y: int, m: int, d: int, hh: int = 12, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=IST)


def end_of(y: int, m: int, d: int) -> datetime:
    """The deadline instant for a business day: the local midnight that ends it, in UTC."""
    return (datetime(y, m, d, tzinfo=IST) + timedelta(days=1)).astimezone(UTC)


def eve_ends(y: int, m: int, d: int) -> datetime:
    """The deadline instant for a half-day eve: 13:00 Istanbul, when the holiday begins (Law 2429 art. 2), in UTC."""
    return datetime(y, m, d, 13, tzinfo=IST).astimezone(UTC)


# --- weekends -------------------------------------------------------------------------------------------


def test_saturday_and_sunday_are_not_business_days() -> None:
    assert not CAL.is_business_day(date(2026, 1, 10))
    assert not CAL.is_business_day(date(2026, 1, 11))
    assert CAL.is_business_day(date(2026, 1, 12))


def test_a_case_opened_on_friday_evening_is_due_at_the_end_of_monday() -> None:
    assert CAL.add_business_days(ist(2026, 1, 9, 21, 45), 1) == end_of(2026, 1, 12)


def test_a_case_opened_on_saturday_is_due_at_the_end_of_monday() -> None:
    assert CAL.add_business_days(ist(2026, 1, 10), 1) == end_of(2026, 1, 12)


def test_three_business_days_from_thursday_skip_the_weekend() -> None:
    assert CAL.add_business_days(ist(2026, 1, 8), 3) == end_of(2026, 1, 13)


def test_zero_days_means_the_end_of_today_on_a_business_day() -> None:
    assert CAL.add_business_days(ist(2026, 1, 8, 9), 0) == end_of(2026, 1, 8)


def test_zero_days_on_a_weekend_means_the_end_of_the_next_business_day() -> None:
    assert CAL.add_business_days(ist(2026, 1, 10), 0) == end_of(2026, 1, 12)


# --- fixed national holidays ----------------------------------------------------------------------------

FIXED = [(1, 1), (4, 23), (5, 1), (5, 19), (7, 15), (8, 30), (10, 29)]


@pytest.mark.parametrize("year", [2025, 2026, 2027])
@pytest.mark.parametrize(("month", "day"), FIXED)
def test_fixed_national_holidays_are_not_business_days(year: int, month: int, day: int) -> None:
    assert not CAL.is_business_day(date(year, month, day))


def test_a_case_opened_the_day_before_national_sovereignty_day_skips_it() -> None:
    assert CAL.add_business_days(ist(2026, 4, 22), 1) == end_of(2026, 4, 24)


def test_a_case_opened_on_new_years_eve_is_due_on_the_second_of_january() -> None:
    assert CAL.add_business_days(ist(2025, 12, 31, 17), 1) == end_of(2026, 1, 2)


def test_a_holiday_on_friday_pushes_a_new_years_eve_case_to_monday() -> None:
    assert CAL.add_business_days(ist(2026, 12, 31, 17), 1) == end_of(2027, 1, 4)


# --- moving religious holidays --------------------------------------------------------------------------


def test_ramazan_bayrami_2025_is_skipped() -> None:
    # Bayram: Sun 30 Mar – Tue 1 Apr 2025.
    assert CAL.add_business_days(ist(2025, 3, 28, 18), 1) == end_of(2025, 4, 2)


def test_kurban_bayrami_2025_is_skipped() -> None:
    # Bayram: Fri 6 – Mon 9 Jun 2025; the eve is Thu 5 Jun.
    assert CAL.add_business_days(ist(2025, 6, 5, 10), 1) == end_of(2025, 6, 10)


def test_a_case_opened_just_before_ramazan_bayrami_2026_is_due_after_it() -> None:
    # Bayram: Fri 20 – Sun 22 Mar 2026; opened on the eve, Thu 19 Mar.
    assert CAL.add_business_days(ist(2026, 3, 19, 16), 1) == end_of(2026, 3, 23)


def test_a_case_opened_just_before_kurban_bayrami_2026_is_due_after_the_holiday_block() -> None:
    # Bayram: Wed 27 – Sat 30 May 2026, then Sunday; opened on the eve, Tue 26 May.
    assert CAL.add_business_days(ist(2026, 5, 26, 16), 1) == end_of(2026, 6, 1)
    assert CAL.add_business_days(ist(2026, 5, 26, 16), 3) == end_of(2026, 6, 3)


@pytest.mark.parametrize("day", [date(2026, 5, 27), date(2026, 5, 28), date(2026, 5, 29), date(2026, 3, 20)])
def test_bayram_days_are_not_business_days(day: date) -> None:
    assert not CAL.is_business_day(day)


# --- half-day eves (arife) ------------------------------------------------------------------------------

EVES = [date(2025, 6, 5), date(2025, 10, 28), date(2026, 3, 19), date(2026, 5, 26), date(2026, 10, 28)]


@pytest.mark.parametrize("eve", EVES)
def test_eves_are_business_days_by_default(eve: date) -> None:
    assert CAL.is_business_day(eve)


@pytest.mark.parametrize("eve", EVES)
def test_eves_do_not_count_when_configured_as_holidays(eve: date) -> None:
    assert not EVES_OFF.is_business_day(eve)


def test_the_eve_choice_moves_a_kurban_bayrami_deadline() -> None:
    opened = ist(2026, 5, 25, 9)  # Monday; Tue 26 May is the eve
    assert CAL.add_business_days(opened, 1) == eve_ends(2026, 5, 26)
    assert EVES_OFF.add_business_days(opened, 1) == end_of(2026, 6, 1)


def test_the_eve_choice_moves_a_republic_day_deadline() -> None:
    opened = ist(2025, 10, 27, 9)  # Monday; Tue 28 Oct is the eve, Wed 29 Oct the holiday
    assert CAL.add_business_days(opened, 1) == eve_ends(2025, 10, 28)
    assert EVES_OFF.add_business_days(opened, 1) == end_of(2025, 10, 30)


def test_a_decision_due_on_the_kurban_bayrami_eve_falls_at_one_in_the_afternoon() -> None:
    # Opened Thu 21 May 2026: Fri 22, Mon 25, then the eve Tue 26 May, when the Bayram begins at 13:00.
    assert deadlines(ist(2026, 5, 21, 10), Rules()).decision_due == datetime(2026, 5, 26, 13, tzinfo=IST)


def test_a_first_response_due_on_28_october_falls_at_one_in_the_afternoon() -> None:
    # Opened Tue 27 Oct 2026; Cumhuriyet Bayramı begins on Wed 28 Oct at 13:00.
    assert deadlines(ist(2026, 10, 27, 10), Rules()).first_response_due == datetime(2026, 10, 28, 13, tzinfo=IST)


def test_an_eve_is_business_time_until_one_in_the_afternoon_only() -> None:
    assert in_business_time(CAL, datetime(2026, 3, 19, 12, 59, tzinfo=IST))
    assert not in_business_time(CAL, datetime(2026, 3, 19, 13, 0, tzinfo=IST))
    assert not in_business_time(EVES_OFF, datetime(2026, 3, 19, 9, 0, tzinfo=IST))


def test_an_eve_counts_thirteen_hours_of_business_time() -> None:
    # Mon 25 May 12:00 to the end of Mon 1 Jun 2026: 12 h, the eve's 13 h, the Bayram and the weekend, Mon's 24 h.
    assert CAL.business_time_remaining(ist(2026, 5, 25, 12), end_of(2026, 6, 1)) == timedelta(hours=49)


# --- zones and instants ---------------------------------------------------------------------------------


def test_late_evening_utc_is_already_the_next_day_in_istanbul() -> None:
    sunday_2130_utc = datetime(2026, 1, 11, 21, 30, tzinfo=UTC)  # Monday 00:30 in Istanbul
    assert in_business_time(CAL, sunday_2130_utc)
    assert CAL.add_business_days(sunday_2130_utc, 1) == end_of(2026, 1, 13)


def test_thursday_late_evening_utc_counts_from_friday_in_istanbul() -> None:
    thursday_2130_utc = datetime(2026, 1, 8, 21, 30, tzinfo=UTC)  # Friday 00:30 in Istanbul
    assert CAL.add_business_days(thursday_2130_utc, 1) == end_of(2026, 1, 12)


def test_friday_ends_at_2100_utc() -> None:
    assert in_business_time(CAL, datetime(2026, 1, 9, 20, 59, tzinfo=UTC))
    assert not in_business_time(CAL, datetime(2026, 1, 9, 21, 0, tzinfo=UTC))


def test_the_same_instant_in_any_zone_gives_the_same_utc_deadline() -> None:
    instant = ist(2026, 1, 8, 2)
    deadlines = {CAL.add_business_days(instant.astimezone(ZoneInfo(z)), 2) for z in ("UTC", "America/New_York")}
    assert deadlines == {CAL.add_business_days(instant, 2)}
    assert CAL.add_business_days(instant, 2).tzinfo is UTC


def test_deadlines_are_local_midnights() -> None:
    assert CAL.add_business_days(ist(2026, 7, 14), 1).astimezone(IST).time() == time(0)


# --- business time added ----------------------------------------------------------------------------------


def test_business_time_added_skips_the_weekend() -> None:
    # Fri 4 Dec 2026 12:00 + 20 h: Friday's last 12 h, then Monday's first 8 h.
    assert CAL.add_business_time(ist(2026, 12, 4, 12), timedelta(hours=20)) == datetime(2026, 12, 7, 8, tzinfo=IST)


def test_business_time_added_from_a_deadline_goes_on_the_next_business_day() -> None:
    # From the end of Tue 8 Dec 2026, 38 h: all of Wednesday and 14 h of Thursday.
    assert CAL.add_business_time(end_of(2026, 12, 8), timedelta(hours=38)) == datetime(2026, 12, 10, 14, tzinfo=IST)


def test_business_time_that_fills_a_day_ends_with_it() -> None:
    assert CAL.add_business_time(ist(2026, 12, 4, 0), timedelta(hours=24)) == end_of(2026, 12, 4)
    assert CAL.add_business_time(ist(2026, 12, 5, 10), timedelta(0)) == ist(2026, 12, 5, 10)


def test_business_time_added_stops_at_an_eves_afternoon() -> None:
    # Mon 25 May 2026 12:00 + 20 h: 12 h on Monday, 8 h on the eve; + 30 h: the eve's 13 h, then 5 h into Mon 1 Jun.
    assert CAL.add_business_time(ist(2026, 5, 25, 12), timedelta(hours=20)) == datetime(2026, 5, 26, 8, tzinfo=IST)
    assert CAL.add_business_time(ist(2026, 5, 25, 12), timedelta(hours=30)) == datetime(2026, 6, 1, 5, tzinfo=IST)
    assert EVES_OFF.add_business_time(ist(2026, 5, 25, 12), timedelta(hours=20)) == datetime(2026, 6, 1, 8, tzinfo=IST)


# --- the years counted ----------------------------------------------------------------------------------


def test_the_calendar_counts_only_the_years_whose_religious_holidays_are_confirmed() -> None:
    assert (COVERED_YEARS.start, COVERED_YEARS.stop - 1) == (1936, 2032)
    assert not CAL.is_business_day(date(2032, 3, 23))  # Kurban Bayramı 2032, confirmed
    assert CAL.add_business_days(ist(2032, 12, 30), 1) == end_of(2032, 12, 31)


@pytest.mark.parametrize("day", [date(2033, 1, 3), date(2040, 2, 14), date(1935, 6, 3)])
def test_a_day_of_a_year_with_estimated_religious_holidays_is_refused(day: date) -> None:
    with pytest.raises(BeyondCalendar, match=str(day.year)):
        CAL.is_business_day(day)


def test_a_deadline_that_would_fall_in_an_uncounted_year_is_refused() -> None:
    with pytest.raises(BeyondCalendar, match="2033"):
        CAL.add_business_days(ist(2032, 12, 31), 1)


@pytest.mark.parametrize(
    "call",
    [
        lambda: CAL.local_day(datetime(2026, 1, 8, 12)),
        lambda: CAL.add_business_days(datetime(2026, 1, 8, 12), 1),
        lambda: CAL.business_time_remaining(datetime(2026, 1, 8, 12), ist(2026, 1, 9)),
        lambda: CAL.business_time_remaining(ist(2026, 1, 8), datetime(2026, 1, 9, 12)),
    ],
)
def test_naive_datetimes_are_rejected(call) -> None:
    with pytest.raises(ValueError, match="naive"):
        call()


def test_bad_arguments_are_rejected() -> None:
    with pytest.raises(ValueError):
        CAL.add_business_days(ist(2026, 1, 8), -1)
    with pytest.raises(ValueError):
        BusinessCalendar(half_day_eves="sometimes")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="2101"):
        CAL.is_business_day(date(2101, 1, 3))
    with pytest.raises(ValueError):
        CAL.add_business_time(ist(2026, 1, 8), timedelta(hours=-1))


# --- business time remaining ----------------------------------------------------------------------------


def test_remaining_time_skips_the_weekend() -> None:
    deadline = end_of(2026, 1, 12)  # end of Monday
    assert CAL.business_time_remaining(ist(2026, 1, 9, 12), deadline) == timedelta(hours=36)
    assert CAL.business_time_remaining(ist(2026, 1, 10, 12), deadline) == timedelta(hours=24)


def test_remaining_time_skips_a_holiday_block() -> None:
    deadline = end_of(2026, 6, 1)
    assert CAL.business_time_remaining(ist(2026, 5, 26, 18), deadline) == timedelta(hours=24)  # the eve's evening is off


def test_no_time_remains_at_or_after_the_deadline() -> None:
    deadline = end_of(2026, 1, 12)
    assert CAL.business_time_remaining(deadline, deadline) == timedelta(0)
    assert CAL.business_time_remaining(deadline + timedelta(days=3), deadline) == timedelta(0)


# --- the whole of 2026 against the holidays library -----------------------------------------------------


@pytest.mark.parametrize(("calendar", "categories"), [(CAL, (PUBLIC,)), (EVES_OFF, (PUBLIC, HALF_DAY))])
def test_every_day_of_2026_agrees_with_the_holidays_library(calendar, categories) -> None:
    library = holidays.country_holidays("TR", years=2026, categories=categories)
    days = [date(2026, 1, 1) + timedelta(days=i) for i in range(365)]
    for day in days:
        assert calendar.is_business_day(day) == (day.weekday() < 5 and day not in library), day
    assert sum(CAL.is_business_day(d) for d in days) == 251  # 261 weekdays minus 10 weekday holidays


# --- properties -----------------------------------------------------------------------------------------

zones = st.sampled_from([UTC, IST, ZoneInfo("America/New_York"), ZoneInfo("Asia/Tokyo")])
instants = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2032, 8, 31), timezones=zones)
"""Far enough before the last counted year's end (`COVERED_YEARS`) for a start, 40 days later and 50 business days more."""
counts = st.integers(min_value=0, max_value=25)
calendars = st.sampled_from([CAL, EVES_OFF])


def test_no_business_days_from_a_half_day_eve_s_afternoon_is_the_end_of_the_next_business_day() -> None:
    # 9 January 2006, 13:00:00.000001 in Istanbul: the arife of Kurban Bayramı (10-13 January), its holiday begun.
    # The next business day is Monday 16 January; Turkey kept UTC+2 in winter then, so its end is 22:00 UTC.
    afternoon = datetime(2006, 1, 9, 13, 0, 0, 1, tzinfo=IST)
    assert CAL.add_business_days(afternoon, 0) == datetime(2006, 1, 16, 22, 0, tzinfo=UTC)
    assert CAL.add_business_days(afternoon - timedelta(microseconds=2), 0) == datetime(2006, 1, 9, 11, 0, tzinfo=UTC)


@settings(deadline=None)
@given(calendars, instants, counts)
def test_the_deadline_is_always_the_end_of_a_business_day(cal, start, n) -> None:
    deadline = cal.add_business_days(start, n)
    local = deadline.astimezone(IST)
    assert deadline.tzinfo is UTC and deadline > start
    assert local.time() in (time(0), time(13))
    ends = local.date() - timedelta(days=1) if local.time() == time(0) else local.date()
    assert cal.is_business_day(ends) and in_business_time(cal, deadline - timedelta(microseconds=1))
    assert not in_business_time(cal, deadline) or local.time() == time(0)


@settings(deadline=None)
@given(calendars, instants, st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=20)))
def test_business_time_added_is_the_business_time_remaining_until_then(cal, start, amount) -> None:
    end = cal.add_business_time(start, amount)
    assert end >= start
    assert cal.business_time_remaining(start, end) == amount


@settings(deadline=None)
@given(calendars, instants, counts)
def test_one_more_business_day_gives_a_later_deadline(cal, start, n) -> None:
    shorter, longer = cal.add_business_days(start, n), cal.add_business_days(start, n + 1)
    if n == 0 and not in_business_time(cal, start):
        assert longer == shorter  # both are "the next business day"
    else:
        assert longer > shorter


@settings(deadline=None)
@given(calendars, instants, counts, st.integers(min_value=0, max_value=25))
def test_deadlines_grow_with_n(cal, start, n, extra) -> None:
    assert cal.add_business_days(start, n) <= cal.add_business_days(start, n + extra)


@settings(deadline=None)
@given(calendars, instants, st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=40)), counts)
def test_a_later_start_never_gives_an_earlier_deadline(cal, start, delay, n) -> None:
    assert cal.add_business_days(start, n) <= cal.add_business_days(start.astimezone(UTC) + delay, n)


@settings(deadline=None)
@given(calendars, instants, counts, st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=40)))
def test_remaining_time_never_increases_as_time_passes(cal, opened, n, step) -> None:
    deadline = cal.add_business_days(opened, n)
    before = cal.business_time_remaining(opened, deadline)
    after = cal.business_time_remaining(opened.astimezone(UTC) + step, deadline)
    assert timedelta(0) <= after <= before <= deadline - opened


# --- a dispute's deadlines ------------------------------------------------------------------------------


def test_openings_either_side_of_local_midnight_get_their_own_days_deadlines() -> None:
    rules = Rules()  # 1 business day to answer, 2 for evidence, 3 to decide (2 for an accessibility need)
    thursday_late = datetime(2026, 12, 3, 20, 59, 59, tzinfo=UTC)  # 23:59:59 on Thursday in Istanbul
    friday_early = datetime(2026, 12, 3, 21, 0, tzinfo=UTC)  # Friday's first instant in Istanbul
    on_thursday = Sla(first_response_due=end_of(2026, 12, 4), evidence_due=end_of(2026, 12, 7),
                      decision_due=end_of(2026, 12, 8))
    on_friday = Sla(first_response_due=end_of(2026, 12, 7), evidence_due=end_of(2026, 12, 8),
                    decision_due=end_of(2026, 12, 9))
    assert deadlines(thursday_late, rules) == on_thursday
    assert deadlines(friday_early, rules) == on_friday
    assert deadlines(friday_early.astimezone(IST), rules) == on_friday
    assert deadlines(friday_early, rules, accessible=True) == on_friday.model_copy(update={"decision_due": end_of(2026, 12, 8)})
    assert deadlines(thursday_late, rules) == on_thursday  # an earlier day again
    assert deadlines(thursday_late, Rules(decision_business_days=4)).decision_due == end_of(2026, 12, 9)


def test_a_customer_has_the_whole_day_to_answer_even_when_it_is_a_half_day_eve() -> None:
    """Asked on Thursday 04.03.2027 at 10:00, two business days on is Monday 08.03, the eve of Ramazan Bayramı, whose
    business time ends at 13:00; the customer is told the date and has all of it (their afternoon is no business
    time the decision deadline waits for)."""
    asked = datetime(2027, 3, 4, 7, tzinfo=UTC)  # 10:00 in Istanbul
    assert answer_by(asked, Rules()) == datetime(2027, 3, 8, 21, tzinfo=UTC)  # the end of Monday 08.03 in Istanbul
    assert answer_by(datetime(2026, 11, 18, 9, 30, tzinfo=UTC), Rules()) == datetime(2026, 11, 20, 21, tzinfo=UTC)
