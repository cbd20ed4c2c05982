"""How findings are worded, in English for the record and Turkish for the people who read it."""

from collections.abc import Iterable
from datetime import timedelta

from schemas.dispute import Evidence
from schemas.proof import RecipientRelation
from schemas.recommendation import Effect, Finding

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


def finding(
    code: str, effect: Effect, evidence: Iterable[Evidence], text: str, text_tr: str, **facts: int | str
) -> Finding:
    keys = [e.key for e in evidence]
    return Finding(code=code, effect=effect, text=text, text_tr=text_tr, evidence_keys=keys, facts=facts)


def distance(metres: float) -> tuple[str, str]:
    """"180 m" / "1.8 km" in English, "180 m" / "1,8 km" in Turkish."""
    if round(metres) < 1000:
        return f"{metres:.0f} m", f"{metres:.0f} m"
    km = f"{metres / 1000:.1f}"
    return f"{km} km", f"{km.replace('.', ',')} km"


def duration(span: timedelta) -> tuple[str, str]:
    """Whole minutes under two hours, whole hours above."""
    minutes = int(abs(span).total_seconds() // 60)
    if minutes < 120:
        return f"{minutes} min", f"{minutes} dakika"
    return f"{minutes // 60} h", f"{minutes // 60} saat"


def money(minor: int, currency: str) -> tuple[str, str]:
    """"12,500.00 TRY" in English, "12.500,00 TRY" in Turkish."""
    units, cents = divmod(minor, 100)
    en = f"{units:,}.{cents:02d}"
    tr = en.replace(",", " ").replace(".", ",").replace(" ", ".")
    return f"{en} {currency}", f"{tr} {currency}"
