"""DHL adapter: the only DHL code that does I/O (unified tracking pull; push entry points)."""

from collections.abc import Mapping
from datetime import datetime

import aiohttp

from carriers.adapter import PullAdapter
from carriers.auth import shared_secret_auth, verify_shared_secret
from carriers.base import Capabilities, WebhookAuth, WebhookEvent
from carriers.clock import Clock
from carriers.dhl.mapping import CODE, build_track_request, parse_track_response
from carriers.dhl.settings import DhlSettings
from carriers.dhl.webhook import parse_push
from carriers.link import CarrierLink
from schemas.proof import ProofOfDelivery, ProofOffer


# Pull and push carry the same shipment: signature and ePOD links (Express sends its ePOD page as both) and the
# signer's name, no photo, no coordinates, no words for the drop-off spot (the status place is a city). Names are
# not masked.
OFFER = ProofOffer(signature=True, photo=False, gps=False, place_text=False, receiver_name=True, masked_names=False)


class DhlAdapter(PullAdapter[DhlSettings, CarrierLink]):
    code = CODE
    name = "DHL"
    capabilities = Capabilities(pull=OFFER, push=OFFER)
    received_status = 200
    """DHL's push ("Push API 101", as public summaries of it put it): a push not answered 200 counts as failed and is
    sent again, after about one and six hours."""

    def _takes_pushes(self, settings: DhlSettings) -> bool:
        return bool(settings.push_credentials)

    def _open_link(self, settings: DhlSettings, session: aiohttp.ClientSession, clock: Clock) -> CarrierLink:
        return CarrierLink(CODE, settings, session, clock, self.breaker)

    async def _pull(self, tracking_number: str) -> ProofOfDelivery:
        response = await self._link.send(build_track_request(self._settings, tracking_number), accept=(404,))
        return parse_track_response(response, tracking_number, self._clock.now())

    @property
    def webhook_auth(self) -> WebhookAuth:
        return shared_secret_auth(self._settings.webhook_header)

    def verify_webhook(self, headers: Mapping[str, str], raw_body: bytes, now: datetime) -> None:
        verify_shared_secret(headers, self._settings.webhook_header, self._settings.push_credentials)

    def parse_webhook(self, raw_body: bytes) -> list[WebhookEvent]:
        return parse_push(raw_body, self._clock.now())
