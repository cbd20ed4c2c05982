"""Name matching at the edges of its rules (disputes/policy/names.py's docstring): an undotted "AŞ" after a trade word,
a trade word inside a person's double surname, two partial words, and a surname exactly half like another."""

import pytest

from disputes.policy.names import name_similarity, name_words, word_similarity


def test_a_company_name_ending_in_an_undotted_as_after_a_trade_word_keeps_only_what_tells_it_apart() -> None:
    """A company's trade name states its business subject and its type (Turkish Commercial Code 6102 art. 43/1),
    written "Kaya Ticaret AŞ" as well as "Kaya Ticaret A.Ş.": the type and the generic "Ticaret" say nothing about
    which company it is, the subject ("Gıda") does."""
    assert name_words("KAYA TİCARET AŞ") == ("kaya",)
    assert name_words("Kaya Gıda Ticaret AŞ") == ("kaya", "gida")


def test_a_trade_word_in_a_married_womans_double_surname_stays_part_of_her_name() -> None:
    """A married woman may keep her maiden name before her husband's (Turkish Civil Code art. 187): "Şan" is then a
    surname, not the trade word "San." of a company, since the name has no legal form and does not end in "AŞ"."""
    assert name_words("Fatma Şan Demir") == ("fatma", "san", "demir")


@pytest.mark.parametrize(("a", "b"), [("k", "ay*"), ("ay*", "k"), ("yilmaz", "k"), ("k", "yilmaz")])
def test_a_partial_word_fits_no_word_it_could_not_begin(a: str, b: str) -> None:
    """An initial K. cannot abbreviate "Ay…" or "Yılmaz", whichever side wrote the initial or the mask."""
    assert word_similarity(a, b) == 0.0


def test_a_surname_exactly_half_like_the_orders_is_a_misspelling_not_another_persons_name() -> None:
    """Only a surname pair below 0.5 caps the score. "kaya" → "kaan" is two substitutions (OSA distance 2, no adjacent
    swap helps) over 4 letters: similarity 1 - 2/4 = 0.5. The score is the weighted mean (1.0 x 1 + 0.5 x 2) / 3 =
    2/3, given to one decimal: 66.7 (neither capped to 50 nor rounded to 67)."""
    assert name_similarity("Mehmet Kaya", "Mehmet Kaan") == pytest.approx(200 / 3, abs=0.05)
