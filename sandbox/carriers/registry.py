"""Every carrier the sandbox plays, by code: one module each, one line here."""

from collections.abc import Mapping
from types import MappingProxyType

from sandbox.carriers.aras import ARAS
from sandbox.carriers.dhl import DHL
from sandbox.carriers.fedex import FEDEX
from sandbox.carriers.hepsijet import HEPSIJET
from sandbox.carriers.kit import SandboxCarrier
from sandbox.carriers.mng import MNG
from sandbox.carriers.ptt import PTT
from sandbox.carriers.surat import SURAT
from sandbox.carriers.ups import UPS
from sandbox.carriers.yurtici import YURTICI

SANDBOX_CARRIERS: Mapping[str, SandboxCarrier] = MappingProxyType(
    {carrier.code: carrier for carrier in (UPS, DHL, FEDEX, HEPSIJET, YURTICI, ARAS, MNG, PTT, SURAT)}
)
