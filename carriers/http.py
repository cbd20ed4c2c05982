"""HTTP to carriers: one wrapper around the application's ``aiohttp.ClientSession``.

Every call ends as either an ``HttpResponse`` (2xx, or a status the caller declared it can read, such as a
404 that means "no such shipment") or an exception from ``carriers.errors``. The session is injected: the
application owns one per process, tests point the carrier's base URL at a local ``aiohttp`` server.
"""

import email.utils
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import aiohttp

from carriers.clock import SYSTEM_CLOCK, Clock
from carriers.errors import BadRequest, CarrierAuthError, CarrierError, CarrierUnavailable, MalformedResponse
from carriers.retry import budget_left

MAX_BODY_BYTES = 32 * 1024 * 1024  # signature and POD images are inline; anything bigger is not a carrier reply


@dataclass(frozen=True, slots=True, repr=False)
class HttpRequest:
    """One request to a carrier; its body, if any, is one of ``json``, ``form`` or raw ``body`` bytes."""

    method: str
    url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    params: Mapping[str, str] = field(default_factory=dict)
    json: Any = None
    form: Mapping[str, str] | None = None
    body: bytes | None = None  # sent as is (SOAP envelopes)

    def __repr__(self) -> str:
        """The method, URL and header names: header values, parameters and bodies carry credentials (a bearer
        token, Basic auth, API keys, a client secret or password in a form, JSON or SOAP body)."""
        return f"HttpRequest({self.method} {self.url}, headers={sorted(self.headers)})"


@dataclass(frozen=True, slots=True)
class HttpResponse:
    status: int
    headers: Mapping[str, str]
    body: bytes


MAX_RETRY_AFTER_SECONDS = 86_400.0
"""The longest ``Retry-After`` honoured: one day. RFC 9110 §10.2.3 sets no upper bound on delay-seconds, and a
carrier's answer past a day (or past the range of dates: ``999999999999``) is read as a day; the case's evidence
deadline (2 business days) bounds its pulls in any case, and the pull due at the deadline is still made."""


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delay-seconds or an HTTP date, at most
    ``MAX_RETRY_AFTER_SECONDS`` (a day); None if unreadable."""
    if not value or not (value := value.strip()):
        return None
    if value.isascii() and value.isdigit():  # any number of digits: too many for ``int`` is past the bound too
        significant = value.lstrip("0") or "0"
        return MAX_RETRY_AFTER_SECONDS if len(significant) > 9 else min(float(significant), MAX_RETRY_AFTER_SECONDS)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, OverflowError):  # a year no datetime holds overflows
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return min(max(0.0, (when - now).total_seconds()), MAX_RETRY_AFTER_SECONDS)


class CarrierHttp:
    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        carrier: str,
        timeout_seconds: float,
        clock: Clock = SYSTEM_CLOCK,
        max_body_bytes: int = MAX_BODY_BYTES,
    ) -> None:
        self._session = session
        self._carrier = carrier
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self._clock = clock
        self._max_body = max_body_bytes

    async def send(self, request: HttpRequest, *, accept: Collection[int] = ()) -> HttpResponse:
        carrier = self._carrier
        timeout = self._timeout
        if (left := budget_left()) is not None and (timeout.total is None or left < timeout.total):  # the budget ends first
            timeout = aiohttp.ClientTimeout(total=max(left, 0.001))
        try:
            async with self._session.request(
                request.method,
                request.url,
                headers=dict(request.headers),
                params=dict(request.params),
                json=request.json,
                data=request.form if request.body is None else request.body,
                timeout=timeout,
                allow_redirects=False,  # never replay our credentials to wherever a redirect points
            ) as resp:
                response = HttpResponse(resp.status, resp.headers, await self._read(resp))
        except TimeoutError as exc:
            raise CarrierUnavailable(f"no answer within {round(timeout.total or 0, 3)}s", carrier=carrier) from exc
        except aiohttp.InvalidURL as exc:
            raise BadRequest("invalid request URL", carrier=carrier) from exc
        except aiohttp.ClientError as exc:
            raise CarrierUnavailable(f"transport error ({type(exc).__name__})", carrier=carrier) from exc
        if 200 <= response.status < 300 or response.status in accept:
            return response
        raise self._error_for(response)

    async def _read(self, resp: aiohttp.ClientResponse) -> bytes:
        chunks: list[bytes] = []
        size = 0
        async for chunk in resp.content.iter_chunked(64 * 1024):
            size += len(chunk)
            if size > self._max_body:
                raise MalformedResponse(f"response body over {self._max_body} bytes", carrier=self._carrier)
            chunks.append(chunk)
        return b"".join(chunks)

    def _error_for(self, response: HttpResponse) -> CarrierError:
        status, carrier = response.status, self._carrier
        message = f"HTTP {status}"
        if status == 429 or status == 408 or status >= 500:
            retry_after = parse_retry_after(response.headers.get("Retry-After"), self._clock.now())
            return CarrierUnavailable(message, carrier=carrier, status=status, retry_after=retry_after)
        if status in (401, 403):
            return CarrierAuthError(message, carrier=carrier, status=status)
        return BadRequest(message, carrier=carrier, status=status)
