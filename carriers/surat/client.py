"""Sürat Kargo adapter: partner-webhook push only; no I/O at all."""

import aiohttp

from carriers.base import Capabilities
from carriers.breaker import CircuitBreaker
from carriers.clock import SYSTEM_CLOCK, Clock
from carriers.errors import CarrierRejected
from carriers.partner.webhook import PartnerPush, PartnerWebhook, with_partner_push
from carriers.surat.settings import SuratSettings
from schemas.proof import ProofOfDelivery

CODE = "surat"
NO_PULL = Capabilities(pull=False, push=False, signature=False, photo=False, location=False)


class SuratAdapter(PartnerPush):
    code = CODE
    name = "Sürat Kargo"

    def __init__(self, settings: SuratSettings, session: aiohttp.ClientSession, *, clock: Clock = SYSTEM_CLOCK) -> None:
        # ``session`` is part of every carrier's constructor (see ``carriers.registry``); Sürat needs none.
        self.breaker = CircuitBreaker(CODE, settings.breaker, clock)
        self.partner = PartnerWebhook(CODE, settings.partner_webhook, clock)
        self.capabilities = with_partner_push(NO_PULL, settings.partner_webhook)

    async def pull(self, tracking_number: str) -> ProofOfDelivery:
        raise CarrierRejected("no pull API: evidence arrives by the partner webhook only", carrier=CODE)
