"""Where the carrier says it delivered, against where the order was to be delivered.

Coordinates on both sides give a distance (great circle). The carrier's reported accuracy is subtracted,
up to `gps_accuracy_cap_m`, before comparing with the thresholds, at the precision findings state a distance
(`wording.stated_m`): a carrier cannot make any scan "near" by claiming poor accuracy. A scan is called "far"
only when even the edge of its uncertainty (its whole accuracy subtracted) is far: a fix too imprecise for that
is no usable location, as are 0, 0 (what devices report with no fix) and coordinates that land on the address
once latitude and longitude are swapped back (a format error). An order address at 0, 0 (a geocoder's "not
found") is no address to measure from, like one without coordinates.
Words only ("Front Door", a branch address) are weaker than coordinates: they cannot place the scan at the
address, only describe it.
"""

from dataclasses import dataclass
from enum import StrEnum
from math import asin, cos, radians, sin, sqrt

from disputes.policy.settings import PolicySettings
from disputes.policy.wording import stated_m
from schemas.orders import Address
from schemas.proof import DeliveryLocation

EARTH_RADIUS_M = 6_371_008.8  # mean radius (IUGG)


class Proximity(StrEnum):
    NEAR = "near"
    BETWEEN = "between"  # beyond the near radius, not yet far: a person looks
    FAR = "far"
    WORDS_ONLY = "words_only"  # the carrier described the spot but gave no usable coordinates
    UNKNOWN = "unknown"  # no location from the carrier
    ADDRESS_UNLOCATED = "address_unlocated"  # the carrier's coordinates, but none on the order to compare them with
    NO_FIX = "no_fix"  # 0, 0: the placeholder for "no GPS fix"
    SWAPPED = "swapped"  # latitude and longitude swapped: swapped back, the scan is at the address
    IMPRECISE = "imprecise"  # far beyond the capped accuracy, not beyond the whole of it
    ABROAD = "abroad"  # in another country than the address, as the carrier names it: far by any measure


UNUSABLE = frozenset({Proximity.NO_FIX, Proximity.SWAPPED, Proximity.IMPRECISE})
"""Coordinates that cannot be where the parcel was delivered: no usable location."""


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


def located(lat: float | None, lon: float | None) -> tuple[float, float] | None:
    """The point (lat, lon) coordinates place, or None when they place nothing: one is missing, or both are 0, 0
    (a device's "no fix", a geocoder's "not found"). What the policy measures from and to, and the console draws."""
    if lat is None or lon is None or (lat == 0 and lon == 0):
        return None
    return lat, lon


def effective_distance_m(distance_m: float, accuracy_m: float | None, settings: PolicySettings) -> float:
    """The distance less the carrier's accuracy (capped), never below zero."""
    return max(0.0, distance_m - min(accuracy_m or 0.0, settings.gps_accuracy_cap_m))


def assess_location(
    location: DeliveryLocation | None, address: Address, settings: PolicySettings, *, point: bool = False
) -> LocationAssessment:
    """How the delivery scan's location relates to the order's address. `point`: the carrier says it left the parcel
    at a locker or pickup point, which is far only beyond `point_far_distance_m` (or the far distance, if that is
    further), at the edge of its uncertainty too."""
    far_m = max(settings.point_far_distance_m, settings.far_distance_m) if point else settings.far_distance_m
    if location is None:
        return LocationAssessment(Proximity.UNKNOWN)
    if location.country is not None and location.country != address.country.upper():
        return LocationAssessment(Proximity.ABROAD)
    if location.lat is None or location.lon is None:
        words = location.text is not None or location.address is not None
        return LocationAssessment(Proximity.WORDS_ONLY if words else Proximity.UNKNOWN)
    if location.lat == 0 and location.lon == 0:
        return LocationAssessment(Proximity.NO_FIX)
    if (home := located(address.lat, address.lon)) is None:
        return LocationAssessment(Proximity.ADDRESS_UNLOCATED)
    distance = haversine_m(location.lat, location.lon, *home)
    effective = effective_distance_m(distance, location.accuracy_m, settings)
    proximity = _placed(effective, settings, far_m)
    if proximity is not Proximity.FAR:
        return LocationAssessment(proximity, distance, effective)
    swapped_back = haversine_m(location.lon, location.lat, *home)
    if _placed(effective_distance_m(swapped_back, location.accuracy_m, settings), settings, far_m) is Proximity.NEAR:
        return LocationAssessment(Proximity.SWAPPED)
    if _placed(distance - (location.accuracy_m or 0.0), settings, far_m) is not Proximity.FAR:
        return LocationAssessment(Proximity.IMPRECISE, distance, effective)
    return LocationAssessment(proximity, distance, effective)


def _placed(metres: float, settings: PolicySettings, far_m: float) -> Proximity:
    """Near, between or far (beyond `far_m`), by the distance as a finding states it."""
    stated = stated_m(metres)
    if stated <= settings.near_radius_m:
        return Proximity.NEAR
    return Proximity.FAR if stated > far_m else Proximity.BETWEEN
