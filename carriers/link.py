"""One carrier's resilient path to its API, the same for every carrier.

Each attempt passes the carrier's circuit breaker; the whole call runs under the carrier's retry budget.
Carrier clients build requests and parse responses; they never loop, sleep or count failures themselves.
"""

from collections.abc import Awaitable, Callable, Collection

import aiohttp

from carriers.auth import TokenCache, TokenGrant
from carriers.base import CarrierSettings
from carriers.breaker import CircuitBreaker
from carriers.clock import Clock
from carriers.errors import BadRequest, CarrierAuthError, TokenRefused
from carriers.http import CarrierHttp, HttpRequest, HttpResponse
from carriers.parsing import read_wire
from carriers.retry import call_with_retry, outside_budget
from carriers.transcript import keep


class CarrierLink:
    def __init__(
        self, carrier: str, settings: CarrierSettings, session: aiohttp.ClientSession, clock: Clock,
        breaker: CircuitBreaker,
    ) -> None:
        self.carrier = carrier
        self.http = CarrierHttp(session, carrier=carrier, timeout_seconds=settings.timeout_seconds, clock=clock)
        self.breaker = breaker
        self._budget = settings.retry
        self._clock = clock

    async def call[T](self, attempt: Callable[[], Awaitable[T]]) -> T:
        """Run ``attempt`` (one try, possibly several HTTP requests) with breaker and retries."""
        return await call_with_retry(
            lambda: self.breaker.call(attempt), carrier=self.carrier, budget=self._budget, clock=self._clock
        )

    async def send(self, request: HttpRequest, *, accept: Collection[int] = ()) -> HttpResponse:
        return await self.call(lambda: self.send_data(request, accept=accept))

    async def send_data(self, request: HttpRequest, *, accept: Collection[int] = ()) -> HttpResponse:
        """One try at a data call: its reply is kept in the pull's transcript (``carriers.transcript``)."""
        response = await self.http.send(request, accept=accept)
        keep(request, response)
        return response


type GrantReader = Callable[[HttpResponse], TokenGrant]


class OAuthLink(CarrierLink):
    """A link whose requests carry a bearer token, fetched over the same link and cached.

    By default the token reply is read as RFC 6749 (``access_token``, ``expires_in``). Carriers whose token
    endpoint answers in its own shape (HepsiJET, MNG), often without a lifetime, pass ``read_grant``, which
    returns a ``TokenGrant`` (with the configured lifetime when the carrier states none). Caching, sharing
    one fetch between concurrent callers, and refreshing once on 401 (or on a token a reply refuses in its body,
    ``send_with_token``'s ``refuses_token``) are ``TokenCache``'s either way.
    """

    def __init__(
        self,
        carrier: str,
        settings: CarrierSettings,
        session: aiohttp.ClientSession,
        clock: Clock,
        breaker: CircuitBreaker,
        token_request: HttpRequest,
        read_grant: GrantReader | None = None,
    ) -> None:
        super().__init__(carrier, settings, session, clock, breaker)
        self._token_request = token_request
        self._read_grant = read_grant or self._read_oauth_grant
        self._tokens = TokenCache(self._fetch_token, clock=clock)

    async def send_with_token(
        self,
        build: Callable[[str], HttpRequest],
        *,
        accept: Collection[int] = (),
        refuses_token: Callable[[HttpResponse], bool] | None = None,
    ) -> HttpResponse:
        """Send ``build(token)``; a fresh request is built for every attempt and after a token refresh.
        ``refuses_token``: whether a reply refuses the token in its body (a carrier that says so in band): the
        token is then replaced and the request sent once more, as after a 401."""

        async def attempt(token: str) -> HttpResponse:
            response = await self.send_data(build(token), accept=accept)
            if refuses_token is not None and refuses_token(response):
                raise TokenRefused("the reply refuses the token", carrier=self.carrier, status=response.status)
            return response

        return await self.call(lambda: self._tokens.call(attempt))

    async def _fetch_token(self) -> TokenGrant:
        """The token endpoint's refusal (RFC 6749 §5.2: 400 ``invalid_client``, or 401 or 403) is of our credentials,
        the same for every case: ``CarrierAuthError``, for operators to act on. Any other 4xx or a redirect says no
        token endpoint answers at the configured address, as much every case's and as much for operators: a
        ``CarrierAuthError`` too (the cases wait, the credentials alert fires), saying to check the base_url. The
        fetch waits the carrier's own time limit: the callers waiting for it share its answer."""
        try:
            with outside_budget():
                response = await self.http.send(self._token_request)
        except BadRequest as failed:
            if failed.status is None:
                raise
            if failed.status == 400:
                raise CarrierAuthError("HTTP 400 from the token endpoint", carrier=self.carrier, status=400) from failed
            raise CarrierAuthError(
                f"HTTP {failed.status} from the token endpoint: not a refusal of our credentials, no token endpoint "
                "at the configured address (check the carrier's base_url)", carrier=self.carrier, status=failed.status,
            ) from failed
        return self._read_grant(response)

    def _read_oauth_grant(self, response: HttpResponse) -> TokenGrant:
        return read_wire(TokenGrant, response.body, carrier=self.carrier, what="token response")
