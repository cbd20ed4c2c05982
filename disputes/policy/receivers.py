"""Who took the parcel, read from the carrier's receiver field: a person's name, the courier's word for how they
relate to the recipient, or both ("KOMŞU MEHMET": a neighbour called Mehmet).

Turkish couriers write such a word where the name belongs: KENDİSİ or BİZZAT (the recipient in person), EŞİ or
ANNESİ (a household member), KOMŞU, KAPICI or SİTE GÜVENLİK (a third party). The word says who, never which
person: it is no name to match against the order, and what is left after it, if anything, is the name.

They are read on deliveries in Turkey only (`_in_turkey`): abroad, couriers write names ("Esi Mensah" is no EŞİ).

This table is the only list of those words. It lives here, not in the carrier packages, because the policy is
where every proof arrives (pulled from a carrier, pushed by one, posted by a partner), the only reader that also
needs the rest of the field as a name (the name match, the customer's message), and the domain may not import
the carriers. Carriers pass the courier's words on as written and state a relation only from structured data (a
code, the addressee's name); a relation the carrier states wins over the word. Where a proof enters the service
(`disputes/intake.py`), it keeps the relation the word names when its carrier stated none
(`with_worded_relation`), so what is stored and shown agrees with what the policy reads; proofs stored before that
are read the same way here.

A phrase is read only at the start of the field: at its end a word like "Kapıcı" may be a surname. "ALICI" or
"ALICININ" (the addressee, the addressee's) before a listed phrase names that phrase's relation ("ALICI YAKINI": the
addressee's relative; "ALICININ KOMŞUSU": the addressee's neighbour); alone, the addressee. The longest phrase that
fits is read. The phrase's last word may carry a Turkish case ending, the dative ("KOMŞUYA", "KAPICIYA": to the
neighbour, the doorman) with or without the possessive before it ("SİTE GÜVENLİĞİNE", "KOMŞUSUNA"): it is read as
the listed word left once the ending is taken off (ğ back to k: "GÜVENLİĞE" is GÜVENLİK). Couriers writing in
capitals often set a suffix off with an apostrophe, as Turkish does after a proper name ("ALICI'YA", "KOMŞU'YA",
"KENDİSİ'NE"; ' ’ ` ʼ): a case ending after an apostrophe belongs to the word before it, whichever ending it is, and is
never left as a name, nor kept on the name after the phrases ("KOMŞU MEHMET'E": Mehmet).

Phrases following one another are all read, as words about one person, and none of them is a name. The first that
is not one of the recipient's own words names the relation; if all are, it is the recipient in person. "BİZZAT
KENDİSİ" and "ŞAHSEN KENDİSİ" say the same thing twice (TDK Güncel Türkçe Sözlük: bizzat, şahsen: kendisi); "KENDİ
KIZI" is the recipient's own daughter, a household member; "KOMŞU KIZI" is the neighbour's daughter, a neighbour.

After the phrases, couriers often write what happened: "KENDİSİ TESLİM ALDI" (the recipient took it), "KOMŞUYA
TESLİM EDİLDİ" (delivered to the neighbour), "GÜVENLİĞE BIRAKILDI" (left with security), "KAPICI ALDI". Those words
(`_DELIVERY_WORDS`: TESLİM, ALDI, ALINDI, EDİLDİ, ETTİ, BIRAKILDI, BIRAKTI, VERİLDİ) are no name: they are dropped
from either end of what follows the phrases, and what is left, if anything, is the name ("KOMŞUYA TESLİM - Mehmet
Öz": Mehmet Öz). They are read only after a phrase; a field that starts with a name is read whole.
"""

import re
from dataclasses import dataclass
from itertools import islice

from disputes.policy.names import casefold_ascii, is_usable_name
from schemas.proof import ProofOfDelivery, RecipientRelation

R = RecipientRelation
_PHRASES: dict[RecipientRelation, tuple[str, ...]] = {
    R.RECIPIENT: ("KENDİSİ", "KENDİ", "BİZZAT", "ŞAHSEN", "ALICI", "ALICININ KENDİSİ", "ALICI KENDİSİ"),
    R.HOUSEHOLD_MEMBER: (
        "EŞİ", "ANNESİ", "BABASI", "OĞLU", "KIZI", "KARDEŞİ", "AİLESİ", "ÇOCUĞU", "YAKINI", "AKRABASI",
    ),
    R.NEIGHBOUR: ("KOMŞU", "KOMŞUSU"),
    R.DOORMAN: (
        "KAPICI", "KAPICISI", "GÜVENLİK", "GÜVENLİK GÖREVLİSİ", "SİTE GÜVENLİK", "SİTE GÜVENLİĞİ",
        "SİTE GÖREVLİSİ", "SİTE YÖNETİMİ", "YÖNETİM", "RESEPSİYON", "DANIŞMA", "SEKRETER", "SEKRETERİ",
        "İŞ ARKADAŞI", "ÇALIŞANI",
    ),
    R.PICKUP_POINT: ("ŞUBE", "ŞUBEDEN TESLİM"),
}
# Of those, the words for someone at the addressee's workplace rather than their building: the customer is told to
# ask at work, not at home.
_AT_WORK = ("RESEPSİYON", "DANIŞMA", "SEKRETER", "SEKRETERİ", "İŞ ARKADAŞI", "ÇALIŞANI")
_OF_THE_ADDRESSEE = ("ALICI", "ALICININ")  # before a phrase, the addressee's: "ALICI YAKINI"
# Folded endings a phrase's last word may carry, tried after the word as written: the dative, and the possessive
# (alone or before the dative).
_DATIVE = ("ya", "ye", "na", "ne", "a", "e")  # a bare -a/-e only after a consonant ("ALICIA" is a name, not ALICI's)
_VOWELS = frozenset("aeiou")  # folded
_POSSESSIVE = ("si", "su", "i", "u")
_OWN = {tuple(casefold_ascii(phrase).split()): relation for relation, phrases in _PHRASES.items() for phrase in phrases}
_OWNERS = tuple(casefold_ascii(owner) for owner in _OF_THE_ADDRESSEE)
_VOCABULARY = _OWN | {
    (owner, *words): relation for owner in _OWNERS for words, relation in _OWN.items() if words[0] not in _OWNERS
}
_WORKPLACE = frozenset(tuple(casefold_ascii(phrase).split()) for phrase in _AT_WORK)
_LONGEST = max(len(words) for words in _VOCABULARY)
_FIRST_WORDS = frozenset(words[0] for words in _VOCABULARY)
_APOSTROPHES = "'’`ʼ"
_PUNCTUATION = " \t-–:;,./()" + _APOSTROPHES  # around a name, not of it
_WORD = re.compile(rf"[^\W\d_{_APOSTROPHES}]+(?:[{_APOSTROPHES}][^\W\d_{_APOSTROPHES}]+)?")  # ALICI'YA is one word
# A Turkish case ending set off by an apostrophe, folded or not: dative/accusative ('YA, 'E, 'NI, 'YÜ), genitive
# ('NIN, 'IN), locative/ablative ('DA, 'TEN, 'DAN), instrumental ('YLA, 'LE); after a word, or at the start of what
# follows the phrases ("KOMŞU 'YA"). An apostrophe before anything else ("O'BRIEN") is of the name.
_VOWEL = "[ıiuü]"
_APOSTROPHE_ENDING = re.compile(
    rf"(?:(?<=[^\W\d_])|^)\s*[{_APOSTROPHES}]\s*(?:[yn]?[ae]|[yn]?{_VOWEL}|n?{_VOWEL}n|[dt][ae]n?|y?l[ae])(?![^\W\d_])",
    re.IGNORECASE,
)
# Folded words for the hand-over itself, dropped at either end of what follows the phrases: "teslim" (delivery),
# "aldı", "alındı" (took, was taken), "edildi", "etti" (of "teslim edildi/etti": was delivered, delivered),
# "bırakıldı", "bıraktı" (was left, left), "verildi" (was given).
_DELIVERY_WORDS = frozenset(
    casefold_ascii(word) for word in ("TESLİM", "ALDI", "ALINDI", "EDİLDİ", "ETTİ", "BIRAKILDI", "BIRAKTI", "VERİLDİ")
)


@dataclass(frozen=True, slots=True)
class Receiver:
    written: str | None  # the field as the carrier wrote it
    name: str | None  # the person's name in it, without the relation word; None when no usable name is left
    relation: RecipientRelation  # as the carrier stated it, else as the courier's word says
    worded: RecipientRelation | None  # the relation the word the field starts with names (None: it starts with none)
    at_work: bool = False  # the word names someone at the addressee's workplace (a colleague, a receptionist)


def read_receiver(proof: ProofOfDelivery) -> Receiver:
    written, stated = proof.received_by, proof.recipient_relation
    worded, rest, at_work = _relation_word(written) if written and _in_turkey(proof) else (None, written, False)
    name = rest if rest is not None and is_usable_name(rest) else None
    relation = worded if worded is not None and stated is R.UNKNOWN else stated
    return Receiver(written, name, relation, worded, at_work and relation is worded)


def with_worded_relation(proof: ProofOfDelivery) -> ProofOfDelivery:
    """The proof as it enters the service, with the relation its courier's word names where the carrier stated
    none: the stored proof, its views and the console then say what the policy reads ("KOMŞU MEHMET": a
    neighbour). The receiver field stays as written."""
    if proof.recipient_relation is not R.UNKNOWN or not proof.received_by or not _in_turkey(proof):
        return proof
    relation, _, _ = _relation_word(proof.received_by)
    return proof if relation is None else proof.model_copy(update={"recipient_relation": relation})


def _in_turkey(proof: ProofOfDelivery) -> bool:
    """Whether the proof is of a delivery in Turkey, where couriers write these words: unless the carrier names
    another country for the place (DHL, UPS and FedEx do), whose couriers write names only ("Esi" is a name there,
    not EŞİ)."""
    return proof.location is None or proof.location.country in (None, "TR")


def _relation_word(written: str) -> tuple[RecipientRelation | None, str, bool]:
    """The relation the field's leading words name, and the text after them. Most fields are a name: their first
    word starts no phrase, and that is all that is read of them. Phrases following one another are all read; the
    first that is not the recipient's own word names the relation, else the recipient in person."""
    read = _phrase_at(written, 0)
    if read is None:
        return None, written, False
    phrases, end = [read], read[1]
    while (more := _phrase_at(written, end)) is not None:
        phrases.append(more)
        end = more[1]
    relation, _, phrase = next((p for p in phrases if p[0] is not R.RECIPIENT), (R.RECIPIENT, end, ()))
    rest = _without_delivery_words(_APOSTROPHE_ENDING.sub("", written[end:])).strip(_PUNCTUATION)
    return relation, rest, phrase[-2:] in _WORKPLACE or phrase[-1:] in _WORKPLACE


def _without_delivery_words(rest: str) -> str:
    """`rest` without the hand-over words (`_DELIVERY_WORDS`) at its start and at its end; cut only where such a
    word is, so a name's own marks ("Y***") stay."""
    words = list(_WORD.finditer(rest))
    kept = [i for i, w in enumerate(words) if casefold_ascii(w[0]) not in _DELIVERY_WORDS]
    if not kept:
        return ""
    first, last = kept[0], kept[-1]
    start = words[first - 1].end() if first > 0 else 0
    end = words[last + 1].start() if last + 1 < len(words) else len(rest)
    return rest[start:end]


def _phrase_at(written: str, start: int) -> tuple[RecipientRelation, int, tuple[str, ...]] | None:
    """The relation the longest phrase starting at the first word from `start` names, where that phrase ends, and the
    phrase (folded, its last word without a case ending); None when no phrase starts there."""
    first = _WORD.search(written, start)
    if first is None or _FIRST_WORDS.isdisjoint(_stems(casefold_ascii(first[0]))):
        return None
    words = list(islice(_WORD.finditer(written, first.start()), _LONGEST))
    folded = tuple(casefold_ascii(w[0]) for w in words)
    for count in range(len(words), 0, -1):
        for last in _stems(folded[count - 1]):
            if (relation := _VOCABULARY.get(phrase := (*folded[: count - 1], last))) is not None:
                return relation, words[count - 1].end(), phrase
    return None


def _stems(word: str) -> tuple[str, ...]:
    """A folded word, then what it is without a case ending (``komsuya`` → ``komsu``; ``guvenligine`` →
    ``guvenligi``, ``guvenlik``; ``komsu'ya`` → ``komsu``): candidates only, a word is read as one only if it is in
    the table."""
    if (head := _APOSTROPHE_ENDING.sub("", word)) != word:
        return _stems(head)
    bases = [word, *(word[: -len(end)] for end in _DATIVE if word.endswith(end) and len(word) > len(end) + 1
                     and (len(end) > 1 or word[-2] not in _VOWELS))]  # after a vowel the dative is -ya/-ye: ALICIYA
    bases += [base[: -len(end)] for base in bases for end in _POSSESSIVE if base.endswith(end) and len(base) > len(end) + 1]
    softened = [base[:-1] + "k" for base in bases[1:] if base.endswith("g")]  # ğ before a vowel ending was k
    return tuple(dict.fromkeys([*bases, *softened]))
