"""FedEx adapter: the only FedEx code that does I/O (Track API pull, then the SPOD when delivered)."""

from uuid import uuid4

import aiohttp
import structlog

from carriers.adapter import PullAdapter
from schemas.proof import ProofOffer
from carriers.base import Capabilities
from carriers.clock import Clock
from carriers.errors import BadRequest
from carriers.fedex.documents import build_spod_request, offers_spod, parse_spod_response
from carriers.fedex.mapping import (
    CODE,
    build_token_request,
    build_track_request,
    read_track_result,
    status_of,
    track_proof,
)
from carriers.fedex.settings import FedexSettings
from carriers.fedex.wire import TrackResult
from carriers.link import OAuthLink
from carriers.parsing import not_found, reading
from schemas.proof import Attachment, ProofOfDelivery, ProofStatus

log = structlog.get_logger("carriers.fedex")


class FedexAdapter(PullAdapter[FedexSettings, OAuthLink]):
    code = CODE
    name = "FedEx"
    capabilities = Capabilities(
        pull=ProofOffer(signature=True, photo=False, gps=False, place_text=True, receiver_name=True, masked_names=False),
        push=None,
    )

    def _open_link(self, settings: FedexSettings, session: aiohttp.ClientSession, clock: Clock) -> OAuthLink:
        return OAuthLink(CODE, settings, session, clock, build_token_request(settings))

    async def _pull(self, tracking_number: str) -> ProofOfDelivery:
        response = await self._link.send_with_token(
            lambda token: build_track_request(self._settings, tracking_number, token=token, transaction_id=uuid4().hex)
        )
        result = read_track_result(response)
        if result is None:
            return not_found(CODE, tracking_number, self._clock.now())
        document = await self._spod(result, tracking_number) if status_of(result) is ProofStatus.DELIVERED else None
        with reading(CODE, "track response"):
            return track_proof(result, tracking_number, self._clock.now(), document)

    async def _spod(self, result: TrackResult, tracking_number: str) -> Attachment | None:
        """The SPOD, or None when FedEx has none to give. An unavailable document service fails the pull:
        a proof without its signature would read as weak evidence."""
        if not offers_spod(result):
            return None
        try:
            response = await self._link.send_with_token(
                lambda token: build_spod_request(
                    self._settings,
                    tracking_number,
                    result.tracking_number_info,
                    token=token,
                    transaction_id=uuid4().hex,
                )
            )
        except BadRequest as exc:
            log.info("fedex_spod_unavailable", carrier=CODE, status=exc.status)
            return None
        return parse_spod_response(response)
