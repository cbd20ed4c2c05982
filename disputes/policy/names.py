"""Turkish-aware person-name matching: does the name the carrier recorded belong to someone on the order?

Both names are folded the same way: Turkish casefolding (İ→i, I→ı), then diacritics dropped (ş→s, ğ→g,
ü→u, ö→o, ç→c, ı→i), because carriers' systems often write "AYSE YILMAZ" or "ISIK". Folding maps both
sides alike, so it never lowers a score; a comparison of the unfolded names would add nothing.

Whole-string ratios score "Ayşe Yılmazer" 92 against "Ayşe Yılmaz" (``token_sort_ratio``: one long shared
prefix hides a different surname) and "Yılmaz" 100 (``token_set_ratio``: a subset is a perfect match).
So the names are compared word by word instead:

- each word of one name is paired with its most similar unpaired word of the other (order does not matter);
- word similarity is rapidfuzz's optimal-string-alignment similarity (one typo or swapped pair of letters
  costs one edit), or 0.7 for an initial ("A.") whose letter starts the other word;
- the score is the pairs' similarity weighted by word length (a surname says more than an initial);
- a one-word name against a longer one is scaled by 0.8: "Yılmaz" alone could be half of Türkiye;
- a longer name may carry one extra word free (a middle name, a second surname); each further word scales
  the score by 0.8, so a string of many names does not match everyone.

Honorifics (Bey, Hanım, Sn., Sayın) are ignored. Only the first 200 characters of a name are read.

Masked names: some carriers print a receiver's name partly hidden (HepsiJET: ``GAYE Ü***``). Only the visible
part is compared: a masked word matches a word that starts with the letters it shows, and weighs only as
many letters as it shows. The score says how well the visible part fits; the finding says the name was
masked, and the policy counts such a match as weaker evidence.
"""

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from rapidfuzz.distance import OSA

from disputes.turkish import turkish_casefold

MAX_NAME_CHARS = 200
INITIAL_SIMILARITY = 0.7
SINGLE_WORD_FACTOR = 0.8
EXTRA_WORD_FACTOR = 0.8
_HONORIFICS = frozenset({"bay", "bayan", "bey", "hanim", "sn", "sayin"})
MASK_CHARS = "*•●×"
_WORD = re.compile(rf"([^\W\d_]*)([{MASK_CHARS}]*)")
_MASKED = "*"  # a folded word ending in it is the visible start of a hidden word


class OrderName(StrEnum):
    RECIPIENT = "recipient"
    BUYER = "buyer"


@dataclass(frozen=True, slots=True)
class NameMatch:
    score: float
    name: OrderName


def fold(text: str) -> str:
    """Turkish casefold without diacritics, as carriers' ASCII systems write names."""
    decomposed = unicodedata.normalize("NFKD", turkish_casefold(text))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("ı", "i")


def is_masked(name: str) -> bool:
    """Whether the carrier hid part of the name (``GAYE Ü***``)."""
    return any(mark in name for mark in MASK_CHARS)


def name_words(name: str) -> tuple[str, ...]:
    """The folded words of a name, without punctuation, digits and honorifics; a masked word is the letters
    it shows followed by ``*`` (a word that shows none is left out)."""
    words = (word + (_MASKED if mask else "") for word, mask in _WORD.findall(fold(name[:MAX_NAME_CHARS])) if word)
    return tuple(w for w in words if w not in _HONORIFICS)


def _paired(a: str, b: str) -> tuple[float, int]:
    """Similarity of two words and the weight of the pair (its longer word's length, or the letters a masked
    word shows)."""
    if a.endswith(_MASKED) or b.endswith(_MASKED):
        shown, other = (a, b) if a.endswith(_MASKED) else (b, a)
        prefix = shown.rstrip(_MASKED)
        return (1.0 if other.rstrip(_MASKED).startswith(prefix) else 0.0), len(prefix)
    return word_similarity(a, b), max(len(a), len(b))


def word_similarity(a: str, b: str) -> float:
    """0–1 similarity of two folded words; an initial matches a word it could abbreviate, at a discount."""
    if len(a) == 1 or len(b) == 1:
        return INITIAL_SIMILARITY if a[0] == b[0] else 0.0
    return OSA.normalized_similarity(a, b)


def name_similarity(a: str, b: str) -> float:
    """0–100: how likely two written names are the same person's (0 when either has no words)."""
    words_a, words_b = name_words(a), name_words(b)
    if not words_a or not words_b:
        return 0.0
    candidates = sorted(
        ((*_paired(x, y), i, j) for i, x in enumerate(words_a) for j, y in enumerate(words_b)), reverse=True
    )
    used_a: set[int] = set()
    used_b: set[int] = set()
    total = weight = 0.0
    for similarity, length, i, j in candidates:
        if i not in used_a and j not in used_b:
            used_a.add(i)
            used_b.add(j)
            total += similarity * length
            weight += length
    shorter, longer = sorted((len(words_a), len(words_b)))
    score = total / weight
    if shorter == 1 < longer:
        score *= SINGLE_WORD_FACTOR
    score *= EXTRA_WORD_FACTOR ** max(0, longer - shorter - 1)
    return round(100 * score, 1)


def best_order_name(received_by: str, recipient_name: str, buyer_name: str) -> NameMatch:
    """The order name the carrier's name is most like (the recipient on a tie: the parcel was addressed to them);
    a masked name is compared on its visible part."""
    recipient = NameMatch(name_similarity(received_by, recipient_name), OrderName.RECIPIENT)
    buyer = NameMatch(name_similarity(received_by, buyer_name), OrderName.BUYER)
    return buyer if buyer.score > recipient.score else recipient
