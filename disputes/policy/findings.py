"""One assessment per function: what one piece of carrier evidence shows, as a finding a person can read.

A finding's effect says which way it points. Who received the parcel matters for how the rest is read: a
neighbour's name is not expected to be on the order, and a pickup point is not expected at the address.
"""

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TypedDict

from disputes.model import Dispute
from disputes.policy.geo import UNUSABLE, LocationAssessment, Proximity, assess_location
from disputes.policy.names import OrderName, best_order_name, is_company, is_masked
from disputes.policy.receivers import Receiver, read_receiver
from disputes.policy.settings import PolicySettings
from disputes.policy.wording import NOTE_WORDS_TR, RELATION_WORDS, STATUS_WORDS, distance, duration, finding
from disputes.statements import latest_statement
from schemas.dispute import Evidence, OrderSnapshot
from schemas.proof import NoteCode, ProofOffer, ProofStatus, RecipientRelation
from schemas.recommendation import Effect, Finding

R = RecipientRelation
NAMED_ON_ORDER = frozenset({R.RECIPIENT, R.UNKNOWN, R.HOUSEHOLD_MEMBER})
"""Hand-overs where the receiver should be someone on the order (a household member may not be)."""
AWAY_FROM_ADDRESS = frozenset({R.PARCEL_LOCKER, R.PICKUP_POINT})
"""Deliveries that are, by design, not at the address."""
NAMED_BUT_OTHERWISE = "receiver_on_order_relation_differs"
"""A name on the order, though the carrier says the receiver was a neighbour, the doorman, a locker…: its proof says
two things at once, and neither is the one to act on."""
_ORDER_NAME_WORDS = {OrderName.RECIPIENT: ("recipient", "alıcı"), OrderName.BUYER: ("buyer", "sipariş veren")}
S, A, N = Effect.SUPPORTS_DELIVERY, Effect.AGAINST_DELIVERY, Effect.NEUTRAL
SIGNATURE, PHOTO, DOCUMENT = ("proof.signature",), ("proof.photo",), ("proof.document",)
NOTES, RELATION, STATUS = ("proof.notes",), ("proof.recipient_relation",), ("proof.status",)
NAME = ("proof.received_by", "proof.recipient_relation", "order.recipient_name", "order.buyer_name")
LOCATION = ("proof.location", "proof.recipient_relation", "order.address")
TIMING = ("proof.delivered_at", "proof.events", "order.delivered_at", "opened_at")
NO_PROOF = ("sla.evidence_due",)
"""What each kind of finding cites (`wording.citations`): the proof's fields, then the case's it is held against."""
_PROXIMITY = {
    Proximity.NEAR: ("location_near", S),
    Proximity.BETWEEN: ("location_between", N),
    Proximity.FAR: ("location_far", A),
}


def _never_supplied(e: Evidence, supplies: Callable[[ProofOffer], bool]) -> bool:
    """Whether the carrier cannot supply this piece of proof at all on the channel the proof came by."""
    return e.proof.offer is not None and not supplies(e.proof.offer)


def signature_finding(e: Evidence) -> Finding:
    if e.proof.signature is not None:
        return finding("signature_present", S, [e], "Signature present", "İmza var", cites=SIGNATURE)
    if _never_supplied(e, lambda offer: offer.signature):
        return finding(
            "signature_not_offered", N, [e],
            "No signature: this carrier never supplies one here",
            "İmza yok: bu kargo firması bu kanaldan hiç imza sağlamıyor",
            cites=SIGNATURE,
        )
    return finding("signature_missing", N, [e], "No signature", "İmza yok", cites=SIGNATURE)


def photo_finding(e: Evidence) -> Finding:
    if e.proof.photo is not None:
        return finding("photo_present", S, [e], "Delivery photo present", "Teslimat fotoğrafı var", cites=PHOTO)
    if _never_supplied(e, lambda offer: offer.photo):
        return finding(
            "photo_not_offered", N, [e],
            "No delivery photo: this carrier never supplies one here",
            "Teslimat fotoğrafı yok: bu kargo firması bu kanaldan hiç fotoğraf sağlamıyor", cites=PHOTO
        )
    return finding("photo_missing", N, [e], "No delivery photo", "Teslimat fotoğrafı yok", cites=PHOTO)


def dropped_findings(e: Evidence) -> tuple[Finding, ...]:
    """Proof the carrier sent that could not be used (a placeholder image, an unreadable field): the English text
    says which field and why, the Turkish what kind of proof (`NOTE_WORDS_TR`)."""
    return tuple(
        finding(
            f"carrier_{note.code.value}", N, [e],
            f"Carrier proof not usable ({note.field}): {note.reason}",
            NOTE_WORDS_TR[note.code], cites=NOTES,
        )
        for note in e.proof.notes
        if note.code is not NoteCode.STATUS_UNMAPPED
    )


def document_finding(e: Evidence) -> Finding | None:
    """A delivery document (e.g. a signed receipt scan); most carriers send none, so absence says nothing."""
    if e.proof.document is None:
        return None
    return finding("document_present", S, [e], "Delivery document present", "Teslimat belgesi var", cites=DOCUMENT)


def relation_finding(e: Evidence) -> Finding:
    relation = read_receiver(e.proof).relation  # as every finding reads it: a courier's word where none is stated
    effect = S if relation in (R.RECIPIENT, R.HOUSEHOLD_MEMBER) else N
    if relation is R.UNKNOWN:  # the receiver may well be named: only who they are to the addressee is not said
        en, tr = ("The carrier did not say who the receiver is to the addressee",
                  "Kargo firması teslim alanın alıcının nesi olduğunu belirtmemiş")
    else:
        en, tr = (f"Received by: {RELATION_WORDS[relation][0]}", f"Teslim alan: {RELATION_WORDS[relation][1]}")
    return finding(f"received_by_{relation.value}", effect, [e], en, tr, cites=RELATION)


def at_a_workplace(receiver: Receiver, order: OrderSnapshot) -> bool:
    """A company took the parcel for a person (its name, as on its stamp, where the order names people only): a
    hand-over at the recipient's workplace, like the courier's RESEPSİYON or İŞ ARKADAŞI (`receivers.py`), not a
    stranger said to be the recipient."""
    return receiver.name is not None and is_company(receiver.name) and not (
        is_company(order.recipient_name) or is_company(order.buyer_name)
    )


class _NameFacts(TypedDict):
    score: int
    order_name: str


def _no_name_finding(e: Evidence, receiver: Receiver) -> Finding:
    """The receiver field holds no usable name: a placeholder ("-"), a lone initial, or only the courier's word for
    who took the parcel ("KENDİSİ", "KAPICI"), which says who but never which person."""
    written = receiver.written
    if receiver.worded is not None:
        en, tr = RELATION_WORDS[receiver.worded]  # what the word says, whatever relation the carrier stated
        code = "recipient_name_missing" if receiver.relation is R.RECIPIENT else "receiver_not_on_order"
        return finding(
            code, N, [e], f"The courier wrote '{written}' ({en}) instead of a name",
            f"Kurye ad yerine '{written}' ({tr}) yazmış", cites=NAME,
        )
    return finding(
        "recipient_name_missing", N, [e], f"The carrier gave no usable receiver name ('{written}')",
        f"Teslim alan adı kullanılamaz ('{written}')", cites=NAME,
    )


def name_finding(e: Evidence, order: OrderSnapshot, settings: PolicySettings) -> Finding:
    """The receiver's name against every name on the order; it only counts against delivery when the
    carrier says the recipient (or someone unstated) took the parcel. The name is what is left of the receiver
    field once the courier's relation word is read (`disputes/policy/receivers.py`); no usable name is read like
    a missing one, and a company's name, for people on the order, like its reception's. A name on the order with a
    third party's relation is neither a match nor a stranger: the carrier
    says two things (`NAMED_BUT_OTHERWISE`)."""
    receiver = read_receiver(e.proof)
    name, relation, written = receiver.name, receiver.relation, receiver.written
    if written is None:
        if _never_supplied(e, lambda offer: offer.receiver_name):
            return finding(
                "recipient_name_not_offered", N, [e],
                "No receiver name: this carrier never supplies one here",
                "Teslim alan adı yok: bu kargo firması bu kanaldan hiç ad bildirmiyor", cites=NAME
            )
        return finding(
            "recipient_name_missing", N, [e], "The carrier gave no receiver name", "Teslim alan adı yok", cites=NAME,
        )
    if name is None:
        return _no_name_finding(e, receiver)
    match = best_order_name(name, order.recipient_name, order.buyer_name)
    whose, whose_tr = _ORDER_NAME_WORDS[match.name]
    said, said_tr, score = f"Receiver name '{written}'", f"Teslim alan adı '{written}'", f"{match.score:.0f}"
    facts = _NameFacts(score=round(match.score), order_name=match.name.value)
    if masked := is_masked(name):
        said, said_tr = f"{said} (masked by the carrier)", f"{said_tr} (kargo firması tarafından maskelenmiş)"
    matches = match.score >= settings.name_match_threshold
    if matches and relation in NAMED_ON_ORDER:
        if masked:  # only part of some words is visible: weaker than a whole matching name
            return finding(
                "recipient_name_matches_masked", S, [e],
                f"{said} matches the order's {whose} on its visible part only (score {score})",
                f"{said_tr} yalnızca görünen kısmıyla siparişteki {whose_tr} adıyla eşleşiyor (skor {score})", **facts,
                cites=NAME,
            )
        return finding(
            "recipient_name_matches", S, [e],
            f"{said} matches the order's {whose} (score {score})",
            f"{said_tr} siparişteki {whose_tr} adıyla eşleşiyor (skor {score})", **facts, cites=NAME
        )
    if matches:  # a third party by the carrier's word, named like someone on the order
        en, tr = RELATION_WORDS[relation]
        return finding(
            NAMED_BUT_OTHERWISE, N, [e],
            f"{said} matches the order's {whose} (score {score}), but the carrier says it went to {en}",
            f"{said_tr} siparişteki {whose_tr} adıyla eşleşiyor (skor {score}), ancak kargo firması teslim alanı "
            f"'{tr}' olarak bildirmiş", **facts, cites=NAME,
        )
    if relation in (R.RECIPIENT, R.UNKNOWN) and at_a_workplace(receiver, order):
        return finding(
            "receiver_not_on_order", N, [e],
            f"Received by '{written}', a company, not a person on the order: a hand-over at a workplace",
            f"Teslim alan '{written}' bir şirket, siparişteki bir kişi değil: iş yerinde teslim", cites=NAME,
        )
    if relation not in (R.RECIPIENT, R.UNKNOWN):
        return finding(
            "receiver_not_on_order", N, [e],
            f"Received by '{written}', not a name on the order", f"Teslim alan '{written}', siparişteki bir ad değil",
            cites=NAME,
        )
    if match.score < settings.name_mismatch_threshold:
        return finding(
            "recipient_name_mismatch", A, [e],
            f"{said} matches no name on the order (best score {score})",
            f"{said_tr} siparişteki hiçbir adla eşleşmiyor (en iyi skor {score})", **facts, cites=NAME
        )
    return finding(
        "recipient_name_uncertain", N, [e],
        f"{said} is only partly like the order's {whose} (score {score})",
        f"{said_tr} siparişteki {whose_tr} adına kısmen benziyor (skor {score})", **facts, cites=NAME
    )


def location_finding(e: Evidence, order: OrderSnapshot, settings: PolicySettings) -> Finding:
    relation = read_receiver(e.proof).relation
    where = assess_location(e.proof.location, order.address, settings, point=relation in AWAY_FROM_ADDRESS)
    if where.proximity is Proximity.UNKNOWN and _never_supplied(e, lambda offer: offer.gps or offer.place_text):
        return finding(
            "location_not_offered", N, [e],
            "No delivery location: this carrier never supplies one here",
            "Teslimat konumu yok: bu kargo firması bu kanaldan hiç konum bildirmiyor", cites=LOCATION
        )
    if where.proximity is Proximity.UNKNOWN:
        return finding(
            "location_unknown", N, [e],
            "No delivery location to compare with the address", "Adresle karşılaştırılacak teslimat konumu yok",
            cites=LOCATION,
        )
    if where.proximity is Proximity.ADDRESS_UNLOCATED:
        return finding(
            "location_unknown", N, [e],
            "The order's address has no coordinates to compare the delivery scan with",
            "Siparişteki adresin teslimat taramasıyla karşılaştırılacak koordinatı yok", cites=LOCATION,
        )
    if where.proximity is Proximity.ABROAD:  # a locker or pickup point too: not one the customer would use
        assert e.proof.location is not None
        there, home = e.proof.location.country, order.address.country
        return finding(
            "location_abroad", A, [e],
            f"Delivered in another country ({there}) than the order's address ({home})",
            f"Siparişteki adresin ülkesinden ({home}) başka bir ülkede teslim edilmiş ({there})", cites=LOCATION,
        )
    if where.proximity is Proximity.WORDS_ONLY:
        return finding(
            "location_words_only", N, [e],
            "Delivery location described in words only, no coordinates",
            "Teslimat yeri yalnızca yazıyla belirtilmiş, koordinat yok", cites=LOCATION
        )
    if where.proximity in UNUSABLE:
        return _unusable_location(e, where)
    assert where.distance_m is not None and where.effective_m is not None
    far, far_tr = _how_far(where)
    if relation in AWAY_FROM_ADDRESS and where.proximity is Proximity.FAR:
        return finding(  # not the customer's nearby locker: the parcel went somewhere else
            "location_far", A, [e],
            f"Locker or pickup point {far}: too far to be the customer's",
            f"Kargo dolabı / teslimat noktası {far_tr}: müşterinin teslimat noktası olamayacak kadar uzak",
            metres=round(where.distance_m), cites=LOCATION
        )
    if relation in AWAY_FROM_ADDRESS:
        return finding(
            "location_of_point", N, [e], f"Locker or pickup point {far}", f"Kargo dolabı / teslimat noktası {far_tr}",
            metres=round(where.distance_m), cites=LOCATION
        )
    code, effect = _PROXIMITY[where.proximity]
    return finding(
        code, effect, [e], f"Delivery scan {far}", f"Teslimat taraması {far_tr}",
        metres=round(where.distance_m), cites=LOCATION
    )


def _how_far(where: LocationAssessment) -> tuple[str, str]:
    """The distance from the address, and the one it is classed by when the GPS accuracy credited changes it."""
    assert where.distance_m is not None and where.effective_m is not None
    (far, far_tr), (counted, counted_tr) = distance(where.distance_m), distance(where.effective_m)
    if counted == far:
        return f"{far} from the address", f"adrese {far_tr} uzakta"
    return (
        f"{far} from the address ({counted} allowing for its GPS accuracy)",
        f"adrese {far_tr} uzakta (GPS doğruluğu düşülünce {counted_tr})",
    )


_UNUSABLE_WORDS = {
    Proximity.NO_FIX: (
        "Delivery scan at 0, 0: the usual placeholder for no GPS fix",
        "Teslimat taraması 0, 0 konumunda: GPS konumu alınamadığında yazılan değer",
    ),
    Proximity.SWAPPED: (
        "Delivery scan coordinates with latitude and longitude swapped (swapped back, they are at the address)",
        "Teslimat taramasının enlem ve boylamı yer değiştirmiş (düzeltilince adreste)",
    ),
}


def _unusable_location(e: Evidence, where: LocationAssessment) -> Finding:
    """Coordinates that cannot be the delivery spot say nothing about it, either way."""
    if where.proximity is Proximity.IMPRECISE:
        assert where.distance_m is not None and e.proof.location is not None
        (far, far_tr), (fix, fix_tr) = distance(where.distance_m), distance(e.proof.location.accuracy_m or 0.0)
        en, tr = (
            f"Delivery scan {far} from the address with a stated GPS accuracy of {fix}: too imprecise to say far",
            f"Teslimat taraması adrese {far_tr} uzakta, bildirilen GPS doğruluğu {fix_tr}: uzak sayılamayacak kadar "
            "belirsiz",
        )
    else:
        en, tr = _UNUSABLE_WORDS[where.proximity]
    return finding(
        "location_unusable", N, [e], f"{en}; no usable location", f"{tr}; kullanılabilir konum yok",
        reason=where.proximity.value, cites=LOCATION
    )


def timing_finding(e: Evidence, order: OrderSnapshot, reported_at: datetime, settings: PolicySettings) -> Finding:
    """Delivered after the order was placed and before the customer reported it, at the time the tracking shows."""
    at, tolerance = e.proof.delivered_at, settings.delivery_time_tolerance
    if at is None:
        return finding(
            "delivery_time_missing", N, [e], "The carrier gave no delivery time", "Teslim zamanı verilmemiş",
            cites=TIMING,
        )
    if at > reported_at:
        return finding(
            "delivered_after_report", A, [e],
            "The carrier's delivery time is after the customer's report",
            "Kargo firmasının teslim zamanı müşterinin bildiriminden sonra", cites=TIMING
        )
    if order.placed_at is not None and at + tolerance < order.placed_at:  # within it: clocks and zones differ
        early, early_tr = duration(order.placed_at - at)
        return finding(
            "delivered_before_order", A, [e],
            f"The carrier's delivery time is {early} before the order was placed",
            f"Kargo firmasının teslim zamanı siparişin verilmesinden {early_tr} önce",
            cites=("proof.delivered_at", "order.placed_at"),
        )
    if abs(at - order.delivered_at) > tolerance:
        gap, gap_tr = duration(at - order.delivered_at)
        return finding(
            "delivery_time_differs", A, [e],
            f"The proof's delivery time differs from the order's by {gap}",
            f"Kanıttaki teslim zamanı siparişteki zamandan {gap_tr} farklı", cites=TIMING
        )
    if e.proof.events and not any(abs(event.at - at) <= tolerance for event in e.proof.events):
        window, window_tr = duration(tolerance)
        return finding(
            "no_scan_at_delivery_time", A, [e],
            f"No tracking event within {window} of the delivery time",
            f"Teslim zamanından önceki ya da sonraki {window_tr} içinde takip hareketi yok", cites=TIMING
        )
    return finding(
        "delivery_time_consistent", S, [e],
        "Delivery time consistent with the tracking, before the report",
        "Teslim zamanı takip bilgisiyle tutarlı ve bildirimden önce", cites=TIMING
    )


def no_proof_finding(dispute: Dispute, now: datetime) -> Finding | None:
    """No proof of delivery by the evidence deadline (recorded, or passed and not yet recorded)."""
    deadline_passed = dispute.proof_missing or now >= dispute.sla.evidence_due
    if not deadline_passed or dispute.has_delivery_proof:
        return None
    return finding(
        "carrier_no_proof_by_deadline", A, dispute.evidence,
        "The carrier gave no proof of delivery by the deadline",
        "Kargo firması süresi içinde teslimat kanıtı sunmadı", cites=NO_PROOF
    )


def not_delivered_finding(evidence: Sequence[Evidence]) -> Finding | None:
    """The carrier's latest word (by the carrier's own time, `disputes.statements.latest_statement`) is not
    "delivered": its code in English, its words in Turkish."""
    if (latest := latest_statement(evidence)) is None:
        return None
    if latest.proof.status is ProofStatus.DELIVERED:
        return None
    status, status_tr = latest.proof.status.value, STATUS_WORDS[latest.proof.status][1]
    if latest.proof.status is ProofStatus.UNKNOWN and (code := latest.proof.status_code):
        status, status_tr = f"{status}: carrier code {code}", f"{status_tr}: kargo firmasının kodu {code}"
    return finding(
        "carrier_status_not_delivered", A, [latest],
        f"The carrier's latest status is '{status}', not delivered",
        f"Kargo firmasının son bildirdiği durum '{status_tr}', 'teslim edildi' değil", cites=STATUS
    )
