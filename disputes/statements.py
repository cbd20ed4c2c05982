"""The carrier's statements about a shipment (the case's evidence), in the carrier's own order.

Each piece of evidence is something the carrier said about the parcel at some moment: a scan, a status, a proof of
delivery. Which of them is its latest word goes by the carrier's own time, not by when it reached us: carriers
redeliver the pushes we did not take the first time (our own busy answers make them retry), so an "in transit" scan
made hours before the delivery may arrive after the proof of delivery, and a scan recorded again with the
recipient's signature may arrive before the first scan of it. A pull's reply and a push are told apart by nothing
here: both are read for the latest moment they speak of.
"""

from collections.abc import Iterable
from datetime import datetime

from schemas.dispute import Evidence
from schemas.proof import ProofOfDelivery


def stated_at(proof: ProofOfDelivery) -> datetime | None:
    """When the carrier says what `proof` says: the latest moment it gives, its delivery time or its scans' times (a
    pull's reply holds the history up to its status, a push the scan it reports); None when it gives no time."""
    latest = max((event.at for event in proof.events), default=None)
    if proof.delivered_at is not None and (latest is None or proof.delivered_at > latest):
        return proof.delivered_at
    return latest


def _order(evidence: Evidence) -> tuple[datetime, datetime]:
    proof = evidence.proof
    return stated_at(proof) or proof.received_at, proof.received_at


def latest_statement(evidence: Iterable[Evidence]) -> Evidence | None:
    """The carrier's latest statement among `evidence` (None if there is none): the one it made last by its own time
    (`stated_at`); where the carrier gives no time, when we received it stands in; on a tie, the one received last,
    then the one attached last."""
    listed = list(evidence)
    return max(reversed(listed), key=_order) if listed else None
