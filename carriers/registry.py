"""Every carrier we can talk to, by code. Adding a carrier is one package and one line in ``CARRIERS``, with its
public samples, its sandbox stand-in and its tests (README, "Adding a carrier").

A carrier pulls from its own API, pushes in its own format, or pushes through our partner webhook
(``carriers.partner``, its settings a ``PartnerCarrierSettings``) with its own secrets; one that only pushes has
``capabilities.pull`` None.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Protocol

import aiohttp

from carriers.aras.client import ArasAdapter
from carriers.aras.settings import ArasSettings
from carriers.base import PLAIN_HTTP_TO, Capabilities, CarrierAdapter, CarrierSettings
from carriers.breaker import BreakerStore
from carriers.dhl.client import DhlAdapter
from carriers.dhl.settings import DhlSettings
from carriers.fedex.client import FedexAdapter
from carriers.fedex.settings import FedexSettings
from carriers.hepsijet.client import HepsijetAdapter
from carriers.hepsijet.settings import HepsijetSettings
from carriers.mng.client import MngAdapter
from carriers.mng.settings import MngSettings
from carriers.ptt.client import PttAdapter
from carriers.ptt.settings import PttSettings
from carriers.surat.client import SuratAdapter
from carriers.surat.settings import SuratSettings
from carriers.ups.client import UpsAdapter
from carriers.ups.settings import UpsSettings
from carriers.yurtici.client import YurticiAdapter
from carriers.yurtici.settings import YurticiSettings


class AdapterFactory[S: CarrierSettings](Protocol):
    name: str
    capabilities: Capabilities

    def __call__(
        self, settings: S, session: aiohttp.ClientSession, *, breakers: BreakerStore | None = None
    ) -> CarrierAdapter: ...


@dataclass(frozen=True, slots=True)
class CarrierEntry[S: CarrierSettings]:
    settings: type[S]
    build: AdapterFactory[S]


CARRIERS: Mapping[str, CarrierEntry[Any]] = MappingProxyType(
    {
        "ups": CarrierEntry(UpsSettings, UpsAdapter),
        "dhl": CarrierEntry(DhlSettings, DhlAdapter),
        "fedex": CarrierEntry(FedexSettings, FedexAdapter),
        "hepsijet": CarrierEntry(HepsijetSettings, HepsijetAdapter),
        "yurtici": CarrierEntry(YurticiSettings, YurticiAdapter),
        "aras": CarrierEntry(ArasSettings, ArasAdapter),
        "mng": CarrierEntry(MngSettings, MngAdapter),
        "ptt": CarrierEntry(PttSettings, PttAdapter),
        "surat": CarrierEntry(SuratSettings, SuratAdapter),
    }
)


def create_adapter(
    code: str,
    settings: CarrierSettings | Mapping[str, Any],
    session: aiohttp.ClientSession,
    breakers: BreakerStore | None = None,
    *,
    plain_http_to: str | None = None,
) -> CarrierAdapter:
    """Build the adapter for ``code``; ``settings`` may be the carrier's settings or raw configuration.
    ``breakers``: where its circuit breaker lives (shared by every process), this process's memory if None.
    ``plain_http_to``: a URL (the carrier sandbox's) at whose origin its base URL may be http://."""
    if (entry := CARRIERS.get(code)) is None:
        raise LookupError(f"unknown carrier {code!r}")
    validated = entry.settings.model_validate(settings, context={PLAIN_HTTP_TO: plain_http_to})
    return entry.build(validated, session, breakers=breakers)
