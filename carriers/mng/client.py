"""MNG Kargo adapter: the only MNG code that does I/O (status and track pull; partner push)."""

import aiohttp

from carriers.adapter import PartnerPullAdapter
from schemas.proof import ProofOffer
from carriers.base import Capabilities
from carriers.clock import Clock
from carriers.link import OAuthLink
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
from schemas.proof import ProofOfDelivery, TrackingEvent


class MngAdapter(PartnerPullAdapter[MngSettings, OAuthLink]):
    code = CODE
    name = "MNG Kargo"
    capabilities = Capabilities(
        pull=ProofOffer(signature=False, photo=False, gps=False, place_text=False, receiver_name=True, masked_names=False),
        push=None,
    )

    def _open_link(self, settings: MngSettings, session: aiohttp.ClientSession, clock: Clock) -> OAuthLink:
        lifetime = settings.token_lifetime_seconds
        return OAuthLink(
            CODE, settings, session, clock, build_token_request(settings), lambda reply: read_token(reply, lifetime)
        )

    async def _pull(self, tracking_number: str) -> ProofOfDelivery:
        """The status first; the track history only for a reference MNG knows."""
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
