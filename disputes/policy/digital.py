"""What a digital order line's delivery record shows, and the action it leads to. Policy table, per claimed line
(every line of the order, or those claimed missing; the record of a line not claimed is not read):

    no record yet, before the evidence deadline     → a person, waiting for the record (provisional)
    no record by the deadline                        → refund: delivery cannot be shown
    no record by the deadline, the provider having
    refused us (`Dispute.provider_refused`)          → a person: its answers said nothing of the line
    never sent, or sent without its code/link        → refund
    activated                                        → rejection recommended, the activation as evidence
    sent and not opened, opened and not activated    → a person

The claimed lines read together: any waiting for its record, then any for a person, sends the case to a person
(a line without a record is never rejected on the others'); otherwise any to refund makes it a refund of those lines
alone (`DigitalReading.lines`), the activated ones recommended for rejection; only with every line activated is the
claim rejected.

Digital goods cannot be shipped again: the customer's remedy is a refund (reissuing a code is the seller's
business, outside this service)."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from disputes.model import Dispute
from disputes.notices import deadline
from disputes.policy.wording import finding
from schemas.digital import DigitalChannel, DigitalDelivery, DigitalState
from schemas.dispute import MissingItem
from schemas.recommendation import Effect, Finding, PolicyRule
from schemas.recommendation import RecommendedAction as Act

ISTANBUL = ZoneInfo("Europe/Istanbul")
S, A, N = Effect.SUPPORTS_DELIVERY, Effect.AGAINST_DELIVERY, Effect.NEUTRAL
_CHANNEL = {
    DigitalChannel.EMAIL: ("by e-mail", "e-posta ile"),
    DigitalChannel.APP: ("in the app", "uygulama üzerinden"),
    DigitalChannel.SMS: ("by SMS", "SMS ile"),
    DigitalChannel.UNKNOWN: ("by an unstated channel", "belirtilmeyen bir kanalla"),
}
_SENT_TO_TR = {
    DigitalChannel.EMAIL: "adresine",
    DigitalChannel.APP: "hesabına",
    DigitalChannel.SMS: "numarasına",
    DigitalChannel.UNKNOWN: "adresine",
}
"""What `sent_to` is, in Turkish after it, by channel: an e-mail address, an app account, a phone number."""
_RULES = {
    DigitalState.NOT_SENT: (Act.REFUND, PolicyRule.DIGITAL_NOT_DELIVERED),
    DigitalState.LINK_MISSING: (Act.REFUND, PolicyRule.DIGITAL_NOT_DELIVERED),
    DigitalState.SENT: (Act.NEEDS_PERSON, PolicyRule.DIGITAL_NOT_ACTIVATED),
    DigitalState.OPENED: (Act.NEEDS_PERSON, PolicyRule.DIGITAL_NOT_ACTIVATED),
    DigitalState.ACTIVATED: (Act.REJECT, PolicyRule.DIGITAL_ACTIVATED),
}
_PRECEDENCE = (Act.NEEDS_PERSON, Act.REFUND, Act.REJECT)
"""Which line's action is the case's: the first of these any claimed line leads to."""
_NOT_DELIVERED = (Act.REFUND, PolicyRule.DIGITAL_NOT_DELIVERED)


@dataclass(frozen=True, slots=True)
class DigitalReading:
    action: Act
    """REFUND stands for "for the customer": the engine picks the remedy."""
    rule: PolicyRule
    findings: tuple[Finding, ...]
    lines: tuple[MissingItem, ...] = ()
    """The claimed lines the record does not show delivered (never sent, sent without the code or link, no record by
    the deadline), each with all its units claimed: those a refund pays."""


def read_digital(dispute: Dispute, now: datetime) -> DigitalReading:
    claimed = dispute.claimed_lines
    skus = {m.sku for m in claimed}
    records = [r for r in dispute.digital_deliveries if r.sku in skus]
    if not records:
        if dispute.proof_missing or now >= dispute.sla.evidence_due:
            if dispute.provider_refused is not None:
                return _refused(dispute, [m.sku for m in claimed], ())
            missing = finding(
                "digital_no_record_by_deadline", A, [],
                "The digital delivery provider gave no delivery record by the deadline",
                "Dijital teslimat sağlayıcısı süresi içinde teslimat kaydı sunmadı",
            )
            return DigitalReading(Act.REFUND, PolicyRule.DIGITAL_NOT_DELIVERED, (missing,), tuple(claimed))
        due, due_tr = deadline(dispute.sla.evidence_due).told
        waiting = finding(
            "awaiting_digital_record", N, [],
            f"Waiting for the digital delivery record (due {due})", f"Dijital teslimat kaydı bekleniyor (son: {due_tr})",
        )
        return DigitalReading(Act.NEEDS_PERSON, PolicyRule.AWAITING_DIGITAL_RECORD, (waiting,))
    found = tuple(f for state in DigitalState if (f := _finding(state, records)))
    states = {r.sku: r.state for r in records}
    if unrecorded := [m.sku for m in claimed if m.sku not in states]:  # a line whose delivery is not shown
        if not (dispute.proof_missing or now >= dispute.sla.evidence_due):
            return _awaiting(dispute, unrecorded, found)
        if dispute.provider_refused is not None:
            return _refused(dispute, unrecorded, found)
        found = (_no_record_of(unrecorded), *found)
    outcomes = [_RULES[state] for state in states.values()] + ([_NOT_DELIVERED] if unrecorded else [])
    action, rule = min(outcomes, key=lambda outcome: _PRECEDENCE.index(outcome[0]))
    refunded = tuple(m for m in claimed if m.sku not in states or _RULES[states[m.sku]][0] is Act.REFUND)
    return DigitalReading(action, rule, found, refunded)


def _no_record_of(skus: list[str]) -> Finding:
    lines = ", ".join(skus)
    return finding(
        "digital_no_record_by_deadline", A, [],
        f"The digital delivery provider gave no delivery record of {lines} by the deadline",
        f"Dijital teslimat sağlayıcısı {lines} için süresi içinde teslimat kaydı sunmadı", lines=len(skus),
    )


def _refused(dispute: Dispute, skus: list[str], found: tuple[Finding, ...]) -> DigitalReading:
    """The deadline passed with no record of some claimed lines, the provider having refused us: what it answered
    (a refusal, a redirect, a page not its own, a body that is no record) says nothing of them, so no refund is
    read from it. A person decides, told why, and may ask the provider again."""
    lines = ", ".join(skus)
    said = dispute.provider_refused or ""
    refused = finding(
        "digital_provider_refused", N, [],
        f"The digital delivery provider refused our requests for the delivery record of {lines} by the deadline "
        f"(latest: {said}): that says nothing of whether the code or link was sent; a person decides, and may ask "
        "the provider again",
        f"Dijital teslimat sağlayıcısı {lines} için teslimat kaydı isteklerimizi süresi içinde reddetti: bu, kodun ya "
        "da bağlantının gönderilip gönderilmediği hakkında bilgi vermez; kararı bir uzman verir, sağlayıcıya yeniden "
        "sorabilir",
        lines=len(skus), refusal=said,
    )
    return DigitalReading(Act.NEEDS_PERSON, PolicyRule.DIGITAL_PROVIDER_REFUSED, (refused, *found))


def _awaiting(dispute: Dispute, skus: list[str], found: tuple[Finding, ...]) -> DigitalReading:
    """Some claimed lines have records, others none yet: a person, waiting for theirs until the deadline."""
    lines = ", ".join(skus)
    due, due_tr = deadline(dispute.sla.evidence_due).told
    waiting = finding(
        "awaiting_digital_record", N, [],
        f"Waiting for the digital delivery record of {lines} (due {due})",
        f"{lines} için dijital teslimat kaydı bekleniyor (son: {due_tr})", lines=len(skus),
    )
    return DigitalReading(Act.NEEDS_PERSON, PolicyRule.AWAITING_DIGITAL_RECORD, (waiting, *found))


def _finding(state: DigitalState, records: Sequence[DigitalDelivery]) -> Finding | None:
    """One finding for the case's lines in `state` (None: no line is)."""
    lines = [r for r in records if r.state is state]
    if not lines:
        return None
    en, tr = zip(*(_words(r) for r in lines), strict=True)
    effect = {DigitalState.ACTIVATED: S, DigitalState.NOT_SENT: A, DigitalState.LINK_MISSING: A}.get(state, N)
    return finding(f"digital_{state.value}", effect, [], "; ".join(en), "; ".join(tr), lines=len(lines))


def _words(r: DigitalDelivery) -> tuple[str, str]:
    if r.state is DigitalState.NOT_SENT:
        return (f"{r.sku}: the provider has no record of sending the code or link",
                f"{r.sku}: sağlayıcıda kodun ya da bağlantının gönderildiğine dair kayıt yok")
    how, how_tr = _CHANNEL[r.channel]
    to = f" to {r.sent_to}" if r.sent_to else ""
    to_tr = f" {r.sent_to} {_SENT_TO_TR[r.channel]}" if r.sent_to else ""
    on_day = f" on {_when(r.sent_at)}" if r.sent_at else ""
    on_day_tr = f" {_when(r.sent_at)} tarihinde" if r.sent_at else ""
    sent, sent_tr = f"{r.sku}: sent {how}{to}{on_day}", f"{r.sku}:{on_day_tr}{to_tr} {how_tr} gönderildi"
    match r.state:
        case DigitalState.ACTIVATED:
            assert r.activated_at is not None
            on = _when(r.activated_at)
            return f"{sent}, activated on {on}", f"{sent_tr}, {on} tarihinde etkinleştirildi"
        case DigitalState.LINK_MISSING:
            return f"{sent}, without the code or a working link", f"{sent_tr}, ancak kod ya da çalışan bağlantı yoktu"
        case DigitalState.OPENED:
            assert r.opened_at is not None
            on = _when(r.opened_at)
            return f"{sent}, opened on {on}, not activated", f"{sent_tr}, {on} tarihinde açıldı, etkinleştirilmedi"
        case _:
            return f"{sent}, not opened", f"{sent_tr}, açılmadı"


def _when(at: datetime) -> str:
    return at.astimezone(ISTANBUL).strftime("%d.%m.%Y %H:%M")
