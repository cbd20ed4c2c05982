from datetime import UTC, datetime

import pytest
from structlog.testing import capture_logs

from carriers.errors import MalformedResponse
from carriers.turkish import ISTANBUL, ascii_key, keyword_table, local_time, local_timestamp, same_masked_name, word_table
from schemas.proof import ProofStatus, RecipientRelation

DELIVERED_UTC = datetime(2024, 4, 22, 11, 31, 5, tzinfo=UTC)


@pytest.mark.parametrize("spelling", ["KOMŞUSU", "Komşusu", "komsusu", "KOMSUSU", "  komşusu "])
def test_every_spelling_of_a_turkish_word_folds_to_one_key(spelling: str) -> None:
    assert ascii_key(spelling) == "KOMSUSU"


@pytest.mark.parametrize("spelling", ["KENDİSİ", "Kendisi", "kendisi", "KENDISI", "kendısı", "KENDİSİ"])
def test_dotted_and_dotless_i_fold_alike(spelling: str) -> None:
    assert ascii_key(spelling) == "KENDISI"


@pytest.mark.parametrize(
    ("date", "time"),
    [("20240422", "143105"), ("22.04.2024", "14:31:05"), ("2024-04-22", "14:31:05"), ("22/04/2024", "143105")],
)
def test_local_dates_and_times_are_istanbul_time(date: str, time: str) -> None:
    assert local_time(date, time, carrier="yurtici", what="x") == DELIVERED_UTC


def test_a_time_without_its_leading_zero_is_read() -> None:
    expected = datetime(2024, 4, 22, 9, 30, 15, tzinfo=ISTANBUL)
    assert local_time("20240422", "93015", carrier="yurtici", what="x") == expected
    assert local_time("22.04.2024", "9:30", carrier="ptt", what="x") == datetime(2024, 4, 22, 9, 30, tzinfo=ISTANBUL)


@pytest.mark.parametrize(("date", "time"), [("20240422", None), (None, "143105"), ("", "")])
def test_a_date_without_a_time_is_no_instant(date: str | None, time: str | None) -> None:
    assert local_time(date, time, carrier="yurtici", what="x") is None


@pytest.mark.parametrize(("date", "time"), [("2024-13-01", "10:00"), ("yesterday", "10:00"), ("20240422", "25:00")])
def test_an_unreadable_date_is_malformed_and_says_where(date: str, time: str) -> None:
    with pytest.raises(MalformedResponse, match="unreadable date or time in deliveryDate"):
        local_time(date, time, carrier="yurtici", what="deliveryDate")


@pytest.mark.parametrize(("date", "time"), [("01.01.0001", "00:00:00"), ("00010101", "000000")])
def test_a_placeholder_date_is_unreadable_not_a_time_in_year_one(date: str, time: str) -> None:
    with pytest.raises(MalformedResponse, match="placeholder time, not an instant, in deliveryDate"):
        local_time(date, time, carrier="yurtici", what="deliveryDate")
    with pytest.raises(MalformedResponse, match="placeholder time"):
        local_timestamp(f"{date} {time}" if "." in date else "0001-01-01T00:00:00", carrier="mng", what="x")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-04-22T14:31:05", DELIVERED_UTC),
        ("2024-04-22T11:31:05Z", DELIVERED_UTC),
        ("2024-04-22 14:31:05", DELIVERED_UTC),
        ("22.04.2024 14:31:05", DELIVERED_UTC),
        ("2024-04-22", None),
        ("22.04.2024", None),
        (None, None),
    ],
)
def test_timestamps_without_an_offset_are_istanbul_time(value: str | None, expected: datetime | None) -> None:
    assert local_timestamp(value, carrier="mng", what="x") == expected


def test_a_keyword_table_lets_the_longer_phrase_win() -> None:
    table = keyword_table("ptt", "ISLEM", (
        ("TESLİM EDİLEMEDİ", ProofStatus.FAILED_ATTEMPT), ("TESLİM EDİLDİ", ProofStatus.DELIVERED),
    ), ProofStatus.UNKNOWN)
    assert table("Alıcıya teslim edildi") is ProofStatus.DELIVERED
    assert table("ALICI ADRESTE YOK - TESLİM EDİLEMEDİ") is ProofStatus.FAILED_ATTEMPT
    assert table(None) is ProofStatus.UNKNOWN
    with capture_logs() as logs:
        assert table("AYŞE YILMAZ BEKLİYOR") is ProofStatus.UNKNOWN
    assert logs == [{"event": "carrier_text_unmapped", "carrier": "ptt", "field": "ISLEM", "words": 3, "log_level": "warning"}]


def test_a_word_table_answers_none_for_a_name_and_logs_nothing() -> None:
    table = word_table({"KOMŞUSU": RecipientRelation.NEIGHBOUR})
    with capture_logs() as logs:
        assert table("komsusu") is RecipientRelation.NEIGHBOUR
        assert table("Ayşe Yılmaz") is None
    assert logs == []


@pytest.mark.parametrize(("one", "other", "same"), [
    ("Mehmet K*", "MEHMET KURŞAD", True),
    ("GAYE Ü***", "Gaye Ünal", True),
    ("Mehmet K*", "Mehmet Kaya", True),
    ("Mehmet K*", "Mehmet Demir", False),
    ("Mehmet K*", "Mehmet Ali Kaya", False),  # word by word: another count of words is another print
    ("Ayşe Yılmaz", "AYSE YILMAZ", True),
    ("", "", False),
])
def test_a_masked_word_stands_for_any_word_it_begins(one: str, other: str, same: bool) -> None:
    assert same_masked_name(one, other) is same
