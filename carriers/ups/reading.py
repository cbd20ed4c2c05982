"""Reading one UPS payload: decode it leniently, gather what could not be used, resolve UPS's times.

Both the Track API mapping and the Track Alert webhook read through here. ``decode`` keeps the names of
fields that held a value of the wrong type (see ``wire``); ``Notes`` records each reading problem once (``ProofNotes``);
``instant`` turns UPS's local date and time into an instant (see ``times`` for the rules).
"""

import functools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import NamedTuple

from carriers.errors import MalformedResponse
from carriers.parsing import ProofNotes, WireModel, read_json, text
from carriers.ups.times import offset, wall_clock
from carriers.zones import zone_of
from schemas.common import plausible

CODE = "ups"
SHORT = 500  # the canonical model's longest short text
_QUARTER = timedelta(minutes=15)
_MAX_OFFSET = timedelta(hours=14)


class Notes(ProofNotes):
    """``ProofNotes`` that also note the fields ``decode`` ignored for a value of the wrong type."""

    def ignored(self, fields: list[str], where: str) -> None:
        for field in fields:
            self.unreadable(f"{where}.{field}", "a value of the wrong type, ignored")


def decode[M: WireModel](model: type[M], body: bytes, what: str) -> tuple[M, list[str]]:
    """The payload as ``model``, and the names of the fields whose values had the wrong type."""
    return read_json(model, body, carrier=CODE, what=what)


def short(value: str | None) -> str | None:
    """The carrier's text, stripped and cut to what the canonical model holds (stripped again after the cut,
    as the canonical model would)."""
    return found[:SHORT].rstrip() if (found := text(value)) else None


class Stamp(NamedTuple):
    """One UPS time as sent: the local date and time, the place's offset, the GMT date and time, and the
    country of the place (for its zone when no offset is given)."""

    date: str | None
    time: str | None
    offset: str | None = None
    gmt_date: str | None = None
    gmt_time: str | None = None
    country: str | None = None


def instant(stamp: Stamp, notes: Notes, field: str, zone: tzinfo | None = None) -> datetime | None:
    """The instant ``stamp`` names: its local time in its place's zone (``place_zone``, else ``zone``: the
    zone of another time at the same place), else its GMT time, else (noted) its local time read as UTC.
    None when no date and time can be read."""
    local, gmt = _pairs(stamp, notes, field)
    place = _zone(stamp, local, gmt, notes, field) if local is not None else None
    return _at(local, gmt, place or zone, notes, field)


def delivered_times(
    scan: Stamp, actual: Stamp, notes: Notes, field: str, actual_field: str
) -> tuple[datetime | None, datetime | None]:
    """A delivery scan's instant (``instant(scan)``) and the delivery's: its own date and time (``actual``) in the
    zone of the scan's place, else the scan's instant. The scan's dates, times and zone are read once, and an
    actual date and time written as the scan's local ones (as UPS sends them) are not read again."""
    local, gmt = _pairs(scan, notes, field)
    place = _zone(scan, local, gmt, notes, field)
    at = _at(local, gmt, place, notes, field)
    if local is not None and place is not None and actual[:2] == scan[:2]:
        return at, at  # the same wall clock in the same zone
    return at, instant(actual, notes, actual_field, place) or at


def _at(
    local: datetime | None, gmt: datetime | None, place: tzinfo | None, notes: Notes, field: str
) -> datetime | None:
    """None, noted, for a placeholder (`schemas.common.plausible`: .NET's `DateTime.MaxValue`, 99991231 235959)."""
    at = _read_at(local, gmt, place, notes, field)
    if at is not None and not plausible(at):
        notes.unreadable(field, "a placeholder time, not an instant")
        return None
    return at


def _read_at(
    local: datetime | None, gmt: datetime | None, place: tzinfo | None, notes: Notes, field: str
) -> datetime | None:
    if local is None:
        return gmt.replace(tzinfo=UTC) if gmt is not None else None
    if place is not None:
        return local.replace(tzinfo=place)
    if gmt is not None:  # local and GMT times too far apart to be one moment: UTC is stated, local is not
        return gmt.replace(tzinfo=UTC)
    notes.unreadable(field, "a local time without offset, GMT time or known zone: read as UTC, may be hours off")
    return local.replace(tzinfo=UTC)


def place_zone(stamp: Stamp, notes: Notes, field: str) -> tzinfo | None:
    """The zone of the stamp's place: its offset, else the distance between its local and GMT times, else
    the zone of its country (see ``times``); None when none of them is known."""
    local, gmt = _pairs(stamp, notes, field)
    return _zone(stamp, local, gmt, notes, field)


def _pairs(stamp: Stamp, notes: Notes, field: str) -> tuple[datetime | None, datetime | None]:
    local = _read(notes, field, "the local date or time", wall_clock, stamp.date, stamp.time)
    gmt = _read(notes, field, "the GMT date or time", wall_clock, stamp.gmt_date, stamp.gmt_time)
    return local, gmt


def _zone(stamp: Stamp, local: datetime | None, gmt: datetime | None, notes: Notes, field: str) -> tzinfo | None:
    if stamp.offset is not None and (given := _read(notes, field, "the gmtOffset", offset, stamp.offset)) is not None:
        return given
    if local is not None and gmt is not None and abs(local - gmt) <= _MAX_OFFSET:
        return _quarters_east(round((local - gmt) / _QUARTER))  # offsets are whole quarter hours
    return zone_of(stamp.country)


@functools.cache
def _quarters_east(quarters: int) -> tzinfo:
    return timezone(quarters * _QUARTER)


def _read[T, *A](notes: Notes, field: str, what: str, read: Callable[[*A], T | None], *args: *A) -> T | None:
    try:
        return read(*args)
    except MalformedResponse:
        notes.unreadable(field, f"{what} could not be read")
        return None
