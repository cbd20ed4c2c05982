"""Distances and the location assessment: radius edges with accuracy, the accuracy cap, words, missing data."""

import pytest

from disputes.policy.geo import LocationAssessment, Proximity, assess_location, effective_distance_m, haversine_m
from disputes.policy.settings import PolicySettings
from schemas.proof import DeliveryLocation
from tests.unit.policy.builders import ADDRESS, north_of_address

SETTINGS = PolicySettings()  # near 250 m, far 1 km, accuracy credited up to 100 m
NO_COORDINATES = ADDRESS.model_copy(update={"lat": None, "lon": None})


def scan(metres: float, accuracy: float | None = None, text: str | None = None) -> DeliveryLocation:
    lat, lon = north_of_address(metres)
    return DeliveryLocation(lat=lat, lon=lon, accuracy_m=accuracy, text=text)


def test_the_same_point_is_zero_metres_away() -> None:
    assert haversine_m(40.9819, 29.0576, 40.9819, 29.0576) == 0


def test_a_degree_of_latitude_is_about_111_km() -> None:
    assert haversine_m(40.0, 29.0, 41.0, 29.0) == pytest.approx(111_195, rel=1e-3)


def test_kadikoy_to_ankara_kizilay_is_about_342_km_as_the_crow_flies() -> None:
    assert haversine_m(40.9819, 29.0576, 39.9208, 32.8541) == pytest.approx(342_000, rel=0.005)


def test_antipodes_do_not_break_the_formula() -> None:
    assert haversine_m(0, 0, 0, 180) == pytest.approx(20_015_115, rel=1e-3)


def test_accuracy_is_subtracted_up_to_the_cap_and_never_below_zero() -> None:
    assert effective_distance_m(300, 40, SETTINGS) == 260
    assert effective_distance_m(300, 5_000, SETTINGS) == 200
    assert effective_distance_m(30, 50, SETTINGS) == 0
    assert effective_distance_m(300, None, SETTINGS) == 300


@pytest.mark.parametrize(
    ("metres", "accuracy", "expected"),
    [
        (0, None, Proximity.NEAR),
        (249.5, None, Proximity.NEAR),
        (250.5, None, Proximity.BETWEEN),
        (259.5, 10, Proximity.NEAR),  # edge + accuracy, just inside
        (260.6, 10, Proximity.BETWEEN),  # edge + accuracy, just outside (compared to the metre: 251 m)
        (349.5, 5_000, Proximity.NEAR),  # a poor fix earns only the capped 100 m
        (350.5, 5_000, Proximity.BETWEEN),
        (999.5, None, Proximity.BETWEEN),
        (1_000.6, None, Proximity.FAR),
        (1_099.5, 100, Proximity.BETWEEN),  # far only when even the edge of its uncertainty is far
        (1_800, 20, Proximity.FAR),
    ],
)
def test_the_scan_is_placed_by_its_distance_less_its_capped_accuracy(
    metres: float, accuracy: float | None, expected: Proximity
) -> None:
    assert assess_location(scan(metres, accuracy), ADDRESS, SETTINGS).proximity is expected


def test_the_assessment_keeps_both_distances() -> None:
    where = assess_location(scan(1_800, 20), ADDRESS, SETTINGS)
    assert where.distance_m == pytest.approx(1_800) and where.effective_m == pytest.approx(1_780)


def test_words_without_coordinates_are_words_only() -> None:
    where = assess_location(DeliveryLocation(text="Front Door"), ADDRESS, SETTINGS)
    assert where == LocationAssessment(Proximity.WORDS_ONLY)


def test_coordinates_cannot_be_compared_with_an_address_without_them_with_or_without_words() -> None:
    assert assess_location(scan(10), NO_COORDINATES, SETTINGS).proximity is Proximity.ADDRESS_UNLOCATED
    assert assess_location(scan(10, text="Kapı önü"), NO_COORDINATES, SETTINGS).proximity is (
        Proximity.ADDRESS_UNLOCATED
    )
    assert assess_location(DeliveryLocation(text="Kapı önü"), NO_COORDINATES, SETTINGS).proximity is (
        Proximity.WORDS_ONLY
    )


def test_no_location_at_all_is_unknown() -> None:
    assert assess_location(None, ADDRESS, SETTINGS).proximity is Proximity.UNKNOWN
    assert assess_location(DeliveryLocation(accuracy_m=5), ADDRESS, SETTINGS).proximity is Proximity.UNKNOWN


def test_zero_zero_is_the_placeholder_for_no_fix_not_a_scan_in_the_gulf_of_guinea() -> None:
    where = assess_location(DeliveryLocation(lat=0, lon=0, accuracy_m=10), ADDRESS, SETTINGS)
    assert where == LocationAssessment(Proximity.NO_FIX)


def test_latitude_and_longitude_swapped_onto_the_address_are_a_format_error() -> None:
    swapped = DeliveryLocation(lat=29.0577, lon=40.9819, accuracy_m=10)  # 40.9819, 29.0576 is the address

    assert assess_location(swapped, ADDRESS, SETTINGS) == LocationAssessment(Proximity.SWAPPED)


def test_a_far_scan_that_swapped_lands_nowhere_near_the_address_is_far() -> None:
    kizilay = DeliveryLocation(lat=39.9208, lon=32.8541, accuracy_m=10)  # Ankara

    assert assess_location(kizilay, ADDRESS, SETTINGS).proximity is Proximity.FAR


@pytest.mark.parametrize(
    ("metres", "accuracy", "expected"),
    [
        (5_000, 5_000, Proximity.IMPRECISE),  # anywhere within 5 km: it cannot say far
        (1_150, 200, Proximity.IMPRECISE),  # its edge is 950 m away: not far, though the capped distance (1,050 m) is
        (1_250, 200, Proximity.FAR),  # even the edge of its uncertainty (1,050 m) is far
        (5_000, 200, Proximity.FAR),
    ],
)
def test_a_fix_too_imprecise_to_say_far_is_no_usable_location(
    metres: float, accuracy: float, expected: Proximity
) -> None:
    assert assess_location(scan(metres, accuracy), ADDRESS, SETTINGS).proximity is expected
