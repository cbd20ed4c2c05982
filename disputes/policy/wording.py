"""How findings are worded, in English for the record and Turkish for the people who read it."""

from collections.abc import Iterable, Sequence
from datetime import timedelta
from math import floor

from schemas.dispute import Evidence
from schemas.proof import Attachment, NoteCode, ProofStatus, RecipientRelation
from schemas.recommendation import Citation, Effect, Finding

CUSTOMER_IMAGES = "customer_evidence.images"
KILOMETRES_FROM_M = 10_000  # below, a distance is stated to the metre: a threshold's metre shows
_SEPARATORS_SWAPPED = str.maketrans(",.", ".,")
RELATION_WORDS: dict[RecipientRelation, tuple[str, str]] = {
    RecipientRelation.RECIPIENT: ("the recipient", "alıcının kendisi"),
    RecipientRelation.HOUSEHOLD_MEMBER: ("a household member", "hane halkından biri"),
    RecipientRelation.NEIGHBOUR: ("a neighbour", "komşu"),
    RecipientRelation.DOORMAN: ("the doorman or building staff", "kapıcı / site görevlisi"),
    RecipientRelation.PARCEL_LOCKER: ("a parcel locker", "kargo dolabı"),
    RecipientRelation.PICKUP_POINT: ("a pickup point", "teslimat noktası"),
    RecipientRelation.SAFE_PLACE: ("a safe place, without hand-over", "güvenli bir yer (elden teslim değil)"),
    RecipientRelation.UNKNOWN: ("not stated", "belirtilmemiş"),
}
AT_WORK_WORDS = ("someone at the addressee's workplace", "alıcının iş yerinden biri")
"""For a doorman-like receiver the courier's word places at the addressee's workplace (`Receiver.at_work`)."""
PLACE_WORDS_TR: dict[str, str | None] = {
    "front door": "ön kapı",  # UPS Tracking.yaml's example of deliveryInformation.location
    "residence": "konut",  # FedEx locationDescription (track-duplicate-results)
    "receptionist/front desk": "resepsiyon / danışma",  # FedEx track.json's example of locationDescription
    # the other words UPS and FedEx print there, as the carrier sandbox sends them (sandbox/carriers/ups.py, fedex.py)
    "neighbor": "komşu",
    "doorman": "kapıcı",
    "parcel locker": "kargo dolabı",
    "fedex locker": "FedEx kargo dolabı",
    "ups access point": "UPS Access Point teslim noktası",
    "receiver": None,  # who took it, not where: the receiver is told already
    "other": None,
}
"""The international carriers' fixed English words for where they left a parcel, in Turkish; None: no place, not told.
A carrier's other words are its own free text (Turkish carriers write Turkish: "Alıcıda"), told as written."""


def place_words(text: str) -> tuple[str, str] | None:
    """A carrier's words for the spot where it left a parcel (English, Turkish); None: they name no place."""
    key = " ".join(text.split()).casefold()
    if key not in PLACE_WORDS_TR:
        return text, text
    tr = PLACE_WORDS_TR[key]
    return None if tr is None else (text, tr)


STATUS_WORDS: dict[ProofStatus, tuple[str, str]] = {
    ProofStatus.DELIVERED: ("delivered", "teslim edildi"),
    ProofStatus.IN_TRANSIT: ("in transit", "yolda"),
    ProofStatus.PRE_TRANSIT: ("not yet with the carrier", "henüz kargoya verilmedi"),
    ProofStatus.FAILED_ATTEMPT: ("delivery attempt failed", "teslim denemesi başarısız"),
    ProofStatus.RETURNED: ("returned to sender", "göndericiye iade edildi"),
    ProofStatus.EXCEPTION: ("delivery problem", "teslimat sorunu"),
    ProofStatus.UNKNOWN: ("unknown", "bilinmiyor"),
    ProofStatus.NOT_FOUND: ("not found at the carrier", "kargo firmasında bulunamadı"),
}
"""A carrier's status in words, for the findings and the console alike."""
NOTE_WORDS_TR: dict[NoteCode, str] = {
    NoteCode.ATTACHMENT_DROPPED: "Kargo firmasının gönderdiği bir görsel ya da belge kullanılamadı",
    NoteCode.FIELD_UNREADABLE: "Kargo firmasının kaydındaki bir bilgi okunamadı",
}
"""Proof a carrier sent that could not be used, in Turkish by its kind: the reason is the mapping's English, free
text (`carriers/parsing.py`), so it stays in the English text only."""


def finding(
    code: str, effect: Effect, evidence: Iterable[Evidence], text: str, text_tr: str, *, cites: Sequence[str] = (),
    cited_images: Sequence[str] = (), **facts: int | str,
) -> Finding:
    """`cites`: the fields the finding rests on, `proof.<field>` (of each of `evidence`) or a field of the case;
    `cited_images`: the customer's images it rests on, by reference."""
    held = list(evidence)
    return Finding(
        code=code, effect=effect, text=text, text_tr=text_tr, evidence_keys=[e.key for e in held],
        evidence=citations(held, cites, cited_images), facts=facts,
    )


def citations(evidence: Sequence[Evidence], fields: Sequence[str], images: Sequence[str] = ()) -> list[Citation]:
    """Each field of each proof (a stored signature, photo or document by its reference), the case's fields, then
    the customer's images."""
    cited: list[Citation] = []
    for field in fields:
        part, _, name = field.partition(".")
        if part != "proof":
            cited.append(Citation(field=field))
            continue
        for e in evidence:
            held = getattr(e.proof, name)
            ref = held.ref if isinstance(held, Attachment) else None
            cited.append(Citation(evidence_key=e.key, field=field, attachment=ref))
    return cited + [Citation(field=CUSTOMER_IMAGES, attachment=ref) for ref in images]


def stated_m(metres: float) -> float:
    """A distance as findings state it (`distance`): to the metre, to 100 m from 10 km. The policy classes a distance
    so rounded (`disputes/policy/geo.py`), so what a finding says and what it concludes agree at any threshold."""
    whole = floor(metres + 0.5)
    return float(whole) if whole < KILOMETRES_FROM_M else floor(metres / 100 + 0.5) * 100.0


def distance(metres: float) -> tuple[str, str]:
    """"1,800 m" / "5,416.1 km" in English, "1.800 m" / "5.416,1 km" in Turkish (`stated_m`)."""
    stated = stated_m(metres)
    number, unit = (f"{stated:,.0f}", "m") if stated < KILOMETRES_FROM_M else (f"{stated / 1000:,.1f}", "km")
    return f"{number} {unit}", f"{turkish_separators(number)} {unit}"


def duration(span: timedelta) -> tuple[str, str]:
    """Whole minutes under two hours, whole hours up to two days, whole days above."""
    minutes = int(abs(span).total_seconds() // 60)
    if minutes < 120:
        return f"{minutes} min", f"{minutes} dakika"
    if minutes <= 48 * 60:
        return f"{minutes // 60} h", f"{minutes // 60} saat"
    return f"{minutes // (24 * 60)} days", f"{minutes // (24 * 60)} gün"


MINOR_DIGITS = {
    **dict.fromkeys(("BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND", "VUV",
                     "XAF", "XOF", "XPF"), 0),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
    "CLF": 4, "UYW": 4,
}
"""The currencies whose minor unit is not a hundredth (ISO 4217's list of minor units): amounts are in minor units of
their currency, so 1,000 of them is 1,000 yen, 1.000 dinars."""


def money(minor: int, currency: str) -> tuple[str, str]:
    """"12,500.00 TRY" in English, "12.500,00 TL" in Turkish, as the console writes it (other currencies by code), with
    as many decimals as the currency's minor unit has."""
    digits = MINOR_DIGITS.get(currency, 2)
    units, fraction = divmod(abs(minor), 10**digits)
    en = f"{'-' if minor < 0 else ''}{units:,}" + (f".{fraction:0{digits}d}" if digits else "")
    code, turkish = currency_words(currency)
    return f"{en} {code}", f"{turkish_separators(en)} {turkish}"


def currency_words(currency: str) -> tuple[str, str]:
    """A currency as English and Turkish write it: by its code, the lira as "TL" in Turkish."""
    return currency, "TL" if currency == "TRY" else currency


def weight(grams: int) -> tuple[str, str]:
    """"13,060 g" in English, "13.060 g" in Turkish."""
    number = f"{grams:,}"
    return f"{number} g", f"{turkish_separators(number)} g"


def turkish_separators(number: str) -> str:
    """A number written in English ("12,500.00") as in Turkish ("12.500,00")."""
    return number.translate(_SEPARATORS_SWAPPED)
