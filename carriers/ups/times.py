"""UPS dates and times: local wall-clock date and time, plus (sometimes) the GMT pair and the offset.

What UPS writes (see ``tests/fixtures/carriers/ups/PROVENANCE.md``):
- dates ``YYYYMMDD`` (``YYYY-MM-DD`` in UPS's own description of ``gmtDate``);
- times ``HHMMSS``, with leading zeros dropped at times (``74700`` is 07:47:00), and ``HH:MM:SS`` in the
  ``gmtTime`` of live replies;
- offsets ``-05:00`` (Track API) and ``-04.00`` (Track Alert).

An activity's local date and time are the local time of its place. Many replies carry nothing else: the
place's zone is then taken from its country where most of the country keeps one zone (``carriers.zones``:
Turkey, where the marketplace's parcels are delivered, Germany, …); elsewhere (the United States) no zone is
known and the mapping says so.
"""

import re
from datetime import datetime, timedelta, timezone, tzinfo

from carriers.errors import MalformedResponse
from carriers.parsing import text

CARRIER = "ups"
_OFFSET = re.compile(r"^([+-])(\d{1,2})[:.]?(\d{2})$", re.ASCII)
_WALL_CLOCK = re.compile(r"(\d{4})-?(\d{2})-?(\d{2}) (\d{1,2}):?(\d{2}):?(\d{2})", re.ASCII)
"""A date and a time, joined by one space (neither holds one once stripped): both read by one match."""


def offset(value: str | None) -> tzinfo | None:
    """The zone a ``gmtOffset`` names; None when there is none. Unreadable: ``MalformedResponse``."""
    if not (value := text(value)):
        return None
    if not (match := _OFFSET.match(value)) or int(match[2]) > 14 or int(match[3]) > 59:
        raise MalformedResponse("unreadable gmtOffset", carrier=CARRIER)
    delta = timedelta(hours=int(match[2]), minutes=int(match[3]))
    return timezone(-delta if match[1] == "-" else delta)


def wall_clock(date: str | None, time: str | None) -> datetime | None:
    """The date and time as written, without a zone; None when either is missing. Unreadable:
    ``MalformedResponse``."""
    if date is None or time is None or not (date := date.strip()) or not (time := time.strip()):
        return None
    try:
        if (written := _WALL_CLOCK.fullmatch(f"{date} {time}")) is None:
            raise ValueError
        year, month, day, hour, minute, second = map(int, written.groups())
        return datetime(year, month, day, hour, minute, second)  # noqa: DTZ001 - callers add the zone
    except ValueError:
        raise MalformedResponse("unreadable date or time", carrier=CARRIER) from None
