"""What every pull adapter shares, so that a carrier's ``client`` states only what is its own.

    PullAdapter                 settings, clock, link and breaker; ``pull`` checks the number, then ``_pull``
    ├── SoapPullAdapter         one SOAP operation: ``build_request`` → post → ``parse_response``
    └── PartnerPullAdapter      plus the partner webhook (the Turkish carriers)
        └── OwnTokenPullAdapter a bearer token from the carrier's own token service (``build_token_request``,
                                ``read_token``), used for the configured lifetime

A carrier's adapter subclasses one of them (both, for a SOAP carrier that takes partner pushes), names its
``code``, ``name`` and ``capabilities`` (what its pulls and, once configured, its pushes carry), opens its kind of link over ``self.breaker`` (``_open_link``) and,
unless it is a plain SOAP query, pulls a checked number itself (``_pull``) with its mapping's pure functions.
"""

from abc import ABC, abstractmethod
from collections.abc import Callable
from datetime import datetime

import aiohttp

from carriers.auth import TokenGrant
from carriers.base import Capabilities, CarrierSettings, checked_tracking_number
from carriers.breaker import BreakerStore, CircuitBreaker
from carriers.clock import SYSTEM_CLOCK, Clock
from carriers.http import HttpRequest, HttpResponse
from carriers.link import CarrierLink, OAuthLink
from carriers.partner.settings import OwnTokenSettings, PartnerCarrierSettings
from carriers.partner.webhook import PartnerPush
from carriers.soap import SoapLink, SoapRequest
from schemas.proof import ProofOfDelivery

type ResponseParser = Callable[[HttpResponse, str, datetime], ProofOfDelivery]


class PullAdapter[S: CarrierSettings, L: CarrierLink](ABC):
    """A carrier's pull adapter (``CarrierAdapter``) over a link of kind ``L``, with settings of type ``S``."""

    code: str
    name: str
    capabilities: Capabilities
    breaker: CircuitBreaker

    def __init__(
        self, settings: S, session: aiohttp.ClientSession, *, clock: Clock = SYSTEM_CLOCK,
        breakers: BreakerStore | None = None,
    ) -> None:
        self._settings = settings
        self._clock = clock
        self.breaker = CircuitBreaker(self.code, settings.breaker, clock, breakers)
        self._link = self._open_link(settings, session, clock)
        if not self._takes_pushes(settings):  # every push would be refused: it offers none
            self.capabilities = self.capabilities.model_copy(update={"push": None})

    def _takes_pushes(self, settings: S) -> bool:
        """Whether we hold what the carrier's pushes are verified with (its credential or secrets)."""
        return True

    async def pull(self, tracking_number: str) -> ProofOfDelivery:
        return await self._pull(checked_tracking_number(self.code, tracking_number))

    @abstractmethod
    def _open_link(self, settings: S, session: aiohttp.ClientSession, clock: Clock) -> L:
        """The carrier's kind of link (plain, SOAP, bearer token), named by ``code``."""

    @abstractmethod
    async def _pull(self, tracking_number: str) -> ProofOfDelivery:
        """``pull`` for a number already checked to be a plain identifier."""


class SoapPullAdapter[S: CarrierSettings](PullAdapter[S, SoapLink]):
    """A carrier whose pull is one SOAP operation, built and parsed by its mapping."""

    # Plain functions from the carrier's mapping, stored with ``staticmethod``.
    build_request: Callable[[S, str], SoapRequest]
    parse_response: ResponseParser

    def _open_link(self, settings: S, session: aiohttp.ClientSession, clock: Clock) -> SoapLink:
        return SoapLink(self.code, settings, session, clock, self.breaker)

    async def _pull(self, tracking_number: str) -> ProofOfDelivery:
        response = await self._link.send_soap(self.build_request(self._settings, tracking_number))
        return self.parse_response(response, tracking_number, self._clock.now())


class PartnerPullAdapter[S: PartnerCarrierSettings, L: CarrierLink](PullAdapter[S, L], PartnerPush):
    """A pull adapter that also takes the carrier's pushes through the partner webhook."""

    def __init__(
        self, settings: S, session: aiohttp.ClientSession, *, clock: Clock = SYSTEM_CLOCK,
        breakers: BreakerStore | None = None,
    ) -> None:
        super().__init__(settings, session, clock=clock, breakers=breakers)
        self._accept_partner_push(settings.partner_webhook, clock)

    def _takes_pushes(self, settings: S) -> bool:
        return settings.partner_webhook.enabled


class OwnTokenPullAdapter[S: OwnTokenSettings](PartnerPullAdapter[S, OAuthLink]):
    """A partner carrier whose token service answers in its own shape, read by its mapping."""

    # Plain functions from the carrier's mapping, stored with ``staticmethod``.
    build_token_request: Callable[[S], HttpRequest]
    read_token: Callable[[HttpResponse, float], TokenGrant]

    def _open_link(self, settings: S, session: aiohttp.ClientSession, clock: Clock) -> OAuthLink:
        lifetime, read_token = settings.token_lifetime_seconds, self.read_token
        return OAuthLink(
            self.code, settings, session, clock, self.breaker, self.build_token_request(settings),
            lambda reply: read_token(reply, lifetime),
        )
