"""Bearer JWTs: who is calling and in which role. HS256 with a shared secret here; a JWKS verifier can
replace `HmacTokens` behind the same `TokenVerifier` protocol.

A caller sends the same token with every request until it expires, so a verified token is remembered (by
its exact text, until its own `exp`, not counting the clock leeway) and the next request costs a dictionary
lookup instead of a signature check and claim validation. Only tokens that passed verification are remembered.

A token is refused when it is valid for longer than `max_lifetime` (`exp - iat`), before its `nbf`, or when
its `sub` is empty or blank; `exp`, `iat` (not in the future) and `nbf` are checked with `leeway`."""

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol

import jwt
from pydantic import ValidationError

from adapters.settings import Settings
from disputes.actors import Actor
from schemas.api import TokenClaims
from schemas.common import Role


DEFAULT_TTL = timedelta(hours=8)


class InvalidToken(Exception):
    """Missing, malformed, expired, not yet valid, too long-lived, badly signed, or lacking claims."""


class TokenVerifier(Protocol):
    def verify(self, token: str) -> Actor: ...


class VerifiedTokens:
    """Verified tokens by their text, each until its own expiry: a plain dictionary, as the lookup is on
    every request. Full, it forgets the expired ones, else the oldest."""

    def __init__(self, size: int, timer: Callable[[], float]) -> None:
        self._size = size
        self._timer = timer
        self._entries: dict[str, tuple[Actor, float]] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, token: str) -> Actor | None:
        entry = self._entries.get(token)
        return entry[0] if entry is not None and self._timer() < entry[1] else None

    def put(self, token: str, actor: Actor, expires: float) -> None:
        """Kept only while `expires` is ahead (a token accepted within the leeway after it is not kept)."""
        now = self._timer()
        if expires <= now:
            self._entries.pop(token, None)
            return
        if token not in self._entries and len(self._entries) >= self._size:
            self._entries = {t: e for t, e in self._entries.items() if now < e[1]}
            if len(self._entries) >= self._size:
                del self._entries[next(iter(self._entries))]
        self._entries[token] = (actor, expires)


class HmacTokens:
    algorithm = "HS256"
    leeway = 30

    def __init__(
        self,
        secret: str,
        issuer: str,
        audience: str,
        remember: int = 10_000,
        timer: Callable[[], float] = time.time,
        max_lifetime: timedelta = timedelta(hours=24),
    ) -> None:
        self._secret = secret
        self.issuer = issuer
        self.audience = audience
        self.max_lifetime = max_lifetime
        self.default_ttl = min(DEFAULT_TTL, max_lifetime)
        self._verified = VerifiedTokens(remember, timer)

    @classmethod
    def from_settings(cls, settings: Settings) -> "HmacTokens":
        return cls(
            settings.jwt_secret.get_secret_value(),
            settings.jwt_issuer,
            settings.jwt_audience,
            max_lifetime=timedelta(hours=settings.jwt_max_lifetime_hours),
        )

    def verify(self, token: str) -> Actor:
        if (actor := self._verified.get(token)) is not None:
            return actor
        actor, expires = self._verify(token)
        self._verified.put(token, actor, expires)
        return actor

    def _verify(self, token: str) -> tuple[Actor, float]:
        try:
            payload = jwt.decode(
                token,
                self._secret,
                algorithms=[self.algorithm],
                audience=self.audience,
                issuer=self.issuer,
                options={"require": ["exp", "iat", "sub", "iss", "aud"]},
                leeway=self.leeway,
            )
            claims = TokenClaims.model_validate(payload, strict=False)
        except (jwt.PyJWTError, ValidationError) as error:
            raise InvalidToken(type(error).__name__) from error
        if claims.role is Role.CUSTOMER and not claims.customer_id:
            raise InvalidToken("customer token without customer_id")
        # PyJWT has read both as int() already, so these cannot fail; ints, as a float may overflow
        expires, issued = int(payload["exp"]), int(payload["iat"])
        if expires - issued > self.max_lifetime.total_seconds():
            raise InvalidToken("token lives longer than the maximum lifetime")
        return Actor(claims.sub, claims.role, claims.customer_id), expires

    def mint(self, sub: str, role: Role, customer_id: str | None = None, ttl: timedelta | None = None) -> str:
        """A token valid for `ttl` (8 h, or the maximum lifetime if shorter); never longer than the maximum."""
        ttl = self.default_ttl if ttl is None else ttl
        if ttl > self.max_lifetime:
            raise ValueError(f"a token may be valid for at most {self.max_lifetime}")
        now = datetime.now(UTC).replace(microsecond=0)
        claims = {"sub": sub, "role": role.value, "iss": self.issuer, "aud": self.audience, "iat": now, "exp": now + ttl}
        if customer_id:
            claims["customer_id"] = customer_id
        return jwt.encode(claims, self._secret, algorithm=self.algorithm)
