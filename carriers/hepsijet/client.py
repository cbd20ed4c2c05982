"""HepsiJET adapter: the only HepsiJET code that does I/O (tracking pull; partner-webhook push)."""

import aiohttp

from carriers.adapter import PartnerPullAdapter
from carriers.base import Capabilities
from carriers.clock import Clock
from carriers.hepsijet.mapping import (
    CODE,
    build_token_request,
    build_tracking_request,
    parse_tracking_response,
    read_token,
)
from carriers.hepsijet.settings import HepsijetSettings
from carriers.link import OAuthLink
from schemas.proof import ProofOfDelivery, ProofOffer


class HepsijetAdapter(PartnerPullAdapter[HepsijetSettings, OAuthLink]):
    code = CODE
    name = "HepsiJET"
    capabilities = Capabilities(
        pull=ProofOffer(signature=False, photo=False, gps=False, place_text=False, receiver_name=True, masked_names=True),
        push=None,
    )

    def _open_link(self, settings: HepsijetSettings, session: aiohttp.ClientSession, clock: Clock) -> OAuthLink:
        lifetime = settings.token_lifetime_seconds
        return OAuthLink(
            CODE, settings, session, clock, build_token_request(settings), lambda reply: read_token(reply, lifetime)
        )

    async def _pull(self, tracking_number: str) -> ProofOfDelivery:
        response = await self._link.send_with_token(
            lambda token: build_tracking_request(self._settings, tracking_number, token=token), accept=(404,)
        )
        return parse_tracking_response(response, tracking_number, self._clock.now())
