"""HepsiJET adapter: the only HepsiJET code that does I/O (tracking pull; partner-webhook push).

A pull asks ``getDeliveryTracking`` for the parcel's state and steps; for a delivered parcel it then asks
``integration/track`` who took it, the one place HepsiJET names the receiver.
"""

from carriers.adapter import OwnTokenPullAdapter
from carriers.base import Capabilities
from carriers.partner.webhook import PARTNER_PUSH
from carriers.hepsijet.mapping import (
    CODE,
    RECEIVER_REFUSALS,
    build_token_request,
    build_track_request,
    build_tracking_request,
    parse_tracking_response,
    read_token,
    refuses_token,
    wants_receiver,
)
from carriers.hepsijet.settings import HepsijetSettings
from schemas.proof import ProofOfDelivery, ProofOffer


class HepsijetAdapter(OwnTokenPullAdapter[HepsijetSettings]):
    code = CODE
    name = "HepsiJET"
    # The pull replies name who took the parcel (masked, as HepsiJET prints names) and nothing else of the
    # delivery; signature, photo and place arrive by the partner webhook, once we hold a secret.
    capabilities = Capabilities(
        pull=ProofOffer(
            signature=False, photo=False, gps=False, place_text=False, receiver_name=True, masked_names=True
        ),
        push=PARTNER_PUSH,
    )

    build_token_request = staticmethod(build_token_request)
    read_token = staticmethod(read_token)

    async def _pull(self, tracking_number: str) -> ProofOfDelivery:
        settings, received_at = self._settings, self._clock.now()
        tracking = await self._link.send_with_token(
            lambda token: build_tracking_request(settings, tracking_number, token=token),
            accept=(404,),
            refuses_token=refuses_token,
        )
        proof = parse_tracking_response(tracking, tracking_number, received_at)
        if not wants_receiver(proof):
            return proof
        receiver = await self._link.send_with_token(
            lambda token: build_track_request(settings, tracking_number, token=token),
            accept=RECEIVER_REFUSALS,
            refuses_token=refuses_token,
        )
        return parse_tracking_response(tracking, tracking_number, received_at, receiver)
