"""The carrier-neutral facts behind a scenario: who took the parcel, what evidence exists, where the scan
was, and the parcel's journey. Every carrier module words these facts in its own format; where a carrier's
format cannot say something (most have no coordinates, several no relation), it is simply not said.
"""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from adapters.sandbox.carriers.shipments import SandboxShipment, Scenario
from schemas.proof import RecipientRelation as R

HUB_CITY, HUB_DISTRICT = "İstanbul", "Esenyurt"  # where the marketplace's parcels enter every network
COURIER = "Emre Kaya"
DEFAULT_NEIGHBOUR = "Hatice Kaya"
DEFAULT_DOORMAN = "Hüseyin Aydın"


@dataclass(frozen=True, slots=True)
class Position:
    lat: float
    lon: float
    accuracy_m: float


@dataclass(frozen=True, slots=True)
class Delivery:
    at: datetime
    relation: R
    received_by: str | None
    signed: bool
    photographed: bool
    position: Position


class Step(StrEnum):
    PICKED_UP = "picked_up"
    IN_TRANSIT = "in_transit"  # left the hub for the delivery branch
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELIVERED = "delivered"


@dataclass(frozen=True, slots=True)
class Event:
    step: Step
    at: datetime
    city: str
    district: str | None


# scenario → (relation, signed, photographed, metres between the address and the delivery scan)
_FACTS: dict[Scenario, tuple[R, bool, bool, float]] = {
    Scenario.DELIVERED: (R.RECIPIENT, True, True, 18),
    Scenario.NEIGHBOUR: (R.NEIGHBOUR, True, True, 25),
    Scenario.DOORMAN: (R.DOORMAN, True, False, 12),
    Scenario.PARCEL_LOCKER: (R.PARCEL_LOCKER, False, True, 160),
    Scenario.SAFE_PLACE: (R.SAFE_PLACE, False, True, 10),
    Scenario.UNSIGNED: (R.RECIPIENT, False, False, 20),
    Scenario.FAR_GPS: (R.RECIPIENT, True, True, 4_800),
}


def delivery(shipment: SandboxShipment) -> Delivery | None:
    """How the parcel was delivered; None while it is not (in transit, or unknown to the carrier)."""
    if shipment.delivered_at is None or shipment.scenario not in _FACTS:
        return None
    relation, signed, photographed, metres = _FACTS[shipment.scenario]
    return Delivery(
        at=shipment.delivered_at,
        relation=relation,
        received_by=_receiver(shipment, relation),
        signed=signed,
        photographed=photographed,
        position=Position(*_moved(shipment.lat, shipment.lon, metres), accuracy_m=12),
    )


def history(shipment: SandboxShipment) -> tuple[Event, ...]:
    """The parcel's scans, oldest first: a delivered parcel ends with its delivery, one in transit is on
    its way to the delivery branch (its last scan fixed when the sandbox learnt of it, so every pull of the
    same parcel reads the same scans, as from a real carrier)."""
    end = shipment.delivered_at or shipment.last_scan_at
    local = (shipment.city, shipment.district)
    events = [
        Event(Step.PICKED_UP, end - timedelta(hours=30), HUB_CITY, HUB_DISTRICT),
        Event(Step.IN_TRANSIT, end - timedelta(hours=22), HUB_CITY, HUB_DISTRICT),
    ]
    if shipment.delivered_at is not None:
        events.append(Event(Step.OUT_FOR_DELIVERY, end - timedelta(hours=5), *local))
        events.append(Event(Step.DELIVERED, end, *local))
    return tuple(events)


def given_and_family(name: str) -> tuple[str, str]:
    """Split a full name for carriers that send given and family names apart (the last word is the family)."""
    given, _, family = name.rpartition(" ")
    return (given, family) if given else (name, "")


def _receiver(shipment: SandboxShipment, relation: R) -> str | None:
    match relation:
        case R.NEIGHBOUR:
            return shipment.received_by or DEFAULT_NEIGHBOUR
        case R.DOORMAN:
            return shipment.received_by or DEFAULT_DOORMAN
        case R.RECIPIENT:
            return shipment.recipient_name
        case _:
            return None  # a locker or a doorstep takes no name


def _moved(lat: float, lon: float, metres: float) -> tuple[float, float]:
    """A point ``metres`` north-east of (lat, lon), on a sphere: good enough for metres to kilometres."""
    step = metres / math.sqrt(2) / 111_320
    return round(lat + step, 6), round(lon + step / max(math.cos(math.radians(lat)), 0.01), 6)
