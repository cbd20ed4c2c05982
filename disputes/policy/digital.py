"""What a digital order line's delivery record shows, and the action it leads to. Policy table, per case (the
lines of one case are read together, the least delivered line deciding):

    no record yet, before the evidence deadline     → a person, waiting for the record (provisional)
    no record by the deadline                        → refund: delivery cannot be shown
    (a claimed line without a record, beside lines with one, is read the same way: never rejected on the others)
    a line never sent, or sent without its code/link → refund
    every line activated                             → rejection recommended, the activation as evidence
    otherwise (sent and not opened, opened and not activated) → a person

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


@dataclass(frozen=True, slots=True)
class DigitalReading:
    action: Act
    """REFUND stands for "for the customer": the engine picks the remedy."""
    rule: PolicyRule
    findings: tuple[Finding, ...]


def read_digital(dispute: Dispute, now: datetime) -> DigitalReading:
    records = dispute.digital_deliveries
    if not records:
        if dispute.proof_missing or now >= dispute.sla.evidence_due:
            missing = finding(
                "digital_no_record_by_deadline", A, [],
                "The digital delivery provider gave no delivery record by the deadline",
                "Dijital teslimat sağlayıcısı süresi içinde teslimat kaydı sunmadı",
            )
            return DigitalReading(Act.REFUND, PolicyRule.DIGITAL_NOT_DELIVERED, (missing,))
        due, due_tr = deadline(dispute.sla.evidence_due).told
        waiting = finding(
            "awaiting_digital_record", N, [],
            f"Waiting for the digital delivery record (due {due})", f"Dijital teslimat kaydı bekleniyor (son: {due_tr})",
        )
        return DigitalReading(Act.NEEDS_PERSON, PolicyRule.AWAITING_DIGITAL_RECORD, (waiting,))
    found = tuple(f for state in DigitalState if (f := _finding(state, records)))
    if unrecorded := _unrecorded(dispute):  # a line without a record is a line whose delivery is not shown
        return _without_record(dispute, now, unrecorded, found)
    least = min((r.state for r in records), key=list(DigitalState).index)
    action, rule = _RULES[least]
    return DigitalReading(action, rule, found)


def _unrecorded(dispute: Dispute) -> list[str]:
    """The claimed lines the provider gave no record of."""
    recorded = {r.sku for r in dispute.digital_deliveries}
    claimed = [m.sku for m in dispute.missing_items] if dispute.partial else [i.sku for i in dispute.order.items]
    return [sku for sku in claimed if sku not in recorded]


def _without_record(dispute: Dispute, now: datetime, skus: list[str], found: tuple[Finding, ...]) -> DigitalReading:
    """Some claimed lines have records, others none: waiting for theirs until the deadline, then for the customer."""
    lines = ", ".join(skus)
    if dispute.proof_missing or now >= dispute.sla.evidence_due:
        missing = finding(
            "digital_no_record_by_deadline", A, [],
            f"The digital delivery provider gave no delivery record of {lines} by the deadline",
            f"Dijital teslimat sağlayıcısı {lines} için süresi içinde teslimat kaydı sunmadı", lines=len(skus),
        )
        return DigitalReading(Act.REFUND, PolicyRule.DIGITAL_NOT_DELIVERED, (missing, *found))
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
