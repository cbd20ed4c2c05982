"""What the customer is told at each step: what happens next and by when, in Turkish and English.

Every sentence holds for the claim it is told of: its kind (a parcel not received, items missing from a delivered
package, a code or link), its outcome and reason, its state, the time it is read at, and whether the refund or
reshipment decided is under way or was held back (`held_back`). A rejection says what it rests on: the carrier's proof
for a parcel, the packing record for the contents of a package, the delivery record for each code or link claimed (as
far as that record shows it got), or the review of the account's claims.
"""

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from disputes.model import NEW_REVIEW, Dispute, rejects_any
from disputes.notices import (
    deadline, due_day, information_requested, restriction_confirmed, restriction_raised, restriction_told,
)
from disputes.policy.messages import third_party_words
from disputes.policy.missing import packing_finding
from disputes.policy.names import best_order_name
from disputes.policy.receivers import Receiver, read_receiver
from disputes.policy.settings import PolicySettings
from disputes.policy.wording import AT_WORK_WORDS, RELATION_WORDS, money, place_words
from disputes.sla import taken_at_the_deadline
from schemas.common import Outcome, RefundDestination, Resolution, Role
from schemas.digital import DigitalState
from schemas.proof import RecipientRelation
from schemas.dispute import (
    CompensatedLine, Decision, LineOutcome, OutboxMessage, ReasonCode, Restriction, RestrictionState, Status,
    SubmissionKind, TimelineEntry,
)
from schemas.recommendation import RecommendedAction

ISTANBUL = ZoneInfo("Europe/Istanbul")

type Words = tuple[str, str]
"""(English, Turkish)."""

_DIGITAL_SHOWS: dict[DigitalState, tuple[str, str]] = {
    DigitalState.ACTIVATED: ("was activated", "etkinleştirildiğini"),
    DigitalState.OPENED: ("was sent and opened, but not activated", "gönderildiğini ve açıldığını, ancak etkinleştirilmediğini"),
    DigitalState.SENT: ("was sent, but not opened or activated", "gönderildiğini, ancak açılmadığını ve etkinleştirilmediğini"),
    DigitalState.LINK_MISSING: ("was sent without the code or a working link", "kod ya da çalışan bağlantı olmadan gönderildiğini"),
    DigitalState.NOT_SENT: ("was not sent", "gönderilmediğini"),
}
"""What a delivery record shows of a code or link in each state: English after "your code or link", Turkish
between "kodunuzun ya da bağlantınızın" and "gösteriyor"."""
_TO: dict[RefundDestination, Words] = {
    RefundDestination.WALLET: ("your wallet", "cüzdanınıza"),
    RefundDestination.ORIGINAL_PAYMENT: ("your original payment method", "orijinal ödeme yönteminize"),
}
_TOLD = ("Our team has been told and will contact you.", "Ekibimiz durumdan haberdar edildi ve sizinle iletişime geçecek.")
"""After a refund or reshipment held back: what happens instead (the write that parked it alerted staff, and told the
customer these words in place of the decision's notification held back with it: docs/downstream.md)."""
_ASK_AROUND = (
    "Please ask your neighbours and your building's doorman (kapıcı) too: parcels shown as delivered are often left "
    "with them.",
    "Lütfen komşularınıza ve binanızın kapıcısına da sorun: teslim edildi görünen paketler çoğu zaman onlara bırakılır.",
)
"""For a parcel not received: from the opening on, and with the carrier's delivery record once it is in."""

type Held = frozenset[tuple[int, Outcome, str | None]]
"""Refunds and reshipments held back: each as the decision that issued it, its outcome and its line's SKU (None: the
whole package)."""


def _date(at: datetime) -> str:
    day = at.astimezone(ISTANBUL).date()
    return f"{day.day:02d}.{day.month:02d}.{day.year}"


def _decided_on(dispute: Dispute, decision: Decision) -> str:
    """The day a decision is told as taken: its own, but a decision by the deadline rule taken at the deadline (the
    instant that ends the promised day) belongs to the day promised. `decided_at` keeps the instant. The case's
    deadline is the decision's: only an appeal or a reopening, which a newer decision ends, sets another."""
    due = dispute.sla.decision_due
    if taken_at_the_deadline(decision, due):
        return due_day(due)
    return _date(decision.decided_at)


def _moment(at: datetime) -> str:
    return at.astimezone(ISTANBUL).strftime("%d.%m.%Y %H:%M")


def _join(*parts: Words) -> Words:
    return " ".join(en for en, _ in parts), " ".join(tr for _, tr in parts)


def _named(dispute: Dispute, skus: list[str]) -> str:
    """Lines' products as the order names them (by the first of a SKU's items with a name; the SKU where none has)."""
    names = {item.sku: item.name for item in reversed(dispute.order.items) if item.name.strip()}
    return ", ".join(names.get(sku, sku) for sku in skus)


def _counted(dispute: Dispute, lines: Sequence[LineOutcome | CompensatedLine]) -> str:
    """Lines' products by name, each with its units over `lines` ("Çay bardağı ×2"), in the order first named."""
    units: dict[str, int] = {}
    for line in lines:
        units[line.sku] = units.get(line.sku, 0) + line.quantity
    return ", ".join(f"{_named(dispute, [sku])} ×{count}" for sku, count in units.items())


def next_step(dispute: Dispute, appeal_window: timedelta, now: datetime | None = None) -> Words:
    """(English, Turkish), as at `now`: the case's time (its test clock's, in the sandbox). Without it, the appeal
    window is told as open and the decision date as still ahead. Then the account restriction the case raised, as the
    account service took it (never why: its signals and a supervisor's reasons are staff's)."""
    told = _of_the_case(dispute, appeal_window, now)
    if dispute.restriction is None or dispute.test_clock is not None:  # a clock's case tells nothing of the account
        return told
    taken = _restriction_taken(dispute, dispute.restriction)
    return told if taken is None else _join(told, taken)


def appeal_removed(dispute: Dispute, appeal_window: timedelta, now: datetime) -> Words:
    """(English, Turkish): the appeal recorded on the case by mistake was removed (the customer was told it was
    received), then the case as it stands again, decided, with the time left to appeal it."""
    removed = ("The appeal recorded on your claim by mistake was removed.",
               "Başvurunuza yanlışlıkla kaydedilen itiraz kaldırıldı.")
    return _join(removed, next_step(dispute, appeal_window, now))


_CHANGES = {RestrictionState.PENDING_REVIEW: "restricted", RestrictionState.CONFIRMED: "confirmed",
            RestrictionState.LIFTED: "lifted"}
"""The change to the account restriction that leaves it in each state (its `account_restriction` message's key)."""


def _restriction_taken(dispute: Dispute, restriction: Restriction) -> Words | None:
    """The restriction as the account service took it: as it stands once its latest change was delivered; while that
    change is on its way, or was refused or never answered, as the change before it left the account (a lift after a
    confirmation: confirmed); nothing before the account service took the restriction itself."""
    delivered = {effect.key for effect in dispute.effects_delivered}

    def taken(change: str) -> bool:
        return f"{dispute.id}:restriction:{change}" in delivered

    if not taken("restricted"):  # the account service never took the restriction: none of its changes is told
        return None
    if taken(_CHANGES[restriction.state]):
        return restriction_told(restriction)
    if restriction.state is RestrictionState.LIFTED and taken("confirmed"):
        return restriction_confirmed(next(e.at for e in reversed(dispute.timeline) if e.action == "restriction_confirmed"))
    return restriction_raised(restriction.review_due)


def _of_the_case(dispute: Dispute, appeal_window: timedelta, now: datetime | None) -> Words:
    decision = dispute.decision
    if dispute.status is Status.WITHDRAWN:
        withdrawal = next((entry for entry in reversed(dispute.timeline) if entry.action == "withdrawn"), None)
        return _WITHDRAWN[withdrawal is not None and withdrawal.role is Role.AGENT]
    if dispute.status is Status.RESOLVED and decision is not None:
        return _resolved(dispute, decision, appeal_window, now)
    if (waiting := dispute.open_information_request) is not None:
        return information_requested(waiting.question, waiting.answer_by, dispute.sla.decision_due, now)
    under_way = _join(_under_way(dispute), _answer_by(dispute.sla.decision_due, now))
    begun = next((entry for entry in reversed(dispute.timeline) if entry.action in NEW_REVIEW), None)
    restored = begun is not None and begun.action == "reopened" and begun.from_status is Status.WITHDRAWN
    return _join(_RESTORED, under_way) if restored else under_way


_WITHDRAWN: dict[bool, Words] = {
    False: ("You withdrew this claim; nothing more will happen.", "Bu başvuruyu geri çektiniz; başka işlem yapılmayacak."),
    True: (
        "At your request, our customer service withdrew your claim; nothing more will happen.",
        "Müşteri hizmetlerimiz talebiniz üzerine başvurunuzu geri çekti; başka işlem yapılmayacak.",
    ),
}
"""A withdrawn claim, by whether a customer-service agent withdrew it for the customer."""
_RESTORED = (
    "Your claim, which had been withdrawn, is under review again.",
    "Geri çekilen başvurunuz yeniden incelemeye alındı.",
)
"""A claim a supervisor reopened after it was withdrawn (by mistake), while its review lasts."""


def reads_otherwise_from(dispute: Dispute, appeal_window: timedelta) -> datetime | None:
    """The instant from which `next_step` reads otherwise with no change to the case (None: it never does): the
    appeal window's end passed, for a rejection still open to appeal; the date to answer a question by, while it is
    open; the decision deadline, for a case under way. Before it, and from it on, the words are the same whatever the
    time (what the relay changes with no new version is `held_back`'s)."""
    decision = dispute.decision
    if dispute.status is Status.WITHDRAWN:
        return None
    if dispute.status is Status.RESOLVED and decision is not None:
        if dispute.appeal is not None or not rejects_any(decision) or dispute.compensation_issued:
            return None
        return decision.appeal_end(appeal_window) + timedelta(microseconds=1)
    if (waiting := dispute.open_information_request) is not None:
        return waiting.answer_by
    return dispute.sla.decision_due


def held_back(dispute: Dispute) -> Held:
    """The resolved case's refunds and reshipments the relay parked, whichever decision issued them, that no later
    decision replaced: payments or fulfillment refused them, or they ran out of attempts. The relay parks them with
    no new version, so what `next_step` says of them changes with none. Each is found by its key
    (`Dispute.compensation_key`): a missing line's by the decision that paid it, the package's by each decision that
    may have. A parked line's units are decided again by the next decision that has lines (`Dispute.uncompensated`),
    which replaces it; the package's is replaced once another compensation of it stands."""
    decision = dispute.decision
    if not dispute.effects_parked or decision is None or dispute.status is not Status.RESOLVED:
        return frozenset()
    paid: list[tuple[int, Outcome, str | None]] = [
        (line.decision, line.outcome, line.sku) for line in dispute.compensated_lines
    ]
    if dispute.compensation is not None:
        paid += [(n, dispute.compensation, None) for n in range(1, decision.sequence + 1)]
    parked = {message.key: message for message in dispute.effects_parked}
    left, redecided = dispute.uncompensated(), {line.sku for line in decision.lines}

    def standing(n: int, sku: str | None, message: OutboxMessage) -> bool:
        if sku is None:  # the package: one that did not happen and a later decision replaced will never be sent
            replaced = n != decision.sequence and message.parked is not None and message.parked.did_not_happen
            return not dispute.compensation_issued and not replaced
        return left[sku] > 0 and (n == decision.sequence or sku not in redecided)

    return frozenset(
        held for held in paid
        if (message := parked.get(dispute.compensation_key(*held))) is not None and standing(held[0], held[2], message)
    )


# --- a decided case ------------------------------------------------------------------------------------------


def _resolved(dispute: Dispute, decision: Decision, appeal_window: timedelta, now: datetime | None) -> Words:
    held = held_back(dispute)
    told = [_decided(dispute, decision, held, appeal_window, now), *_paid_before(dispute, decision, held)]
    if held and all(n != decision.sequence for n, _, _ in held):  # held back before: the latest decision did not say
        told.append(_TOLD)
    return _join(*told)


def _decided(dispute: Dispute, decision: Decision, held: Held, appeal_window: timedelta, now: datetime | None) -> Words:
    if decision.outcome is not Outcome.REJECTED and _decides_the_appeal(dispute, decision):
        return _join(_APPEAL_ACCEPTED[rejects_any(decision)], _decision(dispute, decision, held, appeal_window, now))
    return _decision(dispute, decision, held, appeal_window, now)


_APPEAL_ACCEPTED: dict[bool, Words] = {
    False: ("Your appeal was accepted.", "İtirazınız kabul edildi."),
    True: ("Your appeal was accepted in part.", "İtirazınız kısmen kabul edildi."),
}
"""A decision ending an appeal's review that pays, by whether it still rejects some of the units claimed."""


def _decision(dispute: Dispute, decision: Decision, held: Held, appeal_window: timedelta, now: datetime | None) -> Words:
    if decision.lines:
        told = _join(_missing_lines_resolved(dispute, decision, held), *_refunded_not_reshipped(dispute, decision))
        return _join(told, _appeal(dispute, decision, appeal_window, now)) if rejects_any(decision) else told
    decided = _decided_on(dispute, decision)
    if decision.outcome is not Outcome.REJECTED:
        on = (f"Decided on {decided}:", f"{decided} tarihinde karar verildi:")
        if decision.outcome is Outcome.REFUND and not dispute.order.value_minor:  # no payment was sent
            return _join(on, ("the package came free, so there is nothing to refund.",
                              "paket ücretsizdi, bu yüzden iade edilecek bir tutar yok."))
        compensation = _compensation(dispute, decision, (decision.sequence, decision.outcome, None) in held)
        return _join(on, compensation, *_refunded_not_reshipped(dispute, decision))
    if dispute.compensation_issued:  # the rejection rejected nothing, nor can it be appealed: what was paid stands
        paid, paid_tr = _ALREADY_PAID[dispute.paid_per_line, dispute.order.is_digital]  # (`_paid_before` names lines)
        return (
            f"Your claim was reviewed again on {decided}: {paid}, so nothing changes.",
            f"Başvurunuz {decided} tarihinde yeniden incelendi: {paid_tr}, bu yüzden değişen bir şey yok.",
        )
    if _decides_the_appeal(dispute, decision):
        if dispute.compensation is not None:  # what an earlier decision paid stands: the appeal was of the rest
            return (f"Your appeal was reviewed on {decided} and rejected.",
                    f"İtirazınız {decided} tarihinde incelendi ve reddedildi.")
        return (
            f"Your appeal was reviewed on {decided} and the claim rejected.",
            f"İtirazınız {decided} tarihinde incelendi ve başvurunuz reddedildi.",
        )
    return _join(_rejected_because(dispute, decision), _appeal(dispute, decision, appeal_window, now))


_ALREADY_PAID: dict[tuple[bool, bool], Words] = {
    (False, False): ("your package had already been refunded or reshipped",
                     "paketiniz için daha önce iade ya da yeniden gönderim yapılmıştı"),
    (True, False): ("every item you claimed had already been refunded or reshipped",
                    "başvurduğunuz tüm ürünler için daha önce iade ya da yeniden gönderim yapılmıştı"),
    (False, True): ("your order had already been refunded", "siparişiniz için daha önce iade yapılmıştı"),
    (True, True): ("every code and link you claimed had already been refunded",
                   "başvurduğunuz tüm kodlar ve bağlantılar için daha önce iade yapılmıştı"),
}
"""What was paid before a rejection that rejected nothing, by whether it was paid line by line and whether the order
is digital (a code or link is refunded, never shipped again)."""


def _paid_before(dispute: Dispute, decision: Decision, held: Held) -> list[Words]:
    """What earlier decisions refunded or reshipped, which stands whatever the latest one says: under way, or held
    back (a held-back line a later decision replaced is not told: `held_back`)."""
    if dispute.compensation is None:
        return []
    if not dispute.paid_per_line:  # the whole package: paid before only if this decision paid nothing
        if decision.outcome is not Outcome.REJECTED or not (dispute.compensation_issued or held):
            return []  # this decision paid, or what an earlier one decided was refused for good: nothing stands
        return [_PACKAGE_BEFORE[dispute.compensation, bool(held)]]
    parked = {message.key for message in dispute.effects_parked}
    earlier = [
        line for line in dispute.compensated_lines
        if line.decision != decision.sequence and (
            (line.decision, line.outcome, line.sku) in held
            or dispute.compensation_key(line.decision, line.outcome, line.sku) not in parked
        )
    ]
    told: list[Words] = []
    for delayed in (False, True):
        lines = [line for line in earlier if ((line.decision, line.outcome, line.sku) in held) is delayed]
        if before := _lines_before(dispute, lines, delayed):
            told.append(before)
    return told


_PACKAGE_BEFORE: dict[tuple[Outcome, bool], Words] = {
    (Outcome.REFUND, False): ("The refund decided before stands.", "Daha önce kararlaştırılan iade geçerlidir."),
    (Outcome.RESHIP, False): (
        "The reshipment decided before stands.", "Daha önce kararlaştırılan yeniden gönderim geçerlidir.",
    ),
    (Outcome.REFUND, True): ("The refund decided before is delayed.", "Daha önce kararlaştırılan iade gecikiyor."),
    (Outcome.RESHIP, True): (
        "The reshipment decided before is delayed.", "Daha önce kararlaştırılan yeniden gönderim gecikiyor.",
    ),
}
"""What an earlier decision's refund or reshipment of the package is, by whether it was held back."""


def _lines_before(dispute: Dispute, lines: list[CompensatedLine], delayed: bool) -> Words | None:
    """The refund of earlier decisions' `lines`' value and the reshipment of their items: standing, or held back.
    None when there is nothing to tell (no line, or free lines only: nothing was sent for them)."""
    told: list[Words] = []
    if refunded := [line for line in lines if line.outcome is Outcome.REFUND and line.amount_minor]:
        amount, amount_tr = money(sum(line.amount_minor for line in refunded), dispute.order.currency)
        told.append((f"the refund of {amount}", f"{amount_tr} tutarındaki iade"))
    if reshipped := _counted(dispute, [line for line in lines if line.outcome is Outcome.RESHIP]):
        told.append((f"the reshipment of {reshipped}", f"{reshipped} ürünlerinin yeniden gönderimi"))
    if not told:
        return None
    state, state_tr = ("delayed", "geciken") if delayed else ("standing", "geçerli olan")
    return (f"Decided before and {state}: {' and '.join(en for en, _ in told)}.",
            f"Daha önce kararlaştırılan ve {state_tr}: {' ve '.join(tr for _, tr in told)}.")


def _compensation(dispute: Dispute, decision: Decision, delayed: bool) -> Words:
    """The package's refund (of the order's value) or reshipment: under way, or held back."""
    if decision.outcome is Outcome.REFUND:
        if not delayed:
            return _refund(dispute, decision, dispute.order.value_minor, [None])
        to, to_tr = _refund_to(decision)
        amount, amount_tr = money(dispute.order.value_minor, dispute.order.currency)
        return _join((f"your refund of {amount} to {to} is delayed.",
                      f"{amount_tr} tutarındaki, {to_tr} yapılacak ücret iadeniz gecikiyor."), _TOLD)
    if delayed:
        return _join(("the reshipment of your items is delayed.", "ürünlerinizin yeniden gönderimi gecikiyor."), _TOLD)
    if (taken := _taken_on(dispute, decision, Outcome.RESHIP, [None])) is None:
        return "we are shipping your items again.", "ürünleriniz yeniden gönderiliyor."
    return f"we sent your items again on {taken}.", f"ürünleriniz {taken} tarihinde yeniden gönderildi."


_CANNOT_RESHIP: dict[bool, Words] = {
    False: ("You asked for a reshipment, but this order cannot be shipped again, so we are refunding it.",
            "Yeniden gönderim istediniz, ancak bu sipariş yeniden gönderilemediği için iade ediyoruz."),
    True: ("You asked for a reshipment, but a code or link cannot be sent again, so we are refunding it.",
           "Yeniden gönderim istediniz, ancak kod ya da bağlantı yeniden gönderilemediği için iade ediyoruz."),
}
"""Why a refund, to a customer who asked for a reshipment of an order that cannot be shipped again: by whether it is
digital."""


def _refunded_not_reshipped(dispute: Dispute, decision: Decision) -> list[Words]:
    """Why the decision refunds what the customer asked to be shipped again, where the order cannot be (the policy and
    the deadline rule refund it then, and a person may not reship it); nothing otherwise."""
    if dispute.preferred_resolution is not Resolution.RESHIP or dispute.order.reshippable:
        return []
    if decision.lines:
        refunds = any(line.outcome is Outcome.REFUND and line.amount_minor for line in decision.lines)
    else:
        refunds = decision.outcome is Outcome.REFUND and bool(dispute.order.value_minor)
    return [_CANNOT_RESHIP[dispute.order.is_digital]] if refunds else []


def _refund(dispute: Dispute, decision: Decision, amount_minor: int, skus: Sequence[str | None]) -> Words:
    """The refund of `amount_minor` the decision issued, of the package (`skus` [None]) or of lines (each its own
    message): being sent until payments took it (the relay delivered its messages, with no new version), then the day
    it did (the last of them)."""
    amount, amount_tr = money(amount_minor, dispute.order.currency)
    to, to_tr = _refund_to(decision)
    if (day := _taken_on(dispute, decision, Outcome.REFUND, skus)) is None:
        return (f"your refund of {amount} to {to} is being sent.",
                f"{amount_tr} tutarındaki ücret iadeniz {to_tr} yapılmak üzere gönderiliyor.")
    return f"we refunded {amount} to {to} on {day}.", f"{amount_tr} tutarındaki ücret iadeniz {day} tarihinde {to_tr} yapıldı."


def _taken_on(dispute: Dispute, decision: Decision, outcome: Outcome, skus: Sequence[str | None]) -> str | None:
    """The day the decision's refund or reshipment of the package (`skus` [None]) or of lines was taken by its service
    (payments, fulfillment): the day the relay delivered the last of its messages (with no new version); None while
    one is still on its way. Fulfillment's answer names its shipment's id alone (docs/downstream.md), no time of
    its own: a reshipment is dated by the day fulfillment took it, as a refund by the day payments did."""
    keys = {dispute.compensation_key(decision.sequence, outcome, sku) for sku in skus}
    delivered = [e.delivered_at for e in dispute.effects_delivered if e.key in keys]
    return _date(max(delivered)) if len(delivered) == len(keys) else None


def _refund_to(decision: Decision) -> Words:
    return _TO[decision.refund_to or RefundDestination.ORIGINAL_PAYMENT]


def _decides_the_appeal(dispute: Dispute, decision: Decision) -> bool:
    """The decision ends the review the appeal began (not a later reopening's)."""
    restarts = [e.action for e in dispute.timeline if e.action in ("appealed", "reopened") and e.at <= decision.decided_at]
    return dispute.appeal is not None and restarts[-1:] == ["appealed"]


def _appeal(dispute: Dispute, decision: Decision, appeal_window: timedelta, now: datetime | None) -> Words:
    """The appeal a decision that rejected something leaves: of the claim, or of the items rejected when it rejected
    only some of them (a missing-item decision in part)."""
    if dispute.appeal is not None:
        return ("You have already used your one appeal.", "Tek itiraz hakkınızı kullandınız.")
    ends = decision.appeal_end(appeal_window)
    until = _moment(ends)
    if now is not None and now > ends:  # `Dispute.file_appeal` refuses an appeal after `ends`, not at it
        return (f"The time to appeal ended on {until}.", f"İtiraz süresi {until} tarihinde sona erdi.")
    if decision.outcome is not Outcome.REJECTED:
        return (
            f"You may appeal the rejected items once, with new information, until {until}.",
            f"Reddedilen ürünler için {until} tarihine kadar yeni bilgiyle bir kez itiraz edebilirsiniz.",
        )
    return (
        f"You may appeal once, with new information, until {until}.",
        f"{until} tarihine kadar yeni bilgiyle bir kez itiraz edebilirsiniz.",
    )


def _rejected_because(dispute: Dispute, decision: Decision) -> Words:
    if decision.reason_code is ReasonCode.SUSPECTED_ABUSE:
        return (
            "We rejected your claim after reviewing the claims made from your account.",
            "Başvurunuzu, hesabınızdan yapılan başvuruları inceledikten sonra reddettik.",
        )
    if dispute.order.is_digital:
        return _digital_record_shows(dispute)
    if dispute.partial:
        if packing_finding(dispute).code == "items_packed":
            return (
                "The seller's packing record shows the items you reported missing were packed.",
                "Satıcının paketleme kaydı, eksik olarak bildirdiğiniz ürünlerin paketlendiğini gösteriyor.",
            )
        return (
            "We reviewed your claim and could not confirm that items were missing from the package.",
            "Başvurunuzu inceledik ve paketten ürün eksik olduğunu doğrulayamadık.",
        )
    if decision.reason_code is ReasonCode.THIRD_PARTY_CONFIRMED:
        return (
            "The person your parcel was handed to confirmed receiving it.",
            "Paketinizin teslim edildiği kişi paketi aldığını doğruladı.",
        )
    if (record := _delivery_record(dispute, decision.decided_at)) is not None:  # the proof the decision read
        return _join(("The carrier proved delivery.", "Kargo firması teslimatı belgeledi."), record, _ASK_AROUND)
    return (
        "We reviewed your claim and found that your parcel was delivered.",
        "Başvurunuzu inceledik ve paketinizin teslim edildiğini tespit ettik.",
    )


def _digital_record_shows(dispute: Dispute) -> Words:
    """What the delivery records show of the lines the rejection rejected (those no earlier decision paid), line by line
    where they got to different states or some have no record."""
    left = dispute.uncompensated() if dispute.paid_per_line else {}
    claimed = [m.sku for m in dispute.claimed_lines if left.get(m.sku, 1)]
    records = [r for r in dispute.digital_deliveries if r.sku in claimed]  # the claim's lines alone
    if not records:
        return ("We received no delivery record of your code or link.", "Kodunuzun ya da bağlantınızın teslimat kaydını almadık.")
    states = {r.state for r in records}
    if len(states) == 1 and {r.sku for r in records} == set(claimed):
        en, tr = _DIGITAL_SHOWS[states.pop()]
        return (f"The delivery record shows your code or link {en}.", f"Teslimat kaydı kodunuzun ya da bağlantınızın {tr} gösteriyor.")
    return _records_of(dispute, claimed)


def _records_of(dispute: Dispute, skus: list[str]) -> Words:
    """What the delivery records of the lines `skus` show, line by line, and which of them have none."""
    records = [r for r in dispute.digital_deliveries if r.sku in skus]
    recorded = {r.sku for r in records}
    unrecorded = _named(dispute, [sku for sku in skus if sku not in recorded])
    states = [state for state in DigitalState if any(r.state is state for r in records)]
    told: list[Words] = []
    en_parts: list[str] = []
    tr_parts: list[str] = []
    for state in states:
        named = _named(dispute, [r.sku for r in records if r.state is state])
        en, tr = _DIGITAL_SHOWS[state]
        en_parts.append(f"the code or link for {named} {en}")
        tr_parts.append(f"{named} için kodun ya da bağlantının {tr}")
    if records:
        told.append((f"The delivery record shows {'; '.join(en_parts)}.", f"Teslimat kaydı {'; '.join(tr_parts)} gösteriyor."))
    if unrecorded:
        told.append((
            f"We received no delivery record of the code or link for {unrecorded}.",
            f"Şu ürünlerin kodunun ya da bağlantısının teslimat kaydını almadık: {unrecorded}.",
        ))
    return _join(*told)


def _missing_lines_resolved(dispute: Dispute, decision: Decision, held: Held) -> Words:
    """Each missing line's outcome: the refunded lines' value, the reshipped lines' names (those under way, then those
    held back), the declined units, and the decision's date."""
    decided = _decided_on(dispute, decision)
    digital = dispute.order.is_digital
    told = [(f"Decided on {decided} for your codes and links.", f"Kodlarınız ve bağlantılarınız için {decided} tarihinde "
             "karar verildi.") if digital else
            (f"Decided on {decided} for the missing items.", f"Eksik ürünler için {decided} tarihinde karar verildi.")]
    now_held = {(outcome, sku) for n, outcome, sku in held if n == decision.sequence}
    for delayed in (False, True):
        lines = [line for line in decision.lines if ((line.outcome, line.sku) in now_held) is delayed]
        told += _lines_compensated(dispute, decision, lines, delayed)
    if now_held:
        told.append(_TOLD)
    rejected = [line for line in decision.lines if line.outcome is Outcome.REJECTED]
    if declined := _counted(dispute, rejected):
        if digital:  # a person may decline a line whatever its record shows: what it shows is told as it is
            told += [(f"Not refunded: {declined}.", f"İade edilmedi: {declined}."),
                     _records_of(dispute, list(dict.fromkeys(line.sku for line in rejected)))]
        else:
            told.append((f"We could not confirm these were missing: {declined}.",
                         f"Şunların eksik olduğunu doğrulayamadık: {declined}."))
    return _join(*told)


def _lines_compensated(dispute: Dispute, decision: Decision, lines: list[LineOutcome], delayed: bool) -> list[Words]:
    """The refund of `lines`' value and the reshipment of their items: under way, or held back."""
    told: list[Words] = []
    refunds = [line for line in lines if line.outcome is Outcome.REFUND]
    if free := _named(dispute, [line.sku for line in refunds if not line.amount_minor]):  # a gift: no payment is sent
        told.append((f"These items came free, so there is nothing to refund for them: {free}.",
                     f"Şu ürünler ücretsizdi, bu yüzden iade edilecek bir tutar yok: {free}."))
    if refunded := [line for line in refunds if line.amount_minor]:
        value = sum(line.amount_minor for line in refunded)
        if delayed:
            amount, amount_tr = money(value, dispute.order.currency)
            to, to_tr = _refund_to(decision)
            told.append((f"Your refund of {amount} to {to} is delayed.",
                         f"{amount_tr} tutarındaki, {to_tr} yapılacak iadeniz gecikiyor."))
        else:
            en, tr = _refund(dispute, decision, value, [line.sku for line in refunded])
            told.append((en[:1].upper() + en[1:], tr))
    if reshipped := _counted(dispute, reships := [line for line in lines if line.outcome is Outcome.RESHIP]):
        taken = _taken_on(dispute, decision, Outcome.RESHIP, [line.sku for line in reships])
        if delayed:
            told.append((f"The reshipment of these items is delayed: {reshipped}.",
                         f"Şu ürünlerin yeniden gönderimi gecikiyor: {reshipped}."))
        elif taken is None:
            told.append((f"We are shipping these items again: {reshipped}.", f"Şu ürünler yeniden gönderiliyor: {reshipped}."))
        else:
            told.append((f"We sent these items again on {taken}: {reshipped}.",
                         f"Şu ürünler {taken} tarihinde yeniden gönderildi: {reshipped}."))
    return told


# --- a case under way ----------------------------------------------------------------------------------------


def _answer_by(due_at: datetime, now: datetime | None) -> Words:
    due = deadline(due_at)
    if now is not None and now >= due_at:
        return (
            f"Our answer was due {due.by[0]} and is late; we will give it as soon as we can.",
            f"Yanıtımızı en geç {due.on_tr} vermemiz gerekiyordu ve gecikti; en kısa sürede vereceğiz.",
        )
    return (f"You will have our answer {due.by[0]}.", f"En geç {due.on_tr} yanıt vereceğiz.")


def _under_way(dispute: Dispute) -> Words:
    """What is being done now (the answer's date follows)."""
    decision, appeal = dispute.decision, dispute.appeal
    under_appeal = appeal is not None and decision is not None and appeal.appealed_at >= decision.decided_at
    added = dispute.new_customer_evidence()
    answer = _answered_in_a_message(dispute)
    if answer is not None and added and added[-1].submitted_at >= answer.at:
        answer = None  # what was added since is acknowledged instead
    if (dispute.status is Status.APPEALED or under_appeal) and answer is None and not (
        added and added[-1].kind is SubmissionKind.INFORMATION
    ):
        return _appeal_received(dispute)  # an investigator may have taken the appeal up
    if answer is not None:  # the customer's answer comes before the request to check with the receiver
        return _received(answer.at, answer.role is not Role.CUSTOMER, "answer")
    if added:
        return _received(added[-1].submitted_at, added[-1].submitted_by != dispute.customer_id, "information")
    if (again := _reviewed_again(dispute)) is not None:
        return again
    if (check := third_party_check(dispute)) is not None:
        return check
    if dispute.order.is_digital:
        return _digital_under_way(dispute)
    if dispute.partial:
        return _contents_under_way(dispute)
    if (record := _delivery_record(dispute)) is not None:
        reviewing = ("An investigator is reviewing the carrier's evidence.", "Bir uzmanımız kargo firmasının kanıtlarını inceliyor.")
        return _join(reviewing, record, _ASK_AROUND)
    if dispute.proof_missing:
        return (
            "The carrier gave no proof of delivery in time; an investigator is reviewing your claim.",
            "Kargo firması süresi içinde teslimat kanıtı sunmadı; bir uzmanımız başvurunuzu inceliyor.",
        )
    if dispute.status is Status.UNDER_REVIEW:  # the carrier's scans show no delivery, and a person looks at them
        return ("An investigator is reviewing your claim.", "Bir uzmanımız başvurunuzu inceliyor.")
    return _join(("We have asked the carrier for its proof of delivery.", "Kargo firmasından teslimat kanıtını istedik."),
                 _ASK_AROUND)


_GIVEN: dict[tuple[Literal["information", "answer"], bool], tuple[str, str, str]] = {
    ("information", False): ("the information you added", "eklediğiniz bilgileri", "bunları"),
    ("information", True): (
        "the information our customer service gave for you", "müşteri hizmetlerimizin sizin için ilettiği bilgileri",
        "bunları",
    ),
    ("answer", False): ("your answer", "verdiğiniz yanıtı", "bunu"),
    ("answer", True): (
        "the answer our customer service gave for you", "müşteri hizmetlerimizin sizin için ilettiği yanıtı", "bunu",
    ),
}
"""What the customer's side gave (information added, or an answer to our question in a message), by whether a
customer-service agent gave it for them: English, Turkish, and the Turkish word for it after."""


def _received(at: datetime, by_agent: bool, given: Literal["information", "answer"]) -> Words:
    on, (what, what_tr, it_tr) = _date(at), _GIVEN[given, by_agent]
    return (
        f"We received {what} on {on}; an investigator will review it with the rest of your case.",
        f"{on} tarihinde {what_tr} aldık; bir uzmanımız {it_tr} başvurunuzdaki diğer bilgilerle birlikte inceleyecek.",
    )


def _answered_in_a_message(dispute: Dispute) -> TimelineEntry | None:
    """The latest message that answered a question to the customer since the case was last decided."""
    for entry in reversed(dispute.timeline):
        if entry.action == "decided":
            return None
        if entry.action == "customer_message" and "reply_to" in entry.details:
            return entry
    return None


def third_party_notice(dispute: Dispute, now: datetime) -> Words | None:
    """The notification of a hand-over, as the view tells it at `now`: whom to check with and by when
    (`third_party_check`), and the answer's date; None when the policy waits for no such check."""
    check = third_party_check(dispute)
    return None if check is None else _join(check, _answer_by(dispute.sla.decision_due, now))


def third_party_check(dispute: Dispute) -> Words | None:
    """While the policy waits for the customer's check with whoever the carrier handed the parcel to: who received
    it, where and when, and the time to check by (`disputes/policy/messages.py`); None otherwise."""
    advice, handed_over, until = dispute.recommendation, dispute.delivery_proof, dispute.third_party_check_by
    if advice is None or advice.action is not RecommendedAction.WAIT_FOR_CUSTOMER_CHECK:
        return None
    return None if handed_over is None or until is None else third_party_words(handed_over, dispute.order, until)


def _delivery_record(dispute: Dispute, as_of: datetime | None = None) -> Words | None:
    """What the carrier's latest proof of delivery says that the customer may read: when, who received it and how
    they relate to the addressee as the carrier states it, and the carrier's words for the spot ("Front Door"). Never
    the courier, the coordinates or an address the carrier recorded (it may be another's). None: no proof yet.
    `as_of`: the latest received by then."""
    if (evidence := dispute.delivery_proof_as_of(as_of)) is None:
        return None
    proof = evidence.proof
    when = _moment(proof.delivered_at or dispute.order.delivered_at)
    told = [(f"delivered on {when}", f"teslim tarihi {when}")]
    receiver = read_receiver(proof)
    relation = None if receiver.relation is RecipientRelation.UNKNOWN or _someone_else(receiver, dispute, evidence.key) else (
        AT_WORK_WORDS if receiver.at_work else RELATION_WORDS[receiver.relation])
    if receiver.name and relation:
        told.append((f"received by: {receiver.name} ({relation[0]})", f"teslim alan: {receiver.name} ({relation[1]})"))
    elif receiver.name or relation:
        en, tr = relation or (receiver.name, receiver.name)
        told.append((f"received by: {en}", f"teslim alan: {tr}"))
    if proof.location is not None and proof.location.text and (spot := place_words(proof.location.text)) is not None:
        told.append((f"place: {spot[0]}", f"teslimat yeri: {spot[1]}"))
    return (f"The carrier's delivery record says: {'; '.join(en for en, _ in told)}.",
            f"Kargo firmasının teslimat kaydına göre: {'; '.join(tr for _, tr in told)}.")


def _someone_else(receiver: Receiver, dispute: Dispute, evidence_key: str) -> bool:
    """The carrier calls the receiver the recipient, but names someone the order's names are not like: as the policy
    found, by its configured threshold, when it judged this proof's receiver name (its finding, on the recommendation);
    by its default threshold for a proof it has not judged yet. No "recipient" is told of them."""
    if receiver.relation is not RecipientRelation.RECIPIENT or receiver.name is None:
        return False
    findings = dispute.recommendation.findings if dispute.recommendation is not None else []
    judged = next((finding.code for finding in findings if any(
        cited.evidence_key == evidence_key and cited.field == "proof.received_by" for cited in finding.evidence
    )), None)
    if judged is not None:
        return judged not in _NAME_MATCHES
    order = dispute.order
    return best_order_name(receiver.name, order.recipient_name, order.buyer_name).score < _NAME_MATCH


_NAME_MATCH = PolicySettings().name_match_threshold
_NAME_MATCHES = frozenset({"recipient_name_matches", "recipient_name_matches_masked"})
"""The policy's findings of a receiver named like someone on the order (`disputes/policy/findings.py`)."""

_DELAYED_TAKEN_UP: dict[Outcome, Words] = {
    Outcome.REFUND: ("Our team is looking into your delayed refund.", "Ekibimiz geciken iadenizle ilgileniyor."),
    Outcome.RESHIP: ("Our team is looking into your delayed reshipment.",
                     "Ekibimiz geciken yeniden gönderiminizle ilgileniyor."),
}
"""A review a supervisor reopened after the decision's refund or reshipment was parked: what the customer was told
instead of the decision (`_TOLD`: our team will contact them) is taken up, not the claim reviewed again."""


def _reviewed_again(dispute: Dispute) -> Words | None:
    """A review a supervisor reopened after a refund or reshipment: looked at again, and what was decided and issued
    stands, whatever this review finds (a rejection then changes nothing: `_ALREADY_PAID`). One parked is not told: it
    was not issued, or may not have been (`docs/downstream.md`); when the latest decision's was, the customer was told
    it is delayed, and the reopening takes that up (`_DELAYED_TAKEN_UP`). None for any other review."""
    begun_by = next((entry.action for entry in reversed(dispute.timeline) if entry.action in NEW_REVIEW), None)
    if begun_by != "reopened" or dispute.compensation is None or dispute.decision is None:
        return None
    parked = {message.key for message in dispute.effects_parked}
    latest = dispute.decision.sequence
    if dispute.paid_per_line:
        issued = [line for line in dispute.compensated_lines
                  if dispute.compensation_key(line.decision, line.outcome, line.sku) not in parked]
        standing = _lines_before(dispute, issued, False)
        delayed = {line.outcome for line in dispute.compensated_lines if line.decision == latest
                   and dispute.compensation_key(line.decision, line.outcome, line.sku) in parked}
    else:
        standing = _PACKAGE_BEFORE[dispute.compensation, False] if dispute.compensation_issued else None
        delayed = {dispute.compensation} if dispute.compensation_key(latest, dispute.compensation) in parked else set()
    again = (
        _join(*(_DELAYED_TAKEN_UP[outcome] for outcome in sorted(delayed))) if delayed
        else ("An investigator is reviewing your claim again.", "Bir uzmanımız başvurunuzu yeniden inceliyor.")
    )
    return _join(again, standing) if standing is not None else again


def _appeal_received(dispute: Dispute) -> Words:
    """The appeal, as the customer filed it, or a customer-service agent for them (with the images they gave)."""
    appeals = [e for e in dispute.customer_evidence if e.kind is SubmissionKind.APPEAL]
    images = len(appeals[-1].images) if appeals else 0
    by_agent = bool(appeals) and appeals[-1].submitted_by != dispute.customer_id
    appeal, appeal_tr = (
        ("the appeal our customer service made for you", "Müşteri hizmetlerimizin sizin için ilettiği itirazınızı")
        if by_agent else ("your appeal", "İtirazınızı")
    )
    if images:
        return (
            f"We received {appeal} and the {images} image{'s' if images > 1 else ''} with it; an investigator will "
            f"review {'them' if images > 1 else 'it'}.",
            f"{appeal_tr} ve {'' if by_agent else 'eklediğiniz '}{images} görseli aldık; "
            "bir uzmanımız inceleyecek.",
        )
    return (f"We received {appeal}.", f"{appeal_tr} aldık.")


def _digital_under_way(dispute: Dispute) -> Words:
    if dispute.digital_deliveries:
        return (
            "An investigator is reviewing the delivery record of your code or link.",
            "Bir uzmanımız kodunuzun ya da bağlantınızın teslimat kaydını inceliyor.",
        )
    if dispute.proof_missing:
        return (
            "The delivery record of your code or link did not reach us in time; an investigator is reviewing your claim.",
            "Kodunuzun ya da bağlantınızın teslimat kaydı süresi içinde bize ulaşmadı; bir uzmanımız başvurunuzu "
            "inceliyor.",
        )
    return (
        "We have asked for the delivery record of your code or link.",
        "Kodunuzun ya da bağlantınızın teslimat kaydını istedik.",
    )


def _contents_under_way(dispute: Dispute) -> Words:
    """What is checked for the missing items: only the records the case has."""
    checked: list[Words] = []
    if any(e.proof.weight_grams is not None for e in dispute.evidence):
        checked.append(("the package's weight at pickup", "paketin kargoya verilirken tartılan ağırlığını"))
    if dispute.packing is not None and dispute.packing.record is not None:
        checked.append(("the seller's packing record", "satıcının paketleme kaydını"))
    if not checked:
        return ("We are looking into the items you reported missing.", "Eksik olarak bildirdiğiniz ürünleri inceliyoruz.")
    return (
        f"We are checking {' and '.join(en for en, _ in checked)} for the missing items.",
        f"Eksik ürünler için {' ve '.join(tr for _, tr in checked)} inceliyoruz.",
    )
