"""One loop for every kind of background work: claim what is due with a short lease, hold the lease with a
heartbeat while the work runs, give it back when the work is done (or let the write that ends the work end the
lease with it: one write instead of two).

The lease is short (seconds) so a worker that dies is replaced within one lease; the heartbeat renews the
leases of all the work in flight (one storage call per kind) every `heartbeat` while the work runs, so slow
work (a carrier that takes a minute to answer) keeps its holder and no second worker starts it. A holder
that cannot renew (another worker took the work over after its lease ran out, or storage did not answer
before the lease ended) abandons the work at its next heartbeat: it cancels it and raises `LeaseLost`. Two
workers can overlap only when one was paused past its whole lease, and then for one heartbeat at most; the
effects' idempotency keys and the evidence's content keys make that harmless. Work that fails keeps its lease
until it runs out (a pause before the next try, longer after each failure in a row, which holds up no other work of
its kind); work that ends is released (by its last save, or here), due again at whatever due time it left. A claim
hands the work its dispute as found, so the work needs no read.

The loop is a continuously fed pipeline: claims are sized by the job's `Lanes` (for the evidence puller, one
lane per carrier), the lanes with no room are skipped, and whenever one item ends, or the kind's wake-up says
work became due, more are claimed. A run's first claim takes one item, so the first due item starts after one
storage call (on MongoDB a claim of one is one call, a claim of many three or so); the claims after it fill the
room. Work may also come already leased, handed over by the save of the work before it that made it due
(`Handover`): it runs as claimed work does, under the heartbeat, without a claim; what is handed over once the
worker stops is given back.
"""

import asyncio
import contextlib
from collections.abc import Awaitable, Collection
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from disputes.lanes import Lanes, Place
from disputes.model import Dispute
from disputes.ports import Claimed, Clock, Lease, Schedule, SilentWorkLog, StorageUnavailable, Taking, WorkLog
from disputes.work import WorkKind


_STOP: ContextVar[asyncio.Event | None] = ContextVar("due_work_stop", default=None)


async def wait_unless_stopped[T](wait: Awaitable[T]) -> T:
    """`wait` (for a place, in work a `DueWork` run started); when the run is told to stop first, `wait` is cancelled
    and the work gives up (`CancelledError`): it is work left undone, and its lease is given back. What `wait` got
    as the stop came (a place it took) is for the caller to give back."""
    stop = _STOP.get()
    if stop is None:
        return await wait
    waiting, stopped = asyncio.ensure_future(wait), asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait((waiting, stopped), return_when=asyncio.FIRST_COMPLETED)
    finally:
        waiting.cancel()
        stopped.cancel()
    if stop.is_set():
        raise asyncio.CancelledError("stopping: the work is left undone")
    return waiting.result()


class Wake(asyncio.Event):
    """Work of one kind announced due in this process: set when a subject is announced, and the subjects
    announced since a claim last took them. A claim prompted by announcements asks for that many, and once
    every announced subject is found it does not ask again for room alone: work made due elsewhere is left to
    the poll. Set without a subject (`set`), it says only that something may be due. Set by `hand_over`, it
    brings work already leased to this worker, which the loop runs without a claim."""

    def __init__(self) -> None:
        super().__init__()
        self._announced: set[str] = set()
        self._hinted = False
        self._handed: list[tuple[Claimed, datetime]] = []

    def announce(self, subject: str) -> None:
        self._announced.add(subject)
        self.set()

    def take(self) -> set[str]:
        """Clear it; the subjects announced since the last `take`."""
        taken, self._announced, self._hinted = self._announced, set(), False
        self.clear()
        return taken

    def hand_over(self, claimed: Claimed, until: datetime) -> None:
        """Give the loop `claimed`, whose lease (until `until`) a save took for this worker."""
        self._handed.append((claimed, until))
        super().set()

    def handed(self) -> list[tuple[Claimed, datetime]]:
        """The work handed over since the last call; cleared when that was all it was set for."""
        handed, self._handed = self._handed, []
        if handed and not self.prompts_claim:
            self.clear()
        return handed

    @property
    def prompts_claim(self) -> bool:
        """Whether a subject was announced, or something said due, since the last `take`."""
        return bool(self._announced) or self._hinted

    def set(self) -> None:  # last: the names above mean the builtin `set`
        self._hinted = True
        super().set()


@dataclass(frozen=True, slots=True)
class Handover:
    """The work that follows another on the same dispute, handed by the worker that does the first to this
    process's loop of the next kind (`kind`, its wake-up `wake`): the save that ends the first (or, for work whose
    lease is not on the dispute, such as attaching a pushed event, the save that changes it) takes the next one's
    lease for this worker (`holder`, for a claim's `lease`), and the loop runs it from the saved dispute as if it
    had claimed it. If this process stops first, the lease runs out and any worker claims the work; where the save
    could not take the lease (another holds it), the work is claimed as usual."""

    kind: WorkKind
    holder: str
    lease: timedelta
    clock: Clock
    wake: Wake

    def taking(self) -> Taking:
        now = self.clock.now()
        return Taking(Lease(self.kind, self.holder), now, now + self.lease)

    def hand_over(self, saved: Dispute, taking: Taking) -> None:
        """Hand the loop the dispute as `taking`'s save stored it (its giver does not use it again), if taken."""
        if taking.taken:
            self.wake.hand_over(Claimed(saved.id, taking.lease, saved), taking.until)


class LeaseLost(Exception):
    """The work was abandoned: its lease could not be renewed (another worker holds it now)."""


class Job(Protocol):
    """What one kind of work does with one claimed subject."""

    @property
    def kind(self) -> WorkKind: ...

    def lanes(self) -> Lanes:
        """The room for claims (made once per `DueWork`)."""

    async def handle(self, claimed: Claimed, place: Place) -> None:
        """Do the work on the claimed subject (starting from its dispute as claimed, when it has one; its last save
        may end the lease); `place` is the subject's place in the lanes (move it to its lane once known, leave it
        once past the lane's bottleneck)."""


@dataclass
class DueWork:
    schedule: Schedule
    job: Job
    clock: Clock
    holder: str
    """This worker's id, stored with every lease it holds."""
    lease: timedelta = timedelta(seconds=10)
    heartbeat: timedelta = timedelta(seconds=3)
    poll: timedelta = timedelta(seconds=1)
    """While work is in flight and there is room, how often to look for more: work that falls due meanwhile
    (a dead worker's lease running out) must not wait for the work in flight to end."""
    longest_pause: timedelta = timedelta(minutes=5)
    """The longest an item whose work keeps failing here is paused (its lease held) before it is tried again."""
    log: WorkLog = field(default_factory=SilentWorkLog)
    """Where an item's failures are told: the first in a row, and each that makes its pause longer."""

    def __post_init__(self) -> None:
        if self.heartbeat >= self.lease:
            raise ValueError("the heartbeat must come more often than the lease runs out")
        self._lanes = self.job.lanes()
        self._held: dict[str, _Held] = {}
        self._due_again = False  # an item ended left undone: given back, or abandoned for a lost lease
        self._failing: dict[str, int] = {}  # the items whose work failed here, and how many times in a row

    async def run_once(self, stop: asyncio.Event | None = None, wake: Wake | None = None) -> int:
        """Work until nothing is due or `stop` is set; returns how many were claimed. Claims are repeated while
        they come back full, and whenever room grows (an item ends, moves to its lane, or is past it). Once a
        claim came back short (nothing more was due), only `wake` (cleared before each claim), work given back
        or abandoned (due again), a skipped full lane getting room, or `poll` passing prompts another. One item's
        failure pauses that item alone (its lease is held: a lease after a first failure, longer after each further
        one, `_pause`) and claims go on; once storage failed (a claim raised, or work failed with
        `StorageUnavailable`) nothing more is claimed. What is in flight finishes, then the failures are raised
        together (work abandoned for a lost lease is no failure of this worker's, but is raised with them).
        Cancelled, it cancels what is in flight and leaves it to the leases; work that gives up itself as `stop` is
        set (a wait between a carrier's retries, or for a place: `wait_unless_stopped`) gives its lease back. A
        claim prompted by `wake`'s announcements asks for no more than were announced; once all of them are found,
        only the reasons above prompt another."""
        claimed, announced, failures = 0, set[str](), _Failures()
        working: set[asyncio.Task[None]] = set()
        lanes, loop = self._lanes, asyncio.get_running_loop()
        lanes.start_run()
        stopping = _STOP.set(stop)  # for the work this run starts (`wait_unless_stopped`)
        heartbeat = asyncio.create_task(self._beat())
        held_off: _HeldOff | None = None
        try:
            if handed := self._start_handed(wake, stop, lanes, working):
                claimed += handed
                if wake is not None and not wake.prompts_claim:  # woken for the work handed over alone
                    held_off = _HeldOff(loop.time() + self.poll.total_seconds(), frozenset())
            while True:
                lanes.changed.clear()
                failures.extend(_finished(working))
                claimed += self._start_handed(wake, stop, lanes, working)
                woken = wake is not None and wake.is_set()
                if held_off is not None and held_off.over(loop.time(), lanes.full(), woken, self._due_again):
                    held_off = None
                self._due_again = False
                claiming = not failures.storage and not (stop and stop.is_set())
                if held_off is None and claiming and (room := lanes.room()) > 0:
                    if wake is not None:
                        announced |= wake.take()  # this claim finds what it announced
                    size, skipped = min(room, 1) if not claimed else room, lanes.full()
                    if announced:
                        size = min(size, len(announced))
                    try:
                        now = self.clock.now()
                        found = await self.schedule.claim_due(self.job.kind, now, self.lease, size, self.holder, skipped)
                    except Exception as error:  # the database may be away: stop claiming, finish the rest
                        failures.extend([error], storage=True)
                        continue
                    ids = [claim.subject for claim in found]
                    for claim in found:
                        self._start(claim, now + self.lease, lanes, working)
                    claimed += len(ids)
                    sized, announced = bool(announced), announced - set(ids)
                    if len(ids) < size:
                        announced.clear()  # the rest was taken elsewhere, or waits for a full lane
                    elif not (sized and not announced):
                        continue  # more may be due (earlier due work may have taken an announced one's place)
                    held_off = _HeldOff(loop.time() + self.poll.total_seconds(), skipped)
                if not working:
                    break
                if lanes.room() > 0:
                    left = self.poll.total_seconds() if held_off is None else held_off.look_again - loop.time()
                    await until_set((lanes.changed, *([wake] if wake else [])), max(left, 0.0))
                else:
                    await lanes.changed.wait()
        finally:
            for task in working:
                task.cancel()
            await asyncio.gather(*working, return_exceptions=True)
            heartbeat.cancel()
            _STOP.reset(stopping)
            for subject in [s for s, held in self._held.items() if held.task.done()]:
                del self._held[subject]  # cancelled before it started: its lease is left to run out
        if failures.kept:
            raise ExceptionGroup(f"some {self.job.kind.value} work failed ({failures.count} times)", failures.kept)
        return claimed

    async def give_back_handed(self, wake: Wake) -> None:
        """Give back the leases of the work handed over through `wake` and not started (this worker stopped): another
        worker takes it at its next poll, not once the lease has run out."""
        for claim, _ in wake.handed():
            await self.schedule.release(self.job.kind, claim.subject, self.holder)

    def _start(self, claim: Claimed, until: datetime, lanes: Lanes, working: set[asyncio.Task[None]]) -> None:
        """Start the work on `claim`, leased until `until`, unless it is still at work here."""
        if (busy := self._held.get(claim.subject)) is not None:
            busy.reclaimed = True  # still at work here (a renewal came late): the claim renewed its lease
            return
        task = asyncio.create_task(self._hold(claim, lanes.enter()))
        self._held[claim.subject] = _Held(task, until, claim.lease)
        task.add_done_callback(lambda _: lanes.changed.set())
        working.add(task)

    def _start_handed(
        self, wake: Wake | None, stop: asyncio.Event | None, lanes: Lanes, working: set[asyncio.Task[None]]
    ) -> int:
        """Start the work handed over through `wake` (left to its leases once stopping); how many."""
        if wake is None or (stop is not None and stop.is_set()):
            return 0
        handed = wake.handed()
        for claim, until in handed:
            self._start(claim, until, lanes, working)
        return len(handed)

    async def _hold(self, claimed: Claimed, place: Place) -> None:
        """Run the work in this task while the heartbeat renews its lease; a lost lease cancels the work. The lease
        is given back unless the work's last write ended it (and no later claim here took it again)."""
        subject = claimed.subject
        held = self._held[subject]
        try:
            await self.job.handle(claimed, place)
        except asyncio.CancelledError:
            if held.lost and held.task.uncancel() == 0:  # cancelled by the heartbeat alone
                self._due_again = True
                raise LeaseLost(f"{self.job.kind.value} {subject}") from None
            if held.task.cancelling() == 0 and not held.lost:  # the work gave up itself: stopping, between retries
                await self._give_back(subject)
            raise
        except Exception as error:
            if not isinstance(error, StorageUnavailable):  # storage away says nothing about the item
                held.failed = True  # renewed by the heartbeat no more
                await self._pause(subject, place.lane, error)
            raise
        finally:
            self._due_again = self._due_again or place.given_back
            place.leave()
            del self._held[subject]
        self._failing.pop(subject, None)
        if held.reclaimed or not claimed.lease.ended:
            await self.schedule.release(self.job.kind, subject, self.holder)

    async def _pause(self, subject: str, lane: str | None, error: Exception) -> None:
        """Pause an item whose work failed: its lease is held for a lease after the first failure in a row, twice as
        long after each further one, up to `longest_pause`, so an item that fails every time (a reply no parser
        foresaw) costs a try every few minutes, not every lease. The count is this worker's (another worker that
        claims the item counts from one); an item that succeeds here starts again from one. The failure is logged
        (kind, item, lane, the error's type and the count) while the pause grows, not at each try once it is longest."""
        count = self._failing.pop(subject, 0) + 1
        self._failing[subject] = count
        if len(self._failing) > _FAILING_KEPT:
            del self._failing[next(iter(self._failing))]  # the one that failed least lately
        pause = self._pause_after(count)
        if count == 1 or pause > self._pause_after(count - 1):
            self.log.failed(self.job.kind.value, subject, lane, type(error).__name__, count)
        if pause > self.lease:
            with contextlib.suppress(Exception):  # the database may be away: the lease runs out sooner instead
                await self.schedule.renew(self.job.kind, [subject], self.holder, self.clock.now() + pause)

    def _pause_after(self, failures: int) -> timedelta:
        doubled: timedelta = self.lease * 2 ** min(failures - 1, 20)
        return min(doubled, max(self.longest_pause, self.lease))

    async def _give_back(self, subject: str) -> None:
        """Give back the lease of work left undone as this worker stops: another worker takes it at once."""
        with contextlib.suppress(Exception):  # the database may be away: the lease runs out instead
            await self.schedule.release(self.job.kind, subject, self.holder)

    async def _beat(self) -> None:
        """Every heartbeat, renew the leases of all the work in flight in one call. Work whose lease another
        worker took is abandoned; so is work whose lease ran out while storage could not be asked (a renewal
        that succeeds late proves nobody took it meanwhile: the holder is still this worker)."""
        while True:
            await asyncio.sleep(self.heartbeat.total_seconds())
            renewing = [(subject, held) for subject, held in self._held.items() if held.renewable]
            if not renewing:
                continue
            now = self.clock.now()
            try:
                kept = await self.schedule.renew(
                    self.job.kind, [subject for subject, _ in renewing], self.holder, now + self.lease
                )
            except Exception:  # storage may answer at the next beat; until a lease ends its work goes on
                for held in self._held.values():
                    if held.until <= self.clock.now():
                        held.lose()
                continue
            for subject, held in renewing:
                # The answer is about the lease this beat named: work on the subject that ended meanwhile, and
                # started again here on a lease of its own, is left to the next beat.
                if self._held.get(subject) is held:
                    if subject in kept:
                        held.until = now + self.lease
                    else:
                        held.lose()


_FAILING_KEPT = 1000
"""How many failing items a worker counts the failures of (the least lately failed are forgotten past it)."""


@dataclass
class _Failures:
    """The failures of a run: the first `KEPT` of them (a long run that meets a failing item every lease keeps no
    more), how many in all, and whether storage failed (which stops the claims)."""

    KEPT = 20

    kept: list[Exception] = field(default_factory=list)
    count: int = 0
    storage: bool = False

    def extend(self, errors: list[Exception], storage: bool = False) -> None:
        for error in errors:
            self.storage = self.storage or storage or isinstance(error, StorageUnavailable)
            self.count += 1
            if len(self.kept) < self.KEPT:
                self.kept.append(error)


@dataclass(frozen=True, slots=True)
class _HeldOff:
    """The last claim found nothing more (beyond the full lanes it skipped): no claim until there is a reason."""

    look_again: float
    """Loop time when `poll` has passed since the claim."""
    skipped: frozenset[str]

    def over(self, now: float, full: frozenset[str], woken: bool, due_again: bool) -> bool:
        """Whether another claim may find something: woken, work due again, a skipped lane has room now, or
        `poll` passed."""
        return woken or due_again or bool(self.skipped - full) or now >= self.look_again


@dataclass
class _Held:
    task: asyncio.Task[None]
    until: datetime
    lease: Lease
    lost: bool = False
    failed: bool = False
    reclaimed: bool = False
    """A claim took the subject again while its work was in flight here: the lease is given back at the end."""

    @property
    def renewable(self) -> bool:
        """Still held by this worker: not lost, nor ended by the work's last save (unless claimed again since)."""
        return not self.lost and not self.failed and (self.reclaimed or not self.lease.ended)

    def lose(self) -> None:
        if not self.lost:
            self.lost = True
            self.task.cancel()


async def until_set(events: Collection[asyncio.Event], seconds: float) -> None:
    """Wait until any of `events` is set, `seconds` at most."""
    waits = [asyncio.ensure_future(event.wait()) for event in events]
    try:
        await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for wait in waits:
            wait.cancel()


def _finished(working: set[asyncio.Task[None]]) -> list[Exception]:
    """Take the finished tasks out of `working`; their failures."""
    failures: list[Exception] = []
    for task in [t for t in working if t.done()]:
        working.discard(task)
        if task.cancelled() or (error := task.exception()) is None:
            continue
        if not isinstance(error, Exception):
            raise error
        failures.append(error)
    return failures
