"""Getting the carrier's proof onto disputes without anyone asking.

`EvidencePuller` pulls proof for disputes whose pull is due, run by `disputes.schedule.DueWork` as a
continuously fed pipeline: up to `per_carrier` pulls are in flight per carrier in this process, and as soon as one
ends as many disputes are claimed as there is room for (`disputes.lanes`), so leases are not taken for work that
would sit waiting. It retries with backoff until the evidence deadline (a pull the carrier refused, at it), asks
once more then, and without proof records that the carrier did not provide proof.
`PushAttacher` attaches evidence that carriers pushed to every dispute on that shipment, every event of the shipment
still waiting in one save per dispute (so a burst for one parcel costs its case one compare-and-set per pass, and the
attacher's other places, and other parcels' events, do not queue behind it); evidence pushed before a dispute existed
is picked up by the puller when the dispute opens, in one save too (the latest `EARLIER_PUSHES` of them). A case
keeps at most `MAX_EVIDENCE` entries (`disputes/model.py`).
The save that ends a pull, and the save that attaches a pushed event, may hand the assessment they made due to
this worker's assessor (`Handover`).
"""

import asyncio
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from disputes.actors import SYSTEM
from disputes.contention import Turns
from disputes.digital import DigitalPuller, retry_times
from disputes.lanes import Lanes, Place
from disputes.model import MAX_EVIDENCE, MAX_REPLACED, Dispute
from disputes.ports import (
    CarrierGateway,
    Claimed,
    EvidenceRejected,
    EvidenceUnavailable,
    Lease,
    PushedEvidence,
    Shipments,
    SilentWorkLog,
    StorageUnavailable,
    Slot,
    WorkLog,
)
from disputes.rules import Rules
from disputes.schedule import Handover, wait_unless_stopped
from disputes.service import DisputeService, TimedChange
from disputes.work import WorkKind
from schemas.dispute import Evidence, pull_key
from schemas.proof import ProofOfDelivery, ProofStatus

type Answer = ProofOfDelivery | EvidenceUnavailable | EvidenceRejected

UNFORESEEN = "error"
"""The outcome logged for a pull that failed in a way no answer foresees (`WorkLog.pulled`)."""
UNREADABLE = "the carrier's reply could not be read"
"""What the case's timeline says of such a pull (once in a row)."""

EARLIER_PUSHES = MAX_EVIDENCE + MAX_REPLACED
"""How many of the events pushed for a shipment a case's first pull reads, the latest: all a case can use (its
`MAX_EVIDENCE` entries, then `MAX_REPLACED` proofs taking an entry's place), so a history of any length costs the pull
no more. A longer history's earlier events are left unread but for the latest proof of delivery, when none is among
these (a carrier's scans after its proof never hide it): the policy reads the latest proof, which a read from the
first event would leave out once the replacements were spent."""


@dataclass
class EvidencePuller:
    """Claims are sized by `Lanes` (one lane per carrier, `per_carrier` places each) and skip the carriers
    whose lane is full, so a carrier whose calls hang in this worker does not make it lease, and sit on, the
    cases another worker could pull. A dispute that waited `slot_wait` for its carrier without getting a
    place is given back, for whichever worker has room for that carrier; so is one still waiting for a place when
    the worker is told to stop (it calls no carrier after the stop)."""

    service: DisputeService
    gateway: CarrierGateway
    pushed: PushedEvidence
    rules: Rules
    per_carrier: int = 8
    slot_wait: timedelta = timedelta(seconds=10)
    log: WorkLog = field(default_factory=SilentWorkLog)
    digital: DigitalPuller | None = None
    """Pulls the delivery record of digital order lines; without it their cases are pulled like a carrier's."""
    then: Handover | None = None
    """The assessment, handed to this worker's assessor by the save that ends a pull where it made it due."""
    kind: WorkKind = WorkKind.PULL_EVIDENCE
    _slots: defaultdict[str, asyncio.Semaphore] = field(init=False)

    def __post_init__(self) -> None:
        self._slots = defaultdict(lambda: asyncio.Semaphore(self.per_carrier))

    def lanes(self) -> Lanes:
        return Lanes(self.per_carrier)

    async def handle(self, claimed: Claimed, place: Place) -> None:
        dispute = claimed.dispute or await self.service.get(SYSTEM, claimed.subject)
        dispute_id, ending = dispute.id, claimed.lease
        carrier, tracking = dispute.order.carrier, dispute.order.tracking_number
        place.move_to(carrier)
        if dispute.order.is_digital and self.digital is not None:
            if dispute.is_active and dispute.evidence_pull_due is not None:
                change = await self.digital.pull(dispute, await self.service.now_of(dispute))
                await self._change(dispute, change, ending)
            return
        if dispute.before_first_pull and (earlier := await self.pushed.for_shipment(carrier, tracking, EARLIER_PUSHES)):
            dispute = await self._change(
                dispute, lambda d, now: d.attach_pushed_before(SYSTEM, _received(d, earlier, now), now)
            )
        if not dispute.is_active or dispute.evidence_pull_due is None:
            return
        # A pull due at (or reached after) the evidence deadline is still made: a carrier that failed, or refused
        # the pull, before it is asked once more; without proof the pull's outcome records the deadline.
        slot = CarrierSlot(self._slots[carrier])
        try:  # a carrier that hangs must not hold the cases queued behind it in this worker
            async with asyncio.timeout(self.slot_wait.total_seconds()):
                await wait_unless_stopped(slot.acquire())  # a worker told to stop calls no carrier for it
        except TimeoutError:
            slot.release()  # if the place came as the wait ended
            place.give_back()
            return
        except asyncio.CancelledError:
            slot.release()
            raise
        last = await self.service.now_of(dispute) >= dispute.sla.evidence_due
        try:
            try:
                answer = await self._ask(dispute_id, carrier, tracking, slot)
            finally:
                slot.release()
        except StorageUnavailable:
            raise  # keeping the reply failed: the lease runs out and the pull is made again, deadline or not
        except Exception:
            if last:  # the last pull failed in a way no answer foresees (a reply no parser foresaw): the deadline holds
                pushed = await self._pushed_by_deadline(dispute)
                await self._change(dispute, _attaching_first(pushed, _deadline_passed), ending)
            else:  # staff see it on the case; the worker pauses the pull before it is tried again
                await self._change(dispute, _unreadable)
            raise
        place.leave()  # the carrier call is over: the next claim may take this place while the answer is stored
        await self._record(dispute, answer, ending)

    async def _ask(self, dispute_id: str, carrier: str, tracking: str, slot: Slot) -> Answer:
        started = time.monotonic()
        answer: Answer
        try:
            answer = await self.gateway.pull(carrier, tracking, slot)
        except (EvidenceUnavailable, EvidenceRejected) as error:
            answer = error
        except Exception:  # a reply no parser foresaw, or keeping it failed: the worker logs what it was
            self.log.pulled(dispute_id, carrier, UNFORESEEN, time.monotonic() - started)
            raise
        self.log.pulled(dispute_id, carrier, _outcome(answer), time.monotonic() - started)
        return answer

    async def _record(self, dispute: Dispute, answer: Answer, ending: Lease) -> None:
        """Store the answer; the last save of the pull ends its lease."""
        now, deadline = await self.service.now_of(dispute), dispute.sla.evidence_due
        retry_at, give_up_at = retry_times(dispute, self.rules, now)
        match answer:
            case EvidenceUnavailable(retry_at=datetime() as named) if (
                retry_at is not None and dispute.test_clock is None
            ):
                # Refused by the carrier's circuit breaker, or throttled by the carrier: back when it lets calls
                # through again, sooner or later than the backoff would. That is a real time: a case on a test clock
                # keeps to its backoff, on its clock.
                await self._failed(dispute, f"carrier unavailable: {answer}", min(max(named, now), deadline), ending,
                                   unsent=answer.why == "refused")
            case EvidenceUnavailable():
                await self._failed(dispute, f"carrier unavailable: {answer}", retry_at, ending)
            case EvidenceRejected():
                # Asking again cannot work: a case that holds the carrier's proof (or the deadline's outcome) has
                # nothing to wait for, and goes back to review now; one without waits for pushes to the deadline.
                settled = dispute.has_delivery_proof or dispute.proof_missing
                await self._failed(dispute, f"pull not possible: {answer}", None if settled else give_up_at, ending)
            case ProofOfDelivery():
                delivered = answer.status is ProofStatus.DELIVERED
                evidence = Evidence(key=pull_key(answer), proof=answer)
                dispute = await self._attach(dispute, evidence, ending if delivered else None)
                if not delivered:
                    message = f"no proof of delivery yet (carrier says {answer.status.value})"
                    await self._failed(dispute, message, retry_at, ending)

    async def _attach(self, dispute: Dispute, evidence: Evidence, ending: Lease | None = None) -> Dispute:
        return await self._change(
            dispute, lambda d, now: d.attach_all_evidence(SYSTEM, _received(d, [evidence], now), now), ending
        )

    async def _failed(
        self, dispute: Dispute, error: str, retry_at: datetime | None, ending: Lease, *, unsent: bool = False
    ) -> None:
        pushed = await self._pushed_by_deadline(dispute) if retry_at is None else []  # the deadline may be recorded
        await self._change(
            dispute,
            _attaching_first(pushed, lambda d, now: d.evidence_pull_failed(SYSTEM, error, retry_at, now, unsent=unsent)),
            ending,
        )

    async def _pushed_by_deadline(self, dispute: Dispute) -> list[Evidence]:
        """The shipment's events pushed and stored by the evidence deadline (of the latest `EARLIER_PUSHES`, as a first
        pull reads them; on a test clock, all of those stored), for a pull's outcome that may record the deadline to
        attach first: a proof acknowledged in time is the carrier's proof by the deadline though the push attacher has
        not attached it yet."""
        if dispute.has_delivery_proof or dispute.proof_missing:
            return []
        deadline, order = dispute.sla.evidence_due, dispute.order
        events = await self.pushed.for_shipment(order.carrier, order.tracking_number, EARLIER_PUSHES)
        if dispute.test_clock is not None:  # received in real time, its deadline on the clock: each was stored before
            return events  # this pull, so the attacher, had it come first, would have attached it before the deadline
        return [e for e in events if e.proof.received_at <= deadline]

    async def _change(
        self, dispute: Dispute, change: TimedChange, ending: Lease | None = None
    ) -> Dispute:
        """Change the case starting from the copy this pull last claimed, read or stored (no read when it is
        current); `ending`: this save ends the pull, and its lease with it, and takes the next work's (`then`)."""
        return await _handing_over(
            self.service, dispute.id, change, self.then if ending is not None else None, dispute, ending
        )


async def _handing_over(
    service: DisputeService,
    dispute_id: str,
    change: TimedChange,
    then: Handover | None,
    loaded: Dispute | None = None,
    ending: Lease | None = None,
) -> Dispute:
    """`service.apply_timed`, whose save takes the assessment for `then` where it makes it due and nobody holds it,
    and hands it over to this worker's assessor."""
    taking = then.taking() if then is not None else None
    changed = await service.apply_timed(SYSTEM, dispute_id, change, loaded=loaded, ending=ending, taking=taking)
    if then is not None and taking is not None:
        then.hand_over(changed, taking)
    return changed


def _received(dispute: Dispute, evidence: Sequence[Evidence], now: datetime) -> Sequence[Evidence]:
    """The evidence as the case receives it: on a test clock at the case's time `now`, when it is attached (its
    deadlines and the policy's waits are on that clock); a real case keeps the real time the service received it."""
    if dispute.test_clock is None:
        return evidence
    return [e.model_copy(update={"proof": e.proof.model_copy(update={"received_at": now})}) for e in evidence]


class CarrierSlot:
    """A place in a carrier's semaphore that knows whether it is held, so a pull that gave it up to wait
    for a retry, and was cancelled before it got it back, does not release a place it no longer holds."""

    def __init__(self, semaphore: asyncio.Semaphore) -> None:
        self._semaphore = semaphore
        self._held = False

    async def acquire(self) -> None:
        await self._semaphore.acquire()
        self._held = True

    def release(self) -> None:
        if self._held:
            self._held = False
            self._semaphore.release()


def _attaching_first(pushed: Sequence[Evidence], change: TimedChange) -> TimedChange:
    """`change`, after attaching the events `pushed` by the evidence deadline in the same save (see
    `Dispute.attach_pushed_by_deadline`): the deadline it may record is then recorded only if none of them is a proof."""
    if not pushed:
        return change

    def attached_first(dispute: Dispute, now: datetime) -> bool | None:
        attached = dispute.attach_pushed_by_deadline(SYSTEM, _received(dispute, pushed, now), now)
        changed = change(dispute, now)
        return True if attached else changed

    return attached_first


def _unreadable(dispute: Dispute, now: datetime) -> bool | None:
    """A pull that failed in a way no answer foresees, recorded at the first such failure in a row (the pull stays due
    when it was: the worker pauses it, longer after each further failure)."""
    last = dispute.timeline[-1] if dispute.timeline else None
    if last is not None and last.action == "evidence_pull_failed" and last.details.get("error") == UNREADABLE:
        return False
    dispute.evidence_pull_failed(SYSTEM, UNREADABLE, dispute.evidence_pull_due, now)
    return None


def _deadline_passed(dispute: Dispute, now: datetime) -> None:
    """The evidence deadline, recorded unless the case has a proof or the deadline already (a save of the pull)."""
    if dispute.is_active and not (dispute.has_delivery_proof or dispute.proof_missing):
        dispute.evidence_deadline_passed(SYSTEM, now)


def _outcome(answer: Answer) -> str:
    match answer:
        case ProofOfDelivery():
            return answer.status.value
        case EvidenceUnavailable():
            return answer.why
        case EvidenceRejected():
            return "rejected"


@dataclass
class PushAttacher:
    service: DisputeService
    shipments: Shipments
    pushed: PushedEvidence
    batch: int = 50
    then: Handover | None = None
    """The assessment, handed to this worker's assessor by the save that attaches the event where it made it due."""
    log: WorkLog = field(default_factory=SilentWorkLog)
    kind: WorkKind = WorkKind.ATTACH_PUSHED
    _turns: Turns = field(default_factory=Turns, init=False)
    _in_hand: set[str] = field(default_factory=set, init=False)
    """The events this worker's places are attaching."""
    _marked: set[str] = field(default_factory=set, init=False)
    """Those of them another place marked attached with its own."""

    def lanes(self) -> Lanes:
        """`batch` events in flight, claimed half a batch at a time once the first claims filled it."""
        return Lanes(self.batch, least=max(self.batch // 2, 1))

    async def handle(self, claimed: Claimed, place: Place) -> None:
        """Attach the claimed event with the others of its shipment still waiting (nothing when another place or
        worker attached it meanwhile), up to `MAX_EVIDENCE` of them: more than a case keeps. An event whose shipment
        has no case is only marked. Every event marked was stored before the last look for the cases (they are looked
        for again after the waiting events are read), so a case opened later reads it on its first pull. This
        worker's places take turns on a shipment, so those that claimed the events of a burst read neither the burst
        nor the case again: the first marked their events attached, and told them so. Each attaching, or marking with
        no case, is logged (`WorkLog.attached`)."""
        key = claimed.subject
        self._in_hand.add(key)
        try:
            if (event := await self.pushed.waiting(key)) is None:
                return
            carrier, tracking = event.proof.carrier, event.proof.tracking_number
            async with self._turns.of(f"{carrier}:{tracking}"):
                if key in self._marked:
                    return
                waiting = [event]
                if disputes := await self.shipments.active_for_shipment(carrier, tracking):
                    waiting = await self.pushed.waiting_with(event, MAX_EVIDENCE)
                    disputes = await self.shipments.active_for_shipment(carrier, tracking)
                if waiting:
                    await self._attach(key, disputes, waiting, claimed.lease)
                    self.log.attached(carrier, tracking, [evidence.key for evidence in waiting], disputes)
        finally:
            self._in_hand.discard(key)
            self._marked.discard(key)

    async def _attach(self, key: str, disputes: list[str], waiting: list[Evidence], ending: Lease) -> None:
        for dispute_id in disputes:
            await _handing_over(
                self.service, dispute_id,
                lambda d, now: d.attach_pushed(SYSTEM, _received(d, waiting, now), now), self.then,
            )
        others = [evidence.key for evidence in waiting if evidence.key != key]
        await self.pushed.attached(key, ending, others)  # the write that marks the event ends its lease too
        self._marked |= self._in_hand.intersection(others)
