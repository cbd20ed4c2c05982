"""MNG Kargo adapter: the only MNG code that does I/O (status and track pull; partner push)."""

import aiohttp

from carriers.base import Capabilities, checked_tracking_number
from carriers.clock import SYSTEM_CLOCK, Clock
from carriers.mng.mapping import (
    CODE,
    build_status_request,
    build_token_request,
    build_track_request,
    read_events,
    read_status,
    read_token,
    shipment_proof,
)
from carriers.mng.settings import MngSettings
from carriers.partner.webhook import PartnerPush, PartnerWebhook, with_partner_push
from carriers.tokens import GrantLink
from schemas.proof import ProofOfDelivery, TrackingEvent

PULL = Capabilities(pull=True, push=False, signature=False, photo=False, location=False)


class MngAdapter(PartnerPush):
    code = CODE
    name = "MNG Kargo"

    def __init__(self, settings: MngSettings, session: aiohttp.ClientSession, *, clock: Clock = SYSTEM_CLOCK) -> None:
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
        """The status first; the track history only for a reference MNG knows."""
        tracking_number = checked_tracking_number(CODE, tracking_number)
        response = await self._link.send_with_token(
            lambda token: build_status_request(self._settings, tracking_number, token=token), accept=(404,)
        )
        status = read_status(response, tracking_number)
        events: tuple[TrackingEvent, ...] = ()
        if status is not None:
            track = await self._link.send_with_token(
                lambda token: build_track_request(self._settings, tracking_number, token=token), accept=(404,)
            )
            events = read_events(track)
        return shipment_proof(status, events, tracking_number, self._clock.now())
