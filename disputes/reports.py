"""What the staff reports count about one dispute, derived from it whenever it is stored, so a report over a
period is one pass over the disputes opened in it (an indexed aggregation in MongoDB).

The carrier report's outcomes count decisions, each once, by its outcome: a case decided again after an appeal or
a reopening counts every decision (a missing-item claim paid in two decisions, two refunds; paid, then the rest
rejected, a refund and a rejection), so no payment drops out of the count when a later decision comes. A missing-item
decision counts as its `outcome`, the outcome of one of the lines it paid (or `rejected`, when it paid none).
`undecided` counts the disputes with no decision yet. What the carrier owes is the claim's value, once, when any
decision held it liable (its liability message queued), whatever later decisions say, counted in the period that
decision was taken in (`liability_incurred`), not in the period the dispute was opened in; the report sums it by the
order's currency, never adding one currency to another.

The SLA report and the response times count disputes: decided when they have a decision; time to first response
runs from the opening to the first message to the customer, question to them or decision
(`disputes.conversation.RESPONSES`); time to decision, to the latest decision; within SLA, when the latest decision
kept the deadline it was taken against (`Decision.decision_due`: its review's, not the one an appeal or a reopening
since has set); automatic, when the policy decided it on its own (`Dispute.record_assessment`), and by the deadline
rule, when nobody decided it by its deadline and the service resolved it for the customer (`Dispute.deadline_reached`):
the latter is a deadline the team missed, never counted as the policy's automation.

The reports count real cases only (`reported`): a case on a test clock is the sandbox's, opened and decided on a time
of its own, so it counts in none of them."""

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from disputes.conversation import RESPONSES
from disputes.model import Dispute
from disputes.ports import CarrierFigures
from disputes.sla import decided_in_time
from schemas.common import Outcome, Role
from schemas.dispute import EffectKind, ReasonCode
from schemas.proof import ProofStatus

DECIDED = "decided"
"""The timeline's entry for a decision (`Dispute.decide`), which names its outcome."""
UNDECIDED = "undecided"
OUTCOMES = (*(o.value for o in Outcome), UNDECIDED)
"""How the carrier report counts outcomes."""


@dataclass(frozen=True, slots=True)
class ReportFacts:
    outcome: Outcome | None
    signature: bool
    photo: bool
    location: bool
    with_evidence: bool
    hours_to_proof: float | None
    hours_to_first_response: float | None
    hours_to_decision: float | None
    within_sla: bool | None
    automatic: bool
    decisions: dict[str, int]
    """How many of the case's decisions had each outcome (every outcome named, 0 when none had it)."""
    partial: bool = False
    """A claim of items missing from a delivered package: its outcome is counted apart from whole packages'."""
    by_deadline_rule: bool = False
    """The latest decision is the deadline rule's (none took it by the deadline), not counted as `automatic`."""


def reported(dispute: Dispute) -> bool:
    """Whether the reports count the case: not when it runs on a test clock."""
    return dispute.test_clock is None


def report_facts(dispute: Dispute) -> ReportFacts:
    proofs = [e.proof for e in dispute.evidence if e.proof.status is ProofStatus.DELIVERED]  # "not found" proves nothing
    decision = dispute.decision
    decided = Counter(e.details.get("outcome") for e in dispute.timeline if e.action == DECIDED)

    def hours(at: datetime | None) -> float | None:
        """From the opening; 0 for what was in hand at it (a proof pushed before the case opened)."""
        return max(0.0, round((at - dispute.opened_at).total_seconds() / 3600, 3)) if at else None

    by_service = decision is not None and decision.decided_by_role is Role.SERVICE
    by_deadline_rule = by_service and decision is not None and decision.reason_code is ReasonCode.DEADLINE_REACHED
    return ReportFacts(
        outcome=decision.outcome if decision else None,
        signature=any(p.signature for p in proofs),
        photo=any(p.photo for p in proofs),
        location=any(p.location for p in proofs),
        with_evidence=bool(proofs),
        hours_to_proof=hours(min((p.received_at for p in proofs), default=None)),
        hours_to_first_response=hours(next((e.at for e in dispute.timeline if e.action in RESPONSES), None)),
        hours_to_decision=hours(decision.decided_at if decision else None),
        within_sla=decided_in_time(decision, decision.decision_due or dispute.sla.decision_due) if decision else None,
        automatic=by_service and not by_deadline_rule,
        decisions={o.value: decided[o.value] for o in Outcome},
        partial=dispute.partial,
        by_deadline_rule=by_deadline_rule,
    )


def liability_incurred(dispute: Dispute, start: datetime, end: datetime) -> tuple[str, int] | None:
    """The carrier's liability a decision taken in [start, end) held it to on this case: (currency, amount)."""
    return next(
        ((m.currency, m.amount_minor or 0) for m in dispute.money
         if m.kind is EffectKind.CARRIER_LIABILITY and start <= m.decided_at < end),
        None,
    )


def billed(figures: list[CarrierFigures], owed: Mapping[str, Mapping[str, int]]) -> list[CarrierFigures]:
    """The carriers' figures over the disputes opened in a period with what each owes for the liabilities incurred in
    it (by carrier, then currency, in code order), and a row of its own, with no disputes, for a carrier that incurred
    some on disputes opened before the period only."""
    rows = {f.carrier: replace(f, liabilities=dict(sorted(owed.get(f.carrier, {}).items()))) for f in figures}
    for carrier in owed.keys() - rows.keys():
        rows[carrier] = CarrierFigures(
            carrier=carrier, disputes=0, outcomes=dict.fromkeys(OUTCOMES, 0), share_with_evidence=0.0,
            share_with_signature=0.0, share_with_photo=0.0, share_with_location=0.0, median_hours_to_proof=None,
            liabilities=dict(sorted(owed[carrier].items())), partial_outcomes=dict.fromkeys(OUTCOMES, 0),
        )
    return [rows[carrier] for carrier in sorted(rows)]
