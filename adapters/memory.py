"""In-memory storage with the same guarantees as the MongoDB adapter (unique shipment hold, version
compare-and-set, leases a save does not undo, leased outbox), proven by the contract suite in
tests/contract/. Used by unit tests and by the benchmark to isolate the service's own cost, so every
lookup the MongoDB adapter serves from an index is served from a dict here, not a scan.

Stored disputes are snapshots no caller can change: a save stores a read-only copy (frozen, its lists
refusing changes), which reads that only show it (the queue, a customer's list) hand out as it is, and `get`,
whose caller changes and saves it, copies. Storage's own changes (outbox, attachment views) put a new snapshot
in place, so one already handed out keeps what it showed. Everything a dispute holds is immutable (frozen
models, strings, datetimes) except its own fields and lists, so a copy needs only a fresh top level and fresh
lists (tests/unit/test_memory_storage.py keeps that true)."""

import copy
import math
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import compress, count, islice
from operator import itemgetter
from typing import Any, NoReturn, Protocol, get_origin

from pydantic import ConfigDict

from disputes.anonymise import APPENDED, PERSONAL_DATA_RETENTION, anonymisation_reached
from disputes.duty import supervises
from disputes.errors import ActiveDisputeExists, StaleVersion
from disputes.lanes import Lanes, Place
from disputes.ledger import LedgerPage, LedgerQuery, ledger_rows, page_of, whereabouts
from disputes.model import Dispute, FirstAnswer, TestClock, address_key
from disputes.policy import CustomerHistory, PastClaim, opening_of
from disputes.ports import (
    ERROR_KEPT,
    CarrierFigures,
    DisputePage,
    DisputeQuery,
    queue_after,
    queue_position,
    STORED_LATELY,
    Claimed,
    Clock,
    IdempotencyKeyTaken,
    KeptKey,
    LastActiveSupervisor,
    Lease,
    PushPage,
    ResponseFigures,
    ResponseTimes,
    SlaFigures,
    StoredAttachment,
    StoredPush,
    Taking,
    ViewBound,
    Workload,
)
from disputes.states import ACTIVE
from disputes.reports import OUTCOMES, UNDECIDED, ReportFacts, billed, liability_incurred, report_facts, reported
from disputes.work import WorkKind
from schemas.dispute import DeliveredEffect, Evidence, OutboxMessage, Status, TimelineEntry
from schemas.orders import Order
from schemas.proof import ProofStatus
from schemas.staff import StaffMember


LISTS = tuple(name for name, f in Dispute.model_fields.items() if get_origin(f.annotation) is list)
_lists = itemgetter(*LISTS)


_MUTATORS = ("append", "extend", "insert", "remove", "pop", "clear", "sort", "reverse",
             "__setitem__", "__delitem__", "__iadd__", "__imul__")


def _refuse(self: list[Any], *args: object, **kwargs: object) -> NoReturn:
    raise TypeError("A stored dispute is read-only: get() it from storage to change it.")


ReadOnlyList: type[list[Any]] = type("ReadOnlyList", (list,), {
    **dict.fromkeys(_MUTATORS, _refuse),
    "__copy__": lambda self: list(self),
    "__deepcopy__": lambda self, memo: copy.deepcopy(list(self), memo),
})
"""A stored dispute's list: read, serialised and compared as a list; any change refused (copies are lists)."""
_NOTHING: list[Any] = ReadOnlyList()
"""The one empty read-only list every snapshot shares: most of a dispute's lists are empty, and a list made for
each would be kept, and scanned by the collector, for as long as the snapshot is."""
_ALL_EMPTY = dict.fromkeys(LISTS, _NOTHING)


class _Stored(Dispute):
    """A stored dispute: assigning a field is refused."""

    model_config = ConfigDict(frozen=True)


def _copy(dispute: Dispute) -> Dispute:
    """A fresh top level and fresh lists: what `model_copy(update=...)` makes, without its generic work."""
    state = dispute.__dict__.copy()
    state.update(zip(LISTS, map(list, _lists(state)), strict=True))  # the loop in C
    return _rebuilt(dispute, Dispute, state, [])


def _read_only(dispute: Dispute) -> Dispute:
    """The snapshot a save stores: the dispute's fields (in their order), frozen, in lists that refuse changes (the
    empty ones all the shared `_NOTHING`; a save pays for every list, so only those holding something are visited)."""
    fields = dispute.__dict__
    state = fields | _ALL_EMPTY  # merged in C, where pairing each list with its name costs a tuple per list
    for name in compress(LISTS, _lists(fields)):  # only the lists holding something
        state[name] = ReadOnlyList(fields[name])
    return _rebuilt(dispute, _Stored, state, _NOTHING)


def _rebuilt(dispute: Dispute, kind: type[Dispute], state: dict[str, Any], no_messages: list[Any]) -> Dispute:
    """`dispute` as a `kind` holding `state` (its fields, the lists replaced), and no new messages."""
    built = kind.__new__(kind)
    object.__setattr__(built, "__dict__", state)
    object.__setattr__(built, "__pydantic_fields_set__", set(dispute.__pydantic_fields_set__))
    object.__setattr__(built, "__pydantic_extra__", None)
    private = dict(dispute.__pydantic_private__ or {})
    private["_new_messages"] = no_messages  # straight into the private dict: pydantic's __setattr__ costs more than the copy
    object.__setattr__(built, "__pydantic_private__", private)
    return built


def _filters(q: DisputeQuery) -> list[Callable[[Dispute], bool]]:
    """The query's conditions, only those it sets: the unfiltered queue, the busiest read, tests none."""
    given: list[tuple[object, Callable[[Dispute], bool]]] = [
        (q.statuses or None, lambda d: d.status in q.statuses),
        (q.dispute_id, lambda d: d.id == q.dispute_id),
        (q.order_id, lambda d: d.order.order_id == q.order_id),
        (q.tracking_number, lambda d: d.order.tracking_number == q.tracking_number),
        (q.carrier, lambda d: d.order.carrier == q.carrier),
        (q.assignee, lambda d: d.assignee == q.assignee),
        (q.unassigned or None, lambda d: d.assignee is None),
        (q.customer_id, lambda d: d.customer_id == q.customer_id),
        (q.overridden, lambda d: d.decision is not None and d.decision.overridden is q.overridden),
        (q.needs_supervisor, lambda d: d.needs_supervisor is q.needs_supervisor),
        (q.flagged, lambda d: bool(d.abuse_flags) is q.flagged),
        (q.priorities or None, lambda d: d.priority in q.priorities),
        (q.channel, lambda d: d.channel is q.channel),
        (q.outcome, lambda d: d.decision is not None and d.decision.outcome is q.outcome),
        (q.compensation, lambda d: d.compensation is q.compensation),
        (q.due_from, lambda d: q.due_from is not None and d.sla.decision_due >= q.due_from),
        (q.due_before, lambda d: q.due_before is not None and d.sla.decision_due < q.due_before),
        (q.opened_from, lambda d: q.opened_from is not None and d.opened_at >= q.opened_from),
        (q.opened_to, lambda d: q.opened_to is not None and d.opened_at < q.opened_to),
        (q.decided_from, lambda d: q.decided_from is not None and d.decision is not None
         and d.decision.decided_at >= q.decided_from),
        (q.decided_to, lambda d: q.decided_to is not None and d.decision is not None
         and d.decision.decided_at < q.decided_to),
        (q.after, lambda d: q.after is not None and queue_position(d) > queue_after(q.after)),
        (q.ids, lambda d: q.ids is not None and d.id in q.ids),
    ]
    return [test for value, test in given if value is not None]


type Due = defaultdict[WorkKind, dict[str, datetime]]
"""When each subject's work of each kind is due, kept by the store that holds the subjects."""


@dataclass(frozen=True, slots=True)
class _Taken:
    holder: str
    until: datetime


class Leases:
    """The leases on one store's subjects, by (kind, subject): the schedule takes them; a release, or the write that
    ends a work, ends its holder's."""

    def __init__(self) -> None:
        self.taken: dict[tuple[WorkKind, str], _Taken] = {}

    def held(self, kind: WorkKind, subject: str, now: datetime) -> bool:
        held = self.taken.get((kind, subject))
        return held is not None and held.until > now

    def end(self, subject: str, lease: Lease | None) -> None:
        """End `lease` on `subject` if its holder holds it (then it is marked `ended`)."""
        if lease is None or (held := self.taken.get((lease.kind, subject))) is None or held.holder != lease.holder:
            return
        del self.taken[(lease.kind, subject)]
        lease.ended = True

    def take(self, subject: str, taking: Taking) -> None:
        """Take `taking`'s lease on `subject` if nobody holds it at `taking.now` (then it is marked `taken`)."""
        lease = taking.lease
        if not self.held(lease.kind, subject, taking.now):
            self.taken[(lease.kind, subject)] = _Taken(lease.holder, taking.until)
            taking.taken = True


def _due_at(dispute: Dispute, taking: Taking) -> bool:
    """Whether `taking`'s work is due at `taking.now` on the dispute as it is being saved."""
    due = dispute.due_work().get(taking.lease.kind)
    return due is not None and due <= taking.now


def _kept(pending: Sequence[OutboxMessage], dispute: Dispute, leases: Leases) -> Sequence[OutboxMessage]:
    """The `pending` messages a save of `dispute` keeps: all but those its change takes back that were never tried,
    all while a relay holds the case's lease (`Dispute.taken_back`, cleared: the save takes them back)."""
    taken_back = dispute.taken_back
    if not taken_back:
        return pending
    dispute._taken_back = ()
    if (WorkKind.RELAY, dispute.id) in leases.taken:
        return pending
    return [m for m in pending if m.id not in taken_back or m.attempts or m.tried_at is not None]


class InMemoryDisputes:
    def __init__(
        self, retention: timedelta = timedelta(days=365), personal_data: timedelta = PERSONAL_DATA_RETENTION
    ) -> None:
        self.retention = retention
        """How long after a case closes its stored images and raw replies are deleted (`InMemoryRetention`)."""
        self.personal_data = personal_data
        """How long after a case closes its personal data is anonymised (`InMemoryRetention`)."""
        self.docs: dict[str, Dispute] = {}
        self.leases = Leases()
        self.due: Due = defaultdict(dict)
        self._holders: dict[str, str] = {}  # `Dispute.shipment_key` → the non-withdrawn dispute
        self._keys: dict[str, str] = {}  # idempotency key → dispute
        self._by_customer: defaultdict[str, list[str]] = defaultdict(list)
        self._by_address: defaultdict[str, list[str]] = defaultdict(list)
        self._by_shipment: defaultdict[tuple[str, str], list[str]] = defaultdict(list)
        self._queue_order: list[Dispute] | None = None  # by `queue_position`, as the queue index; None: stale

    async def add(self, dispute: Dispute, now: datetime) -> None:
        holder = self._holder(dispute.shipment_key)
        if holder is not None:
            raise ActiveDisputeExists(holder.id)
        key = dispute.idempotency
        other = self.docs.get(self._keys.get(key.key, "")) if key is not None else None
        if key is not None and other is not None and other.idempotency is not None and other.idempotency.key == key.key:
            if other.idempotency.expires_at > now:  # as MongoDB's unique index: held while a case still keeps it
                raise IdempotencyKeyTaken(key.key)
            self._update(other, idempotency=None)
        if key is not None:
            self._keys[key.key] = dispute.id
        self._by_customer[dispute.customer_id].append(dispute.id)
        self._by_address[address_key(dispute)].append(dispute.id)
        self._by_shipment[(dispute.order.carrier, dispute.order.tracking_number)].append(dispute.id)
        self._store(dispute, 1)

    async def get(self, dispute_id: str, owner: str | None = None) -> Dispute | None:
        stored = await self.read(dispute_id, owner)
        return _copy(stored) if stored else None

    async def read(self, dispute_id: str, owner: str | None = None) -> Dispute | None:
        stored = self.docs.get(dispute_id)
        return stored if stored is not None and owner in (None, stored.customer_id) else None

    async def save(self, dispute: Dispute, ending: Lease | None = None, taking: Taking | None = None) -> None:
        stored = self.docs.get(dispute.id)
        if stored is None or stored.version != dispute.version:
            raise StaleVersion("The dispute changed since it was read.")
        holder = self._holder(dispute.shipment_key) if dispute.status is not Status.WITHDRAWN else None
        if holder is not None and holder.id != dispute.id:  # a withdrawn case reopened: another holds its shipment
            raise ActiveDisputeExists(holder.id)
        self.leases.end(dispute.id, ending)
        if (ending is None or ending.ended) and taking is not None and _due_at(dispute, taking):
            self.leases.take(dispute.id, taking)
        dispute.outbox = [*_kept(stored.outbox, dispute, self.leases), *dispute.new_messages]
        dispute.effects_delivered = stored.effects_delivered
        dispute.effects_parked = stored.effects_parked
        if resent := dispute.resent:  # sent again: among the new messages, no longer parked
            dispute.effects_parked = [m for m in stored.effects_parked if m.id not in resent]
            dispute._resent = ()
        dispute.attachment_views = stored.attachment_views
        dispute.idempotency = stored.idempotency  # written by `add` only: a later add may have taken the key over
        self._store(dispute, dispute.version + 1)

    def readdressed(self, before: str, dispute: Dispute) -> None:
        """The case listed under its address as it is now (anonymised), no longer as it was (`before`)."""
        self._by_address[before].remove(dispute.id)
        if not self._by_address[before]:
            del self._by_address[before]
        self._by_address[address_key(dispute)].append(dispute.id)

    async def find_by_idempotency_key(self, key: str, now: datetime) -> Dispute | None:
        d = self.docs.get(self._keys.get(key, ""))
        if d is not None and d.idempotency is not None and d.idempotency.key == key and d.idempotency.expires_at > now:
            return _copy(d)
        return None

    async def query(self, query: DisputeQuery) -> DisputePage:
        if self._queue_order is None:
            self._queue_order = sorted(self.docs.values(), key=queue_position)
        tests = _filters(query)
        matching = filter(lambda d: all(test(d) for test in tests), self._queue_order) if tests else self._queue_order
        if query.only_ids:
            return DisputePage([], ids=tuple(d.id for d in islice(matching, query.limit)))
        found = list(islice(matching, query.limit + 1))
        page = found[: query.limit]  # read-only snapshots: nothing to copy
        more = len(found) > query.limit
        return DisputePage(page, queue_position(page[-1]) if more else None)

    async def customer_disputes(self, customer_id: str, before: tuple[datetime, str] | None, limit: int) -> DisputePage:
        theirs = sorted((self.docs[i] for i in self._by_customer.get(customer_id, ())),
                        key=lambda d: (d.opened_at, d.id), reverse=True)
        older = [d for d in theirs if before is None or (d.opened_at, d.id) < before]
        page = older[:limit]
        return DisputePage(page, (page[-1].opened_at, page[-1].id) if len(older) > limit else None)

    async def record_view(self, dispute_id: str, view: TimelineEntry, bound: ViewBound) -> bool:
        stored = self.docs.get(dispute_id)
        if stored is None or not bound.admits(stored.attachment_views, view):
            return False
        self._update(stored, attachment_views=[*stored.attachment_views, view])
        return True

    # --- evidence and assessment ------------------------------------------------------------------

    async def customer_history(self, dispute: Dispute, since: datetime) -> CustomerHistory:
        def counted(d: Dispute) -> bool:
            return since <= d.opened_at and opening_of(d) <= opening_of(dispute) and d.clock_id == dispute.clock_id

        mine = (self.docs[i] for i in self._by_customer.get(dispute.customer_id, ()))
        claims = tuple(
            PastClaim(d.opened_at, d.shipment_key, d.decision.outcome if d.decision else None,
                      (d.closed_at or d.opened_at) if d.status is Status.WITHDRAWN else None,
                      d.id, d.opened_seq, d.withdrawn_seq)
            for d in mine
            if counted(d) and d.id != dispute.id
        )
        at_address = (self.docs[i] for i in self._by_address.get(address_key(dispute), ()))
        accounts = {d.customer_id for d in at_address if counted(d)}
        return CustomerHistory(claims=claims, accounts_at_address=len(accounts | {dispute.customer_id}))

    def lane(self, kind: WorkKind, dispute_id: str) -> str:
        """The case's carrier; for the relay, the service of its next message."""
        dispute = self.docs[dispute_id]
        if kind is WorkKind.RELAY:
            return dispute.outbox[0].kind.service if dispute.outbox else ""
        return dispute.order.carrier

    async def active_for_shipment(self, carrier: str, tracking_number: str) -> list[str]:
        ids = self._by_shipment.get((carrier, tracking_number), ())
        return [i for i in ids if self.docs[i].status is not Status.WITHDRAWN]

    # --- outbox ------------------------------------------------------------------------------------

    async def pending(self, dispute_id: str) -> list[OutboxMessage]:
        return list(self.docs[dispute_id].outbox)

    async def sending(self, dispute_id: str, message: OutboxMessage, at: datetime) -> bool | None:
        doc = self.docs[dispute_id]
        stored = next((m for m in doc.outbox if m.id == message.id), None)
        if stored is None:
            return None
        tried = {"tried_at": message.tried_at or at, "never_reached": False, "attempt_token": message.attempt_token}
        self._update(doc, outbox=[m.model_copy(update=tried) if m.id == message.id else m for m in doc.outbox])
        return stored.unreached

    async def deferred(self, dispute_id: str, message: OutboxMessage) -> None:
        if message.not_before is not None and any(m.id == message.id for m in self.docs[dispute_id].outbox):
            self.due[WorkKind.RELAY][dispute_id] = message.not_before

    async def delivered(
        self, dispute_id: str, message: OutboxMessage, at: datetime, ending: Lease | None = None,
        reference: str | None = None,
    ) -> None:
        doc = self.docs[dispute_id]
        if all(m.id != message.id for m in doc.outbox):
            return  # another relay recorded it first
        effect = DeliveredEffect(id=message.id, kind=message.kind, key=message.key, delivered_at=at, reference=reference)
        doc = self._update(doc, outbox=[m for m in doc.outbox if m.id != message.id],
                           effects_delivered=[*doc.effects_delivered, effect])
        if not doc.outbox:
            self.due[WorkKind.RELAY].pop(dispute_id, None)
            self.leases.end(dispute_id, ending)

    async def failed(
        self,
        dispute_id: str,
        message: OutboxMessage,
        error: str,
        retry_at: datetime,
        park: bool,
        held: Sequence[OutboxMessage] = (),
        queued: Sequence[OutboxMessage] = (),
    ) -> bool:
        doc = self.docs[dispute_id]
        stored = next((m for m in doc.outbox if m.id == message.id), None)
        if stored is None or message.never_reached and stored.attempt_token != message.attempt_token:
            return False  # another relay recorded it first, or began another attempt since
        update = {"attempts": message.attempts + 1, "last_error": error[:ERROR_KEPT], "attempt_token": None}
        updated = message.model_copy(update=update)
        relay = self.due[WorkKind.RELAY]
        counted = stored.model_copy(update=update | {"not_before": retry_at, "never_reached": message.never_reached})
        if park:
            parked = {message.id, *(m.id for m in held)}
            doc = self._update(doc, outbox=[*(m for m in doc.outbox if m.id not in parked), *queued],
                               effects_parked=[*doc.effects_parked, updated, *held])
            if queued:
                first = min(m.created_at for m in queued)
                relay[dispute_id] = min(relay.get(dispute_id, first), first)
        else:
            doc = self._update(doc, outbox=[counted if m.id == message.id else m for m in doc.outbox])
        if not doc.outbox:
            relay.pop(dispute_id, None)
        elif not park:
            relay[dispute_id] = retry_at
        return True

    # --- internals ---------------------------------------------------------------------------------

    def _update(self, stored: Dispute, **changes: Any) -> Dispute:
        """A change storage makes on its own (no save, no new version), as a new snapshot in the old one's place."""
        changed = stored.model_copy(update={name: ReadOnlyList(value) if name in LISTS else value
                                            for name, value in changes.items()})
        self.docs[stored.id] = changed
        self._queue_order = None
        return changed

    def _holder(self, shipment_key: str) -> Dispute | None:
        holder = self._holders.get(shipment_key)
        return self.docs[holder] if holder is not None else None

    def _store(self, dispute: Dispute, version: int) -> None:
        dispute.version = version
        unsaved = dispute._unsaved
        if unsaved:
            relay, due = self.due[WorkKind.RELAY], dispute.messages_due
            relay[dispute.id] = min(relay.get(dispute.id, due), due)
            unsaved.clear()  # in place: pydantic's __setattr__ for a private attribute costs more than the rest here
        retention = dispute.retention_work_due(self.retention, self.personal_data)
        for kind, at in (dispute.due_work() | {WorkKind.RETENTION: retention}).items():
            if at is None:
                self.due[kind].pop(dispute.id, None)
            else:
                self.due[kind][dispute.id] = at
        self.docs[dispute.id] = _read_only(dispute)
        self._queue_order = None
        shipment = dispute.shipment_key
        if dispute.status is not Status.WITHDRAWN:
            self._holders[shipment] = dispute.id
        elif self._holders.get(shipment) == dispute.id:
            del self._holders[shipment]


@dataclass
class _HeldKey:
    kept: KeptKey
    holder: str | None
    expires_at: datetime


class InMemoryIdempotencyKeys:
    """`IdempotencyKeys` in a dict: each method runs without awaiting, so a claim is atomic within the process."""

    def __init__(self) -> None:
        self.keys: dict[str, _HeldKey] = {}

    async def claim(
        self, key: str, fingerprint: str, holder: str, now: datetime, held_until: datetime, expires_at: datetime
    ) -> KeptKey | None:
        held = self.keys.get(key)
        if held is None or held.expires_at <= now or (held.kept.answer is None and held.kept.held_until <= now):
            self.keys[key] = _HeldKey(KeptKey(fingerprint, None, held_until), holder, expires_at)
            return None
        return held.kept

    async def answer(self, key: str, holder: str, answer: FirstAnswer) -> None:
        held = self.keys.get(key)
        if held is not None and held.holder == holder:
            held.kept, held.holder = KeptKey(held.kept.fingerprint, answer, held.kept.held_until), None

    async def release(self, key: str, holder: str) -> None:
        held = self.keys.get(key)
        if held is not None and held.holder == holder:
            del self.keys[key]


class InMemoryTestClocks:
    """`TestClocks` beside the in-memory disputes, whose cases on a clock it finds by scanning (tests only)."""

    def __init__(self, disputes: InMemoryDisputes) -> None:
        self.disputes = disputes
        self.clocks: dict[str, TestClock] = {}

    async def add(self, clock: TestClock) -> None:
        self.clocks[clock.id] = clock

    async def get(self, clock_id: str) -> TestClock | None:
        return self.clocks.get(clock_id)

    async def advance(self, clock_id: str, to: datetime) -> TestClock | None:
        clock = self.clocks.get(clock_id)
        if clock is not None and clock.frozen_time <= to:
            clock = self.clocks[clock_id] = clock.model_copy(update={"frozen_time": to})
        return clock

    async def disputes_on(self, clock_id: str) -> list[str]:
        return [d.id for d in self.disputes.docs.values() if d.clock_id == clock_id]


class InMemoryStaffDirectory:
    def __init__(self) -> None:
        self.members: dict[str, StaffMember] = {}

    async def get(self, staff_id: str) -> StaffMember | None:
        return self.members.get(staff_id)

    async def put(self, member: StaffMember) -> bool:
        supervisors = {i for i, m in self.members.items() if supervises(m)}
        if not supervises(member) and supervisors and not supervisors - {member.id}:
            raise LastActiveSupervisor(member.id)
        new = member.id not in self.members
        self.members[member.id] = member
        return new

    async def put_over(self, member: StaffMember, stored: StaffMember | None) -> bool | None:
        if self.members.get(member.id) != stored:
            return None
        return await self.put(member)

    async def add(self, member: StaffMember) -> bool:
        return self.members.setdefault(member.id, member) is member

    async def page(self, after: str | None, limit: int) -> list[StaffMember]:
        return [self.members[i] for i in sorted(self.members) if after is None or i > after][:limit]


class InMemoryEvidenceStore:
    """What carriers sent: raw bodies and attachments by reference, pushed events by the carrier's identity; and the
    images customers uploaded, by reference too."""

    def __init__(self, keep_for: timedelta = timedelta(days=365)) -> None:
        self.keep_for = keep_for
        """How long a pushed event is kept from its receipt (`InMemoryPushRetention`)."""
        self.expired: set[str] = set()
        """Events being deleted: they no longer keep their images and raw bodies."""
        self.events: dict[str, Evidence] = {}
        self.received: dict[str, datetime] = {}
        self.place: dict[str, tuple[int, int]] = {}
        """Each event's push (numbered in the order stored) and place in it: the events of one push share their time of
        receipt, and pushes received in one millisecond keep the order they were stored in (`IN_ORDER` in
        `adapters/mongo/evidence_store.py`)."""
        self._pushes = count()
        self.due: Due = defaultdict(dict)
        self.leases = Leases()
        self.attachments: dict[str, tuple[str, bytes]] = {}
        self.raw: dict[str, bytes] = {}
        self.last_stored: dict[str, datetime] = {}
        """When each raw body or attachment was last stored (the first copy is kept)."""

    async def put_raw(self, ref: str, carrier: str, body: bytes, at: datetime) -> None:
        self.raw.setdefault(ref, body)
        self._stored(ref, at, WorkKind.RAW_CHECK)

    async def put_attachment(self, ref: str, attachment: StoredAttachment, at: datetime) -> None:
        self.attachments.setdefault(ref, (attachment.media_type, attachment.content))
        self._stored(ref, at, WorkKind.ATTACHMENT_CHECK)

    def _stored(self, ref: str, at: datetime, check: WorkKind) -> None:
        """The first copy kept, and when it was last stored: it is due for its `check` `STORED_LATELY` after that
        (`InMemoryStoredCopyCheck`)."""
        self.last_stored[ref] = max(self.last_stored.get(ref, at), at)
        checks = self.due[check]
        checks[ref] = max(checks.get(ref, at), at + STORED_LATELY)

    async def record(self, evidence: Evidence, at: datetime) -> bool:
        return (await self.record_many([evidence], at))[0]

    async def record_many(self, events: Sequence[Evidence], at: datetime) -> list[bool]:
        push = next(self._pushes)
        return [self._record(evidence, at, (push, seq)) for seq, evidence in enumerate(events)]

    def _record(self, evidence: Evidence, at: datetime, place: tuple[int, int]) -> bool:
        if evidence.key in self.events:
            return False
        self.events[evidence.key] = evidence
        self.received[evidence.key] = at.replace(microsecond=at.microsecond // 1000 * 1000)  # as MongoDB keeps a date
        self.place[evidence.key] = place
        self.due[WorkKind.ATTACH_PUSHED][evidence.key] = at
        self.due[WorkKind.PUSH_RETENTION][evidence.key] = at + self.keep_for
        return True

    async def attachment(self, ref: str) -> tuple[str, bytes] | None:
        return self.attachments.get(ref)

    async def raw_reply(self, ref: str) -> bytes | None:
        return self.raw.get(ref)

    async def for_shipment(self, carrier: str, tracking_number: str, limit: int) -> list[Evidence]:
        events = self._of_shipment(carrier, tracking_number)
        latest = events[-limit:]
        if any(e.proof.status is ProofStatus.DELIVERED for e in latest):
            return latest
        proofs = [e for e in events[:-limit] if e.proof.status is ProofStatus.DELIVERED]
        return proofs[-1:] + latest

    async def pushed_for(self, tracking_number: str, before: tuple[datetime, str] | None, limit: int) -> PushPage:
        def newest(key: str) -> tuple[datetime, str]:
            return self.received[key], key

        keys = sorted((k for k, e in self.events.items() if e.proof.tracking_number == tracking_number), key=newest,
                      reverse=True)
        older = [k for k in keys if before is None or newest(k) < before]
        page = older[:limit]
        waiting = self.due[WorkKind.ATTACH_PUSHED]
        items = [StoredPush(self.events[k], self.received[k], k in waiting) for k in page]
        return PushPage(items, newest(page[-1]) if len(older) > limit else None)

    def _of_shipment(self, carrier: str, tracking_number: str) -> list[Evidence]:
        shipment = (carrier, tracking_number)
        events = (e for e in self.events.values() if (e.proof.carrier, e.proof.tracking_number) == shipment)
        return sorted(events, key=self._in_order)

    async def waiting(self, key: str) -> Evidence | None:
        return self.events[key] if key in self.due[WorkKind.ATTACH_PUSHED] else None

    async def waiting_with(self, event: Evidence, limit: int) -> list[Evidence]:
        due, key = self.due[WorkKind.ATTACH_PUSHED], event.key
        if key not in due:
            return []
        proof = self.events[key].proof
        others = [e for e in self._of_shipment(proof.carrier, proof.tracking_number) if e.key in due and e.key != key]
        return sorted([*others[: limit - 1], self.events[key]], key=self._in_order)

    def _in_order(self, event: Evidence) -> tuple[datetime, int, int]:
        return self.received[event.key], *self.place[event.key]

    async def attached(self, key: str, ending: Lease | None = None, others: Collection[str] = ()) -> None:
        for other in others:
            self.due[WorkKind.ATTACH_PUSHED].pop(other, None)
        self.due[WorkKind.ATTACH_PUSHED].pop(key, None)
        self.leases.end(key, ending)

    def lane(self, kind: WorkKind, key: str) -> str:
        """The carrier of a pushed event; none for an image or a raw body (their checks)."""
        return self.events[key].proof.carrier if key in self.events else ""

    def forget(self, key: str) -> None:
        """Delete the event (retention)."""
        self.events.pop(key, None)
        self.received.pop(key, None)
        self.place.pop(key, None)
        self.expired.discard(key)
        for due in self.due.values():
            due.pop(key, None)


class Subjects(Protocol):
    """A store whose subjects have work due: when (`due`), who holds it (`leases`) and in which lane (`Schedule`)."""

    @property
    def due(self) -> Due: ...

    @property
    def leases(self) -> Leases: ...

    def lane(self, kind: WorkKind, subject: str) -> str: ...


class InMemorySchedule:
    """Leases kept apart from the due times, in the store that holds the subjects (as MongoDB keeps them in fields
    a save never puts back): a save moves a due time, and ends only its own holder's lease, when told to."""

    def __init__(self, disputes: InMemoryDisputes, events: InMemoryEvidenceStore) -> None:
        self._disputes, self._events = disputes, events
        self._stores: dict[WorkKind, Subjects] = {kind: disputes for kind in WorkKind} | {
            WorkKind.ATTACH_PUSHED: events, WorkKind.PUSH_RETENTION: events, WorkKind.ATTACHMENT_CHECK: events,
            WorkKind.RAW_CHECK: events,
        }

    @property
    def leases(self) -> dict[tuple[WorkKind, str], _Taken]:
        """Every lease held, by (kind, subject)."""
        return self._disputes.leases.taken | self._events.leases.taken

    async def claim_due(
        self,
        kind: WorkKind,
        now: datetime,
        lease: timedelta,
        limit: int,
        holder: str,
        skip_lanes: frozenset[str] = frozenset(),
    ) -> list[Claimed]:
        store = self._stores[kind]
        due = sorted(
            (at, subject)
            for subject, at in store.due[kind].items()
            if at <= now and not store.leases.held(kind, subject, now) and store.lane(kind, subject) not in skip_lanes
        )[:limit]
        for _, subject in due:
            store.leases.taken[(kind, subject)] = _Taken(holder, now + lease)
        disputes = store is self._disputes
        return [
            Claimed(subject, Lease(kind, holder), _copy(self._disputes.docs[subject]) if disputes else None)
            for _, subject in due
        ]

    async def renew(self, kind: WorkKind, subjects: Collection[str], holder: str, until: datetime) -> set[str]:
        taken = self._stores[kind].leases.taken
        kept = {subject for subject in subjects if (held := taken.get((kind, subject))) and held.holder == holder}
        for subject in kept:
            taken[(kind, subject)] = _Taken(holder, until)
        return kept

    async def release(self, kind: WorkKind, subject: str, holder: str) -> None:
        self._stores[kind].leases.end(subject, Lease(kind, holder))


class _StoredCopies:
    """The images and raw bodies, deleted once nothing still needs them: no case cites them, no event not expiring
    holds them (read by scanning: retention is no hot path)."""

    def __init__(self, disputes: InMemoryDisputes, events: InMemoryEvidenceStore) -> None:
        self.disputes, self.events = disputes, events

    def delete_unneeded(self, refs: Collection[str], now: datetime) -> None:
        for ref in set(refs) - self.cited():
            self.delete(ref, now)

    def cited(self) -> set[str]:
        """What a case, or a stored push not expiring, cites."""
        cases = self.disputes.docs.values()
        pushes = (e for key, e in self.events.events.items() if key not in self.events.expired)
        return set().union(*(d.stored_refs() for d in cases), *(e.proof.stored_refs() for e in pushes))

    def stored_lately(self, ref: str, now: datetime) -> bool:
        return self.events.last_stored.get(ref, now) > now - STORED_LATELY

    def delete(self, ref: str, now: datetime) -> None:
        """Delete the copy unless it was stored lately."""
        if not self.stored_lately(ref, now):
            self.events.attachments.pop(ref, None)
            self.events.raw.pop(ref, None)
            self.events.due[WorkKind.ATTACHMENT_CHECK].pop(ref, None)
            self.events.due[WorkKind.RAW_CHECK].pop(ref, None)


class InMemoryRetention:
    """`adapters/mongo/retention.py`'s `AttachmentRetention`, over the in-memory stores."""

    kind = WorkKind.RETENTION

    def __init__(self, disputes: InMemoryDisputes, events: InMemoryEvidenceStore, clock: Clock) -> None:
        self.copies, self.clock = _StoredCopies(disputes, events), clock

    def lanes(self) -> Lanes:
        return Lanes(50)

    async def handle(self, claimed: Claimed, place: Place) -> None:
        dispute, disputes, now = claimed.dispute, self.copies.disputes, self.clock.now()
        assert dispute is not None
        anonymising = anonymisation_reached(dispute, disputes.personal_data, now)
        deleting = dispute.retention_reached(disputes.retention, now)
        try:
            if not (deleting or anonymising):  # due early: its save says when it is
                await disputes.save(dispute, ending=claimed.lease)
                return
            if deleting:
                if not dispute.copies_to_delete:
                    dispute.delete_stored_copies(now)
                    await disputes.save(dispute)
                await self._delete(dispute)
                dispute.stored_copies_deleted()
                await disputes.save(dispute, ending=None if anonymising else claimed.lease)
            if anonymising and dispute.hold_anonymisation(now):
                await disputes.save(dispute, ending=claimed.lease)
            elif anonymising:
                dispute.anonymise(now)
                stored = disputes.docs[dispute.id]  # what storage alone appends to, with the save, as MongoDB's one write
                if stored.version != dispute.version:  # changed meanwhile (reopened): as the save finds, nothing written
                    raise StaleVersion(dispute.id)
                disputes.docs[dispute.id] = stored.model_copy(update={f: getattr(dispute, f) for f in APPENDED})
                await disputes.save(dispute, ending=claimed.lease)
                disputes.readdressed(address_key(stored), dispute)
        except StaleVersion:
            return

    async def _delete(self, dispute: Dispute) -> None:
        events = self.copies.events
        shipment = (dispute.order.carrier, dispute.order.tracking_number)
        others = [i for i in await self.copies.disputes.active_for_shipment(*shipment) if i != dispute.id]
        if dispute.takes_its_pushes and not others:
            for key in [e.key for e in dispute.evidence if e.key not in events.due[WorkKind.ATTACH_PUSHED]]:
                events.forget(key)
        self.copies.delete_unneeded(dispute.copies_to_delete, self.clock.now())


class InMemoryPushRetention:
    """`adapters/mongo/retention.py`'s `PushRetention`, over the in-memory stores."""

    kind = WorkKind.PUSH_RETENTION

    def __init__(self, disputes: InMemoryDisputes, events: InMemoryEvidenceStore, clock: Clock) -> None:
        self.copies, self.clock = _StoredCopies(disputes, events), clock

    def lanes(self) -> Lanes:
        return Lanes(50)

    async def handle(self, claimed: Claimed, place: Place) -> None:
        events, key = self.copies.events, claimed.subject
        if key not in events.events:
            return
        if (until := events.received[key] + events.keep_for) > (now := self.clock.now()):
            events.due[self.kind][key] = until
            return
        events.expired.add(key)
        self.copies.delete_unneeded(events.events[key].proof.stored_refs(), now)
        events.forget(key)


class InMemoryStoredCopyCheck:
    """`adapters/mongo/retention.py`'s `StoredCopyCheck`, over the in-memory stores."""

    def __init__(self, disputes: InMemoryDisputes, events: InMemoryEvidenceStore, clock: Clock, kind: WorkKind) -> None:
        self.copies, self.clock, self.kind = _StoredCopies(disputes, events), clock, kind

    def lanes(self) -> Lanes:
        return Lanes(50)

    async def handle(self, claimed: Claimed, place: Place) -> None:
        copies, ref, now = self.copies, claimed.subject, self.clock.now()
        if ref not in copies.cited():
            copies.delete(ref, now)
        elif not copies.stored_lately(ref, now):  # else stored again: due again
            copies.events.due[self.kind].pop(ref, None)


class InMemoryWorkload:
    """The workload over in-memory disputes and pushed events, as the MongoDB counts see it."""

    def __init__(self, disputes: InMemoryDisputes, events: InMemoryEvidenceStore) -> None:
        self.disputes = disputes
        self.events = events

    async def workload(self, now: datetime, due_within: timedelta) -> Workload:
        active = [d for d in self.disputes.docs.values() if d.is_active]
        by_state = {status: sum(d.status is status for d in active) for status in sorted(ACTIVE)}
        past = [d for d in active if d.sla.decision_due < now]
        checked = self.disputes.due[WorkKind.SLA_CHECK]  # no check scheduled: the deadline rule handed it on
        with_supervisor = sum(d.id not in checked for d in past)
        soon = sum(now <= d.sla.decision_due < now + due_within for d in active)
        pending = [m.created_at for d in self.disputes.docs.values() for m in d.outbox]
        waiting = self.events.due[WorkKind.ATTACH_PUSHED].values()
        return Workload(
            by_state, soon, len(past) - with_supervisor, len(pending), min(pending, default=None), len(waiting),
            min(waiting, default=None), with_supervisor,
        )


class InMemoryReports:
    """The reports over in-memory disputes, counted as the MongoDB aggregation counts them."""

    def __init__(self, disputes: InMemoryDisputes) -> None:
        self.disputes = disputes

    def _opened(self, start: datetime, end: datetime) -> list[Dispute]:
        return [d for d in self.disputes.docs.values() if start <= d.opened_at < end and reported(d)]

    async def carriers(self, start: datetime, end: datetime) -> list[CarrierFigures]:
        by_carrier: defaultdict[str, list[Dispute]] = defaultdict(list)
        for dispute in self._opened(start, end):
            by_carrier[dispute.order.carrier].append(dispute)
        owed: defaultdict[str, Counter[str]] = defaultdict(Counter)
        for dispute in self.disputes.docs.values():
            if (incurred := liability_incurred(dispute, start, end)) is not None:
                owed[dispute.order.carrier][incurred[0]] += incurred[1]
        return billed([_carrier_figures(c, disputes) for c, disputes in by_carrier.items()], owed)

    async def sla(self, start: datetime, end: datetime) -> SlaFigures:
        facts = [report_facts(d) for d in self._opened(start, end)]
        hours = [f.hours_to_decision for f in facts if f.hours_to_decision is not None]
        return SlaFigures(
            disputes=len(facts),
            decided=sum(f.outcome is not None for f in facts),
            within_sla=sum(f.within_sla is True for f in facts),
            automatic=sum(f.automatic for f in facts),
            by_deadline_rule=sum(f.by_deadline_rule for f in facts),
            median_hours_to_decision=_percentile(hours, 0.5),
            p95_hours_to_decision=_percentile(hours, 0.95),
        )


    async def response_times(self, start: datetime, end: datetime) -> ResponseTimes:
        opened = self._opened(start, end)
        return ResponseTimes(
            by_channel=_response_figures(opened, lambda d: d.channel.value),
            by_carrier=_response_figures(opened, lambda d: d.order.carrier),
        )

    async def ledger(self, query: LedgerQuery) -> LedgerPage:
        rows = []
        for d in self.disputes.docs.values():
            where = whereabouts(
                (m.key for m in d.outbox), d.effects_delivered, ((m.key, m.parked, m.parked_at) for m in d.effects_parked)
            )
            rows += ledger_rows(d.id, d.order.carrier, d.order.tracking_number, d.money, where, query)
        return page_of(rows, query.limit)


def _response_figures(disputes: list[Dispute], group: Callable[[Dispute], str]) -> list[ResponseFigures]:
    groups: defaultdict[str, list[ReportFacts]] = defaultdict(list)
    for dispute in disputes:
        groups[group(dispute)].append(report_facts(dispute))
    figures = []
    for key, facts in sorted(groups.items()):
        first = [f.hours_to_first_response for f in facts if f.hours_to_first_response is not None]
        decided = [f.hours_to_decision for f in facts if f.hours_to_decision is not None]
        figures.append(ResponseFigures(
            key, len(facts), len(first), _percentile(first, 0.5), _percentile(first, 0.9),
            len(decided), _percentile(decided, 0.5), _percentile(decided, 0.9),
        ))
    return figures


def _carrier_figures(carrier: str, disputes: list[Dispute]) -> CarrierFigures:
    facts = [report_facts(d) for d in disputes]

    def share(has: Callable[[ReportFacts], bool]) -> float:
        return sum(map(has, facts)) / len(facts)

    outcomes = Counter[tuple[bool, str]]()  # decisions by outcome, and the disputes with none
    for f in facts:
        outcomes.update({(f.partial, outcome): count for outcome, count in f.decisions.items()})
        outcomes[f.partial, UNDECIDED] += f.outcome is None
    return CarrierFigures(
        carrier=carrier,
        disputes=len(facts),
        outcomes={outcome: outcomes[False, outcome] for outcome in OUTCOMES},
        partial_outcomes={outcome: outcomes[True, outcome] for outcome in OUTCOMES},
        share_with_evidence=share(lambda f: f.with_evidence),
        share_with_signature=share(lambda f: f.signature),
        share_with_photo=share(lambda f: f.photo),
        share_with_location=share(lambda f: f.location),
        median_hours_to_proof=_percentile([f.hours_to_proof for f in facts if f.hours_to_proof is not None], 0.5),
        liabilities={},  # `billed` gives them
    )


def _percentile(values: list[float], p: float) -> float | None:
    """The nearest-rank percentile: a value that occurred, as MongoDB's approximate percentile gives."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(math.ceil(p * len(ordered)) - 1, 0)]


class InMemoryOrders:
    def __init__(self, orders: list[Order] | None = None) -> None:
        self.orders = {o.order_id: o for o in orders or []}

    async def get(self, order_id: str) -> Order | None:
        return self.orders.get(order_id)


class FixedClock:
    def __init__(self, now: datetime) -> None:
        self.current = now

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


class InMemorySignedOutSessions:
    """`SignedOutSessions` in a dict: each ended session until the time it is kept for, the spent ones forgotten
    whenever another is ended."""

    def __init__(self) -> None:
        self.ended_until: dict[str, datetime] = {}

    async def end(self, session: str, until: datetime, now: datetime) -> None:
        self.ended_until = {s: kept for s, kept in self.ended_until.items() if kept > now}
        self.ended_until[session] = max(until, self.ended_until.get(session, until))

    async def ended(self, session: str) -> bool:
        return session in self.ended_until
