"""What the core needs from the outside world. Adapters implement these; unit tests use in-memory fakes."""

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Final, Literal, Protocol

from disputes.model import Dispute, FirstAnswer, TestClock
from disputes.ledger import LedgerPage, LedgerQuery
from disputes.policy import CustomerHistory
from disputes.work import WorkKind
from schemas.digital import DigitalDelivery
from schemas.common import Outcome
from schemas.dispute import Channel, Evidence, OutboxMessage, Status, TimelineEntry
from schemas.effects import (
    AccountRestriction, CarrierLiability, CustomerNotification, CustomerRisk, RefundRequest, ReshipRequest, StaffAlert,
)
from schemas.orders import Order, PackingRecord
from schemas.proof import AttachmentKind, ProofOfDelivery
from schemas.recommendation import Recommendation
from schemas.staff import StaffMember


class Clock(Protocol):
    def now(self) -> datetime: ...


class StorageUnavailable(Exception):
    """The database could not be reached or did not answer in time; asking again shortly may work.
    Storage adapters raise it, from the driver's own error, for every outage whatever the operation."""


def queue_position(dispute: Dispute) -> tuple[datetime, str]:
    """Where a case stands in the investigator queue: its decision due time, then, among the cases due then, the
    higher priority first, the case opened earliest (waiting longest) next, and the id last, written as one text that
    sorts so (`queue_tie`)."""
    return dispute.sla.decision_due, queue_tie(dispute.priority, dispute.opened_at, dispute.id)


def queue_tie(priority: int, opened_at: datetime, dispute_id: str) -> str:
    """`9 - priority` (priorities run 0–3), the opening to the millisecond in UTC in fixed width, and the id, joined by
    `|`: text that sorts as (priority descending, opened_at, id)."""
    opened = opened_at.astimezone(UTC).isoformat(timespec="milliseconds")[:23]
    return f"{9 - priority}|{opened}|{dispute_id}"


def queue_after(after: tuple[datetime, str]) -> tuple[datetime, str]:
    """Where a page resumes after the `queue_position` a cursor holds. A cursor the release before handed out holds
    the id alone as its tie (ordered by id then, no `|`): it resumes at the start of its due time, so a case due then
    may be shown once more, none skipped."""
    due, tie = after
    return after if "|" in tie else (due, "")


@dataclass(frozen=True, slots=True)
class DisputeQuery:
    """The investigator queue: filters, ordered by `queue_position` (decision due date, then priority, opening and
    id), cursor-paginated."""

    statuses: tuple[Status, ...] = ()
    dispute_id: str | None = None
    order_id: str | None = None
    tracking_number: str | None = None
    carrier: str | None = None
    assignee: str | None = None
    unassigned: bool = False
    customer_id: str | None = None
    overridden: bool | None = None
    needs_supervisor: bool | None = None
    flagged: bool | None = None
    """True: cases carrying abuse flags; False: cases carrying none."""
    priorities: tuple[int, ...] = ()
    channel: Channel | None = None
    outcome: Outcome | None = None
    compensation: Outcome | None = None
    """Cases whose decisions issued this refund or reship (`Dispute.compensation`), whatever a later one decided."""
    due_from: datetime | None = None
    due_before: datetime | None = None
    opened_from: datetime | None = None
    opened_to: datetime | None = None
    decided_from: datetime | None = None
    decided_to: datetime | None = None
    after: tuple[datetime, str] | None = None
    """The page starts after this `queue_position`."""
    limit: int = 50
    ids: tuple[str, ...] | None = None
    """Only these disputes (whatever they match now): how an export reads the rows of the selection it made."""
    only_ids: bool = False
    """The selection's ids alone (`DisputePage.ids`, at most `limit`, no disputes, no cursor), read by one query:
    how an export selects, so that no case whose deadline moves while the rows are written is missed or repeated."""


@dataclass(frozen=True, slots=True)
class DisputePage:
    items: list[Dispute]
    next_after: tuple[datetime, str] | None = None
    ids: tuple[str, ...] = ()
    """With `only_ids`: the ids selected, in the query's order."""


class DisputeRepository(Protocol):
    async def add(self, dispute: Dispute, now: datetime) -> None:
        """Store a new dispute and its queued messages. Another dispute's idempotency key that has expired at `now`
        (the real time: keys live by it, whatever a case's test clock says) passes to this one.

        Raises ActiveDisputeExists when the shipment already has a dispute, and
        IdempotencyKeyTaken when another request stored the same idempotency key first (and it is live at `now`)."""

    async def get(self, dispute_id: str, owner: str | None = None) -> Dispute | None:
        """The dispute, the caller's to change and `save`. With `owner`, only if it is that customer's: another
        customer's case is not found, as one that does not exist, by the same query (not read, then refused)."""

    async def read(self, dispute_id: str, owner: str | None = None) -> Dispute | None:
        """The dispute to show, not to change: a change to it is refused or never reaches storage. `owner` as `get`."""

    async def save(self, dispute: Dispute, ending: "Lease | None" = None, taking: "Taking | None" = None) -> None:
        """Store a change made on `dispute` as loaded (compare-and-set on its version) with its new
        messages, in one atomic write; afterwards `dispute.version` is the stored version. With `ending` (the
        change ends the work a lease was taken for), the same write ends that lease if its holder still holds
        it, and marks it `ended`; a lease another holder took over is left alone. With `taking` (the work that
        follows, for the caller's holder), the write also takes `taking.lease`, and marks it `taken`, when the
        saved dispute has that work due at `taking.now`, nobody holds it then and, given `ending`, the write ends
        it; otherwise the change is stored as without `taking`.

        Raises StaleVersion when someone else changed it first, and ActiveDisputeExists when the change makes a
        withdrawn dispute hold its shipment again while another holds it."""

    async def find_by_idempotency_key(self, key: str, now: datetime) -> Dispute | None:
        """The dispute created with this (customer-scoped) key, unless the key has expired."""

    async def query(self, query: DisputeQuery) -> DisputePage: ...


class IdempotencyKeyTaken(Exception):
    """Raised by `DisputeRepository.add` when the key was stored by a concurrent request."""


@dataclass(frozen=True, slots=True)
class KeptKey:
    """An Idempotency-Key as stored: the request it was first used with, and its answer once there is one."""

    fingerprint: str
    answer: FirstAnswer | None
    held_until: datetime
    """While there is no answer: when the request holding the key is given up for lost (its process died)."""


class IdempotencyKeys(Protocol):
    """The Idempotency-Keys of the requests other than opening a dispute (that one keeps its key in the dispute).
    Keys are caller-scoped by the caller; each is one record, claimed before the request runs."""

    async def claim(
        self, key: str, fingerprint: str, holder: str, now: datetime, held_until: datetime, expires_at: datetime
    ) -> KeptKey | None:
        """Claim `key` for `holder` in one atomic write: None when claimed (the key was free, had expired, or its
        holder's hold ran out with no answer), else the record that keeps it."""

    async def answer(self, key: str, holder: str, answer: FirstAnswer) -> None:
        """Keep the first answer of the request `holder` ran (a no-op if the key is no longer its)."""

    async def release(self, key: str, holder: str) -> None:
        """Free the key without an answer (the request failed in a way a retry may not): the next one runs."""


class TestClocks(Protocol):
    """Where test clocks are kept (sandbox only), and which cases run on each."""

    async def add(self, clock: TestClock) -> None: ...

    async def get(self, clock_id: str) -> TestClock | None: ...

    async def advance(self, clock_id: str, to: datetime) -> TestClock | None:
        """Move the clock to `to` in one atomic write unless it is already past it; the clock as stored
        afterwards (still behind `to` only if it was past it), None when there is no such clock."""

    async def disputes_on(self, clock_id: str) -> list[str]:
        """The ids of the disputes opened on the clock."""


class OrderDirectory(Protocol):
    async def get(self, order_id: str) -> Order | None: ...


class PackingRecordUnavailable(Exception):
    """The order service could not say whether it has a packing record (down, or an unusable answer)."""


class PackingRecords(Protocol):
    async def packing_record(self, order_id: str, shipment_id: str) -> PackingRecord | None:
        """What the seller recorded packing into the package; None when there is no record."""


@dataclass(slots=True)
class Lease:
    """`holder`'s lease on one subject's `kind` of work, as a claim took it. The write that ends the work may end
    the lease with it (`DisputeRepository.save`, `Outbox.delivered`, `PushedEvidence.attached`); storage then marks
    it `ended`, and the worker does not give it back again."""

    kind: WorkKind
    holder: str
    ended: bool = False


@dataclass(slots=True)
class Taking:
    """A lease a save asks to take on the work that follows it on the same dispute (for the holder of the work
    that saves, until `until`, as a claim at `now` would), so the worker goes on with it without claiming it;
    storage marks it `taken` when it did (see `DisputeRepository.save`). The save times it (`at`): the change it
    follows may make that work due later than the taking was asked for."""

    lease: Lease
    now: datetime
    until: datetime
    taken: bool = False

    def at(self, now: datetime) -> None:
        """Take it as a claim at `now` would, for a lease as long."""
        self.now, self.until = now, now + (self.until - self.now)


@dataclass(frozen=True, slots=True)
class Claimed:
    """A subject a claim leased, and (for work on disputes) the dispute as the claim found it: the work starts
    from it instead of reading it again (a save from it is compare-and-set on the version it carries)."""

    subject: str
    lease: Lease
    dispute: Dispute | None = field(default=None, repr=False)


class Schedule(Protocol):
    """Due background work, held by one worker at a time. What is due, and when, comes from the core (a
    dispute's `due_work`, its outbox, pushed events, closed cases); who holds it is storage's alone: a lease is
    kept apart from the state it concerns, so no save ever puts back a lease or erases another holder's (a save
    may end its own holder's, see `Lease`, and take the next work's lease for its holder, where nobody holds it,
    see `Taking`), and taking or renewing one never changes the dispute's version. Each call is one atomic
    single-document write per subject."""

    async def claim_due(
        self,
        kind: WorkKind,
        now: datetime,
        lease: timedelta,
        limit: int,
        holder: str,
        skip_lanes: frozenset[str] = frozenset(),
    ) -> list[Claimed]:
        """Lease to `holder` until `now + lease` up to `limit` subjects (dispute ids, or event keys for pushed
        evidence) whose `kind` of work is due at `now` and that nobody holds (or whose lease has run out),
        earliest due first, none in `skip_lanes` (the caller has no room for them now: a subject's lane is its carrier,
        or for the relay the service of its dispute's next message, `EffectKind.service`); each with its
        dispute as stored when claimed (none for pushed evidence)."""

    async def renew(self, kind: WorkKind, subjects: Collection[str], holder: str, until: datetime) -> set[str]:
        """Extend `holder`'s leases on `subjects` to `until`; the subjects it still holds (a subject missing
        from the answer was taken over by another holder once its lease had run out)."""

    async def release(self, kind: WorkKind, subject: str, holder: str) -> None:
        """End `holder`'s lease (nothing happens when another holds it): the work is due again at its due time."""


ERROR_KEPT = 500
"""How much of a failed attempt's error the outbox keeps (its first characters)."""


class Outbox(Protocol):
    async def pending(self, dispute_id: str) -> list[OutboxMessage]:
        """The dispute's messages not yet delivered nor parked, in the order they were queued."""

    async def sending(self, dispute_id: str, message: OutboxMessage, at: datetime) -> bool | None:
        """Record, before each attempt is sent, that `message` was tried (`OutboxMessage.tried_at`: its first
        attempt's time, else `at`), may reach its service (`never_reached` False) and is in flight as the attempt of
        `message.attempt_token`, if it is still pending: one write, so an attempt whose pass ends before its answer is
        recorded (a worker killed, a lease lost) is known to the next pass as one that may have been applied. Whether
        no attempt before this one may have reached the service (`OutboxMessage.unreached`), as stored when the write
        was made (False when another attempt was in flight); None, writing nothing, when the message is no longer
        pending (another pass delivered or parked it): the attempt must not be sent."""

    async def deferred(self, dispute_id: str, message: OutboxMessage) -> None:
        """Make the relay due again at `message`'s `not_before`, if it is still pending: a save that queued a message
        after it made the dispute due sooner, but its messages wait for it (they go out in order)."""

    async def delivered(
        self, dispute_id: str, message: OutboxMessage, at: datetime, ending: Lease | None = None,
        reference: str | None = None,
    ) -> None:
        """Record the message delivered, once, with the service's own id for it (`reference`, where it named one): a
        message no longer pending is left as recorded. With `ending`, when it was the last pending message the same
        write ends that lease if its holder still holds it (see `Lease`)."""

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
        """Record a failed attempt (the error's first ERROR_KEPT characters, and `message.never_reached`), clearing its
        attempt token, and retry at `retry_at`, the message's `not_before`; `park` stops
        retrying a message that can never succeed, and parks `held` (pending messages that wait for it, as given)
        with it in the same write, which also queues `queued` (its staff alert, the customer's message told instead;
        due at their `created_at`). Whether it was recorded: a message no longer pending (another relay recorded it,
        or this write was made before) is left as recorded, and nothing is queued; nor is one recorded `never_reached`
        unless the stored attempt token is still `message.attempt_token` (another attempt, which may reach the
        service, began since)."""


class EffectUnavailable(Exception):
    """A downstream service could not take the effect now; retry later, and not within `retry_after` when the
    service said how long to wait. `reached` unless no attempt of the call reached the service (no connection made, so
    nothing of the request was sent): such an effect certainly did not happen."""

    def __init__(self, message: str, retry_after: timedelta | None = None, *, reached: bool = True) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.reached = reached


class CredentialsRefused(EffectUnavailable):
    """A downstream service refused our credentials (HTTP 401: a signature under a key it does not hold yet, as while
    a signing key rolls out), so the attempt applied nothing: retried as an unavailable service is, and parked
    `credentials_refused` once out of attempts."""


class EffectRejected(Exception):
    """A downstream service refused the effect for good (bad request); retrying will not help. The refusal proves
    only that the attempt refused applied nothing: `maybe_applied` when an earlier attempt of the same call may have
    been applied all the same (it got no answer, lost its connection, or got a 5xx)."""

    def __init__(self, message: str, *, maybe_applied: bool = False) -> None:
        super().__init__(message)
        self.maybe_applied = maybe_applied


class Payments(Protocol):
    async def refund(self, request: RefundRequest, idempotency_key: str) -> str | None:
        """Payments' own id of the refund, when its answer names one."""


class Fulfillment(Protocol):
    async def reship(self, request: ReshipRequest, idempotency_key: str) -> str | None:
        """Fulfillment's own id of the shipment, when its answer names one."""


class Accounts(Protocol):
    async def report_risk(self, signal: CustomerRisk, idempotency_key: str) -> None: ...

    async def change_restriction(self, change: AccountRestriction, idempotency_key: str) -> None: ...


class Finance(Protocol):
    async def record_liability(self, liability: CarrierLiability, idempotency_key: str) -> str | None:
        """Finance's own id of the recorded liability, when its answer names one."""


class Notifications(Protocol):
    async def notify(self, request: CustomerNotification, idempotency_key: str) -> None: ...

    async def alert_staff(self, alert: StaffAlert, idempotency_key: str) -> None: ...


type PullTrouble = Literal["unavailable", "auth_failed", "refused", "throttled", "malformed"]
"""Why a pull got no answer, for operators (`WorkLog.pulled`, as the pull metric's `result`): the carrier was down
or timed out (also when its failures opened the breaker mid-call); it refused our credentials; its circuit breaker
refused the call before it reached the carrier; the carrier throttled us (429); its reply could not be read."""


class EvidenceUnavailable(Exception):
    """The carrier gave no usable answer now (timeouts, 5xx, 429, circuit open, a reply that could not be read);
    ask again later.

    `retry_at`, when set, is when asking again makes sense: a call the carrier's circuit breaker refused
    names the end of its cool-down (or a moment after the probe in flight), which is sooner than the
    evidence backoff for a carrier that is recovering; a carrier that throttled us names the end of its
    `Retry-After`, before which it would refuse again."""

    def __init__(self, message: str, retry_at: datetime | None = None, why: PullTrouble = "unavailable") -> None:
        super().__init__(message)
        self.retry_at = retry_at
        self.why = why


class EvidenceRejected(Exception):
    """Pulling cannot work for this shipment (no pull API, a request the carrier refuses as ours to fix)."""


class WorkLog(Protocol):
    """What the workers did, for operators: ids, carriers and outcomes only, never a person's data."""

    def pulled(self, dispute_id: str, carrier: str, outcome: str, seconds: float) -> None:
        """One evidence pull ended: the proof's status, an `EvidenceUnavailable`'s `why` (`PullTrouble`) or
        `rejected`."""

    def assessed(self, dispute_id: str, advice: Recommendation, status: Status) -> None:
        """The policy's advice was recorded on a case, which is now in `status`."""

    def attached(self, carrier: str, tracking_number: str, events: Sequence[str], dispute_ids: Sequence[str]) -> None:
        """Events pushed for a parcel (their keys) were attached to its cases, or marked with none (`dispute_ids`
        empty: no active case holds that parcel)."""

    def failed(self, kind: str, subject: str, lane: str | None, error: str, failures: int) -> None:
        """Work on `subject` failed in a way no outcome foresees (`error`: the exception's type), `failures` times in a
        row here; `lane`: where it was waiting (the evidence puller's lanes are carriers)."""


class SilentWorkLog:
    def pulled(self, dispute_id: str, carrier: str, outcome: str, seconds: float) -> None:
        return None

    def assessed(self, dispute_id: str, advice: Recommendation, status: Status) -> None:
        return None

    def attached(self, carrier: str, tracking_number: str, events: Sequence[str], dispute_ids: Sequence[str]) -> None:
        return None

    def failed(self, kind: str, subject: str, lane: str | None, error: str, failures: int) -> None:
        return None


class DigitalDeliveries(Protocol):
    """The digital delivery provider: what became of an order line's code or link."""

    async def record(self, order_id: str, sku: str) -> DigitalDelivery:
        """The line's delivery record, stamped with when it was received (`found` False: the provider never sent
        anything for it). Raises EvidenceUnavailable when it cannot answer now, EvidenceRejected when it never will."""


class Slot(Protocol):
    """A place in a carrier's concurrency limit, held by the caller of `CarrierGateway.pull`."""

    def release(self) -> None: ...

    async def acquire(self) -> None: ...


class CarrierGateway(Protocol):
    async def pull(self, carrier: str, tracking_number: str, slot: Slot | None = None) -> ProofOfDelivery:
        """The carrier's proof. While the call waits to retry it gives `slot` up and takes it back before the
        next try, so a flaky carrier's backoff does not keep other cases from that carrier waiting."""


class Shipments(Protocol):
    async def active_for_shipment(self, carrier: str, tracking_number: str) -> list[str]:
        """Ids of the disputes that hold this carrier's shipment (any status but withdrawn)."""


@dataclass(frozen=True, slots=True)
class StoredPush:
    """A pushed event as stored: when it was received (to the millisecond, as stored), and whether it still waits to
    be attached."""

    evidence: Evidence
    received_at: datetime
    waiting: bool


@dataclass(frozen=True, slots=True)
class PushPage:
    items: list[StoredPush]
    next_after: tuple[datetime, str] | None = None


class PushedEvidence(Protocol):
    """Evidence carriers pushed to us, stored durably before we answered them."""

    async def pushed_for(self, tracking_number: str, before: tuple[datetime, str] | None, limit: int) -> PushPage:
        """The events any carrier pushed for `tracking_number` (in its one spelling) that are still kept, newest
        first by (time of receipt, key), up to `limit` of those before `before`; `next_after` is the cursor for the
        next (older) page."""

    async def for_shipment(self, carrier: str, tracking_number: str, limit: int) -> list[Evidence]:
        """The shipment's latest `limit` events, attached or not, in the order stored (the earliest first): by time of
        receipt, a push's events together in their order in it, and pushes received at one time in the order they were
        stored. When those hold no proof of delivery and one was pushed before them, the latest such comes first: a
        carrier's scans after its proof never hide it."""

    async def waiting(self, key: str) -> Evidence | None:
        """Event `key` while it is not yet attached; None when it is unknown or attached already."""

    async def waiting_with(self, event: Evidence, limit: int) -> list[Evidence]:
        """The events of `event`'s shipment not yet attached, in the order stored (`for_shipment`), `limit` at most
        (`event` among them, also when more are waiting before it); none when `event` is unknown or attached already."""

    async def attached(self, key: str, ending: Lease | None = None, others: Collection[str] = ()) -> None:
        """The event, and the `others` of its shipment, are on every dispute of their shipment: no longer due for
        attaching. With `ending` (the attacher's lease on event `key`), the write that marks `key` ends that lease if
        its holder still holds it (see `Lease`); the events are marked attached either way, `others` first."""


class EvidenceInbox(Protocol):
    async def record_many(self, events: Sequence[Evidence], at: datetime) -> list[bool]:
        """Store a push's events, each due for attaching at `at`, in their order and in as few writes as the storage
        allows (one event: one write). Per event, False (and nothing changes for it) when an event with its key was
        stored before, earlier in `events` too. Raises when any other could not be stored, whatever became of the
        rest: none is then reported stored."""


@dataclass(frozen=True, slots=True)
class CarrierSource:
    """A carrier's attachment: the shipment it proves."""

    carrier: str
    tracking_number: str


@dataclass(frozen=True, slots=True)
class CustomerSource:
    """A customer's upload: the dispute it supports, and whose it is."""

    dispute_id: str
    customer_id: str


CUSTOMER_IMAGE: Final = "customer_image"


@dataclass(frozen=True, slots=True)
class StoredAttachment:
    """An image or document, labelled by what its bytes are, with where it came from: a carrier's signature,
    photo or document (`AttachmentKind`), or an image a customer uploaded (`CUSTOMER_IMAGE`)."""

    kind: AttachmentKind | Literal["customer_image"]
    media_type: str
    content: bytes
    source: CarrierSource | CustomerSource


STORED_LATELY = timedelta(hours=1)
"""Retention keeps a copy stored (again) this recently: the push whose intake stored it may not be recorded yet."""


class AttachmentStore(Protocol):
    """Images and documents by content-addressed reference (storing the same bytes again keeps the one copy, and
    when it was last stored), and carriers' raw answers. Retention deletes one once no case cites it,
    no stored push holds it, and it was not stored within `STORED_LATELY`."""

    async def put_raw(self, ref: str, carrier: str, body: bytes, at: datetime) -> None:
        """A carrier's raw answer or webhook body, kept for audit."""

    async def put_attachment(self, ref: str, attachment: StoredAttachment, at: datetime) -> None: ...

    async def attachment(self, ref: str) -> tuple[str, bytes] | None:
        """The media type and bytes stored under `ref`; None once deleted (or never stored)."""

    async def raw_reply(self, ref: str) -> bytes | None:
        """The carrier's raw answer or webhook body stored under `ref`; None once deleted (or never stored)."""


class AssessmentStore(Protocol):
    async def customer_history(self, dispute: Dispute, since: datetime) -> CustomerHistory:
        """The customer's claims opened since `since` (withdrawn ones too, each with its shipment, `PastClaim`), and
        how many accounts disputed this address. A case on a test clock (sandbox) counts only the cases on its clock,
        and other cases never count it: a tester's cases make a history of their own, apart from the customer's real
        one."""


@dataclass(frozen=True, slots=True)
class ViewBound:
    """Which views a case's record of attachment views takes: none while it holds a view of the same attachment
    (`details["attachment"]`) by the same viewer (actor and role) at or after `since`, and none once it holds
    `limit` entries."""

    since: datetime
    limit: int

    def admits(self, views: Sequence[TimelineEntry], view: TimelineEntry) -> bool:
        return len(views) < self.limit and not any(self._repeats(seen, view) for seen in views)

    def _repeats(self, seen: TimelineEntry, view: TimelineEntry) -> bool:
        return seen.at >= self.since and (seen.actor, seen.role, seen.details.get("attachment")) == (
            view.actor, view.role, view.details.get("attachment"))


class AttachmentViews(Protocol):
    async def record_view(self, dispute_id: str, view: TimelineEntry, bound: ViewBound) -> bool:
        """Add `view` to the case's record of who viewed which attachment when `bound` admits it, checked and added in
        one atomic write (no read first) that changes nothing else: not the version (whoever looked at the proof still
        decides on the version they reviewed) and nothing a save writes, so it commutes with every other change and no
        save erases it. False: not added (`bound` refused it, or no such dispute)."""


class CustomerDisputes(Protocol):
    async def customer_disputes(self, customer_id: str, before: tuple[datetime, str] | None, limit: int) -> DisputePage:
        """One customer's disputes, newest first by (opened at, id), up to `limit` of those before `before`;
        `next_after` is the cursor for the next (older) page."""


class LastActiveSupervisor(Exception):
    """Raised by `StaffDirectory.put` when the record would take away the directory's last active supervisor."""


class StaffDirectory(Protocol):
    """Who works cases: one record per staff id, each write one atomic single-document write."""

    async def get(self, staff_id: str) -> StaffMember | None: ...

    async def put(self, member: StaffMember) -> bool:
        """Store the member's record, replacing the one under its id; True when there was none. A record that is not
        an active supervisor's is stored only while another member is one (or none is): checked and taken into account
        in one atomic write, so changes at the same moment never take every active supervisor away together.

        Raises LastActiveSupervisor (and stores nothing) otherwise."""

    async def put_over(self, member: StaffMember, stored: StaffMember | None) -> bool | None:
        """As `put`, if the record stored under its id is still `stored` (None: there is none), in the same atomic
        write; None (nothing stored) when another write changed it since it was read."""

    async def add(self, member: StaffMember) -> bool:
        """Store the record unless one is stored under its id (then nothing changes): False."""

    async def page(self, after: str | None, limit: int) -> list[StaffMember]:
        """Up to `limit` records in id order, those after `after`."""


class DisputeStorage(DisputeRepository, Outbox, Shipments, AssessmentStore, AttachmentViews, CustomerDisputes, Protocol):
    """Everything the service and its workers need from where disputes are kept (MongoDB or in memory)."""


class EvidenceStore(AttachmentStore, EvidenceInbox, PushedEvidence, Protocol):
    """Everything evidence intake and attaching need from where carriers' answers are kept."""


@dataclass(frozen=True, slots=True)
class CarrierFigures:
    """One carrier's disputes opened in a period: outcomes (refund, reship, rejected, undecided) of whole-package
    claims and, apart, of missing-item claims (partial), the share with each kind of proof; and what the carrier
    owes in each currency for the liabilities incurred in the period (whenever their disputes were opened)."""

    carrier: str
    disputes: int
    outcomes: dict[str, int]
    share_with_evidence: float
    share_with_signature: float
    share_with_photo: float
    share_with_location: float
    median_hours_to_proof: float | None
    liabilities: dict[str, int]
    """What the carrier owes for the liabilities decisions taken in the period held it to, in minor units, by the
    currency of the disputes' orders (in code order; only those it owes in): amounts in different currencies are never
    added, and a sum is exact however large."""
    partial_outcomes: dict[str, int]


@dataclass(frozen=True, slots=True)
class SlaFigures:
    """The disputes opened in a period against their decision deadlines."""

    disputes: int
    decided: int
    within_sla: int
    automatic: int
    median_hours_to_decision: float | None
    p95_hours_to_decision: float | None
    by_deadline_rule: int = 0
    """Decided by the deadline rule (`ReportFacts.by_deadline_rule`), apart from `automatic`."""


@dataclass(frozen=True, slots=True)
class ResponseFigures:
    """The disputes opened in a period through one channel, or on one carrier: how soon they had a first response
    and a decision (hours; nearest-rank percentiles over those that had one)."""

    group: str
    disputes: int
    responded: int
    first_response_p50_hours: float | None
    first_response_p90_hours: float | None
    decided: int
    decision_p50_hours: float | None
    decision_p90_hours: float | None


@dataclass(frozen=True, slots=True)
class ResponseTimes:
    by_channel: list[ResponseFigures]
    by_carrier: list[ResponseFigures]


class Reports(Protocol):
    async def carriers(self, start: datetime, end: datetime) -> list[CarrierFigures]:
        """Per carrier (by code), the disputes opened in [start, end) and the liabilities incurred in it."""

    async def sla(self, start: datetime, end: datetime) -> SlaFigures: ...

    async def response_times(self, start: datetime, end: datetime) -> ResponseTimes:
        """By channel and by carrier (each in code order), the disputes opened in [start, end)."""

    async def ledger(self, query: LedgerQuery) -> LedgerPage:
        """The money ledger's rows `query` selects (`disputes.ledger`), up to its limit, in (decided_at, key) order."""


@dataclass(frozen=True, slots=True)
class Workload:
    """What operators watch, read from storage: the open cases by state (closed ones only grow, so they are not
    counted at every look), the open cases whose decision is due within the window or already overdue, the
    outbox messages waiting for delivery, and the events carriers pushed that wait to be attached."""

    open_by_state: dict[Status, int]
    decision_due_soon: int
    decision_overdue: int
    """Open cases past their decision deadline that the deadline rule has not acted on (the SLA sweeper's check of
    them is still scheduled): none while the workers run."""
    outbox_pending: int
    outbox_oldest: datetime | None
    """When the oldest message waiting was queued."""
    pushed_waiting: int
    pushed_oldest: datetime | None
    """When the oldest pushed event waiting to be attached was received."""
    decision_with_supervisor: int = 0
    """Open cases past their decision deadline that the deadline rule handed to a supervisor (abuse signals, or a
    compensation that may have been applied): they wait for a supervisor's decision, not for the workers."""


class WorkloadReader(Protocol):
    async def workload(self, now: datetime, due_within: timedelta) -> Workload:
        """Cheap enough to ask at every metrics scrape: its cost follows the open workload, never the history."""


class SignedOutSessions(Protocol):
    """Console sessions ended by signing out, shared by every instance: a session is named by a digest of the token it
    holds (never the token), and stays ended at least until that token expires (no later request can carry it)."""

    async def end(self, session: str, until: datetime, now: datetime) -> None:
        """`session` is ended from now on; kept until `until` (ending it again changes nothing that matters)."""

    async def ended(self, session: str) -> bool:
        """Whether `session` was ended (a record past its `until` may or may not still be found: its token is
        refused by then anyway)."""
