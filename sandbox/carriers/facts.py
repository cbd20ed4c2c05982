"""The carrier-neutral facts behind a scenario: who took the parcel, what evidence exists, where the scan
was, and the parcel's journey. Every carrier module words these facts in its own format; where a carrier's
format cannot say something (most have no coordinates, several no relation), it is simply not said.
"""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sandbox.carriers.kit import upper_tr
from sandbox.carriers.shipments import SandboxShipment, Scenario
from sandbox.carriers.shipments import Step as Step  # re-exported: renderers speak of steps
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
    masked: bool  # the carrier prints ``received_by`` masked: ``masked(received_by)``


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
    if shipment.step is not Step.DELIVERED or shipment.delivered_at is None or shipment.scenario not in _FACTS:
        return None
    relation, signed, photographed, metres = _FACTS[shipment.scenario]
    relation = shipment.relation or relation
    return Delivery(
        at=shipment.delivered_at,
        relation=relation,
        received_by=_receiver(shipment, relation),
        signed=signed if shipment.signed is None else shipment.signed,
        photographed=photographed if shipment.photographed is None else shipment.photographed,
        position=Position(*_moved(shipment.lat, shipment.lon, _or(shipment.scan_distance_m, metres)), accuracy_m=12),
        masked=shipment.masked_name,
    )


# The scans a parcel shows before it reaches each state, oldest first, with hours before the latest scan.
_ROUTE = ((Step.PICKED_UP, 30), (Step.IN_TRANSIT, 22), (Step.OUT_FOR_DELIVERY, 5))
_AT_HUB = frozenset({Step.PICKED_UP, Step.IN_TRANSIT, Step.RETURNED})


def history(shipment: SandboxShipment) -> tuple[Event, ...]:
    """The parcel's scans, oldest first, ending with its current state: a delivered parcel ends with its
    delivery, one in transit is on its way to the delivery branch. A scripted status sequence is the scans
    after pickup, an hour apart. The latest scan is fixed when the sandbox learnt of the parcel, so every
    pull of the same parcel reads the same scans, as from a real carrier."""
    end = shipment.delivered_at or shipment.last_scan_at
    if shipment.statuses:
        steps = [Step.PICKED_UP, *shipment.statuses]
        hours = [len(steps) - 1 - i for i in range(len(steps))]
    else:
        current = shipment.step or Step.IN_TRANSIT
        steps = [step for step, _ in _ROUTE if current is Step.DELIVERED or step is not Step.OUT_FOR_DELIVERY]
        hours = [h for step, h in _ROUTE if step in steps]
        if current is Step.DELIVERED:
            steps, hours = [*steps, Step.DELIVERED], [*hours, 0]
    return tuple(
        Event(step, end - timedelta(hours=h), *(_hub() if step in _AT_HUB else (shipment.city, shipment.district)))
        for step, h in zip(steps, hours, strict=True)
    )


def printed_name(done: Delivery, *, capitals: bool = False) -> str | None:
    """Who took the parcel, as the carrier prints it: masked when scripted so, else whole (in capitals, the
    Turkish way, for carriers that print names so)."""
    if done.received_by is None:
        return None
    if done.masked:
        return masked(done.received_by)
    return upper_tr(done.received_by) if capitals else done.received_by


def masked(name: str) -> str:
    """A name masked as HepsiJET prints it: first name whole, each later word's first letter and ``***``
    (``Gaye Ünal`` → ``GAYE Ü***``), upper-cased the Turkish way."""
    first, *rest = name.split()
    words = [upper_tr(first), *(upper_tr(word[0]) + "***" for word in rest)]
    return " ".join(words)


def _hub() -> tuple[str, str | None]:
    return HUB_CITY, HUB_DISTRICT


def _or(value: float | None, default: float) -> float:
    return default if value is None else value


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
