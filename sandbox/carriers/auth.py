"""The sandbox's side of the carriers' handshakes: issued bearer tokens that expire, and credential checks.

Credentials are compared in constant time, as a real carrier would; none of them is ever logged.
"""

import base64
import binascii
import hmac
import secrets
import time
from collections.abc import Callable


def same(given: str | None, expected: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


def basic_credentials(authorization: str | None) -> tuple[str, str] | None:
    """(user, password) from an ``Authorization: Basic …`` header (RFC 7617, UTF-8); None if absent or bad."""
    scheme, _, encoded = (authorization or "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, sep, password = base64.b64decode(encoded.strip(), validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return (user, password) if sep else None


def bearer(authorization: str | None) -> str | None:
    scheme, _, token = (authorization or "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


class TokenIssuer:
    """One carrier's bearer tokens: each valid for ``lifetime`` seconds from issue, unless expired early
    (the ``expired_token`` fault), after which the carrier answers 401 and the client must fetch a new one."""

    def __init__(self, lifetime: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.lifetime = lifetime
        self._clock = clock
        self._expiry: dict[str, float] = {}
        self.issued = 0

    def issue(self) -> str:
        now = self._clock()
        self._expiry = {token: ends for token, ends in self._expiry.items() if ends > now}  # forget stale ones
        token = secrets.token_urlsafe(24)
        self._expiry[token] = now + self.lifetime
        self.issued += 1
        return token

    def valid(self, token: str | None) -> bool:
        return token is not None and self._expiry.get(token, 0.0) > self._clock()

    def expire_all(self) -> None:
        self._expiry.clear()
