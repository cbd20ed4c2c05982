"""The location assessment at its edges: an antipode, the prime meridian, an address with one coordinate, accuracy
credited to swapped coordinates, both distances of an imprecise fix, an address geocoded to 0, 0
(disputes/policy/geo.py's docstring)."""

from math import pi

import pytest

from disputes.policy.geo import Proximity, assess_location, haversine_m, located
from disputes.policy.settings import PolicySettings
from schemas.orders import Address
from schemas.proof import DeliveryLocation
from tests.unit.policy.builders import ADDRESS, north_of_address

SETTINGS = PolicySettings()  # near 250 m, far 1 km, accuracy credited up to 100 m
MEAN_EARTH_RADIUS_M = 6_371_008.8  # IUGG mean radius


def test_a_point_and_its_antipode_are_half_the_earths_circumference_apart_even_where_rounding_overshoots() -> None:
    """Two antipodal points, to within a metre, whose haversine term rounds to just above 1 in floating point:
    the distance is still half a great circle, pi x 6,371,008.8 m = 20,015,114 m."""
    distance = haversine_m(-67.30124305978113, -42.4779007508273, 67.30124312271948, 137.5220993481741)
    assert distance == pytest.approx(pi * MEAN_EARTH_RADIUS_M, abs=1)


def test_a_scan_on_the_prime_meridian_is_a_real_fix_not_the_no_fix_placeholder() -> None:
    """A cross-border delivery in Greenwich: the scan at 51.4779 N, 0 (the Airy meridian), the address 0.0015 degrees
    west, 0.0015 x pi/180 x 6,371,008.8 m x cos 51.4779 = 104 m away. Only 0, 0 together is "no fix"."""
    greenwich = Address(
        line="Blackheath Avenue", district="Greenwich", city="London", country="GB", lat=51.4779, lon=-0.0015
    )
    where = assess_location(DeliveryLocation(lat=51.4779, lon=0.0), greenwich, SETTINGS)
    assert where.proximity is Proximity.NEAR
    assert where.distance_m == pytest.approx(104, abs=1)


@pytest.mark.parametrize("missing", ["lat", "lon"])
def test_an_address_with_only_one_coordinate_cannot_be_compared_with_a_scan(missing: str) -> None:
    half_placed = ADDRESS.model_copy(update={missing: None})
    assert assess_location(DeliveryLocation(lat=ADDRESS.lat, lon=ADDRESS.lon), half_placed, SETTINGS).proximity is (
        Proximity.ADDRESS_UNLOCATED
    )


def test_swapped_coordinates_earn_the_same_accuracy_credit_as_any_other_fix() -> None:
    """Swapped back, the scan is 300 m north of the address; less its 100 m accuracy (the cap) it is 200 m: near."""
    lat, lon = north_of_address(300)
    swapped = DeliveryLocation(lat=lon, lon=lat, accuracy_m=100)
    assert assess_location(swapped, ADDRESS, SETTINGS).proximity is Proximity.SWAPPED


def test_an_imprecise_fix_keeps_its_distance_and_its_distance_less_the_capped_accuracy() -> None:
    """1,150 m away with a 200 m accuracy: 1,050 m once the capped 100 m is credited (far), 950 m at the edge of its
    whole uncertainty (not far), so imprecise; the findings state both distances."""
    lat, lon = north_of_address(1_150)
    where = assess_location(DeliveryLocation(lat=lat, lon=lon, accuracy_m=200), ADDRESS, SETTINGS)
    assert where.proximity is Proximity.IMPRECISE
    assert where.distance_m == pytest.approx(1_150)
    assert where.effective_m == pytest.approx(1_050)


def test_an_order_address_geocoded_to_zero_zero_is_no_address_to_measure_a_scan_from() -> None:
    """0, 0 is the placeholder for "no coordinates" (geo.py says so of a device's fix; a geocoder that finds nothing
    writes it too). Measured from that point in the Gulf of Guinea, a scan at the Kadıköy door would be thousands of
    km away; DESIGN §2 "location far from the address" needs an address to measure from, and this is none."""
    nowhere = ADDRESS.model_copy(update={"lat": 0.0, "lon": 0.0})
    lat, lon = north_of_address(20)
    assert assess_location(DeliveryLocation(lat=lat, lon=lon, accuracy_m=10), nowhere, SETTINGS).proximity is (
        Proximity.ADDRESS_UNLOCATED
    )


@pytest.mark.parametrize(("lat", "lon"), [(None, 29.0), (40.99, None), (None, None), (0.0, 0.0)])
def test_coordinates_missing_or_at_zero_zero_place_nothing(lat: float | None, lon: float | None) -> None:
    assert located(lat, lon) is None


@pytest.mark.parametrize(("lat", "lon"), [(40.99, 29.03), (51.4779, 0.0), (0.0, 9.45)])
def test_coordinates_on_the_equator_or_the_prime_meridian_alone_place_a_point(lat: float, lon: float) -> None:
    """Greenwich (51.4779° N, 0° E) and Libreville's latitude line are real places; only 0, 0 together is none."""
    assert located(lat, lon) == (lat, lon)
