"""Carrier authentication: OAuth2 client-credentials tokens, Basic auth, API-key headers, shared-secret webhooks."""

import asyncio
import base64
import functools
import hashlib
import hmac
from collections.abc import Awaitable, Callable, Mapping, Sequence

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, SecretStr

from carriers.base import Credential, WebhookAuth
from carriers.clock import Clock
from carriers.errors import (
    CarrierAuthError, CarrierError, CarrierUnavailable, TokenRefused, WebhookReason, WebhookRejected,
)
from carriers.http import HttpRequest
from carriers.parsing import WireModel


class ClientCredentials(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    client_id: Credential = Field(description="The OAuth2 client id (API key) the carrier issued us.")
    client_secret: Credential = Field(description="Its secret.")


class TokenGrant(WireModel):
    model_config = ConfigDict(alias_generator=None)  # OAuth2 token responses are snake_case

    access_token: str = Field(min_length=1, repr=False)
    expires_in: float | None = Field(default=None, gt=0)  # UPS sends it as a string; pydantic coerces


def client_credentials_request(url: str, credentials: ClientCredentials, *, secret_in_body: bool) -> HttpRequest:
    """The token request: client id and secret as HTTP Basic auth (RFC 6749 §2.3.1) or in the form body."""
    client_id = credentials.client_id.get_secret_value()
    secret = credentials.client_secret.get_secret_value()
    form = {"grant_type": "client_credentials"}
    headers = {"Accept": "application/json"}
    if secret_in_body:
        form |= {"client_id": client_id, "client_secret": secret}
    else:
        headers["Authorization"] = basic_auth(client_id, credentials.client_secret)
    return HttpRequest("POST", url, headers=headers, form=form)


def basic_auth(user: str, password: SecretStr) -> str:
    """The ``Authorization`` value for HTTP Basic auth (RFC 7617), UTF-8 as Turkish user names need."""
    return "Basic " + base64.b64encode(f"{user}:{password.get_secret_value()}".encode()).decode()


REFUSAL_HOLD_SECONDS = 60.0
"""How long the token endpoint's refusal of our credentials is repeated to callers before it is asked again: every
open case is pulled, and credentials sent again and again may get the client locked; a minute is soon enough to
notice credentials put right."""


class TokenCache:
    """One carrier's bearer token, fetched once and shared until shortly before it expires.

    The lock makes concurrent callers wait for a single fetch, and share its failure as they would its token, marked
    ``repeated`` (it reached no carrier for them; a hanging endpoint is not asked once per caller in turn). Some
    failures are also repeated to later callers without asking the token endpoint again: its refusal of our
    credentials for ``REFUSAL_HOLD_SECONDS``, a 429 or 503 until its ``Retry-After`` has passed (with the time left as
    theirs). After any other failure (a timeout, a 5xx with no ``Retry-After``) the next caller fetches again. A fetch
    waits for its answer the carrier's own time limit, not what is left of the first caller's retry budget.
    The lock guards only this process's copy of the token: every process holds its own, which the carrier allows.
    """

    def __init__(
        self,
        fetch: Callable[[], Awaitable[TokenGrant]],
        *,
        clock: Clock,
        refresh_margin: float = 60.0,
        default_lifetime: float = 300.0,
    ) -> None:
        self._fetch = fetch
        self._clock = clock
        self._margin = refresh_margin
        self._default_lifetime = default_lifetime
        self._lock = asyncio.Lock()
        self._token: str | None = None
        self._refresh_at = 0.0
        self._failure: CarrierError | None = None  # how the last fetch failed, if it did
        self._held_until = 0.0
        self._fetches = 0  # fetches ended, so that a caller can tell one ended while it waited

    async def token(self) -> str:
        if (token := self._fresh()) is not None:
            return token
        self._raise_held()
        fetches = self._fetches
        async with self._lock:
            if (token := self._fresh()) is not None:  # fetched by the caller we waited for
                return token
            if self._failure is not None and self._fetches != fetches:  # the fetch we waited for failed
                raise _again(self._failure, self._held_until - self._clock.monotonic())
            self._raise_held()
            self._failure = None
            try:
                grant = await self._fetch()
            except CarrierError as failure:
                self._failed(failure)
                raise
            finally:
                self._fetches += 1
            lifetime = grant.expires_in or self._default_lifetime
            self._token = grant.access_token
            self._refresh_at = self._clock.monotonic() + lifetime - min(self._margin, lifetime / 2)
            return grant.access_token

    def invalidate(self, token: str) -> None:
        """Forget ``token`` (unless a newer one has replaced it meanwhile)."""
        if self._token == token:
            self._token = None

    async def call[T](self, call: Callable[[str], Awaitable[T]]) -> T:
        """Run ``call`` with a token; on 401 (or the token refused in a reply's body) fetch a fresh token and run
        it once more."""
        token = await self.token()
        try:
            return await call(token)
        except CarrierAuthError as exc:
            if exc.status != 401 and not isinstance(exc, TokenRefused):
                raise
            self.invalidate(token)
        return await call(await self.token())

    def _fresh(self) -> str | None:
        return self._token if self._clock.monotonic() < self._refresh_at else None

    def _failed(self, failure: CarrierError) -> None:
        hold = 0.0
        if isinstance(failure, CarrierAuthError):
            hold = REFUSAL_HOLD_SECONDS
        elif isinstance(failure, CarrierUnavailable):  # a 429 or 503 with Retry-After
            hold = failure.retry_after or 0.0
        self._failure, self._held_until = failure, self._clock.monotonic() + hold

    def _raise_held(self) -> None:
        if self._failure is not None and (left := self._held_until - self._clock.monotonic()) > 0:
            raise _again(self._failure, left)


def _again(failure: CarrierError, left: float) -> CarrierError:
    """A new exception saying what ``failure`` said, for another caller (one raised by every caller would gather all
    their tracebacks); a carrier's ``Retry-After`` as the time left of it."""
    message, carrier, status = str(failure).removeprefix(f"{failure.carrier}: "), failure.carrier, failure.status
    again = (
        type(failure)(message, carrier=carrier, status=status, retry_after=left if left > 0 else failure.retry_after)
        if isinstance(failure, CarrierUnavailable) else type(failure)(message, carrier=carrier, status=status)
    )
    again.repeated = True
    return again


SECRET_LENGTH = range(32, 513)
"""How long a secret a carrier authenticates its pushes with is: a partner's signing secret, UPS's or DHL's
credential header. At least 32 characters, as HMAC-SHA256 wants (RFC 7518 §3.2), and short of what a header holds."""


def _secret_length(secret: SecretStr) -> SecretStr:
    """pydantic's own length check would speak of "items"; the message never repeats the value."""
    if len(secret) not in SECRET_LENGTH:
        raise ValueError(f"a secret is {SECRET_LENGTH.start} to {SECRET_LENGTH.stop - 1} characters long")
    return secret


SharedSecret = Annotated[Credential, AfterValidator(_secret_length)]
SharedSecrets = Annotated[tuple[SharedSecret, ...], Field(max_length=4)]
"""Every secret a carrier's pushes may carry now: during a rotation the old and the new one, so that neither the
carrier's switch nor each of our instances' restart refuses a push."""


def api_key_headers(header: str, key: SecretStr) -> dict[str, str]:
    return {header: key.get_secret_value()}


CREDENTIAL_SCHEME = "ApiKey"
"""The scheme of a static credential header, by the name in use elsewhere (Elasticsearch challenges with it)."""


def shared_secret_auth(header: str) -> WebhookAuth:
    """The authentication ``verify_shared_secret`` checks."""
    return WebhookAuth(CREDENTIAL_SCHEME, header)


def verify_shared_secret(headers: Mapping[str, str], header: str, expected: Sequence[SecretStr]) -> None:
    """Check a static credential header against each configured credential, in constant time; fails closed when
    none (or only empty ones) is configured, and takes an empty header for none."""
    configured = [credential.get_secret_value() for credential in expected if credential.get_secret_value()]
    if not configured:
        raise WebhookRejected("no webhook credential configured", WebhookReason.NOT_CONFIGURED)
    if (provided := headers.get(header)) is None:  # at once from a request's case-insensitive headers
        wanted = header.lower()
        provided = next((value for name, value in headers.items() if name.lower() == wanted), None)
    if not provided:
        raise WebhookRejected(f"missing {header} header", WebhookReason.MISSING_SIGNATURE)
    # Comparing digests keeps even the length of the secret out of the timing; every credential is compared,
    # whichever matched, so the timing does not tell which one a push carries either.
    digest = _digest(provided)
    matched = False
    for credential in configured:
        matched |= hmac.compare_digest(digest, _expected_digest(credential))
    if not matched:
        raise WebhookRejected(f"wrong {header} credential", WebhookReason.BAD_SIGNATURE)


def _digest(value: str) -> bytes:
    # A header's bytes that are not UTF-8 reach us as surrogate escapes (aiohttp): digested as the bytes they were.
    return hashlib.sha256(value.encode("utf-8", "surrogateescape")).digest()


@functools.lru_cache(maxsize=16)
def _expected_digest(secret: str) -> bytes:
    """The configured credential's digest, made once per credential (keyed by its exact value: a rotated one gets
    its own; the few configured fit, however often they rotate)."""
    return _digest(secret)
