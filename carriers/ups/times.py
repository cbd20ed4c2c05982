"""UPS dates and times: ``YYYYMMDD`` and ``HHMMSS`` strings, local to the activity, plus a GMT offset.

An instant is built from the local date/time when the offset is known (``-05:00`` in the Track API,
``-04.00`` in Track Alert), otherwise from the GMT date/time UPS sends alongside.
"""

import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo

from carriers.errors import MalformedResponse
from carriers.parsing import text

CARRIER = "ups"
_OFFSET = re.compile(r"^([+-])(\d{1,2})[:.]?(\d{2})$")
_COMPACT = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})([0-9]{2})([0-9]{2})([0-9]{2})")


def gmt_offset(value: str | None) -> tzinfo | None:
    if not (value := text(value)):
        return None
    if not (match := _OFFSET.match(value)) or int(match[2]) > 14 or int(match[3]) > 59:
        raise MalformedResponse("unreadable gmtOffset", carrier=CARRIER)
    delta = timedelta(hours=int(match[2]), minutes=int(match[3]))
    return timezone(-delta if match[1] == "-" else delta)


def compact(date: str | None, time: str | None, zone: tzinfo | None) -> datetime | None:
    """``YYYYMMDD`` + ``HHMMSS`` in ``zone``; None when any part is missing. UPS drops leading zeros
    from times at times (``74700`` is 07:47:00)."""
    date, time = text(date), text(time)
    if not (date and time and zone):
        return None
    try:
        if not (parts := _COMPACT.fullmatch(date + time.zfill(6))):
            raise ValueError
        year, month, day, hour, minute, second = map(int, parts.groups())
        return datetime(year, month, day, hour, minute, second, tzinfo=zone)
    except ValueError:
        raise MalformedResponse("unreadable activity date or time", carrier=CARRIER) from None


def instant(
    local_date: str | None, local_time: str | None, offset: str | None, gmt_date: str | None, gmt_time: str | None
) -> datetime | None:
    return compact(local_date, local_time, gmt_offset(offset)) or compact(gmt_date, gmt_time, UTC)
