"""From the aggregate to what each caller may see, and the queue cursor's wire form."""

import base64
import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from pydantic import BaseModel
from pydantic_core import to_jsonable_python

from disputes.model import COMPENSATIONS, Dispute
from disputes.next_step import next_step, reads_otherwise_from
from schemas.common import Outcome, timestamp_text
from schemas.dispute import CompensatedLine, CustomerEvidence, ParkReason, customer_side_reason

_TAG = 16  # bytes of HMAC-SHA256 kept in a cursor
BOUND_KEPT = 4096


type View = dict[str, Any]
"""A view's fields in its model's order (`schemas.api`), as the aggregate holds them: written by `view_json`."""


def view_json(view: View) -> bytes:
    """A view written straight from the aggregate's values (validated when they were stored), byte for byte what
    its model writes (tests/unit/test_views.py): validating trusted data into a view model only to serialise it
    was most of a read's cost."""
    return orjson.dumps(view, default=_model_fields, option=orjson.OPT_PASSTHROUGH_DATETIME)


def _model_fields(value: object) -> object:
    """orjson's fallback: a model as its fields, in the order pydantic writes them; a time as the models write theirs
    (`timestamp_text`); anything else as pydantic writes a value of no declared type."""
    if isinstance(value, BaseModel):
        return value.__dict__
    if isinstance(value, datetime):
        return timestamp_text(value)
    return to_jsonable_python(value)


def staff_view(d: Dispute) -> View:
    """`DisputeView`'s fields."""
    return {
        "view": "staff",
        "id": d.id,
        "version": d.version,
        "status": d.status,
        "customer_id": d.customer_id,
        "order": d.order,
        "statement": d.statement,
        "preferred_resolution": d.preferred_resolution,
        "channel": d.channel,
        "opened_by_agent": d.opened_by_agent,
        "accessibility_need": d.accessibility_need,
        "claim": d.claim,
        "missing_items": d.missing_items,
        "packing": d.packing,
        "opened_at": d.opened_at,
        "updated_at": d.updated_at,
        "sla": d.sla,
        "assignee": d.assignee,
        "decision": d.decision,
        "compensation": issued_compensation(d),
        "compensated_lines": compensated_lines(d),
        "appeal": d.appeal,
        "recommendation": d.recommendation,
        "recommendation_provisional": d.recommendation_provisional,
        "priority": d.priority,
        "abuse_flags": d.abuse_flags,
        "needs_supervisor": d.needs_supervisor,
        "restriction": d.restriction,
        "evidence": d.evidence,
        "digital_deliveries": d.digital_deliveries,
        "customer_evidence": d.customer_evidence,
        "evidence_pull_due": d.evidence_pull_due,
        "proof_missing": d.proof_missing,
        EFFECTS: {"pending": d.outbox, "delivered": d.effects_delivered, "parked": d.effects_parked},
        "information_requests": d.information_requests,
        "waiting_for_customer": waiting_for_customer(d),
    }


type Parked = frozenset[tuple[str, ParkReason | None]]
"""Parked refunds and reshipments: each by its key, and why it was parked."""


def parked_compensations(d: Dispute) -> Parked:
    """The refunds and reshipments the relay parked, and why (it parks them with no new version): the customer's side
    reads them, in what it tells as held back (`held_back`) and as paid before (`Dispute.compensation_issued`)."""
    return frozenset((m.key, m.parked) for m in d.effects_parked if m.kind in COMPENSATIONS)


def compensations_sent(d: Dispute) -> tuple[frozenset[str], bool]:
    """The keys of the refunds and reshipments the relay delivered, which it records with no new version (the
    customer's side tells the day payments or fulfillment took each: `disputes.next_step`), and whether they may move
    on since the version was saved: one is pending, or was delivered since."""
    sent = [e for e in d.effects_delivered if e.kind in COMPENSATIONS]
    moving = any(m.kind in COMPENSATIONS for m in d.outbox) or any(e.delivered_at > d.messages_due for e in sent)
    return frozenset(e.key for e in sent), moving


def refused_compensations(d: Dispute) -> frozenset[str]:
    """The keys of the effects that certainly did not happen: parked as refused for good by their service, or as never
    having reached it, which the relay does with no new version."""
    return frozenset(m.key for m in d.effects_parked if m.parked is not None and m.parked.did_not_happen)


def compensated_lines(d: Dispute) -> list[CompensatedLine]:
    """The lines the decisions refunded or reshipped, less those whose refund or reshipment its service refused for
    good: that one never happened (it is among the parked effects, and a later decision may pay its units)."""
    refused = refused_compensations(d)
    return [
        line for line in d.compensated_lines
        if d.compensation_key(line.decision, line.outcome, line.sku) not in refused
    ]


def issued_compensation(d: Dispute) -> Outcome | None:
    """The refund or reship the case issued, whatever its latest decision (a review after an appeal or a reopening that
    rejects leaves it standing): none when its service refused it for good (parked as refused: it never happened), as
    the staff view's compensated lines leave such refusals out (`compensated_lines`). A missing-item claim shows the
    latest decision's kind of compensation if some line of it stands, else the other kind a line of an earlier
    decision still holds. A whole package's is the latest compensating decision's effect; one no effect list holds
    (stored before they were kept) was issued."""
    if d.compensation is None:
        return None
    if d.paid_per_line and d.compensated_lines:
        issued = {line.outcome for line in compensated_lines(d)}
        return d.compensation if d.compensation in issued else next(iter(issued), None)
    known = {m.key for m in (*d.outbox, *d.effects_parked)} | {e.key for e in d.effects_delivered}
    for decision in range(d.decisions, 0, -1):
        if (key := d.compensation_key(decision, d.compensation)) in known:
            return None if key in refused_compensations(d) else d.compensation
    return d.compensation


EFFECTS = "effects"
"""The one part of the staff view storage changes on its own, with no new version: the relay moves effects."""
_NO_EFFECTS = b'{"pending":[],"delivered":[],"parked":[]}'


def customer_view(d: Dispute, appeal_window: timedelta, now: datetime | None = None) -> View:
    """`CustomerDisputeView`'s fields, as at `now` (the case's time: its next step may speak of it)."""
    return {**_customer_side(d, appeal_window, now), "view": "customer"}


def agent_view(d: Dispute, appeal_window: timedelta, now: datetime | None = None) -> View:
    """`AgentDisputeView`'s fields, as at `now`."""
    return {
        **_customer_side(d, appeal_window, now),
        "view": "agent",
        "customer_id": d.customer_id,
        "channel": d.channel,
        "opened_by_agent": d.opened_by_agent,
        "accessibility_need": d.accessibility_need,
    }


def _customer_side(d: Dispute, appeal_window: timedelta, now: datetime | None) -> View:
    o = d.order
    decision = d.decision
    en, tr = next_step(d, appeal_window, now)
    return {
        "id": d.id,
        "version": d.version,
        "status": d.status,
        "order": {
            "order_id": o.order_id,
            "shipment_id": o.shipment_id,
            "carrier": o.carrier,
            "tracking_number": o.tracking_number,
            "delivered_at": o.delivered_at,
            "items": o.items,
        },
        "statement": d.statement,
        "preferred_resolution": d.preferred_resolution,
        "claim": d.claim,
        "missing_items": d.missing_items,
        "opened_at": d.opened_at,
        "updated_at": d.updated_at,
        "decision_due": d.sla.decision_due,
        "decision": (
            {
                "outcome": decision.outcome,
                "reason_code": customer_side_reason(decision.reason_code),
                "decided_at": decision.decided_at,
                "refund_to": decision.refund_to,
                "lines": decision.lines,
                "message_undelivered": d.decision_undelivered,
            }
            if decision
            else None
        ),
        "compensation": issued_compensation(d),
        "appeal": d.appeal,
        "customer_evidence": [_customer_side_evidence(d, e) for e in d.customer_evidence],
        "assessment_provisional": d.recommendation_provisional,
        "next_step": {"en": en, "tr": tr},
        "waiting_for_customer": waiting_for_customer(d),
    }


def _customer_side_evidence(d: Dispute, added: CustomerEvidence) -> View:
    """`CustomerSideEvidence`'s fields: who sent it only when it was the customer, as the thread shows its authors
    (`disputes/conversation.py`): an agent's id, like any staff id, is not the customer's side's to see."""
    return {**added.__dict__, "submitted_by": added.submitted_by if added.submitted_by == d.customer_id else None}


def waiting_for_customer(d: Dispute) -> View | None:
    """`WaitingForCustomer`'s fields, while a question to the customer is open."""
    waiting = d.open_information_request
    if waiting is None:
        return None
    return {
        "request_id": waiting.id,
        "question": waiting.question,
        "asked_at": waiting.asked_at,
        "answer_by": waiting.answer_by,
        "decision_due": d.sla.decision_due,
    }


def summary_fields(d: Dispute) -> View:
    """A queue entry: `DisputeSummary`'s fields, in its order."""
    o, advice, decision = d.order, d.recommendation, d.decision
    return {
        "id": d.id,
        "status": d.status,
        "customer_id": d.customer_id,
        "order_id": o.order_id,
        "carrier": o.carrier,
        "tracking_number": o.tracking_number,
        "value_minor": o.value_minor,
        "currency": o.currency,
        "preferred_resolution": d.preferred_resolution,
        "channel": d.channel,
        "priority": d.priority,
        "needs_supervisor": d.needs_supervisor,
        "abuse_flags": d.abuse_flags,
        "recommendation": advice.action if advice else None,
        "confidence": advice.confidence if advice else None,
        "outcome": decision.outcome if decision else None,
        "compensation": issued_compensation(d),
        "assignee": d.assignee,
        "opened_at": d.opened_at,
        "updated_at": d.updated_at,
        "first_response_due": d.sla.first_response_due,
        "decision_due": d.sla.decision_due,
        "decided_at": decision.decided_at if decision else None,
    }


TRIAGE = ("priority", "needs_supervisor", "abuse_flags", "recommendation", "confidence", "assignee")
"""What a queue row shows staff only: the customer's side (customers and agents) gets these null."""


class QueueRows:
    """The queue's rows as JSON, kept by dispute id, version, side and the refusals the relay parked: a row shows only
    what a save changes (what storage changes on its own, effects and views, no row shows) but its `compensation`, which
    a refusal for good takes away (`issued_compensation`), and a save gives the dispute a new version, so a row stands
    until its dispute's next version or refusal. The queue is the busiest read and shows mostly the same disputes again: writing
    a row is a dict of its fields and the writing of its instants (each through Python's time zone methods),
    a kept row is a lookup. Rows are written straight from the aggregates (validated when they were stored), byte for
    byte what `DisputeSummary` writes (tests/unit/test_views.py). Holding `size` rows, it starts again empty."""

    def __init__(self, size: int = 10_000) -> None:
        self._size = size
        self._rows: dict[tuple[str, int, bool, frozenset[str]], tuple[orjson.Fragment, bytes]] = {}

    def page(self, items: list[Dispute], next_cursor: str | None, staff: bool) -> tuple[bytes, str]:
        """A `DisputePageView` as JSON, and its strong ETag: the SHA-256 of its cursor and its rows' SHA-256s, which its
        bytes fix, without hashing all of them again. The customer's side (`staff` False) is not shown the `TRIAGE`."""
        kept = self._rows
        rows = [kept.get((d.id, d.version, staff, refused_compensations(d))) or self._write(d, staff) for d in items]
        written, digests = zip(*rows, strict=True) if rows else ((), ())
        tag = hashlib.sha256(f"{next_cursor or ''}\n".encode() + b"".join(digests)).hexdigest()
        return orjson.dumps({"items": written, "next_cursor": next_cursor}), f'"{tag}"'

    def _write(self, d: Dispute, staff: bool) -> tuple[orjson.Fragment, bytes]:
        if len(self._rows) >= self._size:
            self._rows.clear()
        fields = summary_fields(d)
        if not staff:
            fields.update(dict.fromkeys(TRIAGE))
        written = view_json(fields)
        key = (d.id, d.version, staff, refused_compensations(d))
        row = self._rows[key] = orjson.Fragment(written), hashlib.sha256(written).digest()
        return row


class DisputeViews:
    """A dispute's views as JSON, kept by dispute id, version and side: everything a view shows is saved with the
    dispute, so stands until its next version, but the staff view's effects, which the relay moves with no new
    version. Those are put together on every read, between the kept JSON before and after them, from each effect's
    own kept JSON: a queued message changes only by its attempts and last error, a delivered effect never. The
    customer's side's next step tells of the refunds and reshipments the relay parked, so is kept by them too, and
    the staff view by the refusals the relay parked, which its compensated lines leave out (`compensated_lines`).
    A dispute is read again and again (the order page, the investigator's screen) and writing its view is mostly
    the writing of its instants (each through Python's time zone methods); a kept view is a lookup. Views
    are written straight from the aggregates (validated when they were stored), byte for byte what their models
    write (tests/unit/test_views.py). Holding `max_bytes` of JSON, it starts again empty."""

    def __init__(self, max_bytes: int = 32 * 2**20) -> None:
        self._max_bytes = max_bytes
        self._held = 0
        self._staff: dict[tuple[str, int, frozenset[str]], tuple[bytes, bytes]] = {}
        self._customer_side: dict[tuple[str, int, bool, bool, Parked, bool, frozenset[str]], bytes] = {}
        self._effects: dict[tuple[object, ...], orjson.Fragment] = {}

    def staff(self, d: Dispute) -> bytes:
        """`DisputeView` as JSON."""
        key = (d.id, d.version, refused_compensations(d))  # its compensated lines change with a refusal
        if (kept := self._staff.get(key)) is None:
            kept = _split(staff_view(d))
            self._make_room(len(kept[0]) + len(kept[1]))
            self._staff[key] = kept
        head, tail = kept
        if not (d.outbox or d.effects_delivered or d.effects_parked):
            return head + _NO_EFFECTS + tail
        effects = {
            "pending": [self._effect((d.id, m.id, m.attempts, m.last_error, m.never_reached), m) for m in d.outbox],
            "delivered": [self._effect((d.id, e.id), e) for e in d.effects_delivered],
            "parked": [self._effect((d.id, m.id, m.attempts, m.last_error), m) for m in d.effects_parked],
        }
        return head + orjson.dumps(effects) + tail

    def customer_side(
        self, d: Dispute, appeal_window: timedelta, agent: bool, now: datetime
    ) -> tuple[bytes, bool, bool]:
        """`AgentDisputeView` as JSON for an agent, else `CustomerDisputeView`, as at `now`; whether the time passed
        its turn (`reads_otherwise_from`: its next step reads otherwise from then on, the same whatever the time, so
        its ETag says which side of it the view is); and whether its next step may read otherwise than when the
        version was saved, so that its ETag earns no 304: the relay parked a refund or reshipment or the decision's
        message (`decision_undelivered`), or a refund or reshipment is on its way to its service, which the relay
        moves with no new version (`parked_compensations`, `compensations_sent`)."""
        turn = reads_otherwise_from(d, appeal_window)
        later = turn is not None and now >= turn
        parked = parked_compensations(d)
        undelivered = d.decision_undelivered
        sent, moving = compensations_sent(d)
        key = (d.id, d.version, agent, later, parked, undelivered, sent)
        if (kept := self._customer_side.get(key)) is None:
            kept = view_json(agent_view(d, appeal_window, now) if agent else customer_view(d, appeal_window, now))
            self._make_room(len(kept))
            self._customer_side[key] = kept
        return kept, later, bool(parked) or undelivered or moving

    def _effect(self, key: tuple[object, ...], effect: BaseModel) -> orjson.Fragment:
        if (kept := self._effects.get(key)) is None:
            written = view_json(effect.__dict__)
            self._make_room(len(written))
            kept = self._effects[key] = orjson.Fragment(written)
        return kept

    def _make_room(self, size: int) -> None:
        if self._held + size > self._max_bytes:
            self._staff.clear()
            self._customer_side.clear()
            self._effects.clear()
            self._held = 0
        self._held += size


def _split(view: View) -> tuple[bytes, bytes]:
    """The staff view's JSON before its effects' value and after it."""
    names = list(view)
    at = names.index(EFFECTS)
    before, after = names[:at], names[at + 1:]
    head = view_json({name: view[name] for name in before})[:-1] + (b"," if before else b"") + f'"{EFFECTS}":'.encode()
    tail = b"," + view_json({name: view[name] for name in after})[1:] if after else b"}"
    return head, tail


@dataclass(frozen=True)
class Cursors:
    """Where the previous page ended (a time, then the text ordering what shares it: the queue's tie, or an id),
    opaque to clients and signed: a cursor this service did not issue, one changed in transit, or one another list
    issued (each list signs with its own key: `purpose`) is refused, never read as a position. Cursors signed with a second secret are read too (`accepted`), never signed
    with it: while the secret is rotated, instances restarted one by one read each other's cursors."""

    key: bytes
    accepted: bytes | None = None
    _bound: dict[tuple[str, str], "Cursors"] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_secret(
        cls, secret: str, purpose: bytes = b"dispute queue cursor", accepted: str | None = None
    ) -> "Cursors":
        def key(of: str) -> bytes:
            return hmac.new(of.encode(), purpose, hashlib.sha256).digest()

        return cls(key(secret), None if accepted is None else key(accepted))

    def bound(self, caller: str, selection: str) -> "Cursors":
        """The cursors of one caller's list with one selection: signed with a key drawn from this one by both (an id
        holds no NUL), kept once drawn, up to BOUND_KEPT of them, as the same lists are paged again and again."""
        if (kept := self._bound.get((caller, selection))) is None:
            if len(self._bound) >= BOUND_KEPT:
                self._bound.clear()
            list_of = f"{caller}\0{selection}".encode()
            accepted = None if self.accepted is None else hmac.digest(self.accepted, list_of, "sha256")
            kept = self._bound[(caller, selection)] = Cursors(hmac.digest(self.key, list_of, "sha256"), accepted)
        return kept

    def encode(self, after: tuple[datetime, str]) -> str:
        payload = f"{after[0].isoformat()} {after[1]}".encode()  # an id holds no space
        return base64.urlsafe_b64encode(self._tag(payload) + payload).decode().rstrip("=")

    def decode(self, cursor: str) -> tuple[datetime, str]:
        """Raises ValueError for anything that is not a cursor this service issued."""
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        tag, payload = raw[:_TAG], raw[_TAG:]
        signed = hmac.compare_digest(tag, self._tag(payload))
        if self.accepted is not None:
            signed |= hmac.compare_digest(tag, self._tag(payload, self.accepted))
        if not signed:
            raise ValueError("not a cursor")
        due, _, dispute_id = payload.decode().partition(" ")
        when = datetime.fromisoformat(due)
        if when.tzinfo is None or not dispute_id:
            raise ValueError("not a cursor")
        return when.astimezone(UTC), dispute_id

    def _tag(self, payload: bytes, key: bytes | None = None) -> bytes:
        return hmac.digest(self.key if key is None else key, payload, "sha256")[:_TAG]
