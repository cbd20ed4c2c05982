"""Idempotency-Keys on requests other than opening a dispute: the first request with a key runs; a retry with the
same key and the same request gets that first answer back, whatever has happened since; another request under the
same key is refused; a retry while the first is still running is told to come back (it never runs twice).

The key is claimed (one atomic write) before the request runs and its answer kept after, so two copies of a request
cannot both run. Once claimed, the request runs and its answer is kept even if its caller goes meanwhile (a client
that hangs up, cancelling its request): the retry that follows gets that answer. A holder that dies keeps the key
for `hold` at most; the retry after that runs the request again, which the request's own rules make harmless (a
decision quotes the version it saw; effects carry their own keys).

A retry that finds the key held is told to come back in `IN_FLIGHT_RETRY_SECONDS`, never at the end of `hold`: the
first request is answered in milliseconds, and `hold` only bounds one whose holder died. A second is the shortest
delay `Retry-After` can say (RFC 9110 §10.2.3: whole seconds; 0 would invite a busy loop), and a retry costs one
atomic claim; draft-ietf-httpapi-idempotency-key-header answers such a retry with a 409 and names no delay, and
Stripe's clients retry its 409 after half a second."""

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from secrets import token_hex

from disputes.errors import IdempotencyKeyReused, KeyInFlight
from disputes.model import FirstAnswer
from disputes.ports import Clock, IdempotencyKeys

IN_FLIGHT_RETRY_SECONDS = 1
"""How long a retry that finds the key held is told to wait (`Retry-After`)."""

type Run = Callable[[], Awaitable[tuple[FirstAnswer, bool]]]
"""Runs the request: its answer, and whether to keep it (False: a transient failure a retry should run again)."""


@dataclass(frozen=True, slots=True)
class Answered:
    answer: FirstAnswer
    replayed: bool


@dataclass(frozen=True)
class FirstAnswers:
    keys: IdempotencyKeys
    clock: Clock
    ttl: timedelta
    """How long a key replays its first answer."""
    hold: timedelta
    """How long a request may hold its key unanswered before a retry may run it again."""
    abandoned: Callable[[BaseException], None] = lambda error: None
    """Told of a failure of a run whose caller went (no one else hears of it)."""
    outlived: Callable[[asyncio.Future[FirstAnswer]], None] = lambda running: None
    """Told, in its caller's context, of a run going on after its caller went (what the caller holds is given back
    when the run ends)."""
    _running: set[asyncio.Future[FirstAnswer]] = field(default_factory=set, compare=False, repr=False)

    async def once(self, key: str, fingerprint: str, run: Run) -> Answered:
        """`key` is already scoped to the caller; `fingerprint` names the request (method, path, body, validators)."""
        now = self.clock.now()
        holder = token_hex(8)
        kept = await self.keys.claim(key, fingerprint, holder, now, now + self.hold, now + self.ttl)
        if kept is not None:
            if kept.fingerprint != fingerprint:
                raise IdempotencyKeyReused("This Idempotency-Key was already used with a different request.")
            if kept.answer is None:
                raise KeyInFlight(IN_FLIGHT_RETRY_SECONDS)
            return Answered(kept.answer, replayed=True)
        # Run and keep the answer to the end though the caller goes (a client that hangs up cancels its request):
        # its retry then gets the first answer, rather than running again a request that may have been applied.
        running = asyncio.ensure_future(self._run_and_keep(key, holder, run))
        self._running.add(running)
        running.add_done_callback(self._running.discard)
        try:
            return Answered(await asyncio.shield(running), replayed=False)
        except asyncio.CancelledError:
            running.add_done_callback(self._report)  # no one waits for it now
            self.outlived(running)
            raise

    async def drain(self, timeout: float) -> None:
        """Wait, up to `timeout` seconds, for the runs whose callers went (a process stopping, before its storage)."""
        if self._running:
            await asyncio.wait(set(self._running), timeout=timeout)

    def _report(self, done: asyncio.Future[FirstAnswer]) -> None:
        if not done.cancelled() and (error := done.exception()) is not None:
            self.abandoned(error)

    async def _run_and_keep(self, key: str, holder: str, run: Run) -> FirstAnswer:
        try:
            answer, keep = await run()
        except BaseException:
            await self.keys.release(key, holder)
            raise
        if keep:
            await self.keys.answer(key, holder, answer)
        else:
            await self.keys.release(key, holder)
        return answer
