"""Yurtiçi Kargo adapter: the only Yurtiçi code that does I/O (``queryShipment`` pull; partner push)."""

import aiohttp

from carriers.base import Capabilities, checked_tracking_number
from carriers.clock import SYSTEM_CLOCK, Clock
from carriers.partner.webhook import PartnerPush, PartnerWebhook, with_partner_push
from carriers.soap import SoapLink
from carriers.yurtici.mapping import CODE, build_query_request, parse_query_response
from carriers.yurtici.settings import YurticiSettings
from schemas.proof import ProofOfDelivery

PULL = Capabilities(pull=True, push=False, signature=False, photo=False, location=False)


class YurticiAdapter(PartnerPush):
    code = CODE
    name = "Yurtiçi Kargo"

    def __init__(
        self, settings: YurticiSettings, session: aiohttp.ClientSession, *, clock: Clock = SYSTEM_CLOCK
    ) -> None:
        self._settings = settings
        self._clock = clock
        self._link = SoapLink(CODE, settings, session, clock)
        self.breaker = self._link.breaker
        self.partner = PartnerWebhook(CODE, settings.partner_webhook, clock)
        self.capabilities = with_partner_push(PULL, settings.partner_webhook)

    async def pull(self, tracking_number: str) -> ProofOfDelivery:
        tracking_number = checked_tracking_number(CODE, tracking_number)
        response = await self._link.send_soap(build_query_request(self._settings, tracking_number))
        return parse_query_response(response, tracking_number, self._clock.now())
