"""Turkish-aware person-name matching: does the name the carrier recorded belong to someone on the order?

Both names are folded the same way: Turkish casefolding (İ→i, I→ı), then diacritics dropped (ş→s, ğ→g,
ü→u, ö→o, ç→c, ı→i), because carriers' systems often write "AYSE YILMAZ" or "ISIK". Folding maps both
sides alike, so it never lowers a score; a comparison of the unfolded names would add nothing.

Whole-string ratios score "Ayşe Yılmazer" 92 against "Ayşe Yılmaz" (``token_sort_ratio``: one long shared
prefix hides a different surname) and "Yılmaz" 100 (``token_set_ratio``: a subset is a perfect match).
So the names are compared word by word instead, the carrier's against the order's, whose last word is its surname:

- two words written as one on one side are read as one on the other too ("AYŞENUR" and "Ayşe Nur");
- each word of one name is paired with its most similar unpaired word of the other (order does not matter);
- word similarity is rapidfuzz's optimal-string-alignment similarity (one typo or swapped pair of letters
  costs one edit); a partial word (an initial, "A.", or a masked word) only fits a word it could begin;
- the score is the pairs' mean similarity, the order's surname weighing twice any other word: the same
  information scores the same whatever the lengths ("M. Kaya" as "A. Yılmaz", 90), and a surname says more
  than a first name ("Ayşe Y." 80);
- a surname paired with a different word (similarity below 0.5) is another person's: the score is at most that
  pair's similarity, however well the first names agree ("Mehmet Ali Demir" against "Mehmet Kaya"); in a
  company's name every word counts so ("Anadolu Tekstil" is not "Anadolu Gıda", "XYZ İnşaat" not "ABC İnşaat");
- a name that leaves the order's surname unpaired ("Mehmet Ali" against "Mehmet Ali Kaya") or has one word
  against several ("Yılmaz") is scaled by 0.8: it does not identify anyone, however well its words fit;
- a longer name may carry one extra word free (a middle name, a second surname); each further word scales
  the score by 0.8, so a string of many names does not match everyone.

When either name is a company's (`is_company`), both are read as a company's: the courier's "ABC PAZ." against the
order's "ABC Pazarlama Ltd. Şti." is the same trade name. A company is often written in a short form, with its
business subject abbreviated or left out (the name's register entry stays the long one), so in a company's name:

- a whole word of three letters or more that begins the other's word ("LOJ." for Lojistik, "OTO" for Otomotiv,
  "TEKS." for Tekstil) is read as its abbreviation, like an initial (0.7): no different word, nor a match alone
  ("ABC LOJ. LTD. ŞTİ." against "ABC Lojistik Ltd. Şti.": 80, uncertain);
- words one name leaves out ("ABC A.Ş." against "ABC Gıda Tekstil A.Ş.") scale the score by 0.8 once, however many:
  a short form is at worst uncertain, never a stranger, while another business subject ("Tekstil" against "Gıda")
  is still a different word, and so a different company.

Honorifics and titles (Bey, Hanım, Sn., Prof., Dr., Av., …) are ignored, and so are a company's legal form and the
words nearly every trade name carries (LTD, ŞTİ, A.Ş., SANAYİ VE TİCARET, SAN. TİC.); its business subject (GIDA,
TEKSTİL, İNŞAAT…) stays, abbreviated or not (İNŞ. is İNŞAAT, in any name: no person is called İnş. or Paz.): an A.Ş.'s, a Ltd.'s or a cooperative's trade name must
state it (Turkish Commercial Code 6102 art. 43), and two companies may differ in nothing else.
Only the first 200 characters of a name are read. A name with no letters or only a lone initial ("-", "A")
identifies no one (``is_usable_name``).

Masked names: some carriers print a receiver's name partly hidden (HepsiJET: ``GAYE Ü***``). A masked word is
read as what it shows, like an initial: it fits a word that starts with its visible letters, with similarity
1 - 0.3 / letters shown (0.7 for one letter, as an initial; 0.85 for two, 0.9 for three). So hiding letters
never raises a score: "A*** Y***" scores what "A. Y." does (70) and "AYŞE Y***" what "Ayşe Y." does (80), while
a mask that shows more ("AY** YIL***", 88) may still reach a match. The finding says the name was masked, and the
policy counts such a match as weaker evidence.
"""

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from rapidfuzz.distance import OSA

from disputes.turkish import turkish_casefold

MAX_NAME_CHARS = 200
INITIAL_SIMILARITY = 0.7
ABBREVIATION_LETTERS = 3  # a company's word this long or longer that begins the other's word abbreviates it
PARTIAL_NAME_FACTOR = 0.8
EXTRA_WORD_FACTOR = 0.8
SURNAME_WEIGHT = 2.0
DIFFERENT_WORDS = 0.5  # word similarity below which two words are different words, not a misspelling
_HONORIFICS = frozenset({
    "bay", "bayan", "bey", "hanim", "sn", "sayin",
    "prof", "dr", "doc", "op", "uzm", "av", "yrd", "ecz", "dt", "muh", "ars", "ogr", "gor",
})
_COMPANY_WORDS = frozenset({  # before an undotted "AŞ", a word that makes it a legal form: a trade word
    "as", "ltd", "sti", "limited", "sirketi", "sirket", "anonim", "kollektif", "komandit", "koop", "kooperatifi",
    "holding", "ve", "tic", "ticaret", "san", "sanayi", "sanayii", "ins", "insaat", "taah", "taahhut", "ith", "ihr",
    "ithalat", "ihracat", "dis", "paz", "pazarlama", "gida", "tekstil", "turizm", "otomotiv", "lojistik", "nakliyat",
    "elektronik", "bilisim", "yazilim", "danismanlik", "hizmetleri", "muhendislik", "mimarlik", "enerji",
})
_LEGAL_FORMS = frozenset({
    "ltd", "sti", "limited", "sirketi", "sirket", "anonim", "kollektif", "komandit", "koop", "kooperatifi", "holding",
})
_GENERIC = frozenset({"as", "ve", "tic", "ticaret", "san", "sanayi", "sanayii"})
"""Words a company's name is read without, besides its legal form: the undotted "AŞ", "Sanayi ve Ticaret"."""
_ABBREVIATED = {"ins": "insaat", "taah": "taahhut", "ith": "ithalat", "ihr": "ihracat", "paz": "pazarlama"}
"""A business subject's usual abbreviations in trade names, by the word they stand for."""
MASK_CHARS = "*•●×"
_ANONIM_SIRKET = re.compile(rf"(?<=\w)[^\w{MASK_CHARS}]+a[^\w{MASK_CHARS}]+s[^\w{MASK_CHARS}]*$")
"""A trailing "A.Ş." / "A. Ş.", once folded; never masked words ("MEHMET A*** Ş***" is Mehmet A… Ş…, a person)."""
_WORD = re.compile(rf"([^\W\d_]*)([{MASK_CHARS}]*)")
_MASKED = "*"  # a folded word ending in it is the visible start of a hidden word


class OrderName(StrEnum):
    RECIPIENT = "recipient"
    BUYER = "buyer"


@dataclass(frozen=True, slots=True)
class NameMatch:
    score: float
    name: OrderName


def casefold_ascii(text: str) -> str:
    """Turkish casefold without diacritics, blanks kept, as carriers' ASCII systems write names (lower case)."""
    decomposed = unicodedata.normalize("NFKD", turkish_casefold(text))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("ı", "i")


def is_masked(name: str) -> bool:
    """Whether the carrier hid part of the name (``GAYE Ü***``)."""
    return any(mark in name for mark in MASK_CHARS)


def _folded_words(name: str) -> tuple[list[str], bool]:
    """The folded words of a name (a masked word as the letters it shows followed by ``*``; a word that shows none is
    left out), and whether it is a company's."""
    folded = casefold_ascii(name[:MAX_NAME_CHARS])
    dotted = _ANONIM_SIRKET.search(folded) is not None
    words = [word + (_MASKED if mask else "") for word, mask in _WORD.findall(_ANONIM_SIRKET.sub("", folded)) if word]
    company = dotted or not _LEGAL_FORMS.isdisjoint(words) or (
        words[-1:] == ["as"] and not _COMPANY_WORDS.isdisjoint(words[:-1])
    )
    return words, company


def is_company(name: str) -> bool:
    """Whether a name is a company's: it has a legal form (LTD, ŞTİ, A.Ş., LİMİTED ŞİRKETİ…), or ends in "AŞ" after
    a trade word. In a person's name, "Şan", "Aş" or "Dış" are surnames. A masked word is none of these: it is what
    a carrier hides of a person's name ("MEHMET A*** Ş***")."""
    return _folded_words(name)[1]


def name_words(name: str) -> tuple[str, ...]:
    """The folded words of a name, without punctuation, digits, honorifics and titles, nor, in a company's name
    (`is_company`), its legal form and generic words; a business subject's abbreviations written out (İNŞ., PAZ.);
    a masked word is the letters it shows followed by ``*`` (a word that shows none is left out)."""
    return _read(*_folded_words(name))


def _read(words: list[str], company: bool) -> tuple[str, ...]:
    """`name_words` of a name's folded words, read as a company's or as a person's."""
    dropped = _HONORIFICS | _LEGAL_FORMS | _GENERIC if company else _HONORIFICS
    return tuple(_ABBREVIATED.get(w, w) for w in words if w not in dropped)


def is_usable_name(name: str) -> bool:
    """Whether a written name can say who someone is: it has letters, and more than a lone initial ("-", ".",
    "A", "A***" do not; "A. Y." does, as a partial name)."""
    words = name_words(name)
    return len(words) > 1 or any(len(_shown(w) or w) > 1 for w in words)


def _shown(word: str) -> str | None:
    """The letters a partial word shows (an initial, or a masked word's visible start); None for a whole word."""
    if word.endswith(_MASKED):
        return word.rstrip(_MASKED)
    return word if len(word) == 1 else None


def word_similarity(a: str, b: str) -> float:
    """0–1 similarity of two folded words. A partial word fits a word it could begin, the better the more letters
    it shows (1 - 0.3 / letters shown: an initial 0.7), and nothing else."""
    shown_a, shown_b = _shown(a), _shown(b)
    if shown_a is None and shown_b is None:
        return OSA.normalized_similarity(a, b)
    prefixes = [shown for shown in (shown_a, shown_b) if shown is not None]
    shown = min(prefixes, key=len)
    rest = a if shown_a is None else b if shown_b is None else max(prefixes, key=len)
    return 1 - (1 - INITIAL_SIMILARITY) / len(shown) if shown and rest.startswith(shown) else 0.0


def company_word_similarity(a: str, b: str) -> float:
    """`word_similarity` of two words of a company's name, where a whole word of `ABBREVIATION_LETTERS` or more that
    begins the other ("loj" and "lojistik") is its abbreviation, as similar as an initial at least."""
    similarity = word_similarity(a, b)
    short, long = sorted((a, b), key=len)
    whole = _shown(short) is None and _shown(long) is None
    if whole and ABBREVIATION_LETTERS <= len(short) < len(long) and long.startswith(short):
        return max(similarity, INITIAL_SIMILARITY)
    return similarity


def _joined(words: tuple[str, ...], other: frozenset[str]) -> tuple[str, ...]:
    """``words`` with neighbours joined where the other name writes them as one word (Ayşe Nur → Ayşenur)."""
    joined: list[str] = []
    for word in words:
        if joined and joined[-1] + word in other:
            joined[-1] += word
        else:
            joined.append(word)
    return tuple(joined)


def _pairs(
    words_a: tuple[str, ...], words_b: tuple[str, ...], similar: Callable[[str, str], float]
) -> dict[int, float]:
    """Each word of ``words_b`` that pairs with a word of ``words_a`` (the most similar pairs first, by `similar`),
    by its index, with the pair's similarity."""
    candidates = sorted(
        ((similar(x, y), j, i) for i, x in enumerate(words_a) for j, y in enumerate(words_b)), reverse=True
    )
    used_a: set[int] = set()
    paired: dict[int, float] = {}
    for similarity, j, i in candidates:
        if i not in used_a and j not in paired:
            used_a.add(i)
            paired[j] = similarity
    return paired


def name_similarity(written: str, order_name: str) -> float:
    """0–100: how likely the written name is the person ``order_name`` names (0 when either has no words). A single
    word written for a name of several is also read as an initial run into a surname, as FedEx writes its signers
    ("CREILLY": C. Reilly), and the better reading counts."""
    score = _similarity(written, order_name)
    (folded, company), (other, _) = _folded_words(written), _folded_words(order_name)
    if not company and len(folded) == 1 and len(folded[0]) >= 3 and _MASKED not in folded[0] and len(other) > 1:
        word = written.strip()
        score = max(score, _similarity(f"{word[0]}. {word[1:]}", order_name))
    return score


def _similarity(written: str, order_name: str) -> float:
    (folded_a, company_a), (folded_b, company_b) = _folded_words(written), _folded_words(order_name)
    company = company_a or company_b  # then both are read as a company's
    words_a, words_b = _read(folded_a, company), _read(folded_b, company)
    if not words_a or not words_b:
        return 0.0
    words_a = _joined(words_a, frozenset(words_b))
    words_b = _joined(words_b, frozenset(words_a))
    surname = len(words_b) - 1 if len(words_b) > 1 else None
    paired = _pairs(words_a, words_b, company_word_similarity if company else word_similarity)
    weights = {j: SURNAME_WEIGHT if j == surname else 1.0 for j in paired}
    score = sum(similarity * weights[j] for j, similarity in paired.items()) / sum(weights.values())
    if surname in paired and paired[surname] < DIFFERENT_WORDS:
        score = min(score, paired[surname])
    if company and min(paired.values()) < DIFFERENT_WORDS:  # a company is named by every word of its name
        score = min(score, *paired.values())
    shorter, longer = sorted((len(words_a), len(words_b)))
    partial = shorter == 1 < longer or (surname is not None and surname not in paired)
    extra = max(0, longer - shorter - 1)
    if company:  # a short form leaving words out is at worst uncertain
        score *= PARTIAL_NAME_FACTOR if partial or extra else 1.0
    else:
        score *= (PARTIAL_NAME_FACTOR if partial else 1.0) * EXTRA_WORD_FACTOR**extra
    return round(100 * score, 1)


def best_order_name(received_by: str, recipient_name: str, buyer_name: str) -> NameMatch:
    """The order name the carrier's name is most like (the recipient on a tie: the parcel was addressed to them);
    a masked name is compared on its visible part."""
    recipient = NameMatch(name_similarity(received_by, recipient_name), OrderName.RECIPIENT)
    buyer = NameMatch(name_similarity(received_by, buyer_name), OrderName.BUYER)
    return buyer if buyer.score > recipient.score else recipient
