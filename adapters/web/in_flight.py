"""What a process takes on at once: a budget shared by the requests in flight (the bytes of the bodies being read and
held, each taken before its body is read or as it arrives; or a count of the requests at work, each taken once its body is in) and given
back once the request is answered. A request that finds no room is refused (503 with `Retry-After`) rather than left to
wait: at once, its body unread, when there is none as it arrives.

What a request holds is given back the moment its handler has its answer, however it ends (an error, a cancelled
request, a client gone): before aiohttp turns to the connection's next request, so requests pipelined on one connection,
handled one after the other, never count against each other (a task's done-callback would come a turn of the event
loop late, after aiohttp has begun the next one). But when a request's work goes on after its handler is cancelled
(a keyed request's run, kept going to the end though its client hung up: `disputes.idempotency`), what it holds is
given back when that work ends, however it ends: until then its bytes are in memory and its storage calls running."""

import asyncio
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, NoReturn

import structlog
from aiohttp import web
from aiohttp.typedefs import Handler
from prometheus_client import CollectorRegistry, Counter

from adapters.web.edge import Refused
from adapters.web.problems import RETRY_AFTER_SECONDS, ProblemError


class InFlight:
    """At most `budget` held at once by the requests being handled (behind `Admission.admitting`), each from the moment
    it takes its share until its handler has its answer; with `one_each`, a holder (the caller) holds one share at a
    time, so no one holder can take the budget from the others. `busy` is what a request finding no room is told."""

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

    def taking(self) -> Callable[[int], None]:
        """A way for the request being handled to take of the budget bit by bit (its body's bytes as they arrive),
        refused (503) at once if there is no room at all: each call takes that much more, refused as `hold` is when it
        finds no room; all it took is given back when its handler has its answer."""
        if not self.fits():
            raise ProblemError("unavailable", self.busy)
        taken = _Taken(self)
        _HELD.get().also(taken.give_back)  # a request is handled behind `Admission.admitting`
        return taken.take

    def _release(self, size: int, holder: str | None) -> None:
        self.held -= size
        if holder is not None:
            self.holders.discard(holder)


class _Taken:
    """What one request took of an `InFlight` bit by bit."""

    __slots__ = ("budget", "size")

    def __init__(self, budget: InFlight) -> None:
        self.budget, self.size = budget, 0

    def take(self, size: int) -> None:
        if not self.budget.fits(size):
            raise ProblemError("unavailable", self.budget.busy)
        self.budget.held += size
        self.size += size

    def give_back(self) -> None:
        self.budget.held -= self.size
        self.size = 0


class _Share:
    """One share of the requests in flight: its requests at work, and its count of those refused."""

    __slots__ = ("name", "requests", "shed")

    def __init__(self, name: str, requests: InFlight, shed: Counter) -> None:
        self.name, self.requests, self.shed = name, requests, shed

    def refuse(self) -> NoReturn:
        self.shed.inc()
        structlog.contextvars.bind_contextvars(shed=self.name)  # named on the request line
        raise ProblemError("unavailable", self.requests.busy)


class _Held:
    """What a request holds: its place among its share's requests in flight once it is at work (`at_work`), whatever
    else it took (each given back by calling it), and the work going on after its handler, if any. Kept lean: every
    admitted request makes one."""

    __slots__ = ("share", "placed", "releases", "outliving")

    def __init__(self, share: _Share) -> None:
        self.share = share
        self.placed = False
        self.releases: list[Callable[[], None]] | None = None
        self.outliving: asyncio.Future[Any] | None = None

    def place(self) -> None:
        if self.placed:
            return
        requests = self.share.requests
        if requests.held >= requests.budget:
            self.share.refuse()
        requests.held += 1
        self.placed = True

    def leave(self) -> None:
        if self.placed:
            self.share.requests.held -= 1
            self.placed = False

    def also(self, release: Callable[[], None]) -> None:
        if self.releases is None:
            self.releases = []
        self.releases.append(release)

    def give_back(self, *_: object) -> None:
        self.leave()
        for release in self.releases or ():
            release()


_HELD: ContextVar[_Held] = ContextVar("in_flight_held")
"""What the request being handled holds."""


def at_work() -> None:
    """The request being handled has its body in (or reads none) and turns to its work: from now until it is answered it
    counts among its share's requests in flight, or is refused (503 with `Retry-After`) when they leave no room. (The
    operations endpoints are behind no share: theirs take no place.)"""
    if (held := _HELD.get(None)) is not None:
        held.place()


def waiting_on_client() -> None:
    """The request being handled waits for the rest of its body before it works again: its place is given back until
    then (`at_work`)."""
    _HELD.get().leave()


def held_until_done(work: asyncio.Future[Any]) -> None:
    """What the request being handled holds is given back when `work`, going on after its handler is cancelled,
    ends rather than when the handler does."""
    _HELD.get().outliving = work

SHARES = ("people", "webhooks")
"""The shares of a process's requests in flight: people's (customers, agents, staff: the API and the console) and
carriers' pushes, apart, so that a carrier's backlog never leaves people's requests waiting behind it (nor the
reverse). The operations endpoints (probes, metrics, the API's document) take no share: they are never refused."""


class Admission:
    """At most so many requests of each share at work at once in this process, counted from when their bodies are in
    (a request reading none: from its arrival) until they are answered: one more is answered 503 with `Retry-After`
    (counted in ``disputes_requests_shed_total{share}`` and named `shed` on its request line), rather than queued
    behind the others on the database's connections until its storage calls time out; one arriving when its share has
    no room is so answered at once, its body unread. A body still arriving takes no place: a client sending it slowly,
    or never, holds none of the database's connections, and so no room of its share (what its bytes hold in memory is
    bounded apart: `PUSHES_IN_FLIGHT`, `FORMS_IN_FLIGHT`, the body limits). Whatever else a request holds of an
    `InFlight` is given back with its place."""

    def __init__(self, registry: CollectorRegistry, people: int, webhooks: int) -> None:
        shed = Counter("disputes_requests_shed", "Requests answered 503 because as many of their share (people, "
                       "webhooks) were at work in the process", ["share"], registry=registry)
        busy = "Too many requests are being handled at the moment; please retry shortly."
        self._shares = {share: _Share(share, InFlight(limit, busy), shed.labels(share))
                        for share, limit in zip(SHARES, (people, webhooks), strict=True)}

    def full(self, share: str) -> bool:
        """Whether one more request of `share` would be refused now."""
        return not self._shares[share].requests.fits()

    def refusing(self, share: str) -> Refused:
        """A route's refusal on headers alone (`EdgeRoutes.add`): a request of `share` finding no room is answered its
        503 instead of `100 Continue`, so the body that would be refused unread is not sent."""
        return lambda request: self.full(share)

    def admitting(self, share: str, *, body_first: bool = False) -> Callable[[Handler], Handler]:
        """Puts a handler behind `share`'s limit. A request takes its place as it arrives; with `body_first`, one that
        has a body takes it when the handler has read it and turns to its work (`at_work`)."""
        this = self._shares[share]
        requests = this.requests

        def gate(handler: Handler) -> Handler:
            async def admitted(request: web.Request) -> web.StreamResponse:
                held = _Held(this)
                if not (body_first and request.body_exists):
                    held.place()
                elif requests.held >= requests.budget:  # no room as it arrives: refused at once, its body unread
                    this.refuse()
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
