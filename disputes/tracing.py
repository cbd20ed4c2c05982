"""The trace the current work belongs to, as a W3C `traceparent` (opaque here), and the caller's `tracestate` that
goes with it (opaque too). The edge that starts work sets them (a request, a worker's pass), the core copies them
onto the outbox messages it queues, and the relay restores them while it delivers one: the downstream call
continues the trace of the request that caused it."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token

_CURRENT: ContextVar[str | None] = ContextVar("traceparent", default=None)
_STATE: ContextVar[tuple[str, str] | None] = ContextVar("tracestate", default=None)
"""A `tracestate` and the span it goes with: it belongs to the current work only while that span is current, so
a request that has none (most) never sets or resets it."""


def current() -> str | None:
    return _CURRENT.get()


def state() -> str | None:
    """The caller's `tracestate` of the current span, to pass on as it is; None when the trace came without one."""
    if (carried := _STATE.get()) is not None and carried[0] == _CURRENT.get():
        return carried[1]
    return None


@contextmanager
def within(traceparent: str | None, tracestate: str | None = None) -> Iterator[None]:
    """Work inside the block belongs to `traceparent` and its `tracestate` (to the enclosing trace when None)."""
    token = enter(traceparent or _CURRENT.get())
    if traceparent and tracestate:
        carry(traceparent, tracestate)
    try:
        yield
    finally:
        leave(token)


def enter(traceparent: str | None) -> Token[str | None]:
    """`within` without the context manager, for the request path: until `leave`, work belongs to `traceparent`."""
    return _CURRENT.set(traceparent)


def carry(span: str, tracestate: str) -> None:
    """`tracestate` goes with `span`, for as long as `span` is current (entered before or after this): nothing to
    undo, a span entered later has a `tracestate` only if one is carried with it."""
    _STATE.set((span, tracestate))


def leave(token: Token[str | None]) -> None:
    _CURRENT.reset(token)
