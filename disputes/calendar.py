"""Turkish business-day calendar for SLA deadlines (pure: stdlib, zoneinfo and `holidays`).

A business day is a calendar day in the calendar's zone (default Europe/Istanbul) that is neither a
Saturday/Sunday nor a Turkish public holiday as published by the `holidays` library, including the
moving religious holidays (Ramazan and Kurban Bayramı). The half-day eves (arife: the afternoons before
the two Bayrams, and 28 October) are the library's HALF_DAY category; `half_day_eves` decides whether
they count as business days ("business", the default) or not ("holiday"). Granularity is the whole day.

Every public method takes timezone-aware datetimes (naive ones raise ValueError) and returns UTC.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Literal
from zoneinfo import ZoneInfo

import holidays
from holidays.constants import HALF_DAY, PUBLIC
from holidays.countries.turkey import Turkey

type HalfDayEves = Literal["business", "holiday"]

_ONE_DAY = timedelta(days=1)


@cache
def _closed_days(year: int, eves_closed: bool) -> frozenset[date]:
    """Weekday-independent non-business dates of one year, built once per process (the sweeper is hot)."""
    if not Turkey.start_year <= year <= Turkey.end_year:
        # The library answers "no holidays" outside its range; a silent wrong deadline is worse than an error.
        raise ValueError(f"no Turkish holiday data for {year}")
    categories = (PUBLIC, HALF_DAY) if eves_closed else (PUBLIC,)
    return frozenset(holidays.country_holidays("TR", years=year, categories=categories))


def _require_aware(at: datetime) -> None:
    if not isinstance(at, datetime):
        raise TypeError(f"expected a datetime, got {type(at).__name__}")
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("naive datetime: pass a timezone-aware datetime")


@dataclass(frozen=True)
class BusinessCalendar:
    half_day_eves: HalfDayEves = "business"
    tz: str = "Europe/Istanbul"
    _zone: ZoneInfo = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.half_day_eves not in ("business", "holiday"):
            raise ValueError(f"half_day_eves must be 'business' or 'holiday', not {self.half_day_eves!r}")
        object.__setattr__(self, "_zone", ZoneInfo(self.tz))

    def is_business_day(self, d: date) -> bool:
        """True for a Monday–Friday that is not a public holiday (nor an eve, if eves are holidays)."""
        if isinstance(d, datetime):
            raise TypeError("pass a date; use is_business_time for an instant")
        return d.weekday() < 5 and d not in _closed_days(d.year, self.half_day_eves == "holiday")

    def is_business_time(self, at: datetime) -> bool:
        """True if the instant falls on a business day in the calendar's zone."""
        return self.is_business_day(self.local_day(at))

    def add_business_days(self, start: datetime, n: int) -> datetime:
        """The deadline `n` business days after `start`, as an aware UTC datetime.

        The deadline is the end of the n-th business day strictly after the local day of `start`,
        expressed as the (exclusive) local midnight that ends that day: a case opened on Friday evening
        with n=1 is due at Tuesday 00:00 local, i.e. the end of Monday (or of the first business day
        after a holiday block). The time of day of `start` does not matter.
        n=0 is the end of the start day if it is a business day, else of the next business day; so on a
        non-business start day n=0 and n=1 give the same deadline (both "the next business day").
        """
        if n < 0:
            raise ValueError("n must be >= 0")
        day = self.local_day(start)
        if n == 0:
            while not self.is_business_day(day):
                day += _ONE_DAY
        for _ in range(n):
            day += _ONE_DAY
            while not self.is_business_day(day):
                day += _ONE_DAY
        return self._midnight(day + _ONE_DAY)

    def business_time_remaining(self, now: datetime, deadline: datetime) -> timedelta:
        """Business time in [now, deadline): full local business days, partial at either end; 0 if past."""
        # Compare in UTC: subtracting two datetimes of the same zone ignores offset changes.
        start, end = self._utc(now), self._utc(deadline)
        remaining, day = timedelta(0), self.local_day(now)
        while (day_start := self._midnight(day)) < end:
            if self.is_business_day(day):
                day_end = self._midnight(day + _ONE_DAY)
                remaining += max(min(day_end, end) - max(day_start, start), timedelta(0))
            day += _ONE_DAY
        return remaining

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
