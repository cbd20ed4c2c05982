"""Test clocks (sandbox only), as Stripe has them: a tester creates a clock, opens cases on it and advances it;
the cases' evidence deadline, SLA sweep and default rule run as of the clock, so a case reaches its default
decision in seconds. A case starts at its clock's time, never before its package was delivered
(`ClockBeforeDelivery`).

A case on a clock remembers the clock's id (`Dispute.test_clock`), and every change to it reads the clock from
storage, so every process sees the same time. Work the clock has not reached is not due at all. An advance runs
what it passes over as time would have: it moves the clock to the first moment work of one of its cases falls due
(a pull, the evidence deadline, an assessment, the escalation, the decision deadline, a restriction's review), runs
that work there through the workers' own jobs, and so on up to the time asked for, at most `MOMENTS` moments (then
the clock stops at the last moment it ran, and an advance to the same time goes on from there). Then it saves each
of its cases again as of the new time, which makes any work the clock reached due now, for whichever worker claims
it. Advancing to the time the clock is already at does that again (a retried request finishes what a failed one
began).

A clock is its creator's, as Stripe's are its account's: they read it, advance it and open their cases on it;
staff, who work every case, also read and advance any clock. To anyone else it does not exist (`NotFound`, as for
an unknown id), so a clock's id tells a stranger nothing."""

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from secrets import token_hex

from disputes.actors import SYSTEM, Actor
from disputes.calendar import CASES_BEFORE, CLOCKS_BEFORE, COVERED_YEARS
from disputes.errors import (
    ClockOnlyMovesForward,
    ClockOutOfRange,
    NotFound,
)
from disputes.model import Dispute, TestClock
from disputes.ports import Claimed, Clock, Lease, TestClocks
from disputes.schedule import Job
from disputes.service import DisputeService, Opened, OpenRequest, Render, TimedChange, to_millisecond
from disputes.work import WorkKind
from schemas.common import timestamp_text

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
MOMENTS = 500
"""The most moments one advance runs due work at (a moment is one time at which work falls due, on however many of
the clock's cases). A carrier that never answers is asked again, at most an hour apart, until the evidence deadline:
some 50 to 90 moments for a case, about 200 when its deadline is past a religious holiday."""
HOLDER = "test-clock"
"""The holder named in the leases of the work an advance runs itself: it takes none, so the work's last save ends
none (a worker's lease on the same work is left alone)."""


@dataclass
class TestClockService:
    clocks: TestClocks
    disputes: DisputeService
    clock: Clock
    jobs: Sequence[Job] = ()
    """The workers' jobs that do a case's due work (`Dispute.due_work`): an advance runs them at each moment it passes.
    Without them (a process that runs no workers) an advance jumps, and the work it passed over runs at its end."""
    _jobs: dict[WorkKind, Job] = field(init=False)

    def __post_init__(self) -> None:
        self._jobs = {job.kind: job for job in self.jobs}

    async def create(self, actor: Actor, frozen_time: datetime | None, name: str | None) -> TestClock:
        await self.disputes.require_on_duty(actor)
        now = self.clock.now()
        clock = TestClock(id=f"clk_{token_hex(12)}", name=name, frozen_time=_within(frozen_time or now, CASES_BEFORE), created_at=now,
                          owner=owner(actor))
        await self.clocks.add(clock)
        return clock

    async def get(self, actor: Actor, clock_id: str) -> TestClock:
        clock = await self.clocks.get(clock_id)
        if clock is None or not (actor.is_staff or clock.owner == owner(actor)):
            raise NotFound(f"No test clock {clock_id}.")
        return clock

    async def advance(self, actor: Actor, clock_id: str, to: datetime) -> TestClock:
        await self.disputes.require_on_duty(actor)  # an advance runs its cases' work, decisions included
        to = _within(to, CLOCKS_BEFORE)
        at = (await self.get(actor, clock_id)).frozen_time  # whose it is never changes: no race with the moves below
        if at > to:
            raise _behind(at)
        moved = await self._move(clock_id, await self._through(clock_id, at, to) if self._jobs else to)
        for dispute_id in await self.clocks.disputes_on(clock_id):
            await self.disputes.apply_timed(SYSTEM, dispute_id, _as_of_clock(actor, at))
        return moved

    async def _through(self, clock_id: str, at: datetime, to: datetime) -> datetime:
        """Run the due work of the clock's cases in order of time, from `at` up to `to`: the clock moves to each
        moment, where each case's work due by then runs, kind after kind (a pull before the assessment it causes,
        before the SLA check). Where the clock is to stop: `to`, or the last moment run when `MOMENTS` were run."""
        cases = {case.id: case for case in await self._cases(clock_id)}  # each read again after work ran on it
        ran: set[tuple[str, WorkKind]] = set()  # work run at `at`: if a run left it due, it waits for the next moment
        moments = 0
        while True:
            if due := [(case, kind) for case in cases.values() if (kind := self._due_kind(case, at, ran)) is not None]:
                for case, kind in due:
                    await self._run(case, kind)
                    ran.add((case.id, kind))
                    cases[case.id] = await self.disputes.repository.get(case.id) or case
                continue
            later = [when for case in cases.values() for when in self._due_times(case).values() if when > at]
            if not later or min(later) > to:
                return to
            if moments == MOMENTS:
                return at
            at, moments = (await self._move(clock_id, min(later))).frozen_time, moments + 1
            ran.clear()

    async def _cases(self, clock_id: str) -> list[Dispute]:
        found = [await self.disputes.repository.get(case_id) for case_id in await self.clocks.disputes_on(clock_id)]
        return [case for case in found if case is not None]

    def _due_times(self, case: Dispute) -> dict[WorkKind, datetime]:
        """When the case's work that a job here does is due, by its clock (`due_work` maps these to real times)."""
        by_clock = case.model_copy(update={"test_clock": None}).due_work()
        return {kind: when for kind, when in by_clock.items() if when is not None and kind in self._jobs}

    def _due_kind(self, case: Dispute, at: datetime, ran: set[tuple[str, WorkKind]]) -> WorkKind | None:
        """The first kind of the case's work due by `at` and not yet run at it."""
        return next(
            (kind for kind, when in self._due_times(case).items() if when <= at and (case.id, kind) not in ran), None
        )

    async def _run(self, case: Dispute, kind: WorkKind) -> None:
        """The job's work on the case, as a worker that claimed it does it (from the case as read)."""
        job = self._jobs[kind]
        place = job.lanes().enter()
        try:
            await job.handle(Claimed(case.id, Lease(kind, HOLDER), case), place)
        finally:
            place.leave()

    async def _move(self, clock_id: str, to: datetime) -> TestClock:
        moved = await self.clocks.advance(clock_id, to)
        if moved is None:
            raise NotFound(f"No test clock {clock_id}.")
        if moved.frozen_time > to:
            raise _behind(moved.frozen_time)
        return moved

    async def open(
        self, actor: Actor, clock_id: str, request: OpenRequest, idempotency_key: str | None, render: Render | None = None
    ) -> Opened:
        await self.get(actor, clock_id)
        return await self.disputes.open(actor, replace(request, test_clock=clock_id), idempotency_key, render)


def owner(actor: Actor) -> str:
    """Whose a new clock is: the caller, by role and token subject (as their Idempotency-Keys are scoped)."""
    return f"{actor.role.value}/{actor.id}"


def _as_of_clock(actor: Actor, since: datetime) -> TimedChange:
    """The clock's reading (taken by the service), saved so the due work follows it; the case's timeline says who
    moved the clock, from when (the work the advance ran on the case is recorded as the service's)."""

    def moved(dispute: Dispute, now: datetime) -> None:
        dispute.clock_advanced(actor, since, now)

    return moved


def _behind(frozen_time: datetime) -> ClockOnlyMovesForward:
    at = timestamp_text(frozen_time)
    return ClockOnlyMovesForward(f"The clock is at {at}; it only moves forward.", frozen_time=at)


def _within(at: datetime, before: datetime) -> datetime:
    """`at` to the millisecond (what storage keeps), when it is a time a case can run on: a clock is set before
    `CASES_BEFORE` (its cases open before it) and moves on up to `CLOCKS_BEFORE` (they run to their deadlines)."""
    if not EARLIEST <= at < before:
        raise ClockOutOfRange(
            f"A test clock's time must be from {EARLIEST.year} and before {before.date()}: the business calendar counts "
            f"deadlines only in the years whose religious holidays are confirmed (to {COVERED_YEARS.stop - 1}); a "
            f"clock is set before {CASES_BEFORE.year}, as a case's run weeks past its opening, and moves on up to "
            f"{CLOCKS_BEFORE.date()}."
        )
    return to_millisecond(at.astimezone(UTC))
