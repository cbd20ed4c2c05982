"""Bearer JWTs: who is calling and in which role.

In production the marketplace's identity provider signs the tokens (RS256 or ES256): `JwksTokens` verifies them
against the public keys it publishes (its JWKS). The embedded default (sandbox mode) signs development tokens
itself with a shared secret (HS256): `HmacTokens`, which also mints them. `bearer_tokens` picks one from the
settings: a JWKS URL means the identity provider, and HS256 is then refused like any other algorithm not listed.

A caller sends the same token with every request until it expires, so a verified token is remembered (by
its exact text, until its own `exp`, not counting the clock leeway) and the next request costs a dictionary
lookup instead of a signature check and claim validation. Only tokens that passed verification are remembered.

A token is refused when it is valid for longer than `max_lifetime` (`exp - iat`), before its `nbf`, or when
its `sub` (or a customer's `customer_id`) is not an id as the service writes customers' and staff's
(`schemas.common.Id`); `exp`, `iat` (not in the future) and `nbf` are checked with `leeway`. Each refusal names
its `Reason`."""

import asyncio
import math
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol, TypeIs

import aiohttp
import jwt
import structlog
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from pydantic import ValidationError

from adapters.settings import Settings
from disputes.actors import Actor
from disputes.staff import RESERVED_IDS
from schemas.api import TokenClaims
from schemas.common import Role


DEFAULT_TTL = timedelta(hours=8)
log = structlog.get_logger("auth")


class Reason(StrEnum):
    """Why a token was refused: the `reason` of the 401 problem (503 for `jwks_unavailable`) and of the
    `token_rejected` log line."""

    TOKEN_MISSING = "token_missing"
    TOKEN_MALFORMED = "token_malformed"
    ALGORITHM_NOT_ALLOWED = "algorithm_not_allowed"
    UNKNOWN_KEY = "unknown_key"
    BAD_SIGNATURE = "bad_signature"
    TOKEN_EXPIRED = "token_expired"
    TOKEN_NOT_YET_VALID = "token_not_yet_valid"
    WRONG_ISSUER = "wrong_issuer"
    WRONG_AUDIENCE = "wrong_audience"
    LIFETIME_TOO_LONG = "lifetime_too_long"
    CLAIMS_INVALID = "claims_invalid"
    JWKS_UNAVAILABLE = "jwks_unavailable"


DETAILS = {
    Reason.TOKEN_MISSING: "Send a bearer token.",
    Reason.TOKEN_MALFORMED: "The token is not a readable JWT, its header names no key (kid), or two were sent.",
    Reason.ALGORITHM_NOT_ALLOWED: "The token is signed with an algorithm this service does not accept for it.",
    Reason.UNKNOWN_KEY: "The token is signed with a key the identity provider does not publish.",
    Reason.BAD_SIGNATURE: "The token's signature does not match its content.",
    Reason.TOKEN_EXPIRED: "The token has expired.",
    Reason.TOKEN_NOT_YET_VALID: "The token is not valid yet (its nbf or iat is in the future).",
    Reason.WRONG_ISSUER: "The token was issued by another issuer.",
    Reason.WRONG_AUDIENCE: "The token is meant for another audience.",
    Reason.LIFETIME_TOO_LONG: "The token is valid for longer than this service accepts.",
    Reason.CLAIMS_INVALID: "The token lacks a claim this service needs (sub, role, customer_id) or has an unusable one "
                           "(sub and customer_id are ids: a letter or digit, then up to 63 of letters, digits and "
                           "'_.:-').",
    Reason.JWKS_UNAVAILABLE: "The identity provider's keys cannot be fetched right now; retry shortly.",
}


class InvalidToken(Exception):
    """A token refused, and why, with the problem that answers it: a 401, or a 503 when the keys to check it
    cannot be had."""

    def __init__(self, reason: Reason) -> None:
        super().__init__(reason.value)
        self.reason = reason
        self.detail = DETAILS[reason]
        self.code = "authentication-unavailable" if reason is Reason.JWKS_UNAVAILABLE else "unauthenticated"


_REFUSALS: tuple[tuple[type[jwt.PyJWTError], Reason], ...] = (
    (jwt.InvalidSignatureError, Reason.BAD_SIGNATURE),  # before DecodeError, its base class
    (jwt.InvalidAlgorithmError, Reason.ALGORITHM_NOT_ALLOWED),
    (jwt.ExpiredSignatureError, Reason.TOKEN_EXPIRED),
    (jwt.ImmatureSignatureError, Reason.TOKEN_NOT_YET_VALID),
    (jwt.InvalidIssuerError, Reason.WRONG_ISSUER),
    (jwt.InvalidAudienceError, Reason.WRONG_AUDIENCE),
    (jwt.MissingRequiredClaimError, Reason.CLAIMS_INVALID),
    (jwt.exceptions.InvalidSubjectError, Reason.CLAIMS_INVALID),
)


def _reason(error: jwt.PyJWTError) -> Reason:
    return next((reason for kind, reason in _REFUSALS if isinstance(error, kind)), Reason.TOKEN_MALFORMED)


class TokenVerifier(Protocol):
    def remembered(self, token: str) -> Actor | None:
        """The caller of a token verified before and not expired since, without awaiting anything; else None."""

    async def verify(self, token: str) -> Actor: ...


class VerifiedTokens:
    """Verified tokens by their text, each until its own expiry, in the order they were verified. Full, it forgets
    the expired ones (looked for at most once a `SWEEP_EVERY`, as that walks them all), else the oldest: a new token
    costs the same whether or not the cache is full."""

    SWEEP_EVERY = 60.0  # seconds

    def __init__(self, size: int, timer: Callable[[], float]) -> None:
        self._size = size
        self._timer = timer
        self._entries: OrderedDict[str, tuple[Actor, float]] = OrderedDict()
        self._swept = -math.inf

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
            if now - self._swept >= self.SWEEP_EVERY:
                self._swept = now
                for expired in [t for t, (_, until) in self._entries.items() if until <= now]:
                    del self._entries[expired]
            if len(self._entries) >= self._size:
                self._entries.popitem(last=False)
        self._entries[token] = (actor, expires)

    def clear(self) -> None:
        self._entries.clear()


class BearerTokens:
    """What every token is held to once its signature checks out (issuer, audience, times, lifetime, claims),
    and the tokens already verified. Subclasses say which key and algorithm check the signature."""

    leeway = 30

    def __init__(
        self,
        issuer: str,
        audience: str,
        remember: int = 10_000,
        timer: Callable[[], float] = time.time,
        max_lifetime: timedelta = timedelta(hours=24),
    ) -> None:
        self.issuer = issuer
        self.audience = audience
        self.max_lifetime = max_lifetime
        self._verified = VerifiedTokens(remember, timer)

    def remembered(self, token: str) -> Actor | None:
        return self._verified.get(token)

    async def verify(self, token: str) -> Actor:
        if (actor := self._verified.get(token)) is not None:
            return actor
        actor, expires = await self._verify(token)
        self._verified.put(token, actor, expires)
        return actor

    async def _verify(self, token: str) -> tuple[Actor, float]:
        raise NotImplementedError

    async def close(self) -> None:
        """Ends what the verifier runs in the background (nothing, unless it fetches keys)."""

    def _decode(self, token: str, key: Any, algorithm: str) -> tuple[Actor, float]:
        """The token's caller and expiry, its signature checked with `key` by `algorithm` (the only one taken)."""
        try:
            payload = jwt.decode(
                token,
                key,
                algorithms=[algorithm],
                audience=self.audience,
                issuer=self.issuer,
                options={"require": ["exp", "iat", "sub", "iss", "aud"]},
                leeway=self.leeway,
            )
        except jwt.PyJWTError as error:
            raise InvalidToken(_reason(error)) from error
        if any(not numeric_date(payload[name]) for name in ("exp", "iat", "nbf") if name in payload):
            raise InvalidToken(Reason.CLAIMS_INVALID)  # PyJWT would read "1796505723" with int()
        try:
            claims = TokenClaims.model_validate(payload, strict=False)
        except ValidationError as error:
            raise InvalidToken(Reason.CLAIMS_INVALID) from error
        if claims.role is Role.CUSTOMER and not claims.customer_id:
            raise InvalidToken(Reason.CLAIMS_INVALID)
        if claims.sub.casefold() in RESERVED_IDS:  # the service's own name on a timeline: no caller acts under it
            raise InvalidToken(Reason.CLAIMS_INVALID)
        # PyJWT has read both as int() already, so these cannot fail; ints, as a float may overflow
        expires, issued = int(payload["exp"]), int(payload["iat"])
        if expires - issued > self.max_lifetime.total_seconds():
            raise InvalidToken(Reason.LIFETIME_TOO_LONG)
        return Actor(claims.sub, claims.role, claims.customer_id), expires


def numeric_date(value: object) -> TypeIs[int | float]:
    """A NumericDate is a JSON number (RFC 7519 §2): never a string of digits, nor true or false."""
    return isinstance(value, int | float) and not isinstance(value, bool)


class HmacTokens(BearerTokens):
    """Development tokens, signed and checked with a shared secret: the embedded default (sandbox mode) only."""

    algorithm = "HS256"

    def __init__(
        self,
        secret: str,
        issuer: str,
        audience: str,
        remember: int = 10_000,
        timer: Callable[[], float] = time.time,
        max_lifetime: timedelta = timedelta(hours=24),
    ) -> None:
        super().__init__(issuer, audience, remember, timer, max_lifetime)
        self._secret = secret
        self.default_ttl = min(DEFAULT_TTL, max_lifetime)

    @classmethod
    def from_settings(cls, settings: Settings) -> "HmacTokens":
        return cls(
            settings.jwt_secret.get_secret_value(),
            settings.jwt_issuer,
            settings.jwt_audience,
            max_lifetime=timedelta(hours=settings.jwt_max_lifetime_hours),
        )

    async def _verify(self, token: str) -> tuple[Actor, float]:
        return self._decode(token, self._secret, self.algorithm)

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


class KeysUnavailable(Exception):
    """The key set could not be fetched, or what came back holds no usable signing key."""


type FetchKeys = Callable[[], Awaitable[object]]
"""Fetches the JWKS document, parsed from JSON; raises `KeysUnavailable` when it cannot."""


def jwks_over_http(session: aiohttp.ClientSession, url: str) -> FetchKeys:
    """Fetches the JWKS with the application's client session (its pooled connections and its timeout), on the
    event loop: PyJWKClient would fetch with urllib, blocking every request of the process while it waits.

    From `url` itself only: a redirect is not followed (whoever could redirect the fetch, the network included over
    plain HTTP, would choose the keys that decide who may call), so a provider that moves its JWKS means changing the
    setting; meanwhile the fetch fails as when the provider is down."""

    async def fetch() -> object:
        try:
            async with session.get(url, headers={"Accept": "application/json"}, allow_redirects=False) as response:
                if 300 <= response.status < 400:
                    raise KeysUnavailable(f"redirected (HTTP {response.status}), not followed")
                response.raise_for_status()
                return await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as error:  # a JSONDecodeError is a ValueError
            raise KeysUnavailable(type(error).__name__) from error

    return fetch


def signing_keys(document: object, algorithms: Sequence[str]) -> dict[str, jwt.PyJWK]:
    """The keys of a JWKS document that can check a token in one of `algorithms`, by kid: keys without a kid,
    for encryption, symmetric, unreadable or for another algorithm are left out."""
    entries = document.get("keys") if isinstance(document, dict) else None
    keys: dict[str, jwt.PyJWK] = {}
    for entry in entries if isinstance(entries, list) else ():
        if not isinstance(entry, dict) or entry.get("use", "sig") != "sig" or entry.get("kty") not in ("RSA", "EC"):
            continue
        kid, algorithm = entry.get("kid"), entry.get("alg", "")
        if not (isinstance(kid, str) and kid and isinstance(algorithm, str)):
            continue
        try:
            key = jwt.PyJWK(entry)
        except jwt.PyJWTError:
            continue
        if key.algorithm_name in algorithms:
            keys[kid] = key
    if not keys:
        raise KeysUnavailable("no usable signing key")
    return keys


def _checked_with(key: jwt.PyJWK) -> tuple[str, bytes]:
    """What a key checks signatures with: its algorithm and its public key (a JWK that also carries the private
    part reads as its public half)."""
    material = key.key
    if isinstance(material, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        material = material.public_key()
    return key.algorithm_name, material.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)


class KeySet:
    """The identity provider's signing keys, by kid, fetched with `fetch`.

    Keys are used for `lifespan` seconds after a fetch; past that, the next lookup starts a fetch in the background
    and the keys in hand answer meanwhile (and for as long as the provider cannot be reached). An unknown kid waits
    for a fetch, so a key the provider has just added is accepted at once. Every lookup waits for the same fetch
    while one is under way, and a new one starts at most once every `refresh_interval` seconds, however many tokens
    with unknown kids arrive. A kid still unknown after that is a 401 (`unknown_key`) when the last fetch succeeded,
    a 503 (`jwks_unavailable`) when it failed: the key may well exist. A kid the provider now publishes with other
    key material (a key replaced under the same name) counts as a key gone and a key added; a signature the key in
    hand does not match asks for a fetch the same way (`replacement`), so such a key is accepted at once too."""

    def __init__(
        self,
        fetch: FetchKeys,
        algorithms: Sequence[str],
        lifespan: float,
        refresh_interval: float,
        timer: Callable[[], float] = time.monotonic,
    ) -> None:
        self.algorithms = tuple(algorithms)
        self._fetch = fetch
        self._lifespan = lifespan
        self._interval = refresh_interval
        self._timer = timer
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched: float | None = None  # when the keys in hand were fetched
        self._attempted: float | None = None  # when the last fetch started
        self._reachable = False  # whether the last fetch succeeded
        self.fetching: asyncio.Task[None] | None = None
        self.on_removal: Callable[[], None] = lambda: None
        """Called when a fetch finds a key gone or replaced (tokens it verified must be checked again)."""

    async def get(self, kid: str) -> jwt.PyJWK:
        if self._fetched is None or self._timer() - self._fetched >= self._lifespan:
            self._refresh()
        if (key := self._keys.get(kid)) is None and (fetching := self._refresh()) is not None:
            await asyncio.shield(fetching)  # a caller that goes away does not cancel the others' fetch
            key = self._keys.get(kid)
        if key is None:
            raise InvalidToken(Reason.UNKNOWN_KEY if self._reachable else Reason.JWKS_UNAVAILABLE)
        return key

    async def replacement(self, kid: str, key: jwt.PyJWK) -> jwt.PyJWK | None:
        """The key the provider now publishes under `kid` in place of `key`, fetched again (at most once every
        `refresh_interval` seconds, as for an unknown kid); None when it still publishes `key`, or none at all."""
        if (fetching := self._refresh()) is not None:
            await asyncio.shield(fetching)
        if (now := self._keys.get(kid)) is None or _checked_with(now) == _checked_with(key):
            return None
        return now

    async def close(self) -> None:
        if self.fetching is not None:
            self.fetching.cancel()
            await asyncio.gather(self.fetching, return_exceptions=True)

    def _refresh(self) -> asyncio.Task[None] | None:
        """The fetch under way; else a new one, unless the last one started less than `refresh_interval` ago."""
        if self.fetching is None:
            now = self._timer()
            if self._attempted is not None and now - self._attempted < self._interval:
                return None
            self._attempted = now
            self.fetching = asyncio.create_task(self._fetch_keys())
        return self.fetching

    async def _fetch_keys(self) -> None:
        try:
            keys = signing_keys(await self._fetch(), self.algorithms)
        except KeysUnavailable as error:
            self._reachable = False
            log.warning("jwks_refresh_failed", error=str(error), keys_in_hand=len(self._keys))
            return
        finally:
            self.fetching = None
        removed = self._keys.keys() - keys.keys()
        added = keys.keys() - self._keys.keys()
        replaced = {kid for kid in self._keys.keys() & keys.keys()
                    if _checked_with(self._keys[kid]) != _checked_with(keys[kid])}
        self._keys, self._fetched, self._reachable = keys, self._timer(), True
        if added or removed or replaced:
            log.info("jwks_refreshed", keys=sorted(keys), added=sorted(added), removed=sorted(removed),
                     replaced=sorted(replaced))
        if removed or replaced:
            self.on_removal()


class JwksTokens(BearerTokens):
    """Tokens from the identity provider, checked with the key their header names (`kid`, required) by the
    algorithm that key is for, which must be one of the accepted ones (asymmetric only: no `none`, and no HS256
    token can use a public key as its secret)."""

    def __init__(
        self,
        keys: KeySet,
        issuer: str,
        audience: str,
        remember: int = 10_000,
        timer: Callable[[], float] = time.time,
        max_lifetime: timedelta = timedelta(hours=24),
    ) -> None:
        super().__init__(issuer, audience, remember, timer, max_lifetime)
        self.keys = keys
        keys.on_removal = self._verified.clear

    async def close(self) -> None:
        await self.keys.close()

    async def _verify(self, token: str) -> tuple[Actor, float]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as error:
            raise InvalidToken(Reason.TOKEN_MALFORMED) from error
        algorithm, kid = header.get("alg"), header.get("kid")
        if not isinstance(algorithm, str) or algorithm not in self.keys.algorithms:
            raise InvalidToken(Reason.ALGORITHM_NOT_ALLOWED)
        if not isinstance(kid, str) or not kid:
            raise InvalidToken(Reason.TOKEN_MALFORMED)
        key = await self.keys.get(kid)
        try:
            return self._decode_with(token, key, algorithm)
        except InvalidToken as refused:
            # a provider may replace a key under the same kid: signed with the new one, the token is checked again
            if refused.reason is not Reason.BAD_SIGNATURE or (replacement := await self.keys.replacement(kid, key)) is None:
                raise
        return self._decode_with(token, replacement, algorithm)

    def _decode_with(self, token: str, key: jwt.PyJWK, algorithm: str) -> tuple[Actor, float]:
        if key.algorithm_name != algorithm:
            raise InvalidToken(Reason.ALGORITHM_NOT_ALLOWED)
        return self._decode(token, key.key, algorithm)


def bearer_tokens(settings: Settings, session: aiohttp.ClientSession) -> BearerTokens:
    """The identity provider's tokens when a JWKS URL is set, else the development tokens."""
    if settings.jwt_jwks_url is None:
        return HmacTokens.from_settings(settings)
    keys = KeySet(
        jwks_over_http(session, settings.jwt_jwks_url),
        settings.jwt_algorithms,
        lifespan=settings.jwt_jwks_cache_seconds,
        refresh_interval=settings.jwt_jwks_refresh_interval_seconds,
    )
    return JwksTokens(
        keys, settings.jwt_issuer, settings.jwt_audience,
        max_lifetime=timedelta(hours=settings.jwt_max_lifetime_hours),
    )
