"""Turkish-aware name matching: casefolding, diacritics, word order, initials, typos, and what must not match."""

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from disputes.model import Dispute
from disputes.policy import CustomerHistory, recommend
from disputes.policy.names import (
    OrderName,
    best_order_name,
    casefold_ascii,
    is_company,
    is_usable_name,
    name_similarity,
    name_words,
    turkish_casefold,
    word_similarity,
)
from disputes.policy.settings import PolicySettings
from schemas.dispute import Evidence
from schemas.proof import RecipientRelation
from schemas.recommendation import PolicyRule
from schemas.recommendation import RecommendedAction as Act
from tests.factories import NOW
from tests.unit.policy.builders import dispute, evidence

MATCH = PolicySettings().name_match_threshold
MISMATCH = PolicySettings().name_mismatch_threshold
AUTO_REJECT = replace(PolicySettings(), auto_reject_enabled=True)
TURKISH_LETTERS = "abcçdefgğhıijklmnoöprsştuüvyzABCÇDEFGĞHIİJKLMNOÖPRSŞTUÜVYZ"


def test_dotted_capital_i_lowers_to_i_and_dotless_capital_i_to_dotless_i() -> None:
    assert turkish_casefold("İBRAHİM IŞIK") == "ibrahim ışık"


def test_a_decomposed_dotted_capital_i_lowers_like_the_composed_one() -> None:
    assert turkish_casefold("I\u0307brahim") == "ibrahim"


def test_folding_drops_every_turkish_diacritic() -> None:
    assert casefold_ascii("Şükrü Güneş ÇAĞLAR Öztürk Işık Âdem") == "sukru gunes caglar ozturk isik adem"


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
    assert name_similarity(name, casefold_ascii(name)) == itself


def test_a_full_name_matches_itself_fully_but_initials_alone_only_partly() -> None:
    assert name_similarity("Ayşe Yılmaz", "Ayşe Yılmaz") == 100
    assert name_similarity("A. Y.", "A. Y.") < MATCH


@pytest.mark.parametrize(
    ("carrier_wrote", "order_name"),
    [
        ("AYŞENUR YILMAZ", "Ayşe Nur Yılmaz"),
        ("Ayşe Nur Yılmaz", "Ayşenur Yılmaz"),
        ("Prof. Dr. Ayşe Yılmaz", "Ayşe Yılmaz"),
        ("Op. Dr. Ayşe Yılmaz", "Ayşe Yılmaz"),
        ("Av. Ayşe Yılmaz", "Ayşe Yılmaz"),
        ("Uzm. Dr. Ayşe Yılmaz", "Ayşe Yılmaz"),
        ("Doç. Dr. Ayşe Yılmaz", "Ayşe Yılmaz"),
        ("M. KAYA", "Mehmet Kaya"),
        ("A. YILMAZ", "Ayşe Yılmaz"),
        ("YILMAZ A.", "Ayşe Yılmaz"),
        ("A.Yılmaz", "Ayşe Yılmaz"),
        ("Ayşe Kaya", "Ayşe Yılmaz Kaya"),
        ("İSMAİL IŞIK", "Ismail Işık"),
        ("Sukru Ozturk", "Şükrü Öztürk"),
    ],
)
def test_a_title_a_joined_double_name_or_an_initial_before_the_surname_still_names_the_person(
    carrier_wrote: str, order_name: str
) -> None:
    assert name_similarity(carrier_wrote, order_name) >= MATCH


def test_an_initial_and_the_surname_score_the_same_whatever_the_names_lengths() -> None:
    assert name_similarity("M. KAYA", "Mehmet Kaya") == 90
    assert name_similarity("A. YILMAZ", "Ayşe Yılmaz") == 90


@pytest.mark.parametrize(
    ("carrier_wrote", "order_name"),
    [
        ("MEHMET ALİ", "Mehmet Ali Kaya"),
        ("Ayşe Nur", "Ayşe Nur Yılmaz"),
        ("Hasan Hüseyin", "Hasan Hüseyin Demir"),
        ("MEHMET", "Mehmet Kaya"),
    ],
)
def test_first_names_without_the_surname_are_at_most_uncertain(carrier_wrote: str, order_name: str) -> None:
    assert name_similarity(carrier_wrote, order_name) == 80


@pytest.mark.parametrize(
    ("carrier_wrote", "order_name"),
    [
        ("Mehmet Ali Demir", "Mehmet Kaya"),
        ("Mehmet Demir", "Mehmet Kaya"),
        ("Fatma Nur Demir", "Fatma Nur Kaya"),
        ("Ayşe K.", "Ayşe Yılmaz"),
    ],
)
def test_a_different_surname_is_another_person_however_well_the_first_names_agree(
    carrier_wrote: str, order_name: str
) -> None:
    assert name_similarity(carrier_wrote, order_name) < MISMATCH


@pytest.mark.parametrize(
    ("carrier_wrote", "order_name"),
    [
        ("XYZ İNŞAAT TAAHHÜT TİCARET LİMİTED ŞİRKETİ", "ABC İNŞAAT TAAHHÜT TİCARET LİMİTED ŞİRKETİ"),
        ("DEF TİCARET SANAYİ LTD ŞTİ", "ABC TİCARET SANAYİ LTD ŞTİ"),
        ("DEF Gıda San. ve Tic. A.Ş.", "ABC Gıda San. ve Tic. A.Ş."),
    ],
)
def test_companies_sharing_only_their_legal_form_and_trade_words_do_not_match(
    carrier_wrote: str, order_name: str
) -> None:
    assert name_similarity(carrier_wrote, order_name) < MISMATCH


def test_a_company_matches_itself_whatever_the_abbreviation_of_its_legal_form() -> None:
    assert name_similarity("ABC TİC. SAN. LTD. ŞTİ.", "ABC Ticaret Sanayi Limited Şirketi") == 100
    assert name_similarity("ABC A.Ş.", "ABC Anonim Şirketi") == 100


@pytest.mark.parametrize(
    ("carrier_wrote", "order_name"),
    [
        ("ANADOLU TEKSTİL LTD. ŞTİ.", "Anadolu Gıda Ltd. Şti."),
        ("YILDIZ İNŞAAT A.Ş.", "Yıldız Turizm A.Ş."),
        ("ÖZ ELEKTRONİK TİC. LTD. ŞTİ.", "Öz Bilişim Ltd. Şti."),
    ],
)
def test_companies_that_differ_only_in_their_business_subject_are_different_companies(
    carrier_wrote: str, order_name: str
) -> None:
    """An A.Ş.'s or a Ltd.'s trade name must state its business subject (işletme konusu) as well as its type (Turkish
    Commercial Code 6102 art. 43/1): "Anadolu Gıda Ltd. Şti." and "Anadolu Tekstil Ltd. Şti." are two registered
    names, two companies, so the name is no match, nor even uncertain."""
    assert name_similarity(carrier_wrote, order_name) < MISMATCH


def test_a_company_matches_itself_with_its_business_subject_and_generic_words_abbreviated() -> None:
    """Trade names are written with "San. ve Tic." for "Sanayi ve Ticaret" and "İnş. Taah." for "İnşaat Taahhüt"."""
    assert name_similarity("ANADOLU GIDA SAN. VE TİC. LTD. ŞTİ.", "Anadolu Gıda Sanayi ve Ticaret Limited Şirketi") == 100
    assert name_similarity("YILDIZ İNŞ. TAAH. A.Ş.", "Yıldız İnşaat Taahhüt A.Ş.") == 100


@pytest.mark.parametrize(
    ("carrier_wrote", "order_name"),
    [
        # "Loj.", "Oto", "Teks.", "Tur." are the usual short forms of Lojistik, Otomotiv, Tekstil, Turizm in
        # Turkish trade names, written as couriers and invoices shorten them.
        ("ABC LOJ. LTD. ŞTİ.", "ABC Lojistik Ltd. Şti."),
        ("ABC OTO LTD. ŞTİ.", "ABC Otomotiv Ltd. Şti."),
        ("ABC TEKS. LTD.", "ABC Tekstil Ltd. Şti."),
        ("YILDIZ TUR. A.Ş.", "Yıldız Turizm A.Ş."),
    ],
)
def test_a_company_with_its_business_subject_shortened_is_uncertain_never_a_stranger(
    carrier_wrote: str, order_name: str
) -> None:
    """A word that begins the other's word is its abbreviation, not another word: the score is the initial's
    (0.7) for that word, the business subject weighing twice: (1 + 2 × 0.7) / 3 = 80, a person looks."""
    assert name_similarity(carrier_wrote, order_name) == 80


@pytest.mark.parametrize(
    ("carrier_wrote", "order_name"),
    [
        ("ABC PAZ.", "ABC Pazarlama Ltd. Şti."),  # "Paz." for Pazarlama
        ("ABC İTH. İHR.", "ABC İthalat İhracat Ltd. Şti."),  # "İth. İhr." for İthalat İhracat
        ("ABC İNŞ. LTD. ŞTİ.", "ABC İnşaat"),  # "İnş." for İnşaat, the order's name without its legal form
        ("ABC PAZ.", "ABC Pazarlama"),  # neither name with a legal form
    ],
)
def test_a_business_subjects_known_abbreviations_are_written_out_with_or_without_a_legal_form(
    carrier_wrote: str, order_name: str
) -> None:
    """The common abbreviations of a business subject read as the word whenever either name is a company's."""
    assert name_similarity(carrier_wrote, order_name) == 100


@pytest.mark.parametrize(
    ("carrier_wrote", "order_name"),
    [
        ("ABC A.Ş.", "ABC Gıda A.Ş."),
        ("ABC LTD ŞTİ", "ABC Gıda San. ve Tic. Ltd. Şti."),
        ("ABC GIDA A.Ş.", "ABC A.Ş."),
        ("ABC A.Ş.", "ABC Gıda Tekstil Turizm A.Ş."),
    ],
)
def test_a_company_under_a_short_name_that_leaves_its_business_subject_out_is_uncertain(
    carrier_wrote: str, order_name: str
) -> None:
    """The register holds the full trade name (TTK 6102 art. 43/1: the subject is part of it), but a company is
    often called by its distinctive word alone: that is 0.8 of a match once, however many words are left out."""
    assert name_similarity(carrier_wrote, order_name) == 80


@pytest.mark.parametrize(
    ("carrier_wrote", "order_name"),
    [
        ("ANADOLU TEKS. LTD.", "Anadolu Gıda Ltd. Şti."),
        ("ANADOLU TEKSTİL", "Anadolu Gıda Ltd. Şti."),
        ("ABC OTO LTD. ŞTİ.", "ABC Lojistik Ltd. Şti."),
    ],
)
def test_an_abbreviated_business_subject_is_still_told_from_another_subject(carrier_wrote: str, order_name: str) -> None:
    """TTK 6102 art. 43/1: another business subject is another trade name, abbreviated or not."""
    assert name_similarity(carrier_wrote, order_name) < MISMATCH


def test_a_signed_delivery_to_the_company_under_its_short_name_is_not_refunded_for_weak_proof() -> None:
    case = _addressed_to("ABC Lojistik Ltd. Şti.", evidence(received_by="ABC LOJ. LTD. ŞTİ.", photo=True))
    advice = recommend(case, CustomerHistory(), NOW, AUTO_REJECT)
    assert "recipient_name_mismatch" not in [f.code for f in advice.findings]
    assert not advice.carrier_liable, (advice.action, advice.rule)


def test_hiding_letters_never_raises_a_score() -> None:
    assert name_similarity("A. Y.", "Ayşe Yılmaz") == 70
    assert name_similarity("A*** Y***", "Ayşe Yılmaz") == 70
    assert name_similarity("Ayşe Y.", "Ayşe Yılmaz") == 80
    assert name_similarity("AYŞE Y***", "Ayşe Yılmaz") == 80


def test_a_mask_that_shows_most_of_each_word_may_still_match() -> None:
    assert name_similarity("AY** YIL***", "Ayşe Yılmaz") >= MATCH
    assert name_similarity("AY** KA**", "Ayşe Yılmaz") < MISMATCH


@pytest.mark.parametrize("written", ["-", ".", "A", "a.", "A***", "Bey", "LTD. ŞTİ.", "123"])
def test_a_name_without_letters_or_with_a_lone_initial_is_no_usable_name(written: str) -> None:
    assert not is_usable_name(written)


@pytest.mark.parametrize("written", ["Ali", "A. Y.", "AY**", "Ayşe Yılmaz"])
def test_a_name_or_two_initials_is_usable(written: str) -> None:
    assert is_usable_name(written)


def _addressed_to(recipient: str, *evidence: Evidence) -> Dispute:
    case = dispute(*evidence)
    return case.model_copy(update={"order": case.order.model_copy(update={"recipient_name": recipient})})


@pytest.mark.parametrize(("company", "other"), [
    ("ABC İNŞAAT TAAHHÜT TİCARET LİMİTED ŞİRKETİ", "XYZ İNŞAAT TAAHHÜT TİCARET LİMİTED ŞİRKETİ"),
    ("Anadolu Gıda Ltd. Şti.", "ANADOLU TEKSTİL LTD. ŞTİ."),  # another business subject: TTK 6102 art. 43/1
])
def test_another_company_with_the_same_legal_form_is_weak_proof_not_a_rejection(company: str, other: str) -> None:
    case = _addressed_to(company, evidence(received_by=other, photo=True))
    advice = recommend(case, CustomerHistory(), NOW, AUTO_REJECT)
    assert (advice.action, advice.rule, advice.carrier_liable) == (Act.REFUND, PolicyRule.WEAK_PROOF, True)


def test_a_double_first_name_without_the_surname_goes_to_a_person() -> None:
    case = _addressed_to("Mehmet Ali Kaya", evidence(received_by="MEHMET ALİ", photo=True))
    advice = recommend(case, CustomerHistory(), NOW, AUTO_REJECT)
    assert (advice.action, advice.rule, advice.auto_resolve) == (Act.NEEDS_PERSON, PolicyRule.INCONCLUSIVE_PROOF, False)


@pytest.mark.parametrize("masked", ["MEHMET A*** Ş***", "KEMAL A••• Ş•••", "AYŞE LTD***"])
def test_a_masked_name_is_never_read_as_a_company(masked: str) -> None:
    """A masked word is what a carrier hides of a person's name (HepsiJET "GAYE Ü***"): its visible initials "A… Ş…"
    are no "A.Ş." (anonim şirket), nor a hidden word a legal form."""
    assert not is_company(masked)


def test_a_company_name_with_its_legal_form_stays_a_company_when_a_word_beside_it_is_masked() -> None:
    assert is_company("ABC A.Ş.") and is_company("ABC LTD. ŞTİ. M***")


def test_masked_initials_are_no_match_to_reject_on() -> None:
    case = dispute(evidence(received_by="A*** Y***", relation=RecipientRelation.RECIPIENT, photo=True))
    advice = recommend(case, CustomerHistory(), NOW, AUTO_REJECT)
    assert (advice.action, advice.rule, advice.auto_resolve) == (Act.NEEDS_PERSON, PolicyRule.INCONCLUSIVE_PROOF, False)


@pytest.mark.parametrize(("written", "ordered"), [("Ayşe Kaya", "Ayşe Şan"), ("Mehmet Demir", "Mehmet Aş"),
                                                  ("Ali Yılmaz", "Ali Dış")])
def test_a_surname_that_is_also_a_trade_word_stays_a_persons_surname(written: str, ordered: str) -> None:
    """Trade words ("San.", "AŞ", "Dış") are left out of a company's name only: another surname is no match."""
    assert name_similarity(written, ordered) < PolicySettings().name_mismatch_threshold
    assert name_similarity(ordered, ordered) == 100
