"""The decision policy: a dispute, its evidence, the customer's history and "now" in; a recommendation out.

Rules, first match wins (the proof read is the carrier's latest "delivered" evidence by its own time, see `reading`):

1. No "delivered" evidence: after the evidence deadline → for the customer, carrier liable; before it →
   a person, "waiting for carrier evidence".
2. Weak proof: no signature, photo or document for a hand-over at the address; or the scan (a locker's or
   pickup point's too) far from the address, or in another country than the address; or a receiver said to be the
   recipient whose name matches nobody on the order → for the customer, carrier liable.
3. A third party took it (neighbour, doorman, locker, pickup point, a household member not named on the
   order, or a company, for people on the order, with no relation stated) and nothing speaks against delivery
   → wait for the customer's check, with a message saying who and where, until `third_party_wait` after the
   customer could first be told (`check_starts`), but no later than `third_party_review_time` before the decision
   deadline, so a person weighs what they found before the deadline decides for them; then a person (at once,
   when no time for a check is left).
   A neighbour or doorman named like someone on the order is no hand-over to tell the customer of: the
   carrier's proof contradicts itself (rule 5). A locker or pickup point in the recipient's name still is.
4. Strong proof: someone named on the order, a signature or photo, the scan near the address, nothing
   against delivery → reject; for a high-value order only with a signature, otherwise a person.
5. Anything else → a person.

A case whose lines are all digital goods has no carrier: its digital delivery record decides instead, line by line
(`disputes.policy.digital`), whether the whole order or some of its lines are claimed, with the same rules below for
who may resolve it. A refund of only the lines the record does not show delivered rejects the others: like a
missing-item claim shown in part, it is automatic only with `auto_reject_enabled`, otherwise a person's, those lines
named in the recommendation's `lines` (none: the whole order).

A claim of items missing from a delivered parcel is weighed on what speaks to the contents instead (`missing`),
line by line: the recommendation's `lines` are what the evidence shows missing, all an automatic resolution pays.
Evidence for only part of the claim goes to a person (paying that part would reject the rest), unless
`auto_reject_enabled`.
Whatever the rule, evidence the customer added since the case was last decided (an explanation, images) is for
a person to weigh: the action becomes "needs a person" (rule `customer_evidence`, unless it was one already),
never an automatic rejection nor any other automatic decision.

Whatever the rule: refund or reship follows the customer's preference, refund when the items cannot be
shipped again. Nothing resolves automatically for a high-value order, with abuse signals, or on a case decided before
(an appeal, a reopening); a rejection does only when `auto_reject_enabled` and never on proof that arrived
after the evidence deadline; any action only with confidence >= `auto_resolve_confidence`. Priority is +1 for
high value and +2 for abuse signals (at most 3); abuse signals also need a supervisor.

Confidence, how sure the policy is of its action (never above 0.95: no rule is certain). The strength of
the proof is the sum of the weights of the findings supporting delivery: signature 0.25, scan near the
address 0.25, photo 0.20, matching name 0.20 (0.10 when only the visible part of a masked name matched), consistent
delivery time 0.05, document 0.05 (`reading.WEIGHTS`). A rejection's
confidence is the strength; refund or reship is 1 - strength (no proof: strength 0); waiting and "needs a
person" decide nothing and are 0.5. It is stated, and compared with `auto_resolve_confidence`, to two decimals.
"""

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from disputes.model import Dispute
from disputes.notices import deadline
from disputes.policy.abuse import CustomerHistory, abuse_signals
from disputes.policy.context import (
    BLOCKS_AUTOMATIC_REJECTION,
    BLOCKS_AUTOMATION,
    context_findings,
    customer_evidence_finding,
    is_high_value,
)
from disputes.policy.digital import read_digital
from disputes.policy.findings import NAMED_BUT_OTHERWISE, no_proof_finding, not_delivered_finding
from disputes.policy.messages import third_party_words
from disputes.policy.missing import read_missing_items
from disputes.policy.reading import ProofReading, read_proof
from disputes.policy.settings import PolicySettings
from disputes.policy.wording import duration, finding
from disputes.states import ACTIVE
from schemas.common import Resolution
from schemas.dispute import MissingItem
from schemas.recommendation import Effect, Finding, PolicyRule, Recommendation
from schemas.recommendation import RecommendedAction as Act

MAX_CONFIDENCE = 0.95
UNDECIDED = 0.5


@dataclass(frozen=True, slots=True)
class _Verdict:
    action: Act
    rule: PolicyRule
    decisive: tuple[Finding, ...]
    confidence: float = UNDECIDED
    carrier_liable: bool = False
    customer_message: str | None = None
    lines: tuple[MissingItem, ...] = ()
    check_by: datetime | None = None


def recommend(dispute: Dispute, history: CustomerHistory, now: datetime, settings: PolicySettings) -> Recommendation:
    reading = read_proof(dispute, settings)
    verdict = _verdict(dispute, reading, now, settings)
    if (added := customer_evidence_finding(dispute)) is not None:
        verdict = _for_a_person(verdict, added)
    signals = abuse_signals(dispute, history, settings)
    context = context_findings(dispute, reading, verdict.action, settings)
    rejects = verdict.action is Act.REJECT
    may_resolve = verdict.action in (Act.REFUND, Act.RESHIP) or (rejects and settings.auto_reject_enabled)
    facts = {f.code for f in context}
    blocked = bool(signals or facts & BLOCKS_AUTOMATION or (rejects and facts & BLOCKS_AUTOMATIC_REJECTION))
    ordered: dict[str, Finding] = {}
    for f in (*verdict.decisive, *signals, *context, *(reading.findings if reading else ())):
        ordered.setdefault(f.code, f)
    confidence = round(verdict.confidence, 2)
    return Recommendation(
        action=verdict.action,
        rule=verdict.rule,
        confidence=confidence,
        findings=list(ordered.values()),
        auto_resolve=may_resolve and not blocked and confidence >= settings.auto_resolve_confidence,
        carrier_liable=verdict.carrier_liable,
        needs_supervisor=bool(signals),
        priority=min(3, (1 if is_high_value(dispute, settings) else 0) + (2 if signals else 0)),
        abuse_flags=[s.code for s in signals],
        lines=list(verdict.lines),
        customer_message=verdict.customer_message,
        check_by=verdict.check_by,
        computed_at=now,
    )


def _verdict(dispute: Dispute, reading: ProofReading | None, now: datetime, settings: PolicySettings) -> _Verdict:
    if dispute.order.is_digital:
        return _digital(dispute, now, settings)
    if dispute.partial:
        return _missing_items(dispute, settings)
    if reading is None:
        return _without_proof(dispute, now)
    if reading.weak_because:
        confidence = min(MAX_CONFIDENCE, 1 - reading.strength)
        return _Verdict(_for_customer(dispute), PolicyRule.WEAK_PROOF, reading.weak_because, confidence, True)
    if reading.third_party:
        return _third_party(dispute, reading, now, settings)
    if reading.strong:
        if is_high_value(dispute, settings) and not reading.signed:
            unsigned = finding(
                "high_value_without_signature", Effect.NEUTRAL, [reading.evidence],
                "High-value order: rejecting it needs a signature, and there is none",
                "Yüksek tutarlı sipariş: reddetmek için imza gerekir, imza yok",
                cites=("proof.signature", "order.value_minor"),
            )
            return _Verdict(Act.NEEDS_PERSON, PolicyRule.HIGH_VALUE_WITHOUT_SIGNATURE, (unsigned,))
        support = tuple(f for f in reading.findings if f.effect is Effect.SUPPORTS_DELIVERY)
        return _Verdict(Act.REJECT, PolicyRule.STRONG_PROOF, support, min(MAX_CONFIDENCE, reading.strength))
    return _Verdict(Act.NEEDS_PERSON, PolicyRule.INCONCLUSIVE_PROOF, reading.short_of_strong)


def _missing_items(dispute: Dispute, settings: PolicySettings) -> _Verdict:
    reading = read_missing_items(dispute, settings)
    if reading.confidence is None:
        return _Verdict(Act.NEEDS_PERSON, reading.rule, reading.findings)
    # Paying only part of the claim rejects the rest: automatic only where a rejection may be.
    whole = _units(reading.lines) == _units(dispute.missing_items)
    action = _for_customer(dispute) if whole or settings.auto_reject_enabled else Act.NEEDS_PERSON
    return _Verdict(action, reading.rule, reading.findings, reading.confidence, lines=reading.lines)


def _units(lines: Iterable[MissingItem]) -> dict[str, int]:
    return {line.sku: line.quantity for line in lines}


def _without_proof(dispute: Dispute, now: datetime) -> _Verdict:
    status = not_delivered_finding(dispute.evidence)
    said = (status,) if status else ()
    missing = no_proof_finding(dispute, now)
    if missing is not None:
        return _Verdict(_for_customer(dispute), PolicyRule.NO_PROOF_BY_DEADLINE, (missing, *said), MAX_CONFIDENCE, True)
    due, due_tr = deadline(dispute.sla.evidence_due).told
    waiting = finding(
        "awaiting_carrier_evidence", Effect.NEUTRAL, dispute.evidence,
        f"Waiting for the carrier's evidence (due {due})", f"Kargo firmasının kanıtı bekleniyor (son: {due_tr})",
    )
    return _Verdict(Act.NEEDS_PERSON, PolicyRule.AWAITING_CARRIER_EVIDENCE, (waiting, *said))


def _digital(dispute: Dispute, now: datetime, settings: PolicySettings) -> _Verdict:
    digital = read_digital(dispute, now)
    if digital.action is Act.REJECT:
        return _Verdict(Act.REJECT, digital.rule, digital.findings, MAX_CONFIDENCE)
    whole = _units(digital.lines) == _units(dispute.claimed_lines)
    lines = () if whole and not dispute.partial else digital.lines  # the whole order: one refund, as a parcel's
    if digital.action is Act.REFUND and (whole or settings.auto_reject_enabled):
        return _Verdict(_for_customer(dispute), digital.rule, digital.findings, MAX_CONFIDENCE, lines=lines)
    action = Act.NEEDS_PERSON if digital.action is Act.REFUND else digital.action  # paying part rejects the rest
    return _Verdict(action, digital.rule, digital.findings, lines=lines)


_WHO_RECEIVED = ("receiver_not_on_order", NAMED_BUT_OTHERWISE)


def _third_party(dispute: Dispute, reading: ProofReading, now: datetime, settings: PolicySettings) -> _Verdict:
    e = reading.evidence
    who = tuple(f for f in reading.findings if f.code.startswith("received_by_") or f.code in _WHO_RECEIVED)
    if _reopened(dispute):
        reopened = finding(
            "third_party_in_reopened_review", Effect.NEUTRAL, [e],
            "A supervisor reopened the case: a person weighs the hand-over, with no time set for the customer to check",
            "Dosyayı bir süpervizör yeniden açtı: teslimi bir uzman değerlendirir, müşteriye kontrol süresi verilmez",
        )
        return _Verdict(Act.NEEDS_PERSON, PolicyRule.THIRD_PARTY_CHECK_OVER, (reopened, *who))
    # The end the customer was told holds while the carrier's word stays a hand-over (the same one pulled after its
    # push, a corrected receiver, proofs attached out of order), unless the decision deadline was brought forward past
    # it (an accessibility need); a first one is counted from when they can be told.
    told = dispute.third_party_check_by
    starts = check_starts(dispute, e.proof.received_at)
    latest = dispute.sla.decision_due - settings.third_party_review_time
    ends = min(told if told is not None else starts + settings.third_party_wait, latest)  # a deadline brought forward too
    if told is None and ends <= starts:
        no_time = finding(
            "third_party_no_time_to_check", Effect.NEUTRAL, [e],
            "The hand-over came too close to the decision deadline to give the customer time to check: a person weighs it",
            "Teslim bilgisi karar süresine çok yakın geldi, müşteriye kontrol süresi kalmadı: teslimi bir uzman değerlendirir",
        )
        return _Verdict(Act.NEEDS_PERSON, PolicyRule.THIRD_PARTY_CHECK_OVER, (no_time, *who))
    if now < ends:
        message = third_party_words(e, dispute.order, ends)[1]
        return _Verdict(Act.WAIT_FOR_CUSTOMER_CHECK, PolicyRule.THIRD_PARTY_CHECK, who, customer_message=message,
                        check_by=ends)
    en, tr = duration(settings.third_party_wait)
    over = finding(
        "third_party_check_over", Effect.NEUTRAL, [e],
        f"The customer's {en} to check with the receiver have passed",
        f"Müşterinin teslim alanla görüşmesi için verilen {tr} doldu",
    )
    return _Verdict(Act.NEEDS_PERSON, PolicyRule.THIRD_PARTY_CHECK_OVER, (over, *who))


def _reopened(dispute: Dispute) -> bool:
    """The current review is one a supervisor reopened (not the first, nor an appeal's)."""
    starts = [entry.action for entry in dispute.timeline if entry.action in ("appealed", "reopened")]
    return bool(starts) and starts[-1] == "reopened"


def check_starts(dispute: Dispute, received_at: datetime) -> datetime:
    """When the customer's time to check with a third party starts: when they can first be told of the hand-over
    whose proof arrived at `received_at`. That is its arrival while the case is worked; the opening for a proof that
    came before it (carriers push at delivery, customers report later); the next review (an appeal's: in a review a
    supervisor reopened, a person weighs any hand-over) for one that came while the case was decided. A new review of a case that held the proof while it was worked
    gives no new time: the customer was told of the hand-over then and had their time, or a person decided before it
    ran out; a second one would hold the new review, whose deadlines start again, for a check already made. Read
    from the proof's arrival and the timeline up to the review after it, so every assessment finds the same start."""
    worked = True  # a proof that came before the opening: the case is worked from its opening
    for entry in dispute.timeline:
        if entry.to_status is None:
            continue
        if entry.at <= received_at:
            worked = entry.to_status in ACTIVE
        elif worked:
            break
        elif entry.to_status in ACTIVE:
            return entry.at
    return max(received_at, dispute.opened_at)


def _for_a_person(verdict: _Verdict, added: Finding) -> _Verdict:
    """The customer's new evidence is weighed by a person, whatever the carrier's proof says."""
    if verdict.action is Act.NEEDS_PERSON:
        return replace(verdict, decisive=(*verdict.decisive, added))
    return _Verdict(Act.NEEDS_PERSON, PolicyRule.CUSTOMER_EVIDENCE, (added, *verdict.decisive),
                    carrier_liable=verdict.carrier_liable, lines=verdict.lines)


def _for_customer(dispute: Dispute) -> Act:
    reship = dispute.preferred_resolution is Resolution.RESHIP and dispute.order.reshippable
    return Act.RESHIP if reship else Act.REFUND
