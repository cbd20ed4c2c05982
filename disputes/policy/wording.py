"""How findings are worded, in English for the record and Turkish for the people who read it."""

from collections.abc import Iterable, Sequence
from datetime import timedelta

from schemas.dispute import Evidence
from schemas.proof import Attachment, RecipientRelation
from schemas.recommendation import Citation, Effect, Finding

CUSTOMER_IMAGES = "customer_evidence.images"
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
