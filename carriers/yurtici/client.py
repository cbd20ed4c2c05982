"""Yurtiçi Kargo adapter: the only Yurtiçi code that does I/O (``queryShipment`` pull; partner push)."""

import aiohttp

from carriers.adapter import PartnerPullAdapter, SoapPullAdapter
from carriers.base import Capabilities
from carriers.partner.webhook import PARTNER_PUSH
from carriers.clock import Clock
from carriers.soap import SoapLink
from carriers.yurtici.mapping import CODE, build_query_request, parse_query_response, read_fault, unknown_key
from carriers.yurtici.settings import YurticiSettings
from schemas.proof import ProofOffer

# queryShipment names who took the parcel (receiverInfo), in full; no signature, photo, position or place.
PULL_OFFER = ProofOffer(
    signature=False, photo=False, gps=False, place_text=False, receiver_name=True, masked_names=False
)


class YurticiAdapter(PartnerPullAdapter[YurticiSettings, SoapLink], SoapPullAdapter[YurticiSettings]):
    code = CODE
    name = "Yurtiçi Kargo"
    capabilities = Capabilities(pull=PULL_OFFER, push=PARTNER_PUSH)  # push: once we hold a secret
    build_request = staticmethod(build_query_request)
    parse_response = staticmethod(parse_query_response)

    def _open_link(self, settings: YurticiSettings, session: aiohttp.ClientSession, clock: Clock) -> SoapLink:
        """A SOAP link that reads Yurtiçi's own faults (its request errors come as ``Server`` faults), and hands
        back the one that answers about the key (not Yurtiçi's) for the mapping to read."""
        return SoapLink(
            self.code, settings, session, clock, self.breaker, read_fault=read_fault, answers=unknown_key
        )
