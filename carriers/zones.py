"""The time zone of a country, for carriers that write local times without an offset and name the place's
country: the country's only zone in IANA's ``zone.tab`` (shipped with ``tzdata``), or the one it describes as
"most of" the country or its "mainland" (Germany, Spain). Carriers write ``UK`` for Great Britain. A country
with several zones and none for most of it (the United States) has no zone here. A carrier that writes the
country's name instead of its code finds the code by the name in IANA's ``iso3166.tab`` (``country_named``).
"""

import functools
from importlib import resources
from zoneinfo import ZoneInfo

from carriers.parsing import text
from carriers.turkish import ascii_key

_ALIASES = {"UK": "GB"}
_NAMES = {"USA": "US", "UK": "GB", "CHINA MAINLAND": "CN", "KOREA, REPUBLIC OF (SOUTH K.)": "KR"}
"""Names carriers write that ``iso3166.tab`` spells otherwise (DHL Express: "NEW YORK, NY - USA", "SHANGHAI - CHINA
MAINLAND")."""
_PRINCIPAL = ("most of ", "(mainland)")


def zone_of(country: str | None) -> ZoneInfo | None:
    """The zone most of ``country`` (an ISO 3166 code) keeps; None when it is unknown or has no such zone."""
    if not (code := (text(country) or "").upper()):
        return None
    zone = _principal_zones().get(_ALIASES.get(code, code))
    return ZoneInfo(zone) if zone else None


def country_named(name: str | None) -> str | None:
    """The ISO 3166 code of the country ``name`` is, as ``iso3166.tab`` writes it, in any case and with or
    without accents (``PAKISTAN`` → ``PK``), or as carriers abbreviate it (``USA``); None for any other name."""
    if not (written := text(name)):
        return None
    return _NAMES.get(written.upper()) or _codes_by_name().get(ascii_key(written))


def country_code(code: str | None) -> str | None:
    """``code`` as an ISO 3166 code of ``iso3166.tab`` (``uk`` → ``GB``); None for anything else."""
    written = (text(code) or "").upper()
    written = _ALIASES.get(written, written)
    return written if written in _codes() else None


@functools.cache
def _codes() -> frozenset[str]:
    return frozenset(code for code, *_ in _rows("iso3166.tab"))


@functools.cache
def _codes_by_name() -> dict[str, str]:
    return {ascii_key(name): code for code, name, *_ in _rows("iso3166.tab")}


@functools.cache
def _principal_zones() -> dict[str, str]:
    """Country code → the zone most of the country keeps, where ``zone.tab`` names one."""
    zones: dict[str, list[tuple[str, str]]] = {}
    for country, _, name, *comment in _rows("zone.tab"):
        zones.setdefault(country, []).append((name, "".join(comment)))
    return {country: principal for country, entries in zones.items() if (principal := _principal(entries))}


def _rows(table: str) -> list[list[str]]:
    """The tab-separated rows of one of tzdata's tables, comments left out."""
    lines = resources.files("tzdata").joinpath("zoneinfo", table).read_text(encoding="utf-8").splitlines()
    return [line.split("\t") for line in lines if line and not line.startswith("#")]


def _principal(entries: list[tuple[str, str]]) -> str | None:
    if len(entries) == 1:
        return entries[0][0]
    return next((zone for zone, comment in entries if any(mark in comment for mark in _PRINCIPAL)), None)
