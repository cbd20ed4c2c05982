"""Sürat Kargo adapter: partner-webhook push only; no I/O at all."""

import aiohttp

from carriers.base import Capabilities
from carriers.breaker import BreakerStore, CircuitBreaker
from carriers.clock import SYSTEM_CLOCK, Clock
from carriers.errors import CarrierRejected
from carriers.partner.webhook import PARTNER_PUSH, PartnerPush
from carriers.surat.settings import SuratSettings
from schemas.proof import ProofOfDelivery

CODE = "surat"


class SuratAdapter(PartnerPush):
    code = CODE
    name = "Sürat Kargo"
    capabilities = Capabilities(pull=None, push=PARTNER_PUSH)  # its settings require a secret

    def __init__(
        self, settings: SuratSettings, session: aiohttp.ClientSession, *, clock: Clock = SYSTEM_CLOCK,
        breakers: BreakerStore | None = None,
    ) -> None:
        # ``session`` is part of every carrier's constructor (see ``carriers.registry``); Sürat needs none.
        self.breaker = CircuitBreaker(CODE, settings.breaker, clock, breakers)
        self._accept_partner_push(settings.partner_webhook, clock)

    async def pull(self, tracking_number: str) -> ProofOfDelivery:
        raise CarrierRejected("no pull API: evidence arrives by the partner webhook only", carrier=CODE)
