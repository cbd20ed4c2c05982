"""Rate limits: a token bucket per client (the token's subject; the address when there is no valid token) and per
carrier's webhook, answering 429 with `Retry-After` and the `RateLimit` / `RateLimit-Policy` fields of
draft-ietf-httpapi-ratelimit-headers-10 (every answer of the API carries them, of the bucket the request took from).

A carrier has two buckets: its verified pushes take from one, and pushes refused before they proved to be the
carrier's (forged, unsigned, for no known carrier) from the other, so a flood of forged pushes never leaves the
carrier's own pushes a 429 (`adapters.web.carriers_api`).

The buckets live in each API process (no storage round trip on any request): with N processes behind the load
balancer a client gets up to N times the limit. The proxy in front (ingress, load balancer) keeps the global limit
and spreads one client's connections; these limits keep any one process from being swamped by one client."""

import math
import time
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass
from functools import cached_property

from aiohttp import hdrs, web
from multidict import istr

from adapters.web.problems import ProblemError

_POLICY, _LIMIT = istr("RateLimit-Policy"), istr("RateLimit")
PRUNE_ABOVE = 100_000
"""Buckets kept before the full ones (clients idle long enough to be back at the burst) are dropped."""


@dataclass(frozen=True)
class Policy:
    name: str
    burst: int
    """The bucket's size: requests one client may send at once."""
    per_second: float
    """Tokens added back each second."""

    @property
    def window_seconds(self) -> int:
        """How long an empty bucket takes to fill again: the window the quota of `burst` requests is given for."""
        return max(1, math.ceil(self.burst / self.per_second))

    @cached_property
    def header(self) -> str:
        """`RateLimit-Policy`, the same on every answer: made once."""
        return f'"{self.name}";q={self.burst};w={self.window_seconds}'


@dataclass(slots=True)
class Reading:
    """Not frozen, as one is made per request: a frozen dataclass sets each field through `object.__setattr__`."""

    policy: Policy
    tokens: float
    """Left in the bucket once this request took its own."""
    retry_after: int | None
    """Seconds until the next request is let through; None: this one was."""

    def add_to(self, headers: MutableMapping[str, str]) -> None:
        policy, tokens = self.policy, self.tokens
        headers[_POLICY] = policy.header
        full_in = math.ceil((policy.burst - tokens) / policy.per_second)
        headers[_LIMIT] = f'"{policy.name}";r={math.floor(tokens)};t={full_in}'
        if self.retry_after is not None:
            headers[hdrs.RETRY_AFTER] = str(self.retry_after)


@dataclass(slots=True)
class _Bucket:
    tokens: float
    at: float


class TokenBuckets:
    def __init__(self, policy: Policy, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.policy = policy
        self.monotonic = monotonic
        self.buckets: dict[str, _Bucket] = {}

    def take(self, key: str) -> Reading:
        """One token from `key`'s bucket if it has one."""
        now = self.monotonic()
        if (bucket := self.buckets.get(key)) is None:
            if len(self.buckets) >= PRUNE_ABOVE:
                self._prune(now)
            bucket = self.buckets[key] = _Bucket(float(self.policy.burst), now)
        tokens = self._refill(bucket, now)
        if tokens >= 1:
            tokens = bucket.tokens = tokens - 1
            return Reading(self.policy, tokens, None)
        return Reading(self.policy, tokens, max(1, math.ceil((1 - tokens) / self.policy.per_second)))

    def _refill(self, bucket: _Bucket, now: float) -> float:
        tokens = bucket.tokens = min(self.policy.burst, bucket.tokens + (now - bucket.at) * self.policy.per_second)
        bucket.at = now
        return tokens

    def _prune(self, now: float) -> None:
        for key, bucket in list(self.buckets.items()):
            self._refill(bucket, now)
            if bucket.tokens >= self.policy.burst:
                del self.buckets[key]


@dataclass(frozen=True)
class RateLimits:
    clients: TokenBuckets
    webhooks: TokenBuckets
    """A carrier's verified pushes."""
    unverified: TokenBuckets
    """Pushes refused before they proved to be the carrier's."""


RATE_LIMITS = web.AppKey("rate_limits", RateLimits)
READING = web.RequestKey("rate_limit", Reading)


def client_key(request: web.Request, subject: str | None) -> str:
    return f"sub:{subject}" if subject is not None else f"addr:{request.remote}"


def limit(request: web.Request, buckets: TokenBuckets, key: str) -> None:
    """Take a token for this request, or refuse it with 429; the answer carries the reading either way."""
    reading = request[READING] = buckets.take(key)
    if reading.retry_after is not None:
        raise ProblemError("rate-limited",
                           f"Slow down: {buckets.policy.burst} requests at once, then {buckets.policy.per_second:g} "
                           f"a second. Retry in {reading.retry_after} s.")


def add_headers(request: web.Request, response: web.StreamResponse) -> None:
    """The rate limit reading on the answer (a 429's Retry-After too), if the request took from a bucket: put on
    by the endpoint that took it (`adapters.web.endpoint`), on a refusal by the edge (`adapters.web.edge`), and by a
    handler that sends its answer's headers itself (a stream) before it does. Not through aiohttp's
    `on_response_prepare`: a signal with a receiver costs every answer a few thousand instructions more."""
    try:
        reading = request[READING]  # not `request.get`: Mapping.get calls `__getitem__` through one more frame
    except KeyError:
        return
    reading.add_to(response.headers)
