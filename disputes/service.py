"""Use cases: what callers can do with disputes. Each loads, changes the aggregate, and saves atomically."""

import hashlib
from collections.abc import Awaitable, Callable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field, replace
from datetime import datetime
from time import time_ns
from secrets import token_hex

from disputes.actors import SYSTEM, Actor
from disputes.calendar import CASES_BEFORE, CLOCKS_BEFORE
from disputes.contention import Backoff, Turns
from disputes.duty import Duty
from disputes.errors import (
    AccessibilityNeedByAgent,
    ActiveDisputeExists,
    ChannelRequired,
    ClaimWindowClosed,
    ClockBeforeDelivery,
    ClockOutOfRange,
    Contended,
    CustomerRequired,
    Forbidden,
    IdempotencyKeyReused,
    InvalidMissingItems,
    NotDelivered,
    NotFound,
    OrderPageOnly,
    OwnDisputesOnly,
    StaleVersion,
    UnknownOrder,
    UnknownShipment,
)
from disputes.model import ClockReading, Dispute, FirstAnswer, IdempotencyRecord
from disputes.intake import attachment_ref
from disputes.policy import PolicySettings
from disputes.ports import (
    CUSTOMER_IMAGE,
    AttachmentStore,
    Clock,
    CustomerSource,
    DisputePage,
    DisputeQuery,
    DisputeRepository,
    IdempotencyKeyTaken,
    Lease,
    OrderDirectory,
    PackingRecords,
    PackingRecordUnavailable,
    StoredAttachment,
    Taking,
    TestClocks,
)
from disputes.rules import Rules
from disputes.sla import answer_by, business_calendar, deadlines
from disputes.states import ACTIVE
from schemas.common import Outcome, RefundDestination, Resolution, Role, plausible, timestamp_text
from schemas.dispute import (
    Channel,
    Claim,
    CustomerImage,
    MissingItem,
    OrderSnapshot,
    PackingCheck,
    ReasonCode,
    Status,
)
from schemas.orders import Order, Shipment, ShipmentStatus, sku_units
from schemas.trusted import trusted

KEY_RACE_RETRIES = 3
KEY_SCOPE_END = "\x1f"
"""Ends the caller's scope in a stored Idempotency-Key that holds a ':' (see `stored_key`)."""


def stored_key(scope: str, key: str) -> str:
    """An Idempotency-Key as stored: the caller's `scope` (a customer id, or a role and subject: letters, digits and
    `_.:-/`, never the unit separator) and their `key` (printable ASCII), which never run together: two callers'
    keys are never one stored key. `scope:key` when neither holds a ':' (it has one ':', so it reads one way, and it
    is the form earlier releases stored: their keys replay for their whole life); otherwise the scope ends at the
    first unit separator, a form no printable key and no earlier release's key can take. An earlier release's key
    with a ':' in its scope or key (which could be read two ways) is not found: within its life a retry runs as a
    new request (an opening then meets its own case: 409 `dispute-exists`)."""
    if KEY_SCOPE_END in scope:
        raise ValueError("an idempotency scope is an id, which never holds a control character")
    if ":" in scope or ":" in key or KEY_SCOPE_END in key:
        return f"{scope}{KEY_SCOPE_END}{key}"
    return f"{scope}:{key}"


class _Sequence:
    """Numbers each greater than the last this process gave: the real time in nanoseconds, or one more than the last.
    They order the openings and withdrawals that share an instant (`Dispute.opened_seq`); those of two processes in
    one millisecond go by their clocks, as good an order as any for things done at once."""

    def __init__(self) -> None:
        self._last = 0

    def next(self) -> int:
        self._last = max(self._last + 1, time_ns())
        return self._last


SEQUENCE = _Sequence()


@dataclass(frozen=True, slots=True)
class OpenRequest:
    order_id: str
    shipment_id: str | None
    statement: str
    preferred_resolution: Resolution
    customer_id: str | None = None
    """Whom an agent acts for (a customer acts for themselves)."""
    channel: Channel | None = None
    """How the customer reported it to an agent (a customer's own report comes from the order page)."""
    accessibility_need: bool = False
    claim: Claim = Claim.NOT_RECEIVED
    missing_items: tuple[MissingItem, ...] = ()
    test_clock: str | None = None
    """Sandbox only: the test clock the case runs on."""

    def fingerprint(self) -> str:
        parts = (self.order_id, self.shipment_id or "", self.statement, self.preferred_resolution.value)
        on_behalf = (self.customer_id or "", self.channel or "", "accessible" if self.accessibility_need else "")
        on_clock = (self.test_clock,) if self.test_clock else ()
        missing = (self.claim.value, *(f"{m.sku}*{m.quantity}" for m in self.missing_items))
        claimed = missing if self.claim is Claim.MISSING_ITEMS else ()
        extra = (on_behalf if any(on_behalf) else ()) + on_clock + claimed
        return hashlib.sha256("\x1f".join(parts + extra).encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class OnBehalf:
    """Whose dispute an opening makes, and how it reached us."""

    customer_id: str
    channel: Channel
    agent: str | None
    key_scope: str
    """An opening's Idempotency-Key is the customer's own, whichever of their tokens sends it (the case is theirs), or
    one agent's (`agent/<subject>`: `/` cannot occur in a customer id); see `stored_key`."""

    @classmethod
    def of(cls, actor: Actor, request: OpenRequest) -> "OnBehalf":
        if actor.role is Role.AGENT:
            if request.customer_id is None:
                raise CustomerRequired("An agent opens a dispute for a customer: give customer_id.")
            if request.channel in (None, Channel.ORDER_PAGE):
                raise ChannelRequired("Give the channel the customer reached you by: live_chat, phone or email.")
            return cls(request.customer_id, request.channel, actor.id, f"agent/{actor.id}")
        actor.require(Role.CUSTOMER)
        assert actor.customer_id is not None  # a customer token without one is refused
        if request.customer_id not in (None, actor.customer_id):
            raise OwnDisputesOnly("Customers open disputes for themselves.")
        if request.channel not in (None, Channel.ORDER_PAGE):
            raise OrderPageOnly("Disputes a customer opens come from the order page.")
        if request.accessibility_need:  # it moves the case up the queue: the order says so, or an agent records it
            raise AccessibilityNeedByAgent(
                "A customer's accessibility need is read from the order, or recorded by a customer-service agent."
            )
        return cls(actor.customer_id, Channel.ORDER_PAGE, None, actor.customer_id)


@dataclass(frozen=True, slots=True)
class Upload:
    """An image a customer sent: checked where it came in to be one of the types taken (by its first bytes), not
    yet decoded; the `CleanImage` port decodes it and strips its metadata."""

    filename: str
    media_type: str
    content: bytes


type Render = Callable[[Dispute], FirstAnswer]
"""The answer the caller gets for the dispute as stored (the edge's rendering), kept with its Idempotency-Key."""

type CleanImage = Callable[[Upload], Awaitable[Upload]]
"""Decodes an image and writes it anew without its metadata (EXIF, GPS, comments): the costly step, taken only for a
submission the case would take. An image it cannot read or cannot decode now is refused with the edge's error."""

type Keep = Callable[[Dispute, datetime], Awaitable[None]]
"""Stores what a change to the dispute refers to, once the change is allowed and before it is saved (at the real time,
whatever the case's clock says)."""
type TimedChange = Callable[[Dispute, datetime], bool | None]
"""A change to a case, given the case's time when it is saved (False: nothing to save)."""
type Expected = AbstractSet[int] | None
"""The versions a caller made a change on (If-Match): another one current, the change is refused (StaleVersion)
in the same compare-and-set that saves it. None: whichever is current (a lost race is tried again)."""


@dataclass(frozen=True, slots=True)
class Opened:
    dispute: Dispute
    created: bool
    answer: FirstAnswer | None = None
    """The answer kept with the Idempotency-Key: a replay's first answer, or the new dispute's, rendered once as it
    was stored (None: render the dispute; no key, or a replay of a dispute opened before answers were kept)."""


@dataclass(frozen=True, slots=True)
class NeedRecorded:
    dispute: Dispute
    other_open: tuple[str, ...]
    """The customer's other open disputes, oldest deadline first: the need is recorded per case (each one write, as
    each case's priority and deadline are its own), so the agent records it on each of them too."""


def take_off(d: Dispute, actor: Actor, index: int, reason: str, now: datetime, rules: Rules) -> bool:
    """`Dispute.remove_submission` with what the rules say of the case (its escalation lead, its calendar, its
    deadline for an accessibility need in the current review): as the service takes a submission off, and as the
    console tries it to know whether to offer it."""
    accessible = deadlines(d.review_started_at, rules, accessible=True).decision_due
    return d.remove_submission(actor, index, reason, now, rules.escalate_before_deadline, business_calendar(rules),
                               accessible)


@dataclass
class DisputeService:
    repository: DisputeRepository
    orders: OrderDirectory
    clock: Clock
    rules: Rules
    backoff: Backoff = Backoff()
    turns: Turns = field(default_factory=Turns)
    packing_records: PackingRecords | None = None
    """The order service's packing records, where it offers them (None: it does not)."""
    attachments: AttachmentStore | None = None
    """Where customers' images go; a service without one takes appeals and information without images only."""
    clean_image: CleanImage | None = None
    """How customers' images are decoded and stripped of their metadata before they are kept (needed with images)."""
    test_clocks: TestClocks | None = None
    """Sandbox only: where the test clocks that cases may run on are kept."""
    duty: Duty | None = None
    """The staff directory's say on who works cases, asked before each change staff make (None: not asked)."""
    push_only: AbstractSet[str] = frozenset()
    """The carriers that offer no pull here, only pushes: a person's request to ask one for its proof is refused."""
    high_value_minor: int = PolicySettings().high_value_minor
    """The policy's threshold of a high-value order, whose rejection needs a signature in the proof (the policy's
    configured one; its default here)."""

    async def open(
        self, actor: Actor, request: OpenRequest, idempotency_key: str | None, render: Render | None = None
    ) -> Opened:
        """A customer opens their own dispute; an agent opens one for a customer (who sees it as their own). With an
        Idempotency-Key, the dispute keeps the key and the first answer (`render`ed) in the same single write, so a
        retry gets that answer back and two copies of the request never both open a dispute."""
        behalf = OnBehalf.of(actor, request)
        scoped_key = stored_key(behalf.key_scope, idempotency_key) if idempotency_key else None
        for _ in range(KEY_RACE_RETRIES):
            if scoped_key and (replay := await self._replay(scoped_key, request)):
                return replay
            dispute = await self._new_dispute(actor, behalf, request, scoped_key, render)
            try:
                await self.repository.add(dispute, self.clock.now())  # keys live by real time
            except IdempotencyKeyTaken:
                continue
            except ActiveDisputeExists:
                if scoped_key and (replay := await self._replay(scoped_key, request)):
                    return replay
                raise
            return Opened(dispute, created=True, answer=dispute.idempotency.answer if dispute.idempotency else None)
        raise Contended("The request raced with another one; try again.")

    async def get(self, actor: Actor, dispute_id: str) -> Dispute:
        """The dispute, if `actor` may see it, to change and save."""
        return _visible(actor, dispute_id, await self.repository.get(dispute_id, actor.sees_only))

    async def read(self, actor: Actor, dispute_id: str) -> Dispute:
        """The dispute, if `actor` may see it, to show only (storage may hand out what it holds, unchangeable)."""
        return _visible(actor, dispute_id, await self.repository.read(dispute_id, actor.sees_only))

    async def list(self, actor: Actor, query: DisputeQuery) -> DisputePage:
        """Staff see the queue; a customer their own disputes (naming another customer is refused); an agent those of
        the customer they serve. Filters on what only staff see (who works a case, flags, priority) are staff's: a
        customer's answer would reveal them."""
        if not actor.is_staff and (staff_only := _staff_only_filters(query)):
            raise Forbidden(f"Only staff filter the queue by {', '.join(staff_only)}.", field=staff_only[0])
        if actor.role is Role.AGENT:
            if query.customer_id is None:
                raise CustomerRequired("Agents list the disputes of one customer: give customer_id.")
        elif not actor.is_staff:
            actor.require(Role.CUSTOMER)
            if query.customer_id not in (None, actor.customer_id):
                raise Forbidden("Customers list their own disputes.", field="customer_id")
            query = replace(query, customer_id=actor.customer_id)
        return await self.repository.query(query)

    async def assign(
        self, actor: Actor, dispute_id: str, assignee: str | None, expected_versions: Expected = None,
        assignee_role: Role | None = None,
    ) -> Dispute:
        return await self._change(
            actor, dispute_id, lambda d, now: d.assign(actor, assignee or actor.id, now, assignee_role), expected_versions
        )

    async def release(self, actor: Actor, dispute_id: str, expected_versions: Expected = None) -> Dispute:
        return await self._change(actor, dispute_id, lambda d, now: d.release(actor, now), expected_versions)

    async def add_note(self, actor: Actor, dispute_id: str, text: str, expected_versions: Expected = None) -> Dispute:
        return await self._change(actor, dispute_id, lambda d, now: d.add_note(actor, text, now), expected_versions)

    async def decide(
        self,
        actor: Actor,
        dispute_id: str,
        expected_versions: AbstractSet[int] | None,
        outcome: Outcome,
        reason_code: ReasonCode,
        note: str,
        refund_to: RefundDestination | None,
        override_reason: str | None = None,
        line_outcomes: Sequence[tuple[str, Outcome, int]] | None = None,
    ) -> Dispute:
        return await self._change(
            actor,
            dispute_id,
            lambda d, now: d.decide(
                actor, outcome, reason_code, note, refund_to, now, override_reason, line_outcomes or (),
                self.high_value_minor, appeal_window=self.rules.appeal_window,
            ),
            expected_versions,
        )

    async def withdraw(
        self, actor: Actor, dispute_id: str, reason: str | None, expected_versions: Expected = None
    ) -> Dispute:
        def withdraw(d: Dispute, now: datetime) -> None:
            d.withdraw(actor, reason, now)
            d.withdrawn_seq = SEQUENCE.next()

        return await self._change(actor, dispute_id, withdraw, expected_versions)

    async def appeal(
        self,
        actor: Actor,
        dispute_id: str,
        statement: str,
        uploads: Sequence[Upload] = (),
        expected_versions: Expected = None,
    ) -> Dispute:
        """Appeal a rejection with a new explanation and images. The images are decoded and stored only once the
        appeal is allowed, before it is saved: a refused appeal costs no decoding and leaves nothing behind."""

        def change(images: tuple[CustomerImage, ...]) -> TimedChange:
            def appeal(d: Dispute, now: datetime) -> None:
                ends = d.decision.appeal_end(self.rules.appeal_window) if d.decision else now + self.rules.appeal_window
                d.file_appeal(actor, statement, now, ends, images)
                d.restart_sla(deadlines(now, self.rules, d.accessibility_need), self.rules.escalate_before_deadline)

            return appeal

        return await self._submit(actor, dispute_id, uploads, change, expected_versions)

    async def add_information(
        self,
        actor: Actor,
        dispute_id: str,
        statement: str,
        uploads: Sequence[Upload] = (),
        expected_versions: Expected = None,
    ) -> Dispute:
        """Add an explanation and images to an open case (decoded and stored as for an appeal)."""
        escalate_before, calendar = self.rules.escalate_before_deadline, business_calendar(self.rules)

        def change(images: tuple[CustomerImage, ...]) -> TimedChange:
            return lambda d, now: d.add_information(actor, statement, images, now, escalate_before, calendar)

        return await self._submit(actor, dispute_id, uploads, change, expected_versions)

    async def remove_submission(
        self, actor: Actor, dispute_id: str, index: int, reason: str, expected_versions: Expected = None
    ) -> Dispute:
        """Take information sent to the wrong customer's case off it (`Dispute.remove_submission`); its images'
        copies are deleted by retention, due at once."""
        return await self._change(
            actor, dispute_id, lambda d, now: take_off(d, actor, index, reason, now, self.rules), expected_versions
        )

    async def reopen(self, actor: Actor, dispute_id: str, reason: str, expected_versions: Expected = None) -> Dispute:
        def change(d: Dispute, now: datetime) -> None:
            d.reopen(actor, reason, now)
            d.restart_sla(deadlines(now, self.rules, d.accessibility_need), self.rules.escalate_before_deadline)

        return await self._change(actor, dispute_id, change, expected_versions)

    async def resend_effect(
        self, actor: Actor, dispute_id: str, effect: str, reason: str, expected_versions: Expected = None
    ) -> Dispute:
        """Send a parked message again (`Dispute.resend_effect`); a call again for one already sent again changes
        nothing."""
        return await self._change(
            actor, dispute_id, lambda d, now: d.resend_effect(actor, effect, reason, now), expected_versions
        )

    async def request_evidence(self, actor: Actor, dispute_id: str, expected_versions: Expected = None) -> Dispute:
        return await self._change(
            actor, dispute_id, lambda d, now: d.request_evidence(actor, now, self.push_only), expected_versions
        )

    async def clear_flags(
        self, actor: Actor, dispute_id: str, reason: str, expected_versions: Expected = None
    ) -> Dispute:
        return await self._change(
            actor, dispute_id, lambda d, now: d.clear_flags(actor, reason, now, self.rules.escalate_before_deadline),
            expected_versions,
        )

    async def review_restriction(
        self, actor: Actor, dispute_id: str, confirm: bool, reason: str, expected_versions: Expected = None
    ) -> Dispute:
        return await self._change(
            actor, dispute_id, lambda d, now: d.review_restriction(actor, confirm, reason, now), expected_versions
        )

    async def add_customer_message(
        self, actor: Actor, dispute_id: str, text: str, expected_versions: Expected = None
    ) -> Dispute:
        """The customer's message (or an agent's for them): their answer, while a question to them is open."""
        escalate_before, calendar = self.rules.escalate_before_deadline, business_calendar(self.rules)
        return await self._change(
            actor, dispute_id, lambda d, now: d.add_customer_message(actor, text, now, escalate_before, calendar),
            expected_versions,
        )

    async def log_contact(self, actor: Actor, dispute_id: str, text: str, expected_versions: Expected = None) -> Dispute:
        """An agent's log of a contact with the customer: it answers no question and tells the customer nothing."""
        return await self._change(actor, dispute_id, lambda d, now: d.log_contact(actor, text, now), expected_versions)

    async def message_customer(
        self, actor: Actor, dispute_id: str, text: str, expected_versions: Expected = None
    ) -> Dispute:
        return await self._change(
            actor, dispute_id, lambda d, now: d.message_customer(actor, text, now), expected_versions
        )

    async def request_information(
        self, actor: Actor, dispute_id: str, question: str, expected_versions: Expected = None
    ) -> Dispute:
        def change(d: Dispute, now: datetime) -> None:
            rules = self.rules
            d.request_information(
                actor, question, answer_by(now, rules), rules.information_requests_per_review,
                rules.escalate_before_deadline, now, business_calendar(rules),
            )

        return await self._change(actor, dispute_id, change, expected_versions)

    async def declare_accessibility_need(
        self, actor: Actor, dispute_id: str, expected_versions: Expected = None
    ) -> NeedRecorded:
        def change(d: Dispute, now: datetime) -> None:
            accessible = deadlines(d.review_started_at, self.rules, accessible=True)
            d.declare_accessibility_need(
                actor, accessible.decision_due, self.rules.escalate_before_deadline, now, business_calendar(self.rules)
            )

        dispute = await self._change(actor, dispute_id, change, expected_versions)
        open_ones = await self.repository.query(
            DisputeQuery(statuses=tuple(ACTIVE), customer_id=dispute.customer_id, only_ids=True)
        )
        return NeedRecorded(dispute, tuple(i for i in open_ones.ids if i != dispute.id))

    async def withdraw_accessibility_need(
        self, actor: Actor, dispute_id: str, reason: str, expected_versions: Expected = None
    ) -> Dispute:
        def change(d: Dispute, now: datetime) -> None:
            usual = deadlines(d.review_started_at, self.rules)
            d.withdraw_accessibility_need(
                actor, reason, usual.decision_due, self.rules.escalate_before_deadline, now, business_calendar(self.rules)
            )

        return await self._change(actor, dispute_id, change, expected_versions)

    async def count_days_off(self, page: int = 100) -> int:
        """Count the declared days off (`Rules.extra_non_business_days`) still ahead into the deadlines of the open
        cases due after the first of them (`Dispute.count_days_off`), a page at a time; how many cases moved. Run at
        start-up, and again harmlessly: a case already counted with the days does not move (nor is it saved)."""
        calendar = business_calendar(self.rules)
        today = calendar.local_day(self.clock.now())
        if not (ahead := [day for day in calendar.days_off if day >= today]):
            return 0
        query, moved = DisputeQuery(statuses=tuple(ACTIVE), due_from=calendar.start_of(min(ahead)), limit=page), 0

        def count(d: Dispute, now: datetime) -> bool:
            counted = deadlines(d.review_started_at, self.rules, d.accessibility_need)
            return d.count_days_off(counted, calendar, self.rules.escalate_before_deadline, now)

        while True:
            found = await self.repository.query(query)
            for dispute in found.items:
                moved += (await self.apply_timed(SYSTEM, dispute.id, count)).sla != dispute.sla
            if found.next_after is None:
                return moved
            query = replace(query, after=found.next_after)

    async def apply(
        self, actor: Actor, dispute_id: str, change: Callable[[Dispute], bool | None], loaded: Dispute | None = None
    ) -> Dispute:
        """Run a change made by the system (workers); a change that returns False stores nothing."""
        return await self.apply_timed(actor, dispute_id, lambda d, _: change(d), loaded)

    async def apply_timed(
        self,
        actor: Actor,
        dispute_id: str,
        change: TimedChange,
        loaded: Dispute | None = None,
        ending: Lease | None = None,
        taking: Taking | None = None,
    ) -> Dispute:
        """`apply`, the change given the case's time (`now_of`). `loaded`, the dispute as the caller read it (and
        will not use again), spares the first try its read: a stale copy fails the save's version check and the
        change is tried again on fresh state. `ending`: the change ends the work this lease was taken for, and
        its save ends the lease, and takes `taking`, timed at the save, where it can (see `DisputeRepository.save`)."""
        first = [loaded] if loaded is not None else []

        async def attempt() -> Dispute:
            given = first.pop() if first else None
            return await self._change_once(actor, dispute_id, change, None, loaded=given, ending=ending, taking=taking)

        return await self.backoff.run(attempt)

    async def require_on_duty(self, actor: Actor) -> None:
        """Refuse a staff member the directory does not let work cases (`disputes/duty.py`)."""
        if self.duty is not None:
            await self.duty.require(actor)

    async def now_of(self, dispute: Dispute) -> datetime:
        """The case's time: the real time, or (sandbox) its test clock's."""
        if dispute.test_clock is None:
            return self.clock.now()
        return (await self._read_clock(dispute.test_clock.id)).time

    async def _read_clock(self, clock_id: str, before: datetime = CLOCKS_BEFORE) -> ClockReading:
        """The clock's reading, when it is `before` the time given: `CASES_BEFORE` to open a case on it."""
        if self.test_clocks is None:
            raise RuntimeError("a case runs on a test clock, but no test clocks are kept here")
        clock = await self.test_clocks.get(clock_id)
        if clock is None:
            raise NotFound(f"No test clock {clock_id}.")
        if clock.frozen_time >= before:  # a clock set so before such times were refused, or moved on to open cases
            raise ClockOutOfRange(
                f"Test clock {clock_id} is at {clock.frozen_time.date()}: the business calendar counts deadlines only "
                f"to the end of {CLOCKS_BEFORE.year}, so a case opens on a test clock before {CASES_BEFORE.date()} "
                f"and changes on it before {CLOCKS_BEFORE.date()}. Open a new test clock."
            )
        return ClockReading(id=clock.id, time=clock.frozen_time, at=self.clock.now())

    async def _change(
        self,
        actor: Actor,
        dispute_id: str,
        change: TimedChange,
        expected_versions: AbstractSet[int] | None = None,
        keep: Keep | None = None,
    ) -> Dispute:
        """Load, change, (keep what the change refers to,) save. With expected versions the caller acted on what it
        saw, so a mismatch is final (StaleVersion); without them (None: any) a lost race is retried on fresh
        state, the rules checked again."""
        await self.require_on_duty(actor)
        if expected_versions is not None:
            return await self._change_once(actor, dispute_id, change, expected_versions, keep)
        return await self.backoff.run(lambda: self._change_once(actor, dispute_id, change, None, keep))

    async def _change_once(
        self,
        actor: Actor,
        dispute_id: str,
        change: TimedChange,
        expected_versions: AbstractSet[int] | None,
        keep: Keep | None = None,
        loaded: Dispute | None = None,
        ending: Lease | None = None,
        taking: Taking | None = None,
    ) -> Dispute:
        async with self.turns.of(dispute_id):
            dispute = loaded if loaded is not None else await self.get(actor, dispute_id)
            if expected_versions is not None and dispute.version not in expected_versions:
                raise StaleVersion(_stale(dispute.version, expected_versions), current_version=dispute.version)
            if dispute.test_clock is None:
                now = self.clock.now()
            else:  # read after the load: a save that raced with the clock's advance loses on the version
                dispute.test_clock = await self._read_clock(dispute.test_clock.id)
                now = dispute.test_clock.time
            if change(dispute, now) is not False:
                if keep is not None:  # stored at the real time, which the stored copies' retention counts by
                    await keep(dispute, self.clock.now())
                if taking is not None:
                    taking.at(self.clock.now())  # not before the change: what it made due at `now` is due by then
                await self.repository.save(dispute, ending, taking)
            return dispute

    async def _submit(
        self,
        actor: Actor,
        dispute_id: str,
        uploads: Sequence[Upload],
        change: Callable[[tuple[CustomerImage, ...]], TimedChange],
        expected_versions: Expected,
    ) -> Dispute:
        """The customer's submission with its images: first tried on the case with the images as sent (nothing
        saved), so one the case refuses (missing, not the caller's, not taking it) costs no decoding; then the
        images decoded and the change made and saved as any other, its rules checked again on the case as it is
        then (the save's compare-and-set guards what changed meanwhile)."""
        if uploads:
            await self._change(actor, dispute_id, _trial(change(self._images(uploads)[0])), expected_versions)
            if self.clean_image is None:
                raise RuntimeError("this service has no image cleaner for customers' images")
            uploads = [await self.clean_image(upload) for upload in uploads]
        images, keep = self._images(uploads)
        return await self._change(actor, dispute_id, change(images), expected_versions, keep=keep)

    def _images(self, uploads: Sequence[Upload]) -> tuple[tuple[CustomerImage, ...], Keep | None]:
        """The references the dispute will hold, and how to store the bytes behind them (content-addressed, so
        storing them again after a lost race keeps the one copy). The same image sent twice in one submission (the
        same photo picked twice) is held once, as the first of them."""
        if not uploads:
            return (), None
        store = self.attachments
        if store is None:
            raise RuntimeError("this service has no attachment store for customers' images")
        first: dict[str, Upload] = {}
        for upload in uploads:
            first.setdefault(attachment_ref(upload.content), upload)
        refs, uploads = list(first), list(first.values())
        images = tuple(CustomerImage(ref=ref, media_type=u.media_type, filename=u.filename, size=len(u.content))
                       for ref, u in zip(refs, uploads, strict=True))

        async def keep(dispute: Dispute, now: datetime) -> None:
            source = CustomerSource(dispute.id, dispute.customer_id)
            for ref, u in zip(refs, uploads, strict=True):
                await store.put_attachment(ref, StoredAttachment(CUSTOMER_IMAGE, u.media_type, u.content, source), now)

        return images, keep

    async def _replay(self, scoped_key: str, request: OpenRequest) -> Opened | None:
        existing = await self.repository.find_by_idempotency_key(scoped_key, self.clock.now())
        if existing is None:
            return None
        assert existing.idempotency is not None
        if existing.idempotency.fingerprint != request.fingerprint():
            raise IdempotencyKeyReused("This Idempotency-Key was already used with a different request.")
        return Opened(existing, created=False, answer=existing.idempotency.answer)

    async def _new_dispute(
        self, actor: Actor, behalf: OnBehalf, request: OpenRequest, scoped_key: str | None, render: Render | None
    ) -> Dispute:
        reading = await self._read_clock(request.test_clock, CASES_BEFORE) if request.test_clock else None
        now = reading.time if reading else self.clock.now()
        order = await self.orders.get(request.order_id)
        if order is None or order.customer_id != behalf.customer_id:
            raise UnknownOrder(f"No order {request.order_id} for this customer.")
        shipment = _pick_shipment(order, request.shipment_id)
        if shipment.status is not ShipmentStatus.DELIVERED or shipment.delivered_at is None:
            raise NotDelivered("This shipment is not marked delivered; there is nothing to dispute yet.")
        delivered_at = to_millisecond(shipment.delivered_at)
        if reading and now < delivered_at:
            raise ClockBeforeDelivery(
                f"The test clock is at {timestamp_text(now)}, before the delivery at {timestamp_text(delivered_at)}; "
                "open the case on a clock at or after it."
            )
        if now - self.rules.claim_window > delivered_at:
            raise ClaimWindowClosed(
                f"Claims must be made within {self.rules.claim_window.days} days of delivery.",
                window_days=self.rules.claim_window.days,
            )
        _check_missing_items(shipment, request)
        packing = await self._packing(order, shipment) if request.claim is Claim.MISSING_ITEMS else None
        accessible = order.accessibility_need or request.accessibility_need
        dispute = trusted(  # from the validated request and order: not validated a second time
            Dispute,
            id=f"dsp_{token_hex(16)}",
            status=Status.OPENED,
            customer_id=order.customer_id,
            order=_snapshot(order, shipment, delivered_at),
            statement=request.statement,
            preferred_resolution=request.preferred_resolution,
            channel=behalf.channel,
            opened_by_agent=behalf.agent,
            accessibility_need=accessible,
            claim=request.claim,
            missing_items=list(request.missing_items),
            packing=packing,
            opened_at=now,
            updated_at=now,
            sla=deadlines(now, self.rules, accessible),
            test_clock=reading,
            opened_seq=SEQUENCE.next(),
        )
        dispute.record_opening(actor, self.rules.escalate_before_deadline)
        if scoped_key:
            dispute.version = 1  # as `add` stores a new dispute: the answer kept shows that version
            dispute.idempotency = IdempotencyRecord(  # kept for a while of real time, whatever the case's clock says
                key=scoped_key, fingerprint=request.fingerprint(),
                expires_at=self.clock.now() + self.rules.idempotency_ttl, answer=render(dispute) if render else None,
            )
        return dispute

    async def _packing(self, order: Order, shipment: Shipment) -> PackingCheck:
        """The seller's packing record, read once when the claim is opened: the seller's record does not change."""
        if self.packing_records is None:
            return PackingCheck(answered=False)
        try:
            record = await self.packing_records.packing_record(order.order_id, shipment.shipment_id)
        except PackingRecordUnavailable:
            return PackingCheck(answered=False)
        if record is not None and record.shipment_id != shipment.shipment_id:  # another package's: none of this one
            return PackingCheck(answered=False)
        if record is not None and record.packed_at is not None:
            record = record.model_copy(update={"packed_at": to_millisecond(record.packed_at)})
        return PackingCheck(answered=True, record=record)


def _check_missing_items(shipment: Shipment, request: OpenRequest) -> None:
    """Missing lines name SKUs of the disputed package, each once, at most the quantity ordered (over all its lines)."""
    if request.claim is Claim.NOT_RECEIVED:
        if request.missing_items:
            raise InvalidMissingItems("Missing items belong to a missing_items claim.")
        return
    if not request.missing_items:
        raise InvalidMissingItems("Say which items are missing.")
    ordered = {item.sku: sku_units(shipment.items, item.sku) for item in shipment.items}
    skus = [m.sku for m in request.missing_items]
    if len(set(skus)) != len(skus):
        raise InvalidMissingItems("Name each missing item once.")
    for missing in request.missing_items:
        if missing.sku not in ordered:
            raise InvalidMissingItems(
                f"Package {shipment.shipment_id} holds no item {missing.sku}.", skus=sorted(ordered)
            )
        if missing.quantity > ordered[missing.sku]:
            raise InvalidMissingItems(f"Only {ordered[missing.sku]} of {missing.sku} were in this package.")


def _pick_shipment(order: Order, shipment_id: str | None) -> Shipment:
    if shipment_id is not None:
        shipment = order.shipment(shipment_id)
        if shipment is None:
            raise UnknownShipment(f"Order {order.order_id} has no shipment {shipment_id}.")
        return shipment
    if len(order.shipments) != 1:
        raise UnknownShipment(
            "This order has several shipments; say which one did not arrive.",
            shipments=[s.shipment_id for s in order.shipments],
        )
    return order.shipments[0]


def _stale(current: int, expected: AbstractSet[int]) -> str:
    if not expected:
        return f"The dispute is at version {current}; the request named no version of it."
    return f"The dispute is at version {current}, not {' or '.join(map(str, sorted(expected)))}."


def to_millisecond(at: datetime) -> datetime:
    """`at` as storage keeps it (BSON: to the millisecond): an instant from outside (the order service, the seller's
    packing record, the digital delivery provider) enters a case so, and its first answer shows what was stored."""
    return at.replace(microsecond=at.microsecond // 1000 * 1000)


def _snapshot(order: Order, shipment: Shipment, delivered_at: datetime) -> OrderSnapshot:
    return OrderSnapshot(
        order_id=order.order_id,
        customer_id=order.customer_id,
        buyer_name=order.buyer_name,
        recipient_name=order.recipient_name,
        recipient_phone=order.recipient_phone,
        address=order.address,
        currency=order.currency,
        payment_method=order.payment_method,
        shipment_id=shipment.shipment_id,
        carrier=shipment.carrier,
        tracking_number=shipment.tracking_number,
        delivered_at=delivered_at,
        items=shipment.items,
        value_minor=shipment.value_minor,
        reshippable=shipment.reshippable and not shipment.is_digital,
        declared_weight_grams=shipment.declared_weight_grams,
        # A time without a zone cannot be compared with the carrier's, and a placeholder (`DateTime.MinValue`) is no
        # time: as unknown as on a case stored without it.
        placed_at=to_millisecond(order.placed_at) if order.placed_at.tzinfo is not None and plausible(order.placed_at)
        else None,
    )


STAFF_ONLY_FILTERS = {"assignee": "assignee", "unassigned": "unassigned", "overridden": "overridden",
                      "needs_supervisor": "needs_supervisor", "flagged": "flagged", "priorities": "priority"}
"""The query's staff-only fields, by the name of the parameter that sets them."""


def _visible(actor: Actor, dispute_id: str, dispute: Dispute | None) -> Dispute:
    if dispute is None or not (actor.is_staff or dispute.acts_for_customer(actor)):
        raise NotFound(f"No dispute {dispute_id}.")
    return dispute


def _staff_only_filters(query: DisputeQuery) -> list[str]:
    unset = DisputeQuery()
    return [parameter for name, parameter in STAFF_ONLY_FILTERS.items() if getattr(query, name) != getattr(unset, name)]


def _trial(change: TimedChange) -> TimedChange:
    """`change` tried on the case as loaded, to see whether its rules let it; nothing saved."""

    def trial(dispute: Dispute, now: datetime) -> bool:
        change(dispute, now)
        return False

    return trial
