"""UPS adapter: the only UPS code that does I/O (Track API pull; Track Alert webhook entry points)."""

from collections.abc import Mapping
from datetime import datetime
from uuid import uuid4

import aiohttp

from carriers.auth import verify_shared_secret
from carriers.base import Capabilities, WebhookEvent, checked_tracking_number
from carriers.clock import SYSTEM_CLOCK, Clock
from carriers.link import OAuthLink
from carriers.ups.mapping import CODE, build_token_request, build_track_request, parse_track_response
from carriers.ups.settings import UpsSettings
from carriers.ups.webhook import parse_tracking_event
from schemas.proof import ProofOfDelivery


class UpsAdapter:
    code = CODE
    name = "UPS"
    capabilities = Capabilities(pull=True, push=True, signature=True, photo=True, location=True)

    def __init__(self, settings: UpsSettings, session: aiohttp.ClientSession, *, clock: Clock = SYSTEM_CLOCK) -> None:
        self._settings = settings
        self._clock = clock
        self._link = OAuthLink(CODE, settings, session, clock, build_token_request(settings))
        self.breaker = self._link.breaker

    async def pull(self, tracking_number: str) -> ProofOfDelivery:
        tracking_number = checked_tracking_number(CODE, tracking_number)
        response = await self._link.send_with_token(
            lambda token: build_track_request(self._settings, tracking_number, token=token, trans_id=uuid4().hex),
            accept=(404,),
        )
        return parse_track_response(response, tracking_number, self._clock.now())

    def verify_webhook(self, headers: Mapping[str, str], raw_body: bytes, now: datetime) -> None:
        verify_shared_secret(headers, self._settings.webhook_header, self._settings.webhook_credential)

    def parse_webhook(self, raw_body: bytes) -> list[WebhookEvent]:
        return [parse_tracking_event(raw_body, self._clock.now())]
