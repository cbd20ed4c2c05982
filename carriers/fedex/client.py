"""FedEx adapter: the only FedEx code that does I/O (Track API pull, then the SPOD when delivered)."""

from uuid import uuid4

import aiohttp
import structlog

from carriers.adapter import PullAdapter
from carriers.base import Capabilities
from carriers.clock import Clock
from carriers.errors import BadRequest, CarrierAuthError
from carriers.fedex.documents import build_spod_request, offers_spod, read_spod
from carriers.fedex.mapping import (
    CODE,
    REFUSALS,
    SPOD_FIELD,
    build_token_request,
    build_track_request,
    is_delivered,
    read_track_reply,
    track_proof,
)
from carriers.fedex.settings import FedexSettings
from carriers.fedex.wire import TrackResult
from carriers.link import OAuthLink
from carriers.parsing import ProofNotes
from schemas.proof import Attachment, NoteCode, ProofOfDelivery, ProofOffer

log = structlog.get_logger("carriers.fedex")


class FedexAdapter(PullAdapter[FedexSettings, OAuthLink]):
    code = CODE
    name = "FedEx"
    # The signature reaches us as the SPOD letter; the place in words and the delivery address, no coordinates.
    capabilities = Capabilities(
        pull=ProofOffer(
            signature=True, photo=False, gps=False, place_text=True, receiver_name=True, masked_names=False
        ),
        push=None,
    )

    def _open_link(self, settings: FedexSettings, session: aiohttp.ClientSession, clock: Clock) -> OAuthLink:
        return OAuthLink(CODE, settings, session, clock, self.breaker, build_token_request(settings))

    async def _pull(self, tracking_number: str) -> ProofOfDelivery:
        response = await self._link.send_with_token(
            lambda token: build_track_request(self._settings, tracking_number, token=token, transaction_id=uuid4().hex),
            accept=REFUSALS,
        )
        found = read_track_reply(response, tracking_number)
        notes = ProofNotes()
        result = found.result
        document = await self._spod(result, tracking_number, notes) if result and is_delivered(result) else None
        return track_proof(found, tracking_number, self._clock.now(), document, notes)

    async def _spod(self, result: TrackResult, tracking_number: str, notes: ProofNotes) -> Attachment | None:
        """The SPOD, or None when FedEx has none to give. A SPOD the document service refuses (a 400 or 404, a
        403 ``FORBIDDEN.ERROR``: FedEx's definition lists all three for ``/track/v1/trackingdocuments``, or a 401
        that outlasts the token's replacement) costs the document only: the delivery FedEx tracked is kept, with a
        note saying why it has no SPOD. An unavailable document service fails the pull: a proof without its
        signature would read as weak evidence, so it is asked for again."""
        if not offers_spod(result):
            return None
        info = result.tracking_number_info  # names the very shipment when FedEx reuses the number
        try:
            response = await self._link.send_with_token(
                lambda token: build_spod_request(
                    self._settings, tracking_number, info, token=token, transaction_id=uuid4().hex
                )
            )
        except (BadRequest, CarrierAuthError) as exc:
            log.warning("fedex_spod_refused", carrier=CODE, status=exc.status)
            reason = f"FedEx refused the signature proof of delivery ({_refusal(exc)})"
            notes.add(NoteCode.ATTACHMENT_DROPPED, SPOD_FIELD, reason)
            return None
        return read_spod(response, notes)


def _refusal(exc: BadRequest | CarrierAuthError) -> str:
    return f"HTTP {exc.status}" if exc.status else "no HTTP status"
