"""Test clocks (sandbox only), as Stripe has them: a tester creates a clock, opens cases on it and advances it;
the cases' evidence deadline, SLA sweep and default rule run as of the clock, so a case reaches its default
decision in seconds. A case starts at its clock's time, never before its package was delivered
(`ClockBeforeDelivery`).

A case on a clock remembers the clock's id (`Dispute.test_clock`), and every change to it reads the clock from
storage, so every process sees the same time. Work the clock has not reached is not due at all; advancing the
clock saves each of its cases again as of the new time, which makes the work the clock reached due now, for
whichever worker claims it. Advancing to the time the clock is already at does that again (a retried request
finishes what a failed one began).

A clock is its creator's, as Stripe's are its account's: they read it, advance it and open their cases on it;
staff, who work every case, also read and advance any clock. To anyone else it does not exist (`NotFound`, as for
an unknown id), so a clock's id tells a stranger nothing."""

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from secrets import token_hex

from disputes.actors import SYSTEM, Actor
from disputes.calendar import COVERED_YEARS
from disputes.errors import (
    ClockOnlyMovesForward,
    ClockOutOfRange,
    NotFound,
)
from disputes.model import Dispute, TestClock
from disputes.ports import Clock, TestClocks
from disputes.service import DisputeService, Opened, OpenRequest, Render, to_millisecond

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(COVERED_YEARS.stop - 1, 1, 1, tzinfo=UTC)
"""The start of the last year the business calendar counts in: the deadlines of a case opened before it (days to
weeks ahead) fall within the calendar's years, which a clock's time past it could not promise."""


@dataclass
class TestClockService:
    clocks: TestClocks
    disputes: DisputeService
    clock: Clock

    async def create(self, actor: Actor, frozen_time: datetime | None, name: str | None) -> TestClock:
        now = self.clock.now()
        clock = TestClock(id=f"clk_{token_hex(12)}", name=name, frozen_time=_within(frozen_time or now), created_at=now,
                          owner=owner(actor))
        await self.clocks.add(clock)
        return clock

    async def get(self, actor: Actor, clock_id: str) -> TestClock:
        clock = await self.clocks.get(clock_id)
        if clock is None or not (actor.is_staff or clock.owner == owner(actor)):
            raise NotFound(f"No test clock {clock_id}.")
        return clock

    async def advance(self, actor: Actor, clock_id: str, to: datetime) -> TestClock:
        to = _within(to)
        await self.get(actor, clock_id)  # whose it is never changes: no race with the move below
        moved = await self.clocks.advance(clock_id, to)
        if moved is None:
            raise NotFound(f"No test clock {clock_id}.")
        if moved.frozen_time > to:
            raise ClockOnlyMovesForward(
                f"The clock is at {moved.frozen_time.isoformat()}; it only moves forward.",
                frozen_time=moved.frozen_time.isoformat(),
            )
        for dispute_id in await self.clocks.disputes_on(clock_id):
            await self.disputes.apply_timed(SYSTEM, dispute_id, _as_of_clock)
        return moved

    async def open(
        self, actor: Actor, clock_id: str, request: OpenRequest, idempotency_key: str | None, render: Render | None = None
    ) -> Opened:
        await self.get(actor, clock_id)
        return await self.disputes.open(actor, replace(request, test_clock=clock_id), idempotency_key, render)


def owner(actor: Actor) -> str:
    """Whose a new clock is: the caller, by role and token subject (as their Idempotency-Keys are scoped)."""
    return f"{actor.role.value}/{actor.id}"


def _as_of_clock(dispute: Dispute, now: datetime) -> bool:
    """Nothing changes but the clock's reading (taken by the service), saved so the due work follows it."""
    return True


def _within(at: datetime) -> datetime:
    """`at` to the millisecond (what storage keeps), when it is a time a case can run on."""
    if not EARLIEST <= at < LATEST:
        raise ClockOutOfRange(
            f"A test clock's time must be from {EARLIEST.year} up to {LATEST.year}: the business calendar counts "
            f"deadlines only in the years whose religious holidays are confirmed (up to {COVERED_YEARS.stop - 1})."
        )
    return to_millisecond(at.astimezone(UTC))
