"""Every carrier we can talk to, by code. Adding a carrier is one package and one line in ``CARRIERS``.

Still to come: hepsijet, yurtici, aras, mng, ptt, surat.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import aiohttp

from carriers.base import CarrierAdapter, CarrierSettings
from carriers.dhl.client import DhlAdapter
from carriers.dhl.settings import DhlSettings
from carriers.fedex.client import FedexAdapter
from carriers.fedex.settings import FedexSettings
from carriers.ups.client import UpsAdapter
from carriers.ups.settings import UpsSettings


@dataclass(frozen=True, slots=True)
class CarrierEntry[S: CarrierSettings]:
    settings: type[S]
    build: Callable[[S, aiohttp.ClientSession], CarrierAdapter]


CARRIERS: Mapping[str, CarrierEntry[Any]] = MappingProxyType(
    {
        "ups": CarrierEntry(UpsSettings, UpsAdapter),
        "dhl": CarrierEntry(DhlSettings, DhlAdapter),
        "fedex": CarrierEntry(FedexSettings, FedexAdapter),
    }
)


def create_adapter(
    code: str, settings: CarrierSettings | Mapping[str, Any], session: aiohttp.ClientSession
) -> CarrierAdapter:
    """Build the adapter for ``code``; ``settings`` may be the carrier's settings or raw configuration."""
    if (entry := CARRIERS.get(code)) is None:
        raise LookupError(f"unknown carrier {code!r}")
    return entry.build(entry.settings.model_validate(settings), session)
