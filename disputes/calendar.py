"""Turkish business-day calendar for SLA deadlines (pure: stdlib, zoneinfo and `holidays`).

A business day is a calendar day in the calendar's zone (default Europe/Istanbul) that is neither a
Saturday/Sunday nor a Turkish public holiday as published by the `holidays` library, including the
moving religious holidays (Ramazan and Kurban Bayramı). Its business time runs from its local midnight
to the next, except on a half-day eve (the library's HALF_DAY category: the arife before each Bayram, and
28 October), where the holiday begins at 13:00 (Law 2429 art. 2, "saat 13.00'ten itibaren").
`half_day_eves` decides what an eve is: "business" (the default) a business day whose business time ends
at 13:00, so a deadline on it falls at 13:00; "holiday" a non-business day, like the holiday it precedes.
`days_off` are the days declared off on top of those (an administrative leave, "idari izin", joining a Bayram to a
weekend): non-business days, whatever the library says of them.

The calendar counts only the years whose religious holidays the library confirms (`COVERED_YEARS`): beyond
them its dates are estimates, and a deadline counted on an estimate is silently wrong, so it raises `BeyondCalendar`.

Every public method takes timezone-aware datetimes (naive ones raise ValueError) and returns UTC.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Literal
from zoneinfo import ZoneInfo

import holidays
from holidays.constants import HALF_DAY, PUBLIC
from holidays.countries.turkey import Turkey, TurkeyIslamicHolidays
from schemas.common import CALENDAR_ZONE

type HalfDayEves = Literal["business", "holiday"]

_ONE_DAY = timedelta(days=1)
EVE_CLOSES = time(13)
"""When the holiday begins on a half-day eve (Law 2429 art. 2), in the calendar's zone."""


def _confirmed_years() -> range:
    """The years the library has the Turkish holidays for, and confirms the dates of every religious one."""
    spans = [getattr(TurkeyIslamicHolidays, name) for name in dir(TurkeyIslamicHolidays) if "_CONFIRMED_YEARS" in name]
    if not spans:
        raise RuntimeError("the holidays library confirms no Turkish religious holiday dates")
    first = max(Turkey.start_year, *(span[0] for span in spans))
    last = min(Turkey.end_year, *(span[1] for span in spans))
    return range(first, last + 1)


COVERED_YEARS = _confirmed_years()
"""The years the calendar counts in (`holidays`' confirmed Turkish religious holiday dates)."""
CASES_BEFORE = datetime(COVERED_YEARS.stop - 1, 1, 1, tzinfo=UTC)
"""The start of the last year counted: a case opens on a test clock only before it, so that its deadlines (days to
weeks ahead) fall within the years counted."""
CLOCKS_BEFORE = datetime(COVERED_YEARS.stop - 1, 12, 31, tzinfo=UTC)
"""The last day of the last year counted (still that year in every time zone): a test clock moves up to it, so that
the cases opened on it before `CASES_BEFORE` run to their deadlines and past them."""


class BeyondCalendar(ValueError):
    """A date past the years the calendar counts (`COVERED_YEARS`): the service cannot count that deadline until the
    `holidays` library confirms the year (the API answers 503; `disputes_calendar_counts_until_timestamp_seconds`
    and its alert warn months before)."""


@cache
def _holidays(year: int) -> tuple[frozenset[date], frozenset[date]]:
    """(public holidays, half-day eves) of one year, built once per process (the sweeper is hot)."""
    if year not in COVERED_YEARS:
        # Outside them the library estimates or answers "no holidays"; a silent wrong deadline is worse than an error.
        raise BeyondCalendar(
            f"no confirmed Turkish holiday dates for {year} (covered: {COVERED_YEARS.start}–{COVERED_YEARS.stop - 1})"
        )
    public = frozenset(holidays.country_holidays("TR", years=year, categories=(PUBLIC,)))
    eves = frozenset(holidays.country_holidays("TR", years=year, categories=(HALF_DAY,))) - public
    return public, eves


def is_half_day_eve(d: date) -> bool:
    """Whether `d` is a half-day eve (its holiday begins at `EVE_CLOSES`), whether `half_day_eves` counts it or not."""
    return d in _holidays(d.year)[1]


def _require_aware(at: datetime) -> None:
    if not isinstance(at, datetime):
        raise TypeError(f"expected a datetime, got {type(at).__name__}")
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("naive datetime: pass a timezone-aware datetime")


@dataclass(frozen=True)
class BusinessCalendar:
    half_day_eves: HalfDayEves = "business"
    tz: str = CALENDAR_ZONE
    days_off: frozenset[date] = frozenset()
    _zone: ZoneInfo = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.half_day_eves not in ("business", "holiday"):
            raise ValueError(f"half_day_eves must be 'business' or 'holiday', not {self.half_day_eves!r}")
        object.__setattr__(self, "_zone", ZoneInfo(self.tz))

    def is_business_day(self, d: date) -> bool:
        """True for a Monday–Friday that is not a public holiday nor a day declared off (nor an eve, if eves are
        holidays)."""
        if isinstance(d, datetime):
            raise TypeError("pass a date; local_day gives an instant's")
        public, eves = _holidays(d.year)
        return (d.weekday() < 5 and d not in public and d not in self.days_off
                and not (self.half_day_eves == "holiday" and d in eves))

    def business_hours(self, d: date) -> tuple[datetime, datetime] | None:
        """The UTC instants [start, end) of day `d`'s business time; None on a day that is not a business day."""
        if not self.is_business_day(d):
            return None
        if d in _holidays(d.year)[1]:
            return self._midnight(d), datetime.combine(d, EVE_CLOSES, tzinfo=self._zone).astimezone(UTC)
        return self._midnight(d), self._midnight(d + _ONE_DAY)

    def add_business_days(self, start: datetime, n: int) -> datetime:
        """The deadline `n` business days after `start`, as an aware UTC datetime.

        The deadline is the end of the n-th business day strictly after the local day of `start`: the (exclusive)
        local midnight that ends that day, or 13:00 on a half-day eve. A case opened on Friday evening with n=1 is
        due at Tuesday 00:00 local, i.e. the end of Monday (or of the first business day after a holiday block).
        The time of day of `start` does not matter, but for n=0 (below).
        n=0 is the end of the start day if it is a business day whose business time is still ahead, else of the
        next business day; so on a non-business start day (or a half-day eve's afternoon) n=0 and n=1 give the same
        deadline (both "the next business day"), and a deadline is always after its start.
        """
        if n < 0:
            raise ValueError("n must be >= 0")
        day = self.local_day(start)
        if n == 0:
            while (hours := self.business_hours(day)) is None or start >= hours[1]:
                day += _ONE_DAY
        for _ in range(n):
            day += _ONE_DAY
            while not self.is_business_day(day):
                day += _ONE_DAY
        hours = self.business_hours(day)
        assert hours is not None
        return hours[1]

    def business_time_remaining(self, now: datetime, deadline: datetime) -> timedelta:
        """Business time in [now, deadline): business hours, partial at either end; 0 if past."""
        # Compare in UTC: subtracting two datetimes of the same zone ignores offset changes.
        start, end = self._utc(now), self._utc(deadline)
        remaining, day = timedelta(0), self.local_day(now)
        while self._midnight(day) < end:
            if (hours := self.business_hours(day)) is not None:
                remaining += max(min(hours[1], end) - max(hours[0], start), timedelta(0))
            day += _ONE_DAY
        return remaining

    def add_business_time(self, start: datetime, amount: timedelta) -> datetime:
        """The instant `amount` of business time after `start` (UTC): weekends, holidays and eves' afternoons do not
        count. An amount that ends exactly with a business day ends at that day's end (its deadline), not later."""
        if amount < timedelta(0):
            raise ValueError("amount must be >= 0")
        at, left, day = self._utc(start), amount, self.local_day(start)
        if not left:
            return at
        while True:
            if (hours := self.business_hours(day)) is not None and hours[1] > at:
                begin = max(hours[0], at)
                if left <= hours[1] - begin:
                    return begin + left
                left -= hours[1] - begin
            day += _ONE_DAY

    def local_day(self, at: datetime) -> date:
        """The calendar day `at` falls on in the calendar's zone."""
        _require_aware(at)
        return at.astimezone(self._zone).date()

    def start_of(self, d: date) -> datetime:
        """The local midnight that starts day `d`, in UTC."""
        return self._midnight(d)

    def _utc(self, at: datetime) -> datetime:
        _require_aware(at)
        return at.astimezone(UTC)

    def _midnight(self, d: date) -> datetime:
        return datetime.combine(d, time(0), tzinfo=self._zone).astimezone(UTC)
