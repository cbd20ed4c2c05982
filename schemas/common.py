"""Small value types shared by every boundary: identifiers, instants, roles, resolutions, written text."""

import re
import string
from datetime import UTC, date, datetime, time
from enum import StrEnum
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import (
    AfterValidator, AwareDatetime, BeforeValidator, GetCoreSchemaHandler, GetJsonSchemaHandler, PlainSerializer, Strict,
    StringConstraints, WithJsonSchema,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, core_schema

Id = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$"),
]
"""An identifier: a plain token, never an object or an operator (`{"$ne": …}` fails validation)."""


CAPITALS = str.maketrans(string.ascii_lowercase, string.ascii_uppercase)


def one_spelling(tracking_number: Any) -> Any:
    """A tracking number in the one spelling it is stored, matched and searched in: without blanks, in capitals.
    Every carrier here issues numbers of capitals and digits, which it reads in any case and printed in groups (UPS
    `1Z…`, DHL `JJD…`/digits, FedEx digits, HepsiJET `HJ…`, Yurtiçi and Aras digits, MNG, PTT `KP…`, Sürat `SRT…`:
    `tests/fixtures/carriers/*/`), so `1z 204 w4r…` read out or pushed is `1Z204W4R…`. Only the letters a–z are put
    in capitals: any other letter (`ı`, `ß`) is left as it came, for the pattern to refuse, rather than made into
    another parcel's number (`str.upper` spells `ı` `I`, `ß` `SS`). Anything but a string is left to fail
    validation."""
    if not isinstance(tracking_number, str):
        return tracking_number
    return "".join(tracking_number.split()).translate(CAPITALS)


TrackingNumber = Annotated[Id, BeforeValidator(one_spelling)]
"""A carrier's tracking number as it enters (from the orders service, a carrier's reply or push, a search), in its one
spelling (`one_spelling`)."""


RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})")


def rfc3339(value: object) -> object:
    """Lax parsing would also read `0.5` or a Unix time (`"20240422143105"`, a compact local time, read as the year
    2611) as an instant; the documents promise RFC 3339 text only (or a datetime, from our own code)."""
    if isinstance(value, datetime) or isinstance(value, str) and RFC3339.fullmatch(value):
        return value
    raise ValueError("expected an RFC 3339 date-time, e.g. 2026-05-01T00:00:00+03:00")


CALENDAR_ZONE = "Europe/Istanbul"
"""Where the business's days start and end (`disputes.calendar.BusinessCalendar`)."""
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def day_or_rfc3339(value: object) -> object:
    """A period's bound: an RFC 3339 instant, or a calendar date (`2026-11-01`), the start of that day in the calendar's
    zone, as the console reads days (an Istanbul month is `2026-11-01` to `2026-12-01`)."""
    if isinstance(value, str) and _DAY.fullmatch(value):
        try:
            return datetime.combine(date.fromisoformat(value), time(), ZoneInfo(CALENDAR_ZONE))
        except ValueError:
            pass  # no such day: refused below, as any other text
    if isinstance(value, datetime) or isinstance(value, str) and RFC3339.fullmatch(value):
        return value
    raise ValueError("expected a calendar date, e.g. 2026-11-01 (the start of that day in Istanbul), or an RFC 3339 "
                     "date-time, e.g. 2026-11-01T00:00:00+03:00")


_DATED = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}(:?\d{2})?)")


def dated(value: object) -> object:
    """A time written as text with its date and its UTC offset: RFC 3339, or ISO 8601 as it is often written (a space
    for the `T`, RFC 3339 §5.6's note; `+0300`; no seconds). Never digits alone, which lax parsing reads as a Unix time
    (`"20240422143105"`, a compact local time, as the year 2611), nor a number. A datetime is our own code's."""
    if isinstance(value, datetime) or isinstance(value, str) and _DATED.fullmatch(value):
        return value
    raise ValueError("expected a date-time with its UTC offset, e.g. 2026-05-01T00:00:00+03:00")


EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(9999, 1, 1, tzinfo=UTC)
"""No parcel was handed over, nor order placed, before `EARLIEST` or in the year 9999: such a time is a placeholder
for "none" (.NET services send `DateTime.MinValue`, 0001-01-01T00:00:00, and `MaxValue`, 9999-12-31T23:59:59), and
one at either end of the range has no local time in Istanbul, nor always an instant in UTC."""


def plausible(value: datetime) -> bool:
    """Whether `value` (aware) is an instant between `EARLIEST` and `LATEST`."""
    try:
        return EARLIEST <= value.astimezone(UTC) < LATEST
    except OverflowError:
        return False


def _plausible(value: datetime) -> datetime:
    if not plausible(value):
        raise ValueError("a placeholder, not an instant: only times from 1970 to the year 9998 are read")
    return value


def _has_utc_instant(value: datetime) -> datetime:
    try:
        value.astimezone(UTC)
    except OverflowError:
        raise ValueError("no instant: its offset takes it outside the years 1 to 9999 in UTC") from None
    return value


def _none_if_placeholder(value: datetime | None) -> datetime | None:
    return value if value is None or plausible(value) else None


def timestamp_text(value: datetime) -> str:
    """An instant as every answer and message writes it: in UTC, with `Z` and milliseconds, always
    (`2026-12-06T07:00:00.000Z`). Milliseconds are what MongoDB keeps of a time (it drops the rest), so a time reads the
    same in the answer that stored it as in every later one; an offset as given, or a fraction only when there is one,
    would change with the value and between the two."""
    return value.astimezone(UTC).isoformat(timespec="milliseconds").removesuffix("+00:00") + "Z"


Timestamp = Annotated[
    AwareDatetime, PlainSerializer(timestamp_text, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date-time"}, mode="serialization"),
]
"""A time a boundary model holds: read as any aware datetime, written by `timestamp_text`."""

Stamp = Annotated[Timestamp, AfterValidator(_has_utc_instant)]
"""A time with an offset that names an instant: `0001-01-01T00:00:00+14:00` has none in UTC, so could be neither
stored (storage keeps times in UTC) nor compared. The canonical proof's: the carriers' readers take no placeholder
(`carriers.parsing.instant`), and what was stored before they refused one still reads."""
Moment = Annotated[Timestamp | None, AfterValidator(_none_if_placeholder)]
"""The order service's times: a placeholder (before `EARLIEST`, or from `LATEST`) is no time at all, so one on a
shipment or a record the case does not need costs nothing, and the one it needs reads as unknown."""
Instant = Annotated[Timestamp, Strict(False), BeforeValidator(dated), AfterValidator(_plausible)]
"""A time a partner sends: written with its date and offset (`dated`), between `EARLIEST` and `LATEST` (a
placeholder is refused: the field is left out for none). Not strict, even in a strict model: past the check of its
text, the text is read as a datetime (strict, only JSON's own parser would read it, and a check before it hands the
parser a Python string)."""

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]

_UNWRITTEN = (
    r"\u0000-\u0020\u007f-\u00a0\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890-\u0891\u08e2\u1680\u180e\u2000-\u200f"
    r"\u2028-\u202f\u205f-\u2064\u2066-\u206f\u3000\ue000-\uf8ff\ufeff\ufff9-\ufffb"
)
_UNWRITTEN_ASTRAL = (
    r"\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001"
    r"\U000e0020-\U000e007f\U000f0000-\U000ffffd\U00100000-\U0010fffd"
)
"""Every character of Unicode's white space (Zs, Zl, Zp), control (Cc), format (Cf: zero-width and
direction marks, BOM, tag characters) and private-use (Co) categories, as ranges, those up to U+FFFF and those
beyond; a test derives them again from ``unicodedata``. Spelled out, as regex engines disagree on ``\\s`` and
``\\p{…}``."""
WRITTEN = f"[^{_UNWRITTEN}]"
"""Some character that is none of those up to U+FFFF: a letter, mark, number, punctuation or symbol (a code point
that is unassigned in this Unicode version also counts: a newer emoji must not be refused as blank), or any beyond.
Published as the schemas' ``pattern``, which every regex dialect compiles: engines with no Unicode mode (.NET,
JavaScript without ``u``) read a pattern as UTF-16 units, and a class naming a code point beyond U+FFFF is a
surrogate pair and a range out of order to them; a character beyond U+FFFF, two units to them, still matches."""
_WRITTEN = re.compile(f"[^{_UNWRITTEN}{_UNWRITTEN_ASTRAL}\\ud800-\\udfff]")
"""What the server checks: also none of those beyond U+FFFF (the tag and private-use characters, which the
published pattern leaves out), and no lone surrogate (Cs), which JSON's ``\\ud800`` escapes can smuggle in but
no valid UTF-8 document holds."""


_CONTROL = r"\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f"
"""Unicode's control characters (Cc) but tab, line feed and carriage return: the rest of C0, DEL and C1."""
TYPED = f"^[^{_CONTROL}]*{WRITTEN}[^{_CONTROL}]*$"
"""Written, and no control character anywhere (the ends included, before white space is stripped): the pattern
published for what people type."""
_CONTROLS = re.compile(f"[{_CONTROL}]")


class _Written:
    """Refuses text without a single written character, and says so in the published schema (``pattern``).
    ``typed`` also refuses a control character anywhere in it."""

    def __init__(self, *, typed: bool) -> None:
        self._typed = typed

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        written = core_schema.no_info_after_validator_function(_written, handler(source))
        return core_schema.no_info_before_validator_function(_uncontrolled, written) if self._typed else written

    def __get_pydantic_json_schema__(self, schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        return {**handler(schema), "pattern": TYPED if self._typed else WRITTEN}


def _written(value: str) -> str:
    if not _WRITTEN.search(value):
        raise ValueError("must contain a letter, digit, punctuation mark or symbol, not only white space, "
                         "control or invisible format characters")
    return value


def _uncontrolled(value: object) -> object:
    """Before stripping, which would drop some of them (``\\x0b``, ``\\x1c``, ``\\x85``) at the ends only."""
    if isinstance(value, str) and _CONTROLS.search(value):
        raise ValueError("must not contain control characters (U+0000 to U+001F but tab, line feed and carriage "
                         "return; U+007F to U+009F)")
    return value


Written = _Written(typed=False)
"""Annotate a required free-text type with this: white space, zero-width or control characters alone are
refused."""
Typed = _Written(typed=True)
"""Annotate what people type with this (customers, agents, staff): also no control character but tab, line
feed and carriage return. NUL and escape sequences have no place in words shown in the console, the thread and
the audit trail; refused rather than removed, as these are records kept as written, and only a broken client
sends them. Direction marks and isolates (Hebrew, Arabic) stay: they are format characters, not controls."""
Statement = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000), Typed]
"""A customer's own words."""
Remark = Annotated[Text, Typed]
"""A note written by staff."""
Reason = Annotated[ShortText, Typed]
"""Why someone acted: a withdrawal, a reopening, flags cleared."""


class Role(StrEnum):
    CUSTOMER = "customer"
    AGENT = "agent"
    """Customer service (live chat, call centre): opens and follows disputes on a customer's behalf, never decides."""
    INVESTIGATOR = "investigator"
    SUPERVISOR = "supervisor"
    FINANCE = "finance"
    """The marketplace's finance team or its systems: read the reports and the money ledger, never a case."""
    SERVICE = "service"


STAFF_ROLES = frozenset({Role.INVESTIGATOR, Role.SUPERVISOR, Role.SERVICE})
"""Roles that work cases and see everything on them; an agent is not one of them."""
CUSTOMER_SIDE = frozenset({Role.CUSTOMER, Role.AGENT})
"""Roles that act for the customer: the customer, or an agent on the customer's behalf."""


class Resolution(StrEnum):
    """What the customer asks for."""

    REFUND = "refund"
    RESHIP = "reship"


class Outcome(StrEnum):
    """How a dispute ends."""

    REFUND = "refund"
    RESHIP = "reship"
    REJECTED = "rejected"


class RefundDestination(StrEnum):
    ORIGINAL_PAYMENT = "original_payment"
    WALLET = "wallet"
