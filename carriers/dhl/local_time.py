"""DHL's times without an offset are local to the place of the event (the Unified API definition 1.5.8:
"If no time zone information is provided the date time zone should be interpreted as in the place of the
respective shipment event"). The place's zone comes from its ISO country code: the country's only zone in
IANA's ``zone.tab`` (shipped with ``tzdata``), or the one it describes as "most of" the country or its
"mainland" (Germany, Spain); DHL writes ``UK`` for Great Britain.
"""

import functools
from datetime import datetime
from importlib import resources
from zoneinfo import ZoneInfo

from carriers.errors import MalformedResponse
from carriers.parsing import text

TURKEY = ZoneInfo("Europe/Istanbul")
_ALIASES = {"UK": "GB"}


_PRINCIPAL = ("most of ", "(mainland)")


@functools.cache
def _principal_zones() -> dict[str, str]:
    """Country code → the zone most of the country keeps, where ``zone.tab`` names one."""
    zones: dict[str, list[tuple[str, str]]] = {}
    table = resources.files("tzdata").joinpath("zoneinfo", "zone.tab").read_text(encoding="utf-8")
    for line in table.splitlines():
        if line and not line.startswith("#"):
            country, _, name, *comment = line.split("\t")
            zones.setdefault(country, []).append((name, "".join(comment)))
    return {country: principal for country, entries in zones.items() if (principal := _principal(entries))}


def _principal(entries: list[tuple[str, str]]) -> str | None:
    if len(entries) == 1:
        return entries[0][0]
    return next((zone for zone, comment in entries if any(mark in comment for mark in _PRINCIPAL)), None)


def zone_of(*countries: str | None) -> ZoneInfo:
    """The zone of the first country whose zone is known; Turkey when none is (assumed: the marketplace's
    DHL parcels are delivered in Turkey, so an unplaced time is read as Istanbul time)."""
    for country in filter(None, map(text, countries)):
        code = country.upper()
        if zone := _principal_zones().get(_ALIASES.get(code, code)):
            return ZoneInfo(zone)
    return TURKEY


def local_timestamp(value: str | None, *countries: str | None, carrier: str, what: str) -> datetime | None:
    """An ISO 8601 time; one without an offset is read in the zone of ``countries`` (see ``zone_of``)."""
    if not (value := text(value)):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise MalformedResponse(f"unreadable timestamp in {what}", carrier=carrier) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=zone_of(*countries))
