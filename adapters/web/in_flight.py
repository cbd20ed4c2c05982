"""What a process takes on at once: a budget shared by the requests in flight (the bytes of the bodies being read and
held, or a count of requests), each taking its share before its body is read and giving it back once it is answered.
A request that finds no room is refused at once (503 with `Retry-After`) rather than left to wait, its body unread.

What a request holds is given back the moment its handler has its answer, however it ends (an error, a cancelled
request, a client gone): before aiohttp turns to the connection's next request, so requests pipelined on one connection,
handled one after the other, never count against each other (a task's done-callback would come a turn of the event
loop late, after aiohttp has begun the next one). But when a request's work goes on after its handler is cancelled
(a keyed request's run, kept going to the end though its client hung up: `disputes.idempotency`), what it holds is
given back when that work ends, however it ends: until then its bytes are in memory and its storage calls running."""

import asyncio
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

import structlog
from aiohttp import web
from aiohttp.typedefs import Handler
from prometheus_client import CollectorRegistry, Counter

from adapters.web.edge import Refused
from adapters.web.problems import RETRY_AFTER_SECONDS, ProblemError


class InFlight:
    """At most `budget` held at once by the requests being handled, each from the moment it takes its share until its
    handler has its answer (`Admission.admitting`); with `one_each`, a holder (the caller) holds one share at a time,
    so no one holder can take the budget from the others. `busy` is what a request finding no room is told."""

    def __init__(self, budget: int, busy: str, *, one_each: str | None = None) -> None:
        self.budget = budget
        self.busy = busy
        self.one_each = one_each
        """What a holder's second request is told (429), if a holder holds one share at a time."""
        self.held = 0
        self.holders: set[str] = set()

    def hold(self, size: int = 1, holder: str | None = None) -> None:
        """Take `size` of the budget for the request being handled, for `holder`, until its handler has its answer."""
        if holder is not None and self.one_each is not None and holder in self.holders:
            raise ProblemError("rate-limited", self.one_each, headers={"Retry-After": RETRY_AFTER_SECONDS})
        if not self.fits(size):
            raise ProblemError("unavailable", self.busy)
        held = _HELD.get()  # a request is handled behind `Admission.admitting`
        self.held += size
        if holder is not None:
            self.holders.add(holder)
        held.also(lambda: self._release(size, holder))

    def fits(self, size: int = 1) -> bool:
        """Whether `size` more would find room now."""
        return self.held + size <= self.budget

    def _release(self, size: int, holder: str | None) -> None:
        self.held -= size
        if holder is not None:
            self.holders.discard(holder)


class _Held:
    """What a request holds: its place among its share's requests in flight, whatever else it took (each given back by
    calling it), and the work going on after its handler, if any. Kept lean: every admitted request makes one."""

    __slots__ = ("place", "releases", "outliving")

    def __init__(self, place: InFlight) -> None:
        self.place = place
        self.releases: list[Callable[[], None]] | None = None
        self.outliving: asyncio.Future[Any] | None = None

    def also(self, release: Callable[[], None]) -> None:
        if self.releases is None:
            self.releases = []
        self.releases.append(release)

    def give_back(self, *_: object) -> None:
        self.place.held -= 1
        for release in self.releases or ():
            release()


_HELD: ContextVar[_Held] = ContextVar("in_flight_held")
"""What the request being handled holds."""


def held_until_done(work: asyncio.Future[Any]) -> None:
    """What the request being handled holds is given back when `work`, going on after its handler is cancelled,
    ends rather than when the handler does."""
    _HELD.get().outliving = work

SHARES = ("people", "webhooks")
"""The shares of a process's requests in flight: people's (customers, agents, staff: the API and the console) and
carriers' pushes, apart, so that a carrier's backlog never leaves people's requests waiting behind it (nor the
reverse). The operations endpoints (probes, metrics, the API's document) take no share: they are never refused."""


class Admission:
    """At most so many requests of each share handled at once in this process, counted from before their bodies are
    read until they are answered: one more is answered 503 with `Retry-After` at once (counted in
    ``disputes_requests_shed_total{share}`` and named `shed` on its request line), rather than queued behind the
    others on the database's connections until its storage calls time out. Whatever else a request holds of an
    `InFlight` is given back with its place."""

    def __init__(self, registry: CollectorRegistry, people: int, webhooks: int) -> None:
        shed = Counter("disputes_requests_shed", "Requests answered 503 at once because as many of their share (people, "
                       "webhooks) were in flight in the process", ["share"], registry=registry)
        busy = "Too many requests are being handled at the moment; please retry shortly."
        self._shares = {share: (InFlight(limit, busy), shed.labels(share))
                        for share, limit in zip(SHARES, (people, webhooks), strict=True)}

    def full(self, share: str) -> bool:
        """Whether one more request of `share` would be refused now."""
        return not self._shares[share][0].fits()

    def refusing(self, share: str) -> Refused:
        """A route's refusal on headers alone (`EdgeRoutes.add`): a request of `share` finding no room is answered its
        503 instead of `100 Continue`, so the body that would be refused unread is not sent."""
        return lambda request: self.full(share)

    def admitting(self, share: str) -> Callable[[Handler], Handler]:
        """Puts a handler behind `share`'s limit."""
        requests, shed = self._shares[share]

        def gate(handler: Handler) -> Handler:
            async def admitted(request: web.Request) -> web.StreamResponse:
                if requests.held >= requests.budget:
                    shed.inc()
                    structlog.contextvars.bind_contextvars(shed=share)  # named on the request line
                    raise ProblemError("unavailable", requests.busy)
                requests.held += 1
                held = _Held(requests)
                holding = _HELD.set(held)
                try:
                    return await handler(request)
                finally:
                    _HELD.reset(holding)
                    if held.outliving is not None and not held.outliving.done():
                        held.outliving.add_done_callback(held.give_back)
                    else:
                        held.give_back()

            return admitted

        return gate


ADMISSION = web.AppKey("admission", Admission)
