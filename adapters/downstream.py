"""HTTP clients for the marketplace services the outbox relay drives: payments, fulfillment, notifications.

What a caller sees::

    EffectUnavailable   transient failures outlasted every attempt, or the worker stopped between retries after
                        one that may have been applied → the relay tries again later (not before the last
                        answer's ``Retry-After``, up to ``LONGEST_WAIT``); `reached` unless every attempt certainly
                        never reached the service (no connection made: refused, unreachable, DNS, a connect
                        timeout, a TLS handshake that failed; nothing of the request written)
    CredentialsRefused  a 401, our signature refused (applying nothing): an EffectUnavailable, retried by the relay
                        until its attempts run out
    EffectRejected      any other non-2xx answer (a 4xx other than 401/408/429) → never retried; `maybe_applied` when
                        an earlier attempt of the call may have been applied (no answer, a lost connection, a
                        5xx), or the answer is a 409 (the key still being applied): the refusal proves only that
                        the attempt it answered applied nothing

Inside, ``Transient`` marks what is retried here: connection errors, timeouts, an answer that is not well-formed
HTTP (its head unreadable, as a body cut short: the request was sent), 408, 429 (waiting at least its ``Retry-After``)
and 5xx. ``DownstreamClient`` is the shared base; ``HttpOrderDirectory`` uses it too.
Messages and log lines name the service, the attempt and the HTTP status, never payload contents: those
hold names and addresses.

Every message is signed (``Signer``, docs/downstream.md): ``Disputes-Signature: t=<unix>,kid=<id>,v2=<hex>``,
HMAC-SHA256 of ``"<t>.<Idempotency-Key>.<raw body>"``, over the exact key and bytes sent, afresh on each attempt (a
retry carries a new ``t`` and the same ``Idempotency-Key``). The key is signed so that a captured message cannot be
applied again under another key within the receiver's replay window. While a new key rolls out, the key it
replaces signs too, in a second group: ``t=<unix>,kid=<new>,v2=<hex>,kid=<old>,v2=<hex>``. While receivers move over
from the former scheme (``DISPUTES_EFFECTS_SIGNING_LEGACY_V1``), each group carries ``v1=<hex>`` too, before ``v2``:
HMAC-SHA256 of ``"<t>.<raw body>"``.
"""

import asyncio
import hashlib
import hmac
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import ClassVar

import aiohttp
import structlog
from pydantic import BaseModel, SecretStr, ValidationError
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    stop_after_attempt,
    stop_before_delay,
    wait_exponential_jitter,
)

from carriers.http import parse_retry_after
from carriers.retry import wait_unless_stopped
from disputes.ports import CredentialsRefused, EffectRejected, EffectUnavailable
from schemas.effects import (
    AccountRestriction, CarrierLiability, CustomerNotification, CustomerRisk, EffectApplied, RefundRequest, ReshipRequest,
    StaffAlert,
)

log = structlog.get_logger(__name__)
SIGNATURE_HEADER = "Disputes-Signature"
IDEMPOTENCY_KEY = "Idempotency-Key"
SIGNATURE_SCHEME = "v2"
"""The tag of the signature's value: ``v2`` signs ``"<t>.<Idempotency-Key>.<raw body>"``."""
LEGACY_SCHEME = "v1"
"""The former scheme's tag: ``v1`` signs ``"<t>.<raw body>"`` alone, so a receiver that checks only it takes a captured
message replayed under another key within its window. Sent beside ``v2`` only while receivers move over
(``Signer.legacy_v1``)."""
MAX_ANSWER_BYTES = 1 << 20
"""The most of an answer's body a lookup reads (1 MiB; an order, a packing record or a digital delivery record is far
smaller): a longer body is not read further and is a bad answer, as one that is not a record is."""
EFFECT_ANSWER_BYTES = 64 << 10
"""The most of an effect's answer read: its status is what counts, its body is read only for the service's own id
(`EffectApplied`; read this far so that a usual answer frees its connection for the next message)."""
CONNECT_SHARE = 0.5
"""The share of an attempt's timeout that making its connection may take: one not made within it ends as a connect
timeout (`aiohttp.ConnectionTimeoutError`), which sent nothing; a connection that took the whole timeout would end
as a plain timeout, which may have sent the request."""
LONGEST_WAIT = 3600.0
"""The longest `Retry-After` (in seconds) the relay waits before trying a message again: a service that asks for
more is tried again after an hour."""


@dataclass(frozen=True, slots=True)
class Backoff:
    """Waits between attempts (exponential with jitter) and the budget: no attempt starts after it."""

    multiplier: float = 0.25
    max_wait: float = 4.0
    jitter: float = 0.25
    budget: float = 20.0


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    body: bytes
    after: str | None = None
    """Why an earlier attempt of the call may have been applied (its last such failure), if one may have."""
    oversized: bool = False
    """The body ran past the client's ``answer_limit``: not read further, ``body`` is empty."""
    media_type: str = ""
    """The answer's ``Content-Type`` without its parameters, lower case."""


@dataclass(frozen=True, slots=True)
class Signer:
    """Signs a message's ``Idempotency-Key`` and exact bytes at the moment it is sent, with the deployment's current
    key, and with the one before it while a rotation rolls out (`previous`)."""

    key_id: str
    secret: SecretStr = field(repr=False)
    now: Callable[[], float] = time.time  # the wall clock the receiver compares `t` with, never a test clock
    legacy_v1: bool = False
    """Also send ``v1`` (the body alone signed), for receivers still on the former scheme: a roll-out setting,
    ``DISPUTES_EFFECTS_SIGNING_LEGACY_V1``; a receiver checking ``v2`` ignores it."""
    previous: tuple[str, SecretStr] | None = field(default=None, repr=False)
    """The key id and secret the current key replaces, signed with too, in a second ``kid=…,v2=…`` group after the
    current key's, while a rotation rolls out (``DISPUTES_EFFECTS_SIGNING_PREVIOUS_KEY_ID`` and ``_SECRET``): a
    service holding either key verifies the message, whichever of it and the workers is given the new key first."""

    def headers(self, idempotency_key: str, body: bytes) -> dict[str, str]:
        t = int(self.now())
        keys = [(self.key_id, self.secret), *([self.previous] if self.previous else [])]
        groups = ",".join(self._group(t, key_id, secret, idempotency_key, body) for key_id, secret in keys)
        return {SIGNATURE_HEADER: f"t={t},{groups}"}

    def _group(self, t: int, key_id: str, secret: SecretStr, idempotency_key: str, body: bytes) -> str:
        """``kid=<key_id>``, then its signatures: ``v1`` while it is sent, and ``v2``."""
        key = secret.get_secret_value().encode()
        mac = hmac.new(key, f"{t}.{idempotency_key}.".encode(), hashlib.sha256)
        mac.update(body)
        legacy = ""
        if self.legacy_v1:
            v1 = hmac.new(key, f"{t}.".encode(), hashlib.sha256)
            v1.update(body)
            legacy = f",{LEGACY_SCHEME}={v1.hexdigest()}"
        return f"kid={key_id}{legacy},{SIGNATURE_SCHEME}={mac.hexdigest()}"


IN_PROGRESS = 409
"""How an idempotent service answers a key it is still applying (docs/downstream.md): an attempt before this one,
perhaps of an earlier pass or of a worker that died, may have been applied."""


UNAUTHENTICATED = 401
"""How a service refuses a signature it cannot verify (docs/downstream.md), applying nothing: most often one under a key
it does not hold yet, while a signing key rolls out, so the relay tries it again as it does an unavailable service."""


NEVER_SENT = (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError)
"""Failures before any byte of the request was written: no connection made (refused, unreachable, a DNS failure, a TLS
handshake that failed, a proxy's refusal) or none within the timeout."""


class Transient(Exception):
    def __init__(
        self, reason: str, status: int | None = None, retry_after: float | None = None, *, reached: bool | None = None
    ) -> None:
        super().__init__(reason)
        self.status = status
        self.retry_after = retry_after
        self._reached = reached

    @property
    def reached(self) -> bool:
        """The request may have reached the service: it was answered, or written before it failed (a timeout or a
        connection lost after it was made, a body cut short); only a connection never made (`NEVER_SENT`) was not.
        One raised for several attempts says whether any of them may have."""
        if self._reached is not None:
            return self._reached
        return self.status is not None or not isinstance(self.__cause__, NEVER_SENT)

    @property
    def maybe_applied(self) -> bool:
        """The attempt may have been applied: it got no answer (a timeout, a connection lost after it was made, a
        body cut short) or a 5xx. A 408 or 429 says it was not taken, and a connection never made sent nothing."""
        if self.status is not None:
            return self.status >= 500
        return self.reached


class DownstreamClient:
    """One marketplace service over HTTP: per-attempt timeout, retries of transient failures only."""

    service: ClassVar[str]
    applies: ClassVar[bool] = False
    """Its requests change something (an effect), so a stop between retries after an attempt that may have been
    applied ends the call as that attempt's failure, for the caller to record; a read's is left to its lease."""
    answer_limit: ClassVar[int] = MAX_ANSWER_BYTES
    """The most of an answer's body read (``Reply.oversized`` beyond it)."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str,
        timeout: float,
        attempts: int,
        *,
        backoff: Backoff = Backoff(),
    ) -> None:
        self._session = session
        self._base_url = base_url.rstrip("/")
        self._timeout = aiohttp.ClientTimeout(total=timeout, connect=timeout * CONNECT_SHARE)
        self._attempts = attempts
        self._backoff = backoff
        self._exponential = wait_exponential_jitter(
            multiplier=backoff.multiplier, max=backoff.max_wait, jitter=backoff.jitter
        )

    async def _request(
        self, method: str, path: str, *, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> Reply:
        """The first answer that is not transient, saying whether an attempt before it may have been applied (`after`);
        raises ``Transient`` when attempts or budget run out, `reached` when any attempt may have reached the
        service."""
        unsure: list[Transient] = []
        failed: list[Transient] = []

        async def attempt(url: str) -> Reply:
            try:
                return await self._attempt(method, url, body, headers or {})
            except Transient as error:
                failed.append(error)
                if error.maybe_applied:
                    unsure.append(error)
                raise

        retrying = AsyncRetrying(
            retry=retry_if_exception_type(Transient),
            stop=stop_after_attempt(self._attempts) | stop_before_delay(self._backoff.budget),
            wait=self._wait,
            before_sleep=self._log_retry,
            sleep=_sleep,
            reraise=True,
        )
        try:
            reply: Reply = await retrying(attempt, self._base_url + path)
        except Transient as error:
            reached = any(failure.reached for failure in failed)
            if reached == error.reached:
                raise
            raise Transient(str(error), error.status, error.retry_after, reached=reached) from error.__cause__
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if not (self.applies and unsure) or task is None or task.cancelling():
                raise
            # Stopping between retries (`carriers.retry.waits_end_on`) after an attempt that may have been applied:
            # ended as the last attempt's failure (its Retry-After too), for the caller to record, not with nothing of
            # it kept.
            last = failed[-1]
            raise Transient(
                f"stopped before retrying, after {unsure[-1]}", last.status, last.retry_after, reached=True
            ) from None
        return replace(reply, after=str(unsure[-1])) if unsure else reply

    def _attempt_headers(self, headers: dict[str, str], body: bytes | None) -> dict[str, str]:
        """Headers made afresh for every attempt (an effect's signature)."""
        return {}

    async def _attempt(self, method: str, url: str, body: bytes | None, headers: dict[str, str]) -> Reply:
        headers = headers | self._attempt_headers(headers, body)
        try:
            async with self._session.request(
                method, url, data=body, headers=headers, timeout=self._timeout, allow_redirects=False
            ) as response:
                reply = await self._read(response)
                retry_after = parse_retry_after(response.headers.get("Retry-After"), datetime.now(UTC))
        except (aiohttp.ClientConnectionError, aiohttp.ClientPayloadError, TimeoutError) as error:
            raise Transient(type(error).__name__) from error
        except aiohttp.ClientResponseError as error:
            # An answer whose head is not well-formed HTTP (a header line past aiohttp's limit, a bad status line or
            # Content-Length): the request was sent, so it may have been applied, as with a body cut short.
            # `raise_for_status` is never called, so nothing else raises it here.
            raise Transient(f"{type(error).__name__}: an answer that is not well-formed HTTP") from error
        if reply.status in (408, 429) or reply.status >= 500:
            raise Transient(f"HTTP {reply.status}", reply.status, retry_after)
        return reply

    async def _read(self, response: aiohttp.ClientResponse) -> Reply:
        """The answer, its body read up to ``answer_limit``: beyond it, no further (the connection is then closed, not
        reused), as carriers' answers are read (``carriers.http``)."""
        if (response.content_length or 0) > self.answer_limit:
            return Reply(response.status, b"", oversized=True, media_type=response.content_type)
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.content.iter_chunked(64 * 1024):
            size += len(chunk)
            if size > self.answer_limit:
                return Reply(response.status, b"", oversized=True, media_type=response.content_type)
            chunks.append(chunk)
        return Reply(response.status, b"".join(chunks), media_type=response.content_type)

    def _wait(self, state: RetryCallState) -> float:
        """Exponential backoff, but never sooner than the server's ``Retry-After``; a ``Retry-After`` beyond
        the budget makes the stop condition give up at once instead of sleeping past it."""
        error = state.outcome.exception() if state.outcome else None
        floor = error.retry_after if isinstance(error, Transient) and error.retry_after else 0.0
        return max(floor, self._exponential(state))

    def _log_retry(self, state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        log.warning(
            "downstream_retry",
            downstream=self.service,  # `service` names this process on every line
            attempt=state.attempt_number,
            wait=round(state.upcoming_sleep, 3),
            status=getattr(error, "status", None),
            reason=str(error),
        )


async def _sleep(seconds: float) -> None:
    """A wait between attempts, which a stopping worker does not wait out (`carriers.retry.waits_end_on`)."""
    await wait_unless_stopped(asyncio.sleep(seconds))


class EffectClient(DownstreamClient):
    path: ClassVar[str]
    applies = True
    answer_limit = EFFECT_ANSWER_BYTES

    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str,
        timeout: float,
        attempts: int,
        *,
        signer: Signer,
        backoff: Backoff = Backoff(),
    ) -> None:
        super().__init__(session, base_url, timeout, attempts, backoff=backoff)
        self._signer = signer

    def _attempt_headers(self, headers: dict[str, str], body: bytes | None) -> dict[str, str]:
        return self._signer.headers(headers[IDEMPOTENCY_KEY], body or b"")

    async def _post(self, payload: BaseModel, idempotency_key: str, path: str | None = None) -> str | None:
        """Deliver the message; the service's own id for what it applied, where its answer names one."""
        try:
            reply = await self._request(
                "POST",
                path or self.path,
                body=payload.model_dump_json().encode(),
                headers={IDEMPOTENCY_KEY: idempotency_key, "Content-Type": "application/json"},
            )
        except Transient as error:
            wait = None if error.retry_after is None else timedelta(seconds=min(error.retry_after, LONGEST_WAIT))
            unreached = "" if error.reached else f" (never reached {self.service})"
            raise EffectUnavailable(f"{self.service} unavailable: {error}{unreached}", wait, reached=error.reached) from error
        if not 200 <= reply.status < 300:
            if reply.status == UNAUTHENTICATED:
                raise CredentialsRefused(f"{self.service} refused our credentials: HTTP {reply.status}")
            if reply.status == IN_PROGRESS:
                raise EffectRejected(f"{self.service} rejected the request: HTTP {reply.status}, its key still being "
                                     "applied (an attempt before may have been)", maybe_applied=True)
            if reply.after is None:
                raise EffectRejected(f"{self.service} rejected the request: HTTP {reply.status}")
            raise EffectRejected(
                f"{self.service} rejected the request: HTTP {reply.status}, after an attempt that may have been applied "
                f"({reply.after})",
                maybe_applied=True,
            )
        return _reference(reply)


def _reference(reply: Reply) -> str | None:
    """The id a `2xx` answer names (`{"id": "..."}`): the message is done whatever its body holds, so an answer with
    none, or not in that shape (or past `EFFECT_ANSWER_BYTES`), gives None."""
    try:
        return EffectApplied.model_validate_json(reply.body).id
    except ValidationError:
        return None


class PaymentsClient(EffectClient):
    service = "payments"
    path = "/payments/v1/refunds"

    async def refund(self, request: RefundRequest, idempotency_key: str) -> str | None:
        return await self._post(request, idempotency_key)


class FulfillmentClient(EffectClient):
    service = "fulfillment"
    path = "/fulfillment/v1/reships"

    async def reship(self, request: ReshipRequest, idempotency_key: str) -> str | None:
        return await self._post(request, idempotency_key)


class AccountsClient(EffectClient):
    service = "accounts"
    path = "/accounts/v1/risk-signals"
    restrictions_path: ClassVar[str] = "/accounts/v1/restrictions"

    async def report_risk(self, signal: CustomerRisk, idempotency_key: str) -> None:
        await self._post(signal, idempotency_key)

    async def change_restriction(self, change: AccountRestriction, idempotency_key: str) -> None:
        await self._post(change, idempotency_key, self.restrictions_path)


class FinanceClient(EffectClient):
    service = "finance"
    path = "/finance/v1/carrier-liabilities"

    async def record_liability(self, liability: CarrierLiability, idempotency_key: str) -> str | None:
        return await self._post(liability, idempotency_key)


class NotificationsClient(EffectClient):
    service = "notifications"
    path = "/notifications/v1/messages"
    staff_alerts_path: ClassVar[str] = "/notifications/v1/staff-alerts"

    async def notify(self, request: CustomerNotification, idempotency_key: str) -> None:
        await self._post(request, idempotency_key)

    async def alert_staff(self, alert: StaffAlert, idempotency_key: str) -> None:
        await self._post(alert, idempotency_key, self.staff_alerts_path)
