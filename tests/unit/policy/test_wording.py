"""Numbers as investigators read them: metres and kilometres, minutes and hours, lira and grams in both notations."""

from datetime import UTC, datetime, timedelta

import pytest

from disputes.policy.messages import third_party_words
from disputes.policy.wording import distance, duration, money, weight
from schemas.proof import RecipientRelation
from tests.unit.policy.builders import RECEIVED_AT, evidence, snapshot


@pytest.mark.parametrize(
    ("metres", "english", "turkish"),
    [
        (0, "0 m", "0 m"),
        (999.4, "999 m", "999 m"),
        (999.6, "1,000 m", "1.000 m"),
        (1_000.6, "1,001 m", "1.001 m"),
        (1_800, "1,800 m", "1.800 m"),
        (9_999.4, "9,999 m", "9.999 m"),
        (9_999.6, "10.0 km", "10,0 km"),
        (5_416_149, "5,416.1 km", "5.416,1 km"),
    ],
)
def test_distances_are_whole_metres_below_ten_kilometres_and_tenths_of_kilometres_above(
    metres: float, english: str, turkish: str
) -> None:
    assert distance(metres) == (english, turkish)


def test_durations_are_minutes_below_two_hours_whole_hours_to_two_days_and_whole_days_above() -> None:
    assert duration(timedelta(minutes=4, seconds=59)) == ("4 min", "4 dakika")
    assert duration(timedelta(hours=-27)) == ("27 h", "27 saat")
    assert duration(timedelta(hours=48)) == ("48 h", "48 saat")
    assert duration(timedelta(hours=49)) == ("2 days", "2 gün")
    assert duration(timedelta(days=-10)) == ("10 days", "10 gün")


def test_money_uses_english_and_turkish_separators_and_turkish_calls_the_lira_tl() -> None:
    assert money(1_000_000, "TRY") == ("10,000.00 TRY", "10.000,00 TL")
    assert money(129_905, "TRY") == ("1,299.05 TRY", "1.299,05 TL")
    assert money(129_905, "EUR") == ("1,299.05 EUR", "1.299,05 EUR")


def test_a_negative_amount_keeps_its_units_and_cents() -> None:
    assert money(-150, "TRY") == ("-1.50 TRY", "-1,50 TL")


def test_money_has_as_many_decimals_as_the_currency_s_minor_unit() -> None:
    assert money(12_500, "JPY") == ("12,500 JPY", "12.500 JPY")  # ISO 4217: the yen has no minor unit
    assert money(1_234_567, "KWD") == ("1,234.567 KWD", "1.234,567 KWD")  # the Kuwaiti dinar: 1,000 fils
    assert money(-5, "BHD") == ("-0.005 BHD", "-0,005 BHD")
    assert money(-123_456, "TRY") == ("-1,234.56 TRY", "-1.234,56 TL")


def test_grams_are_written_with_the_same_thousands_separators_as_distances_and_money() -> None:
    assert weight(500) == ("500 g", "500 g")
    assert weight(13_060) == ("13,060 g", "13.060 g")
    assert weight(1_200_000) == ("1,200,000 g", "1.200.000 g")


def test_a_household_member_without_a_name_is_still_named_as_household() -> None:
    household = evidence(relation=RecipientRelation.HOUSEHOLD_MEMBER, received_by=None)
    message = third_party_words(household, snapshot(), RECEIVED_AT + timedelta(hours=24))[1]
    assert "hanenizden biri tarafından teslim alındığını" in message and "Teslimat yeri" not in message


def test_the_doormans_name_follows_his_role() -> None:
    doorman = evidence(relation=RecipientRelation.DOORMAN, received_by="Hasan Demir")
    assert "kapıcı / site görevlisi Hasan Demir tarafından" in third_party_words(doorman, snapshot(), RECEIVED_AT)[1]


def test_the_time_to_check_with_the_receiver_is_named_by_its_end_in_istanbul() -> None:
    """Shown until the check is over, the message names when it ends, not a span counted from when it was written."""
    neighbour = evidence(relation=RecipientRelation.NEIGHBOUR, received_by="Mehmet Kaya")
    assert RECEIVED_AT == datetime(2026, 11, 18, 8, 30, tzinfo=UTC)  # 11:30 in Istanbul

    message = third_party_words(neighbour, snapshot(), RECEIVED_AT + timedelta(hours=6))[1]

    assert message.endswith(
        "Lütfen kontrol edin; 18.11.2026 17:30 tarihine kadar bulamazsanız incelemeye devam edip size sonucu "
        "bildireceğiz."
    )
    assert "saat içinde" not in message


def test_the_place_of_a_hand_over_gives_the_carrier_s_words_for_the_spot_and_the_address_it_recorded() -> None:
    """UPS's locker: "Parcel Locker" (in Turkish, "kargo dolabı") says where to look, "İSTANBUL, TR" in which city;
    either alone says less."""
    locker = evidence(relation=RecipientRelation.PARCEL_LOCKER, received_by=None)
    assert locker.proof.location is not None
    spot = locker.proof.location.model_copy(update={"text": "Parcel Locker", "address": "İSTANBUL, TR"})
    locker = locker.model_copy(update={"proof": locker.proof.model_copy(update={"location": spot})})

    en, tr = third_party_words(locker, snapshot(), RECEIVED_AT + timedelta(hours=24))

    assert "Place of delivery: Parcel Locker, İSTANBUL, TR." in en and "Teslimat yeri: kargo dolabı, İSTANBUL, TR." in tr
