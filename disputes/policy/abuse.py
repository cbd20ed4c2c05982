"""Abuse signals: patterns that make a person, not the policy, decide.

A signal says nothing about this parcel, so its finding is neutral; what it changes is who decides (a
supervisor), how soon (priority) and what the account service hears (the flag, which is the finding's
code). None of them is proof of abuse: a genuine misdelivery is also reported quickly.

Windows end at the dispute's opening, not at "now", so recomputing a recommendation later gives the same
signals. Openings and withdrawals are ordered by `Moment`: on a test clock every case opened before an advance opens at
the clock's one instant, and a history holds only the claims opened before this one in that order.

Repeated claims count shipments, not disputes: a shipment claimed more than once is one claim, and a claim the
customer withdrew ("I found it at the neighbour's") is none. Every kind of claim that something ordered did not
arrive counts: the parcel, items missing from it, digital goods never delivered. Each is the same request, a refund
or a new shipment on the customer's word against a delivery record; counting only whole parcels would let a pattern
hide by switching kinds, and the signal only sends the case to a supervisor, who sees the kinds in the customer's
history.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from disputes.model import Dispute
from disputes.policy.settings import PolicySettings
from disputes.policy.wording import duration, finding
from disputes.statements import CLOCK_AHEAD
from schemas.common import Outcome
from schemas.recommendation import Effect, Finding


TOGETHER = timedelta(days=7)
"""Claims on the packages of one order opened within this of the first are one incident (the packages lost together):
a week covers the days over which the packages of one order are delivered and found missing."""


type Moment = tuple[datetime, int, str]
"""When a case opened or was withdrawn, in the order these happened: the case's time (on a test clock the clock's, at
which every case opened or withdrawn before an advance is), then its sequence (`Dispute.opened_seq`, 0 on a case stored
before it was kept), then the case's id for an opening ("" for a withdrawal), which orders two openings numbered alike
one way for good."""


def opening_of(dispute: Dispute) -> Moment:
    return dispute.opened_at, dispute.opened_seq or 0, dispute.id


@dataclass(frozen=True, slots=True)
class PastClaim:
    opened_at: datetime
    shipment: str
    """The shipment claimed, as `Dispute.shipment_key` names it."""
    outcome: Outcome | None  # None: not decided (still open, or withdrawn)
    withdrawn_at: datetime | None = None
    dispute_id: str = ""
    opened_seq: int | None = None
    withdrawn_seq: int | None = None

    @property
    def opening(self) -> Moment:
        return self.opened_at, self.opened_seq or 0, self.dispute_id

    @property
    def withdrawal(self) -> Moment | None:
        if self.withdrawn_at is None:
            return None
        return self.withdrawn_at, self.withdrawn_seq or 0, ""


@dataclass(frozen=True, slots=True)
class CustomerHistory:
    """What the database knows about this customer and this delivery address."""

    claims: tuple[PastClaim, ...] = ()
    """The customer's disputes of every kind, withdrawn ones too (this one may be among them, by its id: it counts with
    its shipment)."""
    accounts_at_address: int = 1
    """Distinct customer accounts, this one included, that disputed deliveries to this address in the window."""


def repeat_claims_signal(dispute: Dispute, history: CustomerHistory, settings: PolicySettings) -> Finding | None:
    """Orders claimed in the window, this one included, from the threshold on; with how many of the earlier ones
    stand rejected (as decided now). The packages of one order are claimed one at a time, each on its own case, but
    those claimed together (`TOGETHER`) are one incident, not a pattern. Only claims opened before this one count
    (`Moment`: on a test clock, one opened after it at the same clock instant does not). A claim withdrawn after this
    dispute opened still counts: it stood at the opening, so a later assessment finds the same count of claims."""
    opened, this = dispute.opened_at, opening_of(dispute)
    start = opened - settings.abuse_window
    kept = [c for c in history.claims
            if start <= c.opened_at and c.opening <= this and ((out := c.withdrawal) is None or out > this)]
    incident = _incidents([(c.shipment, c.opened_at) for c in kept] + [(dispute.shipment_key, opened)])
    count = len(set(incident.values()))
    if count < settings.repeat_claims_threshold:
        return None
    rejected = len({incident[c.shipment] for c in kept if c.opening < this and c.outcome is Outcome.REJECTED})
    days = settings.abuse_window.days
    return finding(
        "repeat_claims", Effect.NEUTRAL, [],
        f"{count} orders claimed by this customer in {days} days, this one included, as not received in full "
        f"({rejected} of the earlier ones have a claim that stands rejected; an order claimed again, or package by "
        "package, within a week counts once, a withdrawn claim not at all)",
        f"Müşteri {days} gün içinde, bu dahil {count} siparişin tam teslim alınmadığını bildirdi "
        f"(öncekilerden {rejected} tanesinde reddedilmiş bir başvuru var; bir hafta içinde yeniden ya da paket paket "
        "bildirilen sipariş bir kez, geri çekilen başvuru hiç sayılmadı)",
        claims=count, rejected=rejected, window_days=days, cites=("customer_id",)
    )


def _incidents(claims: list[tuple[str, datetime]]) -> dict[str, tuple[str, datetime]]:
    """Each shipment claimed (`PastClaim.shipment`) → its incident: its order and when the incident's first claim
    opened. A shipment claimed more than once is one; the shipments of one order first claimed within `TOGETHER` of
    the incident's first claim are one; one claimed later begins another."""
    first: dict[str, datetime] = {}
    for shipment, at in claims:
        first[shipment] = min(at, first.get(shipment, at))
    incident: dict[str, tuple[str, datetime]] = {}
    begun: dict[str, datetime] = {}
    for at, shipment in sorted((at, shipment) for shipment, at in first.items()):
        order = shipment.split("/", 1)[0]  # `Dispute.shipment_key` begins with the order's id, which holds no "/"
        if order not in begun or at - begun[order] > TOGETHER:
            begun[order] = at
        incident[shipment] = (order, begun[order])
    return incident


def soon_after_delivery_signal(dispute: Dispute, settings: PolicySettings) -> Finding | None:
    """A claim filed within minutes of the delivery scan the customer was shown. A scan stamped up to `CLOCK_AHEAD`
    after the claim is a handheld's clock running ahead: the claim came at once (0 minutes)."""
    gap = dispute.opened_at - dispute.order.delivered_at
    if not -CLOCK_AHEAD <= gap < settings.soon_after_delivery:
        return None
    gap = max(gap, timedelta(0))
    en, tr = duration(gap)
    return finding(
        "claim_soon_after_delivery", Effect.NEUTRAL, [],
        f"Claim filed {en} after the delivery scan", f"Başvuru, teslimat taramasından {tr} sonra yapılmış",
        minutes=int(gap.total_seconds() // 60), cites=("opened_at", "order.delivered_at")
    )


def shared_address_signal(history: CustomerHistory, settings: PolicySettings) -> Finding | None:
    accounts = history.accounts_at_address
    if accounts < settings.shared_address_accounts:
        return None
    days = settings.abuse_window.days
    return finding(
        "shared_address_claims", Effect.NEUTRAL, [],
        f"{accounts} customer accounts disputed deliveries to this address in {days} days",
        f"Bu adrese yapılan teslimatlar için {days} gün içinde {accounts} farklı müşteri hesabı başvuruda bulundu",
        cites=("order.address",),
    )


def abuse_signals(dispute: Dispute, history: CustomerHistory, settings: PolicySettings) -> list[Finding]:
    signals = (
        repeat_claims_signal(dispute, history, settings),
        soon_after_delivery_signal(dispute, settings),
        shared_address_signal(history, settings),
    )
    return [s for s in signals if s is not None]
