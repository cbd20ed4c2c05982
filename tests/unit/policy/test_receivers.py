"""The receiver field as Turkish couriers fill it: a word for who took the parcel ("KAPICI", "KENDİSİ"), a name,
both ("KOMŞU MEHMET"), or nothing usable ("-", "A"). A relation word says who, never which person."""

from dataclasses import replace
from datetime import timedelta

import pytest

from disputes.policy import CustomerHistory, PolicySettings, recommend
from disputes.policy.findings import location_finding, name_finding, relation_finding
from disputes.policy.messages import third_party_words
from disputes.policy.receivers import read_receiver
from schemas.proof import RecipientRelation as R
from schemas.recommendation import Effect, PolicyRule
from schemas.recommendation import RecommendedAction as Act
from tests.factories import NOW
from tests.unit.policy.builders import dispute, evidence, proof, snapshot

SETTINGS = PolicySettings()
AUTO_REJECT = replace(SETTINGS, auto_reject_enabled=True)
THIRD_PARTY_WORDS = [
    "KAPICI", "KOMŞU MEHMET", "Komşusu", "SİTE GÜVENLİK", "GÜVENLİK", "RESEPSİYON", "YÖNETİM",
    "EŞİ", "ANNESİ", "BABASI", "OĞLU", "KIZI", "KARDEŞİ", "AİLESİ", "esi",
]
IN_PERSON_WORDS = [
    "KENDİSİ", "BİZZAT", "KENDİ", "ALICI", "ALICININ KENDİSİ", "Kendisi", "KENDISI", "BİZZAT KENDİSİ", "ŞAHSEN KENDİSİ",
    "KENDİSİ TESLİM ALDI", "KENDİSİNE TESLİM", "BİZZAT TESLİM ALINDI",
    "ALICI'YA TESLİM EDİLDİ", "KENDİSİ'NE TESLİM EDİLDİ", "KENDİSİ’NE TESLİM EDİLDİ",
]


@pytest.mark.parametrize(
    ("written", "name", "relation"),
    [
        ("KAPICI", None, R.DOORMAN),
        ("KOMŞU MEHMET", "MEHMET", R.NEIGHBOUR),
        ("Komşu - Mehmet Öz", "Mehmet Öz", R.NEIGHBOUR),
        ("SİTE GÜVENLİK", None, R.DOORMAN),
        ("EŞİ", None, R.HOUSEHOLD_MEMBER),
        ("KENDİSİ", None, R.RECIPIENT),
        ("ALICININ KENDİSİ", None, R.RECIPIENT),
        ("KENDİSİ AYŞE", "AYŞE", R.RECIPIENT),
        ("ŞUBEDEN TESLİM", None, R.PICKUP_POINT),
        ("Ali Kapıcı", "Ali Kapıcı", R.UNKNOWN),
        ("-", None, R.UNKNOWN),
        ("A", None, R.UNKNOWN),
        ("ALICI MEHMET", "MEHMET", R.RECIPIENT),
        ("ALICI EMİNE", "EMİNE", R.RECIPIENT),  # a name ending as a dative would: no listed word is left
        ("ESİN YILMAZ", "ESİN YILMAZ", R.UNKNOWN),
    ],
)
def test_the_receiver_field_is_read_as_a_relation_word_and_a_name(written: str, name: str | None, relation: R) -> None:
    receiver = read_receiver(proof(received_by=written, relation=R.UNKNOWN))
    assert (receiver.name, receiver.relation) == (name, relation)


# Turkish grammar (Göksel & Kerslake, "Turkish: A Comprehensive Grammar", Routledge 2005, on case and possessive
# suffixes): "X'in Y'si" (ALICININ KOMŞUSU) is "X's Y", and with "ALICI" before it the compound reads the same
# (ALICI YAKINI, like the listed ALICI KENDİSİ); the dative -(y)A ("to") is -nA after the possessive -(s)I
# (KOMŞU → KOMŞUYA, KOMŞUSU → KOMŞUSUNA, SİTE GÜVENLİĞİ → SİTE GÜVENLİĞİNE), and k softens to ğ before a vowel
# (GÜVENLİK → GÜVENLİĞE).
@pytest.mark.parametrize(
    ("written", "name", "relation"),
    [
        ("ALICI YAKINI", None, R.HOUSEHOLD_MEMBER),
        ("ALICININ YAKINI", None, R.HOUSEHOLD_MEMBER),
        ("ALICI ANNESİ", None, R.HOUSEHOLD_MEMBER),
        ("ALICI KOMŞUSU", None, R.NEIGHBOUR),
        ("ALICININ KOMŞUSU Ayşe Kaya", "Ayşe Kaya", R.NEIGHBOUR),
        ("ALICININ SİTE GÜVENLİĞİ", None, R.DOORMAN),
        ("KOMŞUYA", None, R.NEIGHBOUR),
        ("KOMŞUSUNA", None, R.NEIGHBOUR),
        ("Komşuya - Mehmet Öz", "Mehmet Öz", R.NEIGHBOUR),
        ("KAPICIYA", None, R.DOORMAN),
        ("KAPICISINA", None, R.DOORMAN),
        ("SİTE GÜVENLİĞİNE", None, R.DOORMAN),
        ("GÜVENLİĞE", None, R.DOORMAN),
        ("YÖNETİME", None, R.DOORMAN),
        ("EŞİNE", None, R.HOUSEHOLD_MEMBER),
        ("KENDİSİNE", None, R.RECIPIENT),
        ("ALICININ KOMŞUSUNA", None, R.NEIGHBOUR),
    ],
)
def test_the_addressees_relative_or_neighbour_and_a_relation_word_with_a_case_ending_read_as_that_relation(
    written: str, name: str | None, relation: R
) -> None:
    receiver = read_receiver(proof(received_by=written, relation=R.UNKNOWN))
    assert (receiver.name, receiver.relation) == (name, relation)


@pytest.mark.parametrize(
    "written", ["ALICI YAKINI", "ALICININ KOMŞUSU", "ALICI ANNESİ", "KOMŞUYA", "KAPICIYA", "SİTE GÜVENLİĞİNE"]
)
def test_a_signed_hand_over_to_the_addressees_relative_or_neighbour_is_a_third_party_to_check_not_weak_proof(
    written: str,
) -> None:
    """DESIGN §2: handed to a third party (neighbour, doorman, locker) → tell the customer who and where, give them a
    short window to check; the carrier is not liable for it yet, and the relation word is no stranger's name."""
    signed = dispute(evidence(received_by=written, relation=R.UNKNOWN, signature=True))
    advice = recommend(signed, CustomerHistory(), NOW, SETTINGS)
    assert (advice.action, advice.rule, advice.carrier_liable) == (
        Act.WAIT_FOR_CUSTOMER_CHECK, PolicyRule.THIRD_PARTY_CHECK, False
    )
    assert "recipient_name_mismatch" not in {f.code for f in advice.findings}


# TDK Güncel Türkçe Sözlük: "bizzat" is "kendisi, şahsen", "şahsen" is "kendisi": "BİZZAT KENDİSİ" says "the recipient
# in person" twice. "Kendi kızı" is one's own daughter, "komşu kızı" the neighbour's daughter (Göksel & Kerslake on
# compounds): the words name one person, and whose.
@pytest.mark.parametrize(
    ("written", "name", "relation"),
    [
        ("BİZZAT KENDİSİ", None, R.RECIPIENT),
        ("ŞAHSEN KENDİSİ", None, R.RECIPIENT),
        ("Bizzat kendisi - Ayşe Yılmaz", "Ayşe Yılmaz", R.RECIPIENT),
        ("KENDİ KIZI", None, R.HOUSEHOLD_MEMBER),
        ("KOMŞU KIZI", None, R.NEIGHBOUR),
        ("KOMŞU Ali Kapıcı", "Ali Kapıcı", R.NEIGHBOUR),  # after a name, a word like "Kapıcı" is its surname
    ],
)
def test_relation_words_following_one_another_are_all_read_and_none_is_a_name(
    written: str, name: str | None, relation: R
) -> None:
    receiver = read_receiver(proof(received_by=written, relation=R.UNKNOWN))
    assert (receiver.name, receiver.relation) == (name, relation)


def test_the_neighbours_daughter_is_told_to_the_customer_as_the_neighbour_not_by_a_name() -> None:
    neighbours_daughter = evidence(received_by="KOMŞU KIZI", relation=R.UNKNOWN)
    message = third_party_words(neighbours_daughter, snapshot(), NOW + timedelta(hours=6))[1]
    assert "tarihinde komşunuz tarafından teslim alındığını" in message


# What the courier did, written after the word (TDK Güncel Türkçe Sözlük: "teslim etmek" to hand over, "teslim almak"
# to take delivery of; "bırakmak" to leave): "KOMŞUYA TESLİM EDİLDİ" is "delivered to the neighbour", "KAPICI ALDI"
# "the doorman took it". Those words name nobody.
@pytest.mark.parametrize(
    ("written", "name", "relation"),
    [
        ("KENDİSİ TESLİM ALDI", None, R.RECIPIENT),
        ("KOMŞUYA TESLİM EDİLDİ", None, R.NEIGHBOUR),
        ("Komşuya teslim edildi.", None, R.NEIGHBOUR),
        ("KAPICIYA TESLİM", None, R.DOORMAN),
        ("GÜVENLİĞE BIRAKILDI", None, R.DOORMAN),
        ("KAPICI ALDI", None, R.DOORMAN),
        ("EŞİNE TESLİM", None, R.HOUSEHOLD_MEMBER),
        ("ŞUBEDEN TESLİM ALINDI", None, R.PICKUP_POINT),
        ("KOMŞU MEHMET ALDI", "MEHMET", R.NEIGHBOUR),
        ("KOMŞUYA TESLİM - Mehmet Öz", "Mehmet Öz", R.NEIGHBOUR),
        ("KENDİSİ AYŞE Y*** TESLİM ALDI", "AYŞE Y***", R.RECIPIENT),
        ("ALICI EMİNE", "EMİNE", R.RECIPIENT),
        ("Ali Teslim", "Ali Teslim", R.UNKNOWN),  # a field that starts with a name is read whole
    ],
)
def test_the_words_for_the_hand_over_after_a_relation_word_are_no_name(
    written: str, name: str | None, relation: R
) -> None:
    receiver = read_receiver(proof(received_by=written, relation=R.UNKNOWN))
    assert (receiver.name, receiver.relation) == (name, relation)


@pytest.mark.parametrize(
    ("written", "relation", "who"),
    [
        ("KOMŞUYA TESLİM EDİLDİ", R.NEIGHBOUR, "komşunuz"),
        ("KAPICI ALDI", R.DOORMAN, "kapıcı / site görevlisi"),
        ("GÜVENLİĞE BIRAKILDI", R.DOORMAN, "kapıcı / site görevlisi"),
        ("KOMŞU'YA TESLİM EDİLDİ", R.NEIGHBOUR, "komşunuz"),
        ("KAPICI’YA BIRAKILDI", R.DOORMAN, "kapıcı / site görevlisi"),
    ],
)
def test_a_signed_hand_over_written_with_what_the_courier_did_is_a_third_party_to_check_named_by_its_relation(
    written: str, relation: R, who: str
) -> None:
    """DESIGN §2: a hand-over to a neighbour or doorman is a third party the customer is told of and checks with;
    the courier's "TESLİM EDİLDİ" or "ALDI" is neither a stranger's name nor the third party's."""
    handed_over = evidence(received_by=written, relation=R.UNKNOWN, signature=True)
    advice = recommend(dispute(handed_over), CustomerHistory(), NOW, SETTINGS)
    assert (advice.action, advice.rule, advice.carrier_liable) == (
        Act.WAIT_FOR_CUSTOMER_CHECK, PolicyRule.THIRD_PARTY_CHECK, False
    )
    codes = {f.code for f in advice.findings}
    assert f"received_by_{relation.value}" in codes and "recipient_name_mismatch" not in codes
    message = third_party_words(handed_over, snapshot(), NOW + timedelta(hours=6))[1]
    assert f"tarihinde {who} tarafından teslim alındığını" in message
    assert "YA " not in message  # no case ending ("'YA") named as the third party


@pytest.mark.parametrize(
    ("written", "name", "relation"),
    [
        ("ALICI'YA TESLİM EDİLDİ", None, R.RECIPIENT),
        ("KENDİSİ'NE TESLİM EDİLDİ", None, R.RECIPIENT),
        ("KOMŞU'YA TESLİM EDİLDİ", None, R.NEIGHBOUR),
        ("KOMŞU’YA TESLİM EDİLDİ", None, R.NEIGHBOUR),  # U+2019, the typographic apostrophe
        ("KOMŞU'DAN ALINDI", None, R.NEIGHBOUR),  # the ablative: taken from the neighbour
        ("SİTE GÜVENLİĞİ'NE BIRAKILDI", None, R.DOORMAN),
        ("EŞİ'NE", None, R.HOUSEHOLD_MEMBER),
        ("KOMŞU 'YA TESLİM - Mehmet Öz", "Mehmet Öz", R.NEIGHBOUR),
        ("KOMŞU MEHMET'E TESLİM EDİLDİ", "MEHMET", R.NEIGHBOUR),
        ("KOMŞU O'BRIEN", "O'BRIEN", R.NEIGHBOUR),  # no Turkish case ending: the apostrophe is the name's
    ],
)
def test_a_case_ending_set_off_by_an_apostrophe_belongs_to_its_word_and_is_no_name(
    written: str, name: str | None, relation: R
) -> None:
    """Turkish writes a suffix after a proper name behind an apostrophe (TDK Yazım Kılavuzu, "Kesme İşareti":
    "Ankara'ya", "Ayşe'nin"), and couriers writing in capitals put one before the ending of any word ("ALICI'YA",
    "KOMŞU'YA": to the addressee, to the neighbour): the ending is read with its word, never as a name."""
    receiver = read_receiver(proof(received_by=written, relation=R.UNKNOWN))
    assert (receiver.name, receiver.relation) == (name, relation)


def test_a_signed_hand_over_to_the_addressee_written_with_an_apostrophe_is_not_a_strangers_weak_proof() -> None:
    advice = recommend(
        dispute(evidence(received_by="ALICI'YA TESLİM EDİLDİ", relation=R.UNKNOWN, photo=True)),
        CustomerHistory(), NOW, SETTINGS,
    )
    assert (advice.action, advice.carrier_liable) == (Act.NEEDS_PERSON, False)
    assert "recipient_name_mismatch" not in {f.code for f in advice.findings}


def test_a_relation_the_carrier_states_wins_over_the_couriers_word() -> None:
    receiver = read_receiver(proof(received_by="KOMŞU MEHMET", relation=R.DOORMAN))
    assert (receiver.name, receiver.relation) == ("MEHMET", R.DOORMAN)


@pytest.mark.parametrize("written", THIRD_PARTY_WORDS)
def test_a_third_partys_relation_word_is_a_hand_over_to_check_not_a_strangers_name(written: str) -> None:
    advice = recommend(dispute(evidence(received_by=written, relation=R.UNKNOWN)), CustomerHistory(), NOW, SETTINGS)
    assert (advice.action, advice.rule, advice.carrier_liable) == (
        Act.WAIT_FOR_CUSTOMER_CHECK, PolicyRule.THIRD_PARTY_CHECK, False
    )
    assert "recipient_name_mismatch" not in {f.code for f in advice.findings}


@pytest.mark.parametrize("written", IN_PERSON_WORDS)
def test_the_recipient_in_person_per_the_courier_is_no_name_match_and_goes_to_a_person(written: str) -> None:
    signed_and_photographed = dispute(evidence(received_by=written, relation=R.UNKNOWN, photo=True, document=True))
    advice = recommend(signed_and_photographed, CustomerHistory(), NOW, AUTO_REJECT)
    assert (advice.action, advice.rule, advice.auto_resolve) == (Act.NEEDS_PERSON, PolicyRule.INCONCLUSIVE_PROOF, False)
    found = name_finding(evidence(received_by=written, relation=R.UNKNOWN), snapshot(), SETTINGS)
    assert (found.code, found.effect) == ("recipient_name_missing", Effect.NEUTRAL)
    assert f"'{written}' (the recipient) instead of a name" in found.text


def test_the_recipient_in_person_stated_by_the_carrier_is_no_name_either() -> None:
    advice = recommend(dispute(evidence(received_by="KENDİSİ", relation=R.RECIPIENT)), CustomerHistory(), NOW, AUTO_REJECT)
    assert (advice.action, advice.rule) == (Act.NEEDS_PERSON, PolicyRule.INCONCLUSIVE_PROOF)


def test_the_recipient_in_person_without_signature_or_photo_is_still_weak_proof() -> None:
    unsigned = dispute(evidence(received_by="KENDİSİ", relation=R.UNKNOWN, signature=False))
    advice = recommend(unsigned, CustomerHistory(), NOW, SETTINGS)
    assert (advice.action, advice.rule, advice.carrier_liable) == (Act.REFUND, PolicyRule.WEAK_PROOF, True)


@pytest.mark.parametrize("written", ["-", ".", "A", "A***", "a."])
def test_a_placeholder_or_a_lone_initial_reads_like_a_missing_name(written: str) -> None:
    advice = recommend(dispute(evidence(received_by=written, relation=R.UNKNOWN)), CustomerHistory(), NOW, SETTINGS)
    assert (advice.action, advice.rule, advice.carrier_liable) == (Act.NEEDS_PERSON, PolicyRule.INCONCLUSIVE_PROOF, False)
    found = name_finding(evidence(received_by=written), snapshot(), SETTINGS)
    assert (found.code, found.effect) == ("recipient_name_missing", Effect.NEUTRAL)


def test_the_doorman_written_as_his_role_is_named_once_to_the_customer() -> None:
    doorman = evidence(received_by="KAPICI", relation=R.DOORMAN)
    message = third_party_words(doorman, snapshot(), NOW + timedelta(hours=6))[1]
    assert "tarihinde kapıcı / site görevlisi tarafından teslim alındığını" in message
    assert "KAPICI" not in message


def test_a_neighbour_written_with_the_word_keeps_only_the_name_after_it() -> None:
    neighbour = evidence(received_by="KOMŞU MEHMET", relation=R.NEIGHBOUR)
    message = third_party_words(neighbour, snapshot(), NOW + timedelta(hours=6))[1]
    assert "tarihinde komşunuz MEHMET tarafından teslim alındığını" in message
    assert "KOMŞU" not in message


def test_a_proof_stored_with_the_word_but_no_relation_is_read_as_the_word_says_by_every_finding() -> None:
    """Proofs stored before the relation a word names was kept on them read as those stored since."""
    doorman = evidence(received_by="KAPICI", relation=R.UNKNOWN)
    branch = evidence(received_by="ŞUBEDEN TESLİM", relation=R.UNKNOWN, metres=2_500, accuracy=0)

    assert relation_finding(doorman).code == "received_by_doorman"
    assert location_finding(branch, snapshot(), PolicySettings()).code == "location_of_point"
    advice = recommend(dispute(branch), CustomerHistory(), NOW, PolicySettings())
    assert (advice.action, advice.rule) == (Act.WAIT_FOR_CUSTOMER_CHECK, PolicyRule.THIRD_PARTY_CHECK)


def test_the_couriers_word_is_glossed_by_what_it_says_whatever_relation_the_carrier_stated() -> None:
    found = name_finding(evidence(received_by="KOMŞU", relation=R.DOORMAN), snapshot(), PolicySettings())
    assert found.text == "The courier wrote 'KOMŞU' (a neighbour) instead of a name"
    assert found.text_tr == "Kurye ad yerine 'KOMŞU' (komşu) yazmış"


def test_a_far_distance_beyond_a_lockers_own_is_a_lockers_too() -> None:
    """A deployment that set the far distance above the locker's default keeps starting, and a locker is never
    too far where a doorstep scan is not."""
    settings = PolicySettings(far_distance_m=6_000)
    locker = evidence(received_by=None, relation=R.PARCEL_LOCKER, metres=5_500, accuracy=0)
    assert location_finding(locker, snapshot(), settings).code == "location_of_point"
