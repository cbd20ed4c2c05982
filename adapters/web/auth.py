"""Bearer JWTs: who is calling and in which role. HS256 with a shared secret here; a JWKS verifier can
replace `HmacTokens` behind the same `TokenVerifier` protocol.

A caller sends the same token with every request until it expires, so a verified token is remembered (by
its exact text, until its own expiry) and the next request costs a dictionary lookup instead of a
signature check and claim validation. Only tokens that passed verification are remembered."""

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol

import jwt
from cachetools import TLRUCache
from pydantic import ValidationError

from disputes.actors import Actor
from schemas.api import TokenClaims
from schemas.common import Role


class InvalidToken(Exception):
    """Missing, malformed, expired, not yet valid, badly signed, or lacking claims."""


class TokenVerifier(Protocol):
    def verify(self, token: str) -> Actor: ...


class HmacTokens:
    algorithm = "HS256"
    leeway = 30

    def __init__(
        self, secret: str, issuer: str, audience: str, remember: int = 10_000, timer: Callable[[], float] = time.time
    ) -> None:
        self._secret = secret
        self.issuer = issuer
        self.audience = audience
        self._verified: TLRUCache[str, tuple[Actor, float]] = TLRUCache(
            maxsize=remember, ttu=lambda _token, entry, _now: entry[1], timer=timer
        )

    def verify(self, token: str) -> Actor:
        if (entry := self._verified.get(token)) is not None:
            return entry[0]
        actor, expires = self._verify(token)
        self._verified[token] = (actor, expires + self.leeway)
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
        return Actor(claims.sub, claims.role, claims.customer_id), float(payload["exp"])

    def mint(self, sub: str, role: Role, customer_id: str | None = None, ttl: timedelta = timedelta(hours=8)) -> str:
        now = datetime.now(UTC)
        claims = {"sub": sub, "role": role.value, "iss": self.issuer, "aud": self.audience, "iat": now, "exp": now + ttl}
        if customer_id:
            claims["customer_id"] = customer_id
        return jwt.encode(claims, self._secret, algorithm=self.algorithm)
