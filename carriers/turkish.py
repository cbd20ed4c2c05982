"""What the Turkish carriers share: local times in Europe/Istanbul, and Turkish text as table keys.

Times: the Turkish carriers send local wall-clock times without an offset (``20240422`` + ``143105``,
``22.04.2024 14:31``, ``2024-04-22T14:31:05``). They are read in ``Europe/Istanbul``, not UTC as
``carriers.parsing.parse_timestamp`` assumes for the international carriers; a date without a time is
no instant at all (None), never midnight.

Text: carriers write the same word as ``KENDİSİ``, ``Kendisi`` or ``KENDISI``, and Python's ``upper``
keeps ``İ`` but turns ``ı`` and ``i`` into ``I`` (so ``carriers.status.CodeTable`` would miss). ``ascii_key``
maps every spelling to one ASCII key, and the tables here key both their entries and what they are asked with it;
``relation_by_name`` compares the receiver's and the addressee's names the same way, and ``same_masked_name``
compares names a carrier prints partly hidden.
"""

import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

import structlog

from carriers.errors import MalformedResponse
from carriers.parsing import instant, text
from carriers.status import count_unmapped
from schemas.proof import RecipientRelation

ISTANBUL = ZoneInfo("Europe/Istanbul")
log = structlog.get_logger("carriers.turkish")

_DATES = (
    (re.compile(r"^(\d{4})(\d{2})(\d{2})$"), (1, 2, 3)),  # yyyyMMdd
    (re.compile(r"^(\d{4})-(\d{2})-(\d{2})$"), (1, 2, 3)),  # yyyy-MM-dd
    (re.compile(r"^(\d{1,2})[./-](\d{1,2})[./-](\d{4})$"), (3, 2, 1)),  # dd.MM.yyyy
)
_TIME = re.compile(r"^(\d{1,2}):?(\d{2})(?::?(\d{2}))?(?:[.,]\d+)?$")


def ascii_key(value: str | None) -> str:
    """One upper-case ASCII spelling of Turkish text, blanks collapsed, as a key to compare by: ``Komşusu`` →
    ``KOMSUSU`` (the policy's ``casefold_ascii`` lower-cases and keeps blanks)."""
    decomposed = unicodedata.normalize("NFKD", (value or "").replace("ı", "i"))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(bare.upper().split())


MASK = "*"
"""What a carrier prints for the hidden letters of a name (HepsiJET: ``GAYE Ü***``, ``Mehmet K*``)."""


def is_masked(name: str) -> bool:
    return MASK in name


def same_masked_name(one: str, other: str) -> bool:
    """Whether two prints of a name can be the same person: word by word equal (folded), a masked word (``K*``)
    standing for any word it begins (``KURSAD``)."""
    first, second = ascii_key(one).split(), ascii_key(other).split()
    return len(first) == len(second) > 0 and all(_same_word(a, b) for a, b in zip(first, second, strict=True))


def _same_word(one: str, other: str) -> bool:
    if is_masked(one) or is_masked(other):
        shown_one, shown_other = one.split(MASK, 1)[0], other.split(MASK, 1)[0]
        return shown_one.startswith(shown_other) or shown_other.startswith(shown_one)
    return one == other


def relation_by_name(receiver: str | None, addressee: str | None) -> RecipientRelation:
    """``recipient`` when whoever took the parcel is the addressee by name (spellings folded), else ``unknown``.

    A courier's word for the receiver (``KAPICI``, ``KOMŞU MEHMET``, ``KENDİSİ``) stays in ``received_by`` as
    written: the policy reads those words, all of them in one table (``disputes/policy/receivers.py``)."""
    if receiver and addressee and ascii_key(receiver) == ascii_key(addressee):
        return RecipientRelation.RECIPIENT
    return RecipientRelation.UNKNOWN


def local_time(date: str | None, time: str | None, *, carrier: str, what: str) -> datetime | None:
    """A local date and time of day in ``Europe/Istanbul``; None unless both are given.

    Dates: ``yyyyMMdd``, ``yyyy-MM-dd``, ``dd.MM.yyyy`` (also with ``/`` or ``-``). Times: ``HHmmss``,
    ``HHmm``, ``HH:mm``, ``HH:mm:ss``; a leading zero may be missing (``93015`` is 09:30:15).
    """
    date, time = text(date), text(time)
    if not (date and time):
        return None
    if time.isdigit() and len(time) in (3, 5):
        time = time.zfill(len(time) + 1)
    clock = _TIME.match(time)
    for pattern, (year, month, day) in _DATES:
        if (match := pattern.match(date)) and clock:
            try:
                at = datetime(
                    int(match[year]), int(match[month]), int(match[day]),
                    int(clock[1]), int(clock[2]), int(clock[3] or 0), tzinfo=ISTANBUL,
                )
            except ValueError:
                break
            return instant(at, carrier=carrier, what=what)
    raise MalformedResponse(f"unreadable date or time in {what}", carrier=carrier)


def local_timestamp(value: str | None, *, carrier: str, what: str) -> datetime | None:
    """One string holding date and time: ISO 8601 (its offset wins, else Istanbul) or ``dd.MM.yyyy HH:mm[:ss]``."""
    if not (value := text(value)):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        date, _, time = value.partition(" ")
        return local_time(date, time, carrier=carrier, what=what)
    if parsed.tzinfo is None and "T" not in value.upper() and ":" not in value:
        return None  # a bare ISO date is no instant
    return instant(parsed if parsed.tzinfo else parsed.replace(tzinfo=ISTANBUL), carrier=carrier, what=what)


def keyword_table[V: StrEnum](
    carrier: str, field: str, words: Sequence[tuple[str, V]], default: V
) -> Callable[[str | None], V]:
    """For carriers that describe a state in free text: the first listed keyword found in it decides.

    List the longer phrase first where one contains another (``TESLİM EDİLEMEDİ`` before ``TESLİM``).
    Unlike ``CodeTable``, an unmapped phrase is logged without its words: free text may name a person.
    """
    folded = tuple((ascii_key(word), value) for word, value in words)

    def lookup(phrase: str | None) -> V:
        key = ascii_key(phrase)
        if not key:
            return default
        if (value := next((value for word, value in folded if word in key), None)) is None:
            log.warning("carrier_text_unmapped", carrier=carrier, field=field, words=len(key.split()))
            count_unmapped(carrier, "(text)")  # the words themselves may name a person: never a label
            return default
        return value

    return lookup


def word_table[V](entries: Mapping[str, V]) -> Callable[[str | None], V | None]:
    """A folded exact-match lookup that answers None for anything else and logs nothing: for fields that
    hold either one of the carrier's words or a person's name, which must not reach the logs."""
    folded = {ascii_key(word): value for word, value in entries.items()}
    return lambda phrase: folded.get(ascii_key(phrase))
