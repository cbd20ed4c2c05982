"""What the customer is told while they check with a third party: who received the parcel, where, when, and by when
to check.

In English and Turkish, saying the same. It names the receiver, which is the point of it, so it goes to the customer
and nowhere else (never into logs or staff alerts).
"""

from datetime import datetime
from zoneinfo import ZoneInfo

from disputes.policy.receivers import read_receiver
from disputes.policy.wording import place_words
from schemas.dispute import Evidence, OrderSnapshot
from schemas.proof import RecipientRelation

R = RecipientRelation
ISTANBUL = ZoneInfo("Europe/Istanbul")
_HANDED_TO = {
    R.NEIGHBOUR: ("your neighbour", "komşunuz"),
    R.DOORMAN: ("the doorman or building staff", "kapıcı / site görevlisi"),
    R.HOUSEHOLD_MEMBER: ("someone in your household", "hanenizden biri"),
}
_AT_WORK = ("someone at your workplace", "iş yerinizden")
_LEFT_IN = {
    R.PARCEL_LOCKER: ("at a parcel locker", "bir kargo dolabına"),
    R.PICKUP_POINT: ("at a pickup point", "bir teslimat noktasına"),
}
_COLLECTED_FROM = {
    R.PARCEL_LOCKER: ("from a parcel locker", "bir kargo dolabından"),
    R.PICKUP_POINT: ("at a pickup point", "bir teslimat noktasında"),
}


def third_party_words(evidence: Evidence, order: OrderSnapshot, until: datetime) -> tuple[str, str]:
    """(English, Turkish), for a hand-over to a neighbour, the doorman (or someone at the addressee's workplace, as the
    courier's word says), a household member, a locker or a pickup point (left there, or collected by whom the carrier
    names).
    The time to check is named by its end, `until`, so the message stays true whenever it is read. The receiver is
    named once: the courier's "KOMŞU MEHMET" is "komşunuz MEHMET", a bare "KAPICI" is the relation alone
    (`disputes/policy/receivers.py`)."""
    proof = evidence.proof
    delivered_at = proof.delivered_at or order.delivered_at
    when = _moment(delivered_at)
    receiver = read_receiver(proof)
    relation, name = receiver.relation, receiver.name
    if relation in _LEFT_IN and name:  # someone the carrier names took it out (PTT's "Kargomatikten Teslim Alındı")
        at, at_tr = _COLLECTED_FROM[relation]
        what, what_tr = (f"was collected {at} by {name} on {when}",
                         f"gönderinizin {when} tarihinde {at_tr} {name} tarafından teslim alındığını")
    elif relation in _LEFT_IN:
        at, at_tr = _LEFT_IN[relation]
        what, what_tr = f"was left {at} on {when}", f"gönderinizin {when} tarihinde {at_tr} bırakıldığını"
    else:
        kind, kind_tr = _AT_WORK if receiver.at_work else _HANDED_TO.get(relation, (None, None))
        if receiver.at_work and not name:
            kind_tr = "iş yerinizden biri"
        who = f"{kind}, {name}," if kind and name else kind or name or "someone else"
        who_tr = " ".join(w for w in (kind_tr, name) if w)
        what, what_tr = f"was received by {who} on {when}", f"gönderinizin {when} tarihinde {who_tr} tarafından teslim alındığını"
    location = proof.location
    spot = place_words(location.text) if location and location.text else None
    address = location.address if location else None
    place, place_tr = (_place(said, address) for said in spot or (None, None))
    where, where_tr = (f" Place of delivery: {place}.", f" Teslimat yeri: {place_tr}.") if place else ("", "")
    by = _moment(until)
    return (
        f"The carrier says your parcel {what}.{where} Please check; if you have not found it by {by}, we will go on "
        "with our review and tell you the outcome.",
        f"Kargo firması {what_tr} bildirdi.{where_tr} Lütfen kontrol edin; {by} tarihine kadar bulamazsanız "
        "incelemeye devam edip size sonucu bildireceğiz.",
    )


def _place(said: str | None, address: str | None) -> str | None:
    """The carrier's words for the spot (in one language), and the address it recorded."""
    return ", ".join(dict.fromkeys(p for p in (said, address) if p)) or None


def _moment(at: datetime) -> str:
    return at.astimezone(ISTANBUL).strftime("%d.%m.%Y %H:%M")
