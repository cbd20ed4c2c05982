"""Reading the carrier's proof: its findings, and whether it is weak, a third-party hand-over, or strong.

The proof read is the carrier's latest "delivered" evidence by the carrier's own time (`Dispute.delivery_proof`); a
later statement that says otherwise is a finding against it. Strength is the sum of the weights of the findings that
support delivery (`WEIGHTS`, 1.0 in all): it only grows as proof gets stronger, which is what makes the confidence
monotone.
"""

from dataclasses import dataclass

from disputes.model import Dispute
from disputes.policy.findings import (
    AWAY_FROM_ADDRESS,
    NAMED_BUT_OTHERWISE,
    NAMED_ON_ORDER,
    at_a_workplace,
    document_finding,
    dropped_findings,
    location_finding,
    name_finding,
    not_delivered_finding,
    photo_finding,
    relation_finding,
    signature_finding,
    timing_finding,
)
from disputes.policy.receivers import read_receiver
from disputes.policy.settings import PolicySettings
from schemas.dispute import Evidence
from schemas.proof import RecipientRelation
from schemas.recommendation import Effect, Finding

R = RecipientRelation
WEIGHTS = {
    "signature_present": 0.25,
    "location_near": 0.25,
    "photo_present": 0.20,
    "recipient_name_matches": 0.20,
    "recipient_name_matches_masked": 0.10,  # only the visible part matched: half a name
    "delivery_time_consistent": 0.05,
    "document_present": 0.05,
}
THIRD_PARTIES = frozenset({R.NEIGHBOUR, R.DOORMAN, R.PARCEL_LOCKER, R.PICKUP_POINT})
WEAK_CODES = ("location_far", "location_abroad", "recipient_name_mismatch")


@dataclass(frozen=True, slots=True)
class ProofReading:
    evidence: Evidence  # the proof read
    findings: tuple[Finding, ...]  # everything it shows, in display order
    weak_because: tuple[Finding, ...]  # empty unless the proof is weak
    short_of_strong: tuple[Finding, ...]  # what stands between it and strong proof
    third_party: bool  # a third party took it, not named on the order, and nothing speaks against delivery
    strength: float  # 0..1

    @property
    def strong(self) -> bool:
        return not self.short_of_strong

    @property
    def signed(self) -> bool:
        return self.evidence.proof.signature is not None


def read_proof(dispute: Dispute, settings: PolicySettings) -> ProofReading | None:
    """The carrier's latest proof of delivery (`Dispute.delivery_proof`), read; None when the carrier has not said
    "delivered" with any evidence."""
    if (e := dispute.delivery_proof) is None:
        return None
    order, receiver = dispute.order, read_receiver(e.proof)
    relation = receiver.relation  # a courier's "KAPICI" says who took it
    signature, photo, document = signature_finding(e), photo_finding(e), document_finding(e)
    name, place, who = name_finding(e, order, settings), location_finding(e, order, settings), relation_finding(e)
    timing = timing_finding(e, order, dispute.opened_at, settings)
    status = not_delivered_finding(dispute.evidence)
    read = (signature, photo, document, name, place, who, timing, status)
    findings = tuple(f for f in read if f is not None) + dropped_findings(e)
    against = tuple(f for f in findings if f.effect is Effect.AGAINST_DELIVERY)
    handed_over = Effect.SUPPORTS_DELIVERY in (signature.effect, photo.effect)
    # A masked name that matches counts, at half weight; it cannot make proof strong on its own, which
    # also needs a signature or photo and a scan near the address.
    name_matches = name.code in ("recipient_name_matches", "recipient_name_matches_masked")

    weak = tuple(f for f in against if f.code in WEAK_CODES)
    # A document is no signature or photo, but a person can read it: it keeps the proof from being weak.
    # A locker or pickup point has no one to sign; the customer's check there is the test.
    if not handed_over and document is None and relation not in AWAY_FROM_ADDRESS:
        weak += (signature, photo)
    requirements = ((who, relation in NAMED_ON_ORDER), (name, name_matches), (place, place.code == "location_near"))
    gaps = against + tuple(f for f, met in requirements if not met) + (() if handed_over else (signature, photo))
    # A neighbour or doorman named like someone on the order is no hand-over to tell the customer of: a person weighs
    # it. A locker or pickup point holds parcels in the recipient's name: the customer still checks there.
    # A company's name where the carrier says nothing of who took it is its reception: a third party too.
    third_party = (name.code != NAMED_BUT_OTHERWISE or relation in AWAY_FROM_ADDRESS) and (
        relation in THIRD_PARTIES or (relation is R.HOUSEHOLD_MEMBER and not name_matches)
        or (relation is R.UNKNOWN and at_a_workplace(receiver, order))
    )
    strength = sum(WEIGHTS.get(f.code, 0.0) for f in findings if f.effect is Effect.SUPPORTS_DELIVERY)
    return ProofReading(e, findings, weak, gaps, third_party and not against, round(strength, 4))
