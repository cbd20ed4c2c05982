"""What the customer is told while they check with a third party: who received the parcel, where, when.

Turkish, the customers' language. It names the receiver, which is the point of it, so it goes to the
customer and nowhere else (never into logs or staff alerts).
"""

from datetime import timedelta
from zoneinfo import ZoneInfo

from disputes.policy.receivers import read_receiver
from schemas.dispute import Evidence, OrderSnapshot
from schemas.proof import RecipientRelation

R = RecipientRelation
ISTANBUL = ZoneInfo("Europe/Istanbul")
_HANDED_TO = {
    R.NEIGHBOUR: "komşunuz",
    R.DOORMAN: "kapıcı / site görevlisi",
    R.HOUSEHOLD_MEMBER: "hanenizden biri",
}
_LEFT_IN = {R.PARCEL_LOCKER: "bir kargo dolabına", R.PICKUP_POINT: "bir teslimat noktasına"}


def third_party_message(evidence: Evidence, order: OrderSnapshot, wait: timedelta) -> str:
    """For a hand-over to a neighbour, the doorman, a household member, a locker or a pickup point. The time to check
    is named by its end (`wait` after the evidence arrived, as `disputes/policy/engine.py` counts it), so the message
    stays true whenever it is read. The receiver is named once: the courier's "KOMŞU MEHMET" is "komşunuz MEHMET",
    a bare "KAPICI" is the relation alone (`disputes/policy/receivers.py`)."""
    proof = evidence.proof
    delivered_at = proof.delivered_at or order.delivered_at
    when = delivered_at.astimezone(ISTANBUL).strftime("%d.%m.%Y %H:%M")
    receiver = read_receiver(proof)
    relation = receiver.relation
    if relation in _LEFT_IN:
        what = f"gönderinizin {when} tarihinde {_LEFT_IN[relation]} bırakıldığını"
    else:
        who = " ".join(w for w in (_HANDED_TO.get(relation), receiver.name) if w)
        what = f"gönderinizin {when} tarihinde {who} tarafından teslim alındığını"
    location = proof.location
    place = (location.address or location.text) if location else None
    where = f" Teslimat yeri: {place}." if place else ""
    until = (proof.received_at + wait).astimezone(ISTANBUL).strftime("%d.%m.%Y %H:%M")
    return (
        f"Kargo firması {what} bildirdi.{where} Lütfen kontrol edin; {until} tarihine kadar bulamazsanız "
        "incelemeye devam edip size sonucu bildireceğiz."
    )
