"""HepsiJET adapter: the only HepsiJET code that does I/O (tracking pull; partner-webhook push)."""

import aiohttp

from carriers.base import Capabilities, checked_tracking_number
from carriers.clock import SYSTEM_CLOCK, Clock
from carriers.hepsijet.mapping import (
    CODE,
    build_token_request,
    build_tracking_request,
    parse_tracking_response,
    read_token,
)
from carriers.hepsijet.settings import HepsijetSettings
from carriers.partner.webhook import PartnerPush, PartnerWebhook, with_partner_push
from carriers.tokens import GrantLink
from schemas.proof import ProofOfDelivery

PULL = Capabilities(pull=True, push=False, signature=True, photo=True, location=True)


class HepsijetAdapter(PartnerPush):
    code = CODE
    name = "HepsiJET"

    def __init__(
        self, settings: HepsijetSettings, session: aiohttp.ClientSession, *, clock: Clock = SYSTEM_CLOCK
    ) -> None:
        self._settings = settings
        self._clock = clock
        lifetime = settings.token_lifetime_seconds
        self._link = GrantLink(
            CODE, settings, session, clock, build_token_request(settings), lambda reply: read_token(reply, lifetime)
        )
        self.breaker = self._link.breaker
        self.partner = PartnerWebhook(CODE, settings.partner_webhook, clock)
        self.capabilities = with_partner_push(PULL, settings.partner_webhook)

    async def pull(self, tracking_number: str) -> ProofOfDelivery:
        tracking_number = checked_tracking_number(CODE, tracking_number)
        response = await self._link.send_with_token(
            lambda token: build_tracking_request(self._settings, tracking_number, token=token), accept=(404,)
        )
        return parse_tracking_response(response, tracking_number, self._clock.now())
