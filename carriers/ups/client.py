"""UPS adapter: the only UPS code that does I/O (Track API pull; Track Alert webhook entry points)."""

from collections.abc import Mapping
from datetime import datetime
from uuid import uuid4

import aiohttp

from carriers.adapter import PullAdapter
from carriers.auth import shared_secret_auth, verify_shared_secret
from carriers.base import Capabilities, WebhookAuth, WebhookEvent
from carriers.clock import Clock
from carriers.link import OAuthLink
from carriers.ups.mapping import build_token_request, build_track_request, parse_track_response
from carriers.ups.reading import CODE
from carriers.ups.settings import UpsSettings
from carriers.ups.webhook import parse_tracking_event
from schemas.proof import ProofOfDelivery, ProofOffer


class UpsAdapter(PullAdapter[UpsSettings, OAuthLink]):
    code = CODE
    name = "UPS"
    # Pull: signature and photo only for accounts related to the package (issues #39, #57); the place in
    # words ("Front Door"). Push: receivedBy and the photo for enhanced Track Alert subscriptions.
    capabilities = Capabilities(
        pull=ProofOffer(
            signature=True, photo=True, gps=False, place_text=True, receiver_name=True, masked_names=False
        ),
        push=ProofOffer(
            signature=False, photo=True, gps=False, place_text=False, receiver_name=True, masked_names=False
        ),
    )
    received_status = 200
    """UPS Track Alert (UPSTrackAlert.yaml, the webhook's responses): "Return a 200 status to indicate that the data
    was received successfully"."""

    def _takes_pushes(self, settings: UpsSettings) -> bool:
        return bool(settings.push_credentials)

    def _open_link(self, settings: UpsSettings, session: aiohttp.ClientSession, clock: Clock) -> OAuthLink:
        return OAuthLink(CODE, settings, session, clock, self.breaker, build_token_request(settings))

    async def _pull(self, tracking_number: str) -> ProofOfDelivery:
        response = await self._link.send_with_token(
            lambda token: build_track_request(self._settings, tracking_number, token=token, trans_id=uuid4().hex),
            accept=(404,),
        )
        return parse_track_response(response, tracking_number, self._clock.now())

    @property
    def webhook_auth(self) -> WebhookAuth:
        return shared_secret_auth(self._settings.webhook_header)

    def verify_webhook(self, headers: Mapping[str, str], raw_body: bytes, now: datetime) -> None:
        verify_shared_secret(headers, self._settings.webhook_header, self._settings.push_credentials)

    def parse_webhook(self, raw_body: bytes) -> list[WebhookEvent]:
        return [parse_tracking_event(raw_body, self._clock.now())]
