"""The carrier's statements about a shipment (the case's evidence), in the carrier's own order.

Each piece of evidence is something the carrier said about the parcel at some moment: a scan, a status, a proof of
delivery. Which of them is its latest word goes by the carrier's own time, not by when it reached us: carriers
redeliver the pushes we did not take the first time (our own busy answers make them retry), so an "in transit" scan
made hours before the delivery may arrive after the proof of delivery, and a scan recorded again with the
recipient's signature may arrive before the first scan of it. A pull's reply and a push are told apart by nothing
here: both are read for the latest moment they speak of.
"""

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from schemas.dispute import Evidence
from schemas.proof import ProofOfDelivery

EARLIEST = datetime.min.replace(tzinfo=UTC)
CLOCK_AHEAD = timedelta(minutes=15)
"""How far ahead of our receipt a carrier's time may be and still be its time (capped at the receipt): clock drift."""


def stated_at(proof: ProofOfDelivery) -> datetime | None:
    """When the carrier says what `proof` says: the latest moment it gives, its delivery time or its scans' times (a
    pull's reply holds the history up to its status, a push the scan it reports); None when it gives no time."""
    latest = max((event.at for event in proof.events), default=None)
    if proof.delivered_at is not None and (latest is None or proof.delivered_at > latest):
        return proof.delivered_at
    return latest


def _said_at(proof: ProofOfDelivery) -> datetime | None:
    """`stated_at`, never later than we received the statement: a carrier cannot have said something after it reached
    us. A clock a little ahead (`CLOCK_AHEAD`: a handheld's drift) is read as saying it as it reached us; one further
    ahead (a placeholder far in the future, a wrong zone) is no time at all, so it cannot make the statement the
    carrier's latest word for ever."""
    stated = stated_at(proof)
    if stated is None or stated > proof.received_at + CLOCK_AHEAD:
        return None
    return min(stated, proof.received_at)


def latest_statement(evidence: Iterable[Evidence]) -> Evidence | None:
    """The carrier's latest statement among `evidence` (None if there is none): the one it made last by its own time
    (`_said_at`). A statement that gives no time we can believe (a pull answering "not found", say, or a time further
    ahead of its receipt than `CLOCK_AHEAD`) is no newer than the latest the carrier had said among those we received
    before it: our clock is not the carrier's, so it is not ranked against times received after it. On a tie, the one
    received last, then the one attached last."""
    listed = list(evidence)
    if not listed:
        return None
    said = [_said_at(e.proof) for e in listed]
    keys: list[tuple[datetime, datetime]] = []
    for index, evidence_item in enumerate(listed):
        received = evidence_item.proof.received_at
        if (at := said[index]) is None:
            before = [t for t, e in zip(said, listed, strict=True) if t is not None and e.proof.received_at <= received]
            at = max(before, default=EARLIEST)
        keys.append((at, received))
    best = max(range(len(listed)), key=lambda i: (keys[i], i))
    return listed[best]
