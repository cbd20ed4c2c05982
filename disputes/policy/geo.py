"""Where the carrier says it delivered, against where the order was to be delivered.

Coordinates on both sides give a distance (great circle). The carrier's reported accuracy is subtracted,
up to `gps_accuracy_cap_m`, before comparing with the thresholds: a scan is called "far" only when even
the edge of its uncertainty is far, and a carrier cannot make any scan "near" by claiming poor accuracy.
Words only ("Front Door", a branch address) are weaker than coordinates: they cannot place the scan at the
address, only describe it.
"""

from dataclasses import dataclass
from enum import StrEnum
from math import asin, cos, radians, sin, sqrt

from disputes.policy.settings import PolicySettings
from schemas.orders import Address
from schemas.proof import DeliveryLocation

EARTH_RADIUS_M = 6_371_008.8  # mean radius (IUGG)


class Proximity(StrEnum):
    NEAR = "near"
    BETWEEN = "between"  # beyond the near radius, not yet far: a person looks
    FAR = "far"
    WORDS_ONLY = "words_only"  # the carrier described the spot but gave no usable coordinates
    UNKNOWN = "unknown"  # no location from the carrier, or no coordinates on the order to compare with


@dataclass(frozen=True, slots=True)
class LocationAssessment:
    proximity: Proximity
    distance_m: float | None = None
    effective_m: float | None = None


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres between two points given in degrees."""
    dlat, dlon = radians(lat2 - lat1), radians(lon2 - lon1)
    h = sin(dlat / 2) ** 2 + cos(radians(lat1)) * cos(radians(lat2)) * sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_M * asin(min(1.0, sqrt(h)))


def effective_distance_m(distance_m: float, accuracy_m: float | None, settings: PolicySettings) -> float:
    """The distance less the carrier's accuracy (capped), never below zero."""
    return max(0.0, distance_m - min(accuracy_m or 0.0, settings.gps_accuracy_cap_m))


def assess_location(
    location: DeliveryLocation | None, address: Address, settings: PolicySettings
) -> LocationAssessment:
    """How the delivery scan's location relates to the order's address."""
    if location is None:
        return LocationAssessment(Proximity.UNKNOWN)
    if location.lat is None or location.lon is None or address.lat is None or address.lon is None:
        words = location.text is not None or location.address is not None
        return LocationAssessment(Proximity.WORDS_ONLY if words else Proximity.UNKNOWN)
    distance = haversine_m(location.lat, location.lon, address.lat, address.lon)
    effective = effective_distance_m(distance, location.accuracy_m, settings)
    if effective <= settings.near_radius_m:
        proximity = Proximity.NEAR
    elif effective > settings.far_distance_m:
        proximity = Proximity.FAR
    else:
        proximity = Proximity.BETWEEN
    return LocationAssessment(proximity, distance, effective)
