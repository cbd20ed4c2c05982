"""Every carrier the sandbox plays, by code: one module each, one line here."""

from collections.abc import Mapping
from types import MappingProxyType

from adapters.sandbox.carriers.aras import ARAS
from adapters.sandbox.carriers.dhl import DHL
from adapters.sandbox.carriers.fedex import FEDEX
from adapters.sandbox.carriers.hepsijet import HEPSIJET
from adapters.sandbox.carriers.kit import SandboxCarrier
from adapters.sandbox.carriers.mng import MNG
from adapters.sandbox.carriers.ptt import PTT
from adapters.sandbox.carriers.surat import SURAT
from adapters.sandbox.carriers.ups import UPS
from adapters.sandbox.carriers.yurtici import YURTICI

SANDBOX_CARRIERS: Mapping[str, SandboxCarrier] = MappingProxyType(
    {carrier.code: carrier for carrier in (UPS, DHL, FEDEX, HEPSIJET, YURTICI, ARAS, MNG, PTT, SURAT)}
)
