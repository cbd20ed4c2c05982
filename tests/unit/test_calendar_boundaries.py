"""The business-day calendar at its edges: the first instant of a business day, what counts as an aware datetime,
and UTC answers whatever zone the host runs in (the contract in disputes/calendar.py's docstring)."""

import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

import pytest

from disputes.calendar import BusinessCalendar
from tests.unit.test_calendar import in_business_time

IST = ZoneInfo("Europe/Istanbul")
CAL = BusinessCalendar()


class _NoOffset(tzinfo):
    """A zone that knows no offset: Python counts a datetime carrying it as naive (its `utcoffset()` is None)."""

    def utcoffset(self, dt: datetime | None) -> timedelta | None:
        return None

    def dst(self, dt: datetime | None) -> timedelta | None:
        return None

    def tzname(self, dt: datetime | None) -> str | None:
        return None


@pytest.fixture
def host_in_tokyo(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The process's local zone is Asia/Tokyo (UTC+9) for the test, then back to what it was."""
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_a_business_day_is_business_time_from_its_first_instant() -> None:
    monday_midnight = datetime(2026, 1, 12, tzinfo=IST)  # Monday 12.01.2026 00:00 in Istanbul, 21:00 UTC Sunday
    assert in_business_time(CAL, monday_midnight)
    assert in_business_time(CAL, monday_midnight.astimezone(UTC))
    assert not in_business_time(CAL, monday_midnight - timedelta(microseconds=1))  # still Sunday


def test_a_datetime_whose_zone_gives_no_offset_is_rejected_as_naive() -> None:
    """Python's datetime documentation: d is aware only if d.tzinfo is not None AND d.tzinfo.utcoffset(d) is not
    None; a tzinfo that answers None leaves it naive."""
    offsetless = datetime(2026, 1, 8, 12, tzinfo=_NoOffset())
    assert offsetless.utcoffset() is None
    with pytest.raises(ValueError, match="naive"):
        CAL.local_day(offsetless)
    with pytest.raises(ValueError, match="naive"):
        CAL.add_business_time(offsetless, timedelta(hours=1))


@pytest.mark.usefixtures("host_in_tokyo")
def test_a_half_day_eves_business_hours_end_at_13_00_istanbul_given_in_utc_on_a_host_in_another_zone() -> None:
    """26.05.2026 is the arife of Kurban Bayramı 2026 (27–30 May, Diyanet): its holiday begins at 13:00 (Law 2429
    art. 2), i.e. 10:00 UTC (Istanbul is UTC+3 all year)."""
    start, end = CAL.business_hours(date(2026, 5, 26)) or (None, None)
    assert (start, end) == (datetime(2026, 5, 25, 21, tzinfo=UTC), datetime(2026, 5, 26, 10, tzinfo=UTC))
    assert end is not None and end.utcoffset() == timedelta(0)


@pytest.mark.usefixtures("host_in_tokyo")
def test_no_business_time_added_gives_the_start_back_in_utc_on_a_host_in_another_zone() -> None:
    start = datetime(2026, 1, 8, 12, tzinfo=IST)
    added = CAL.add_business_time(start, timedelta(0))
    assert added == datetime(2026, 1, 8, 9, tzinfo=UTC)
    assert added.utcoffset() == timedelta(0)
