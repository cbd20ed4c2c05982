"""The money ledger: one row per refund, reshipment and carrier liability the service's decisions sent downstream
(`Dispute.money`), dated by the decision that issued it, with where its message is now. A period's rows are a fixed
set: a later decision adds rows of its own and never moves earlier ones; only a row's state (pending, then delivered
or parked) changes.

The message's key is the idempotency key payments, fulfillment and finance book it under: the join key with their
books, under which a retried or resent message is one payment."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from schemas.dispute import DeliveredEffect, EffectKind, MoneyMessage, ParkReason


class MoneyState(StrEnum):
    PENDING = "pending"
    """Queued, not delivered yet (being tried, or waiting to be)."""
    DELIVERED = "delivered"
    PARKED = "parked"
    """The relay gave up on it (`parked_reason` says whether it may have been applied) until a supervisor resends it."""


@dataclass(frozen=True, slots=True)
class Whereabouts:
    """Where one message is now: its state, when it was delivered or parked, its service's reference and why it was
    parked."""

    state: MoneyState
    at: datetime | None = None
    reference: str | None = None
    parked_reason: ParkReason | None = None


@dataclass(frozen=True, slots=True)
class LedgerRow:
    dispute_id: str
    carrier: str
    tracking_number: str
    money: MoneyMessage
    whereabouts: Whereabouts


@dataclass(frozen=True, slots=True)
class LedgerQuery:
    """The rows whose decision was taken in [decided_from, decided_to), of one kind and one carrier when given, in
    (decided_at, key) order after `after`."""

    decided_from: datetime
    decided_to: datetime
    kind: EffectKind | None = None
    carrier: str | None = None
    after: tuple[datetime, str] | None = None
    limit: int = 100

    def selects(self, money: MoneyMessage, carrier: str) -> bool:
        return (
            self.decided_from <= money.decided_at < self.decided_to
            and self.kind in (None, money.kind)
            and self.carrier in (None, carrier)
            and (self.after is None or (money.decided_at, money.key) > self.after)
        )


@dataclass(frozen=True, slots=True)
class LedgerPage:
    rows: list[LedgerRow]
    next_after: tuple[datetime, str] | None = None


def whereabouts(
    pending: Iterable[str], delivered: Iterable[DeliveredEffect], parked: Iterable[tuple[str, ParkReason | None, datetime | None]],
) -> dict[str, Whereabouts]:
    """Each key's whereabouts, from the keys of the pending messages, the delivered ones and the parked ones (key, why,
    when). A key is in one place at a time; read in two, delivered comes before pending and pending before parked."""
    found = {key: Whereabouts(MoneyState.PARKED, at, None, reason) for key, reason, at in parked}
    found |= {key: Whereabouts(MoneyState.PENDING) for key in pending}
    found |= {e.key: Whereabouts(MoneyState.DELIVERED, e.delivered_at, e.reference) for e in delivered}
    return found


def ledger_rows(
    dispute_id: str, carrier: str, tracking_number: str, money: Iterable[MoneyMessage], where: dict[str, Whereabouts],
    query: LedgerQuery,
) -> list[LedgerRow]:
    """One case's rows `query` selects (its order left to the caller). A message found nowhere (a case stored before its
    state was kept as it is now) reads as pending."""
    return [
        LedgerRow(dispute_id, carrier, tracking_number, m, where.get(m.key, Whereabouts(MoneyState.PENDING)))
        for m in money if query.selects(m, carrier)
    ]


def page_of(rows: list[LedgerRow], limit: int) -> LedgerPage:
    """The first `limit` of rows in ledger order (at most `limit + 1` given: one more says there is a next page)."""
    shown = sorted(rows, key=lambda r: (r.money.decided_at, r.money.key))[:limit + 1]
    last = shown[limit - 1] if len(shown) > limit else None
    return LedgerPage(shown[:limit], (last.money.decided_at, last.money.key) if last else None)
