"""Turkish-aware name matching: casefolding, diacritics, word order, initials, typos, and what must not match."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from disputes.policy.names import (
    OrderName,
    best_order_name,
    fold,
    name_similarity,
    name_words,
    turkish_casefold,
    word_similarity,
)
from disputes.policy.settings import PolicySettings

MATCH = PolicySettings().name_match_threshold
MISMATCH = PolicySettings().name_mismatch_threshold
TURKISH_LETTERS = "abcçdefgğhıijklmnoöprsştuüvyzABCÇDEFGĞHIİJKLMNOÖPRSŞTUÜVYZ"


def test_dotted_capital_i_lowers_to_i_and_dotless_capital_i_to_dotless_i() -> None:
    assert turkish_casefold("İBRAHİM IŞIK") == "ibrahim ışık"


def test_a_decomposed_dotted_capital_i_lowers_like_the_composed_one() -> None:
    assert turkish_casefold("I\u0307brahim") == "ibrahim"


def test_folding_drops_every_turkish_diacritic() -> None:
    assert fold("Şükrü Güneş ÇAĞLAR Öztürk Işık Âdem") == "sukru gunes caglar ozturk isik adem"


def test_words_ignore_punctuation_digits_and_honorifics() -> None:
    assert name_words("Sn. Ayşe-Nur YILMAZ Hanım (2)") == ("ayse", "nur", "yilmaz")


@pytest.mark.parametrize("blank", ["", "   ", "\t\n", "12345", "...", "Bey Hanım"])
def test_a_name_without_words_matches_nothing(blank: str) -> None:
    assert name_words(blank) == ()
    assert name_similarity(blank, "Ayşe Yılmaz") == 0.0


def test_an_initial_is_like_a_word_it_could_abbreviate_but_never_equal_to_it() -> None:
    assert 0 < word_similarity("a", "ayse") < 1
    assert word_similarity("m", "ayse") == 0.0


@pytest.mark.parametrize(
    ("carrier_wrote", "order_name"),
    [
        ("AYŞE YILMAZ", "Ayşe Yılmaz"),
        ("AYSE YILMAZ", "Ayşe Yılmaz"),
        ("Yilmaz Ayse", "Ayşe Yılmaz"),
        ("A. Yılmaz", "Ayşe Yılmaz"),
        ("Ayşe Yılmas", "Ayşe Yılmaz"),
        ("Aşye Yılmaz", "Ayşe Yılmaz"),
        ("Ayşe Nur Yılmaz", "Ayşe Yılmaz"),
        ("Sn. Ayşe YILMAZ", "Ayşe Yılmaz"),
        ("İbrahim", "ibrahim"),
        ("ISIK", "Işık"),
        ("IBRAHIM ÇELİK", "İbrahim Çelik"),
        ("SUKRU GUNES", "Şükrü Güneş"),
    ],
)
def test_the_same_person_written_differently_is_a_strong_match(carrier_wrote: str, order_name: str) -> None:
    assert name_similarity(carrier_wrote, order_name) >= MATCH


@pytest.mark.parametrize(
    ("carrier_wrote", "order_name"),
    [
        ("Ayşe Yılmazer", "Ayşe Yılmaz"),
        ("Ayşe Yılmazoğlu", "Ayşe Yılmaz"),
        ("Yılmaz", "Ayşe Yılmaz"),
        ("Ayşe", "Ayşe Yılmaz"),
        ("Ayşe Hanım", "Ayşe Yılmaz"),
        ("A. Y.", "Ayşe Yılmaz"),
        ("Ayşe Y.", "Ayşe Yılmaz"),
        ("Ahmet Yılmaz", "Ayşe Yılmaz"),
        ("Ayşe Yılmaz Şükrü Güneş", "Ayşe Yılmaz"),
    ],
)
def test_a_partial_or_nearly_right_name_is_borderline_not_a_match(carrier_wrote: str, order_name: str) -> None:
    assert MISMATCH <= name_similarity(carrier_wrote, order_name) < MATCH


@pytest.mark.parametrize(
    ("carrier_wrote", "order_name"),
    [
        ("Mehmet Kaya", "Ayşe Yılmaz"),
        ("Ayşe Kaya", "Ayşe Yılmaz"),
        ("M. K.", "Ayşe Yılmaz"),
        ("Ayşe Ayşe", "Ayşe Yılmaz"),
        ("Ayşe Yılmaz " * 40, "Ayşe Yılmaz"),
        ("Ayşe Yılmaz" * 1000, "Ayşe Yılmaz"),
    ],
)
def test_another_person_or_a_pile_of_names_is_no_match(carrier_wrote: str, order_name: str) -> None:
    assert name_similarity(carrier_wrote, order_name) < MISMATCH


def test_the_best_order_name_is_the_buyer_when_the_buyer_took_the_parcel() -> None:
    assert best_order_name("SUKRU GUNES", "Ayşe Yılmaz", "Şükrü Güneş") == best_order_name(
        "Şükrü Güneş", "Ayşe Yılmaz", "Şükrü Güneş"
    )
    assert best_order_name("SUKRU GUNES", "Ayşe Yılmaz", "Şükrü Güneş").name is OrderName.BUYER


def test_on_a_tie_the_recipient_is_the_best_order_name() -> None:
    match = best_order_name("Ayşe Yılmaz", "Ayşe Yılmaz", "Ayşe Yılmaz")
    assert match.name is OrderName.RECIPIENT and match.score == 100


turkish_names = st.text(alphabet=TURKISH_LETTERS + " .", min_size=0, max_size=60)


@given(turkish_names, turkish_names)
def test_every_score_is_between_0_and_100(a: str, b: str) -> None:
    assert 0 <= name_similarity(a, b) <= 100


@given(turkish_names)
def test_capitals_and_diacritics_never_change_a_score(name: str) -> None:
    itself = name_similarity(name, name)
    assert name_similarity(name, name.upper()) == itself
    assert name_similarity(name, fold(name)) == itself


def test_a_full_name_matches_itself_fully_but_initials_alone_only_partly() -> None:
    assert name_similarity("Ayşe Yılmaz", "Ayşe Yılmaz") == 100
    assert name_similarity("A. Y.", "A. Y.") < MATCH
