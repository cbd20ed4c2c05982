"""What the carrier sandbox holds while it runs, under typed application keys."""

import asyncio
import json
from collections import Counter, defaultdict, deque
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from sandbox.carriers.auth import TokenIssuer
from sandbox.carriers.shipments import FaultMode, SandboxShipment, load_shipments


class FaultSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    carrier: str
    mode: FaultMode
    times: int = Field(default=1, ge=1, le=1000)
    delay_seconds: float = Field(default=0.0, ge=0, le=600)


@dataclass
class Faults:
    """Pending faults per carrier, first in first out; each applies to one request to the carrier's API."""

    pending: defaultdict[str, deque[FaultSpec]] = field(default_factory=lambda: defaultdict(deque))
    release: asyncio.Event = field(default_factory=asyncio.Event)  # set at shutdown: hung requests end

    def take(self, carrier: str) -> FaultSpec | None:
        queue = self.pending[carrier]
        return queue.popleft() if queue else None

    def counts(self) -> dict[str, int]:
        return {carrier: len(queue) for carrier, queue in self.pending.items() if queue}


@dataclass
class RequestLog:
    """The latest requests that reached a carrier and the latest pushes made (no bodies, no credentials:
    they carry personal data and secrets), with per-carrier totals since the last reset."""

    requests: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=10_000))
    pushes: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=1_000))
    counts: Counter[str] = field(default_factory=Counter)

    def reset(self) -> None:
        self.requests.clear()
        self.pushes.clear()
        self.counts.clear()


@dataclass
class Scripts:
    """The shipments scripted at run time (`POST /_sandbox/shipments`); with `path`, written there whole, replaced
    atomically, before the answer, so a tester's scripts outlive a restart as their orders do."""

    path: Path | None = None
    scripted: dict[tuple[str, str], SandboxShipment] = field(default_factory=dict)

    @classmethod
    def kept_in(cls, path: Path, now: datetime, renewed: frozenset[tuple[str, str]] = frozenset()) -> "Scripts":
        """The scripts kept in `path` (none yet when it does not exist), but those of the `renewed` numbers (the demo's,
        dated anew at each start: a script kept from before would tell of another delivery time); OSError or
        ValueError when it cannot be read."""
        kept = load_shipments(path, now) if path.is_file() else []
        return cls(path, {s.key: s for s in kept if s.key not in renewed})

    def keep(self, added: list[SandboxShipment]) -> None:
        """Kept once written (a write that fails keeps nothing of `added`, and raises)."""
        scripted = self.scripted | {s.key: s for s in added}
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            partial = self.path.with_name(self.path.name + ".partial")
            document = {"shipments": [s.model_dump(mode="json") for s in scripted.values()]}
            partial.write_text(json.dumps(document, ensure_ascii=False, indent=2), encoding="utf-8")
            partial.replace(self.path)
        self.scripted = scripted


@dataclass
class PushConfig:
    target: str | None  # the service's base URL; webhooks go to {target}/v1/carriers/{carrier}/webhooks
    auto: bool = False  # push every shipment added at run time
    origin: str = "http://127.0.0.1"  # the sandbox's own base URL, for links in pushes made without a request


SHIPMENTS = web.AppKey("carrier_sandbox_shipments", dict[tuple[str, str], SandboxShipment])
FAULTS = web.AppKey("carrier_sandbox_faults", Faults)
REQUEST_LOG = web.AppKey("carrier_sandbox_requests", RequestLog)
TOKENS = web.AppKey("carrier_sandbox_tokens", dict[str, TokenIssuer])
PUSH = web.AppKey("carrier_sandbox_push", PushConfig)
CLIENT = web.AppKey("carrier_sandbox_client", aiohttp.ClientSession)
PULLS = web.AppKey("carrier_sandbox_pulls", Counter[tuple[str, str]])  # data calls per (carrier, number)
SCRIPTS = web.AppKey("carrier_sandbox_scripts", Scripts)
SCRIPTED_FAULT = web.RequestKey("carrier_sandbox_scripted_fault", tuple[FaultMode, float])  # set by ``lookup``
