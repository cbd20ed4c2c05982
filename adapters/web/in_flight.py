"""What a process takes on at once: a budget shared by the requests in flight (the bytes of the bodies being read and
held, or a count of requests), each taking its share before its body is read and giving it back once it is answered.
A request that finds no room is refused at once (503 with `Retry-After`) rather than left to wait, its body unread."""

import asyncio
from collections.abc import Callable

import structlog
from aiohttp import web
from aiohttp.typedefs import Handler
from prometheus_client import CollectorRegistry, Counter

from adapters.web.problems import RETRY_AFTER_SECONDS, ProblemError


class InFlight:
    """At most `budget` held at once by the requests being handled, each from the moment it takes its share until it
    is answered (its task ends); with `one_each`, a holder (the caller) holds one share at a time, so no one holder can
    take the budget from the others. `busy` is what a request finding no room is told."""

    def __init__(self, budget: int, busy: str, *, one_each: str | None = None) -> None:
        self.budget = budget
        self.busy = busy
        self.one_each = one_each
        """What a holder's second request is told (429), if a holder holds one share at a time."""
        self.held = 0
        self.holders: set[str] = set()

    def hold(self, size: int = 1, holder: str | None = None) -> None:
        """Take `size` of the budget for the request being handled (the current task) until it ends, for `holder`."""
        if holder is not None and self.one_each is not None and holder in self.holders:
            raise ProblemError("rate-limited", self.one_each, headers={"Retry-After": RETRY_AFTER_SECONDS})
        if not self.fits(size):
            raise ProblemError("unavailable", self.busy)
        task = asyncio.current_task()
        assert task is not None  # a request is handled in a task of its own
        self.held += size
        if holder is not None:
            self.holders.add(holder)
        task.add_done_callback(lambda _: self._release(size, holder))

    def fits(self, size: int = 1) -> bool:
        """Whether `size` more would find room now."""
        return self.held + size <= self.budget

    def _release(self, size: int, holder: str | None) -> None:
        self.held -= size
        if holder is not None:
            self.holders.discard(holder)


SHARES = ("people", "webhooks")
"""The shares of a process's requests in flight: people's (customers, agents, staff: the API and the console) and
carriers' pushes, apart, so that a carrier's backlog never leaves people's requests waiting behind it (nor the
reverse). The operations endpoints (probes, metrics, the API's document) take no share: they are never refused."""


class Admission:
    """At most so many requests of each share handled at once in this process, counted from before their bodies are
    read until they are answered: one more is answered 503 with `Retry-After` at once (counted in
    ``disputes_requests_shed_total{share}`` and named `shed` on its request line), rather than queued behind the
    others on the database's connections until its storage calls time out."""

    def __init__(self, registry: CollectorRegistry, people: int, webhooks: int) -> None:
        shed = Counter("disputes_requests_shed", "Requests answered 503 at once because as many of their share (people, "
                       "webhooks) were in flight in the process", ["share"], registry=registry)
        busy = "Too many requests are being handled at the moment; please retry shortly."
        self._shares = {share: (InFlight(limit, busy), shed.labels(share))
                        for share, limit in zip(SHARES, (people, webhooks), strict=True)}

    def full(self, share: str) -> bool:
        """Whether one more request of `share` would be refused now."""
        return not self._shares[share][0].fits()

    def admitting(self, share: str) -> Callable[[Handler], Handler]:
        """Puts a handler behind `share`'s limit."""
        requests, shed = self._shares[share]

        def gate(handler: Handler) -> Handler:
            async def admitted(request: web.Request) -> web.StreamResponse:
                try:
                    requests.hold()
                except ProblemError:
                    shed.inc()
                    structlog.contextvars.bind_contextvars(shed=share)  # named on the request line
                    raise
                return await handler(request)

            return admitted

        return gate


ADMISSION = web.AppKey("admission", Admission)
