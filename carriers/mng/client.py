"""MNG Kargo adapter: the only MNG code that does I/O (getshipment and trackshipment pull; partner push)."""

from carriers.adapter import OwnTokenPullAdapter
from carriers.base import Capabilities
from carriers.partner.webhook import PARTNER_PUSH
from carriers.mng.mapping import (
    CODE,
    build_shipment_request,
    build_token_request,
    build_track_request,
    read_events,
    read_shipment,
    read_token,
    shipment_proof,
)
from carriers.mng.settings import MngSettings
from carriers.parsing import not_found
from schemas.proof import ProofOfDelivery, ProofOffer


class MngAdapter(OwnTokenPullAdapter[MngSettings]):
    code = CODE
    name = "MNG Kargo"
    # MNG's replies name who took the parcel (``deliveryTo``), unmasked; no signature, photo or position.
    capabilities = Capabilities(
        pull=ProofOffer(
            signature=False, photo=False, gps=False, place_text=False, receiver_name=True, masked_names=False
        ),
        push=PARTNER_PUSH,  # once we hold a secret
    )

    build_token_request = staticmethod(build_token_request)
    read_token = staticmethod(read_token)

    async def _pull(self, tracking_number: str) -> ProofOfDelivery:
        """The shipment first; its history only for a reference MNG knows."""
        response = await self._link.send_with_token(
            lambda token: build_shipment_request(self._settings, tracking_number, token=token), accept=(404,)
        )
        if (record := read_shipment(response, tracking_number)) is None:
            return not_found(CODE, tracking_number, self._clock.now())
        track = await self._link.send_with_token(
            lambda token: build_track_request(self._settings, tracking_number, token=token), accept=(404,)
        )
        return shipment_proof(record, read_events(track), tracking_number, self._clock.now())
