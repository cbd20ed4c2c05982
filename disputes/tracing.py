"""The trace the current work belongs to, as a W3C `traceparent` (opaque here). The edge that starts work
sets it (a request, a worker's pass), the core copies it onto the outbox messages it queues, and the relay
restores it while it delivers one: the downstream call continues the trace of the request that caused it."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token

_CURRENT: ContextVar[str | None] = ContextVar("traceparent", default=None)


def current() -> str | None:
    return _CURRENT.get()


@contextmanager
def within(traceparent: str | None) -> Iterator[None]:
    """Work inside the block belongs to `traceparent` (to the enclosing trace when None)."""
    token = enter(traceparent or _CURRENT.get())
    try:
        yield
    finally:
        leave(token)


def enter(traceparent: str | None) -> Token[str | None]:
    """`within` without the context manager, for the request path: until `leave`, work belongs to `traceparent`."""
    return _CURRENT.set(traceparent)


def leave(token: Token[str | None]) -> None:
    _CURRENT.reset(token)
