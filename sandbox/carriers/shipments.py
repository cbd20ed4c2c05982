"""What the carrier sandbox knows: shipments, each with the scenario the carrier will report for it.

A shipment file is ``{"shipments": [...]}``; an entry may give ``delivered_days_ago`` instead of
``delivered_at`` (as ``adapters/demo/orders.json`` does), so a demo file stays true whatever day it runs.

Beyond its scenario a shipment can be scripted, number by number (all optional):

    statuses        the state each successive pull finds, e.g. ["in_transit", "failed_attempt", "delivered"]
                    (the last one holds for every later pull; a push reports the last one)
    relation        who took it (overrides the scenario's), signed / photographed, scan_distance_m (GPS)
    masked_name     the carrier prints the receiver's name masked ("GAYE Ü***"), as HepsiJET does
    status_code     the carrier's raw code to report for the current state (e.g. one no mapping knows)
    other_packages  more packages in the same shipment, each with its own number and whether it arrived
    latency_seconds every data call for this number answers that much later
    faults          the next data calls for this number fail so, one per call, in order (fault modes)
"""

import json
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from schemas.common import Id, Instant
from schemas.proof import RecipientRelation

DEMO_FILE = Path(__file__).with_name("demo.json")
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class Step(StrEnum):
    PICKED_UP = "picked_up"
    IN_TRANSIT = "in_transit"  # left the hub for the delivery branch
    OUT_FOR_DELIVERY = "out_for_delivery"
    FAILED_ATTEMPT = "failed_attempt"  # the courier could not deliver (nobody home, address not found)
    DELIVERED = "delivered"
    RETURNED = "returned"  # on its way back to the sender


FaultMode = Literal["latency", "timeout", "error", "throttle", "garbage", "expired_token"]


class OtherPackage(BaseModel):
    """Another package of the same shipment (a multi-package reply names it beside the asked one)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    tracking_number: Id
    delivered: bool


class Scenario(StrEnum):
    DELIVERED = "delivered"  # to the customer: signed, photographed, scanned at the door
    NEIGHBOUR = "neighbour"  # handed to a neighbour, who signed
    DOORMAN = "doorman"  # handed to the building's doorman (kapıcı), who signed
    PARCEL_LOCKER = "parcel_locker"  # put in a parcel locker near the address, photographed
    SAFE_PLACE = "safe_place"  # left at the front door, photographed
    UNSIGNED = "unsigned"  # "delivered" to the customer without signature or photo
    FAR_GPS = "far_gps"  # signed and photographed, but scanned kilometres from the address
    IN_TRANSIT = "in_transit"  # not delivered yet
    UNKNOWN = "unknown"  # the carrier does not know the number

    @property
    def delivered(self) -> bool:
        return self not in (Scenario.IN_TRANSIT, Scenario.UNKNOWN)


_DELIVERED = frozenset(s.value for s in Scenario if s.delivered)


class SandboxShipment(BaseModel):
    """One parcel as its carrier sees it. ``lat``/``lon`` are the delivery address's coordinates; where the
    courier's scan lands follows from the scenario (at the door, at a locker nearby, or kilometres away)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    carrier: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{1,31}$")]
    tracking_number: Id
    scenario: Scenario
    recipient_name: Name
    received_by: Name | None = None  # the neighbour's or doorman's name; a default one when not given
    delivered_at: Instant | None = None  # delivered scenarios: an hour ago when not given
    last_scan_at: Instant = Field(default_factory=lambda: datetime.now(UTC))  # in transit: the latest scan
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    city: Name = "İstanbul"
    district: Name | None = None
    postal_code: Annotated[str, StringConstraints(pattern=r"^\d{5}$")] | None = None
    statuses: list[Step] = Field(default_factory=list, max_length=20)
    relation: RecipientRelation | None = None
    signed: bool | None = None
    photographed: bool | None = None
    scan_distance_m: float | None = Field(default=None, ge=0, le=100_000)
    masked_name: bool = False
    status_code: Annotated[str, StringConstraints(min_length=1, max_length=32)] | None = None
    other_packages: list[OtherPackage] = Field(default_factory=list, max_length=10)
    latency_seconds: float = Field(default=0, ge=0, le=120)
    faults: list[FaultMode] = Field(default_factory=list, max_length=20)

    @model_validator(mode="before")
    @classmethod
    def _delivered_an_hour_ago_by_default(cls, data: Any) -> Any:
        if not isinstance(data, dict) or data.get("delivered_at") is not None:
            return data
        scenario = data.get("scenario")
        if isinstance(scenario, str) and scenario in _DELIVERED:
            return data | {"delivered_at": datetime.now(UTC) - timedelta(hours=1)}
        return data

    @field_validator("delivered_at")
    @classmethod
    def _whole_seconds(cls, value: datetime | None) -> datetime | None:
        return value.replace(microsecond=0) if value else None  # every carrier format stops at seconds

    @model_validator(mode="after")
    def _delivery_time_with_delivery_only(self) -> Self:
        if not self.scenario.delivered and self.delivered_at is not None:
            raise ValueError("delivered_at belongs to delivered scenarios only")
        if Step.DELIVERED in self.statuses and not self.scenario.delivered:
            raise ValueError("a status sequence that reaches delivered needs a delivered scenario")
        return self

    @property
    def key(self) -> tuple[str, str]:
        return self.carrier, self.tracking_number

    @property
    def step(self) -> Step | None:
        """Where the parcel is now; None when the carrier does not know it."""
        if self.scenario is Scenario.UNKNOWN:
            return None
        if self.statuses:
            return self.statuses[-1]
        return Step.DELIVERED if self.scenario.delivered else Step.IN_TRANSIT

    def at_pull(self, pull: int) -> "SandboxShipment":
        """The shipment as the ``pull``-th data call (from 1) finds it: its status sequence so far."""
        if len(self.statuses) <= pull:
            return self
        return self.model_copy(update={"statuses": self.statuses[: max(pull, 1)]})


def shipments_from(document: Any, now: datetime) -> list[SandboxShipment]:
    """Shipments from a file's content; ``delivered_days_ago`` entries are placed relative to ``now``."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    entries = document.get("shipments") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise ValueError('a shipment file is {"shipments": [...]}')
    return [SandboxShipment.model_validate(_placed(entry, now)) for entry in entries]


def load_shipments(path: Path, now: datetime) -> list[SandboxShipment]:
    return shipments_from(json.loads(path.read_text(encoding="utf-8")), now)


def demo_shipments(now: datetime) -> list[SandboxShipment]:
    """The carriers' side of the demo orders in ``adapters/demo/orders.json``."""
    return load_shipments(DEMO_FILE, now)


def _placed(entry: Any, now: datetime) -> Any:
    if not isinstance(entry, dict) or "delivered_days_ago" not in entry:
        return entry
    placed = {k: v for k, v in entry.items() if k != "delivered_days_ago"}
    days = entry["delivered_days_ago"]
    placed["delivered_at"] = None if days is None else (now - timedelta(days=float(days))).isoformat()
    return placed
