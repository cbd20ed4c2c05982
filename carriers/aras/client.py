"""Aras Kargo adapter: the only Aras code that does I/O (``GetQueryJSON`` pull; partner push)."""

from carriers.adapter import PartnerPullAdapter, SoapPullAdapter
from carriers.aras.mapping import CODE, build_query_request, parse_query_response
from carriers.aras.settings import ArasSettings
from carriers.base import Capabilities
from carriers.partner.webhook import PARTNER_PUSH
from carriers.soap import SoapLink
from schemas.proof import ProofOffer

# GetQueryJSON names who took the parcel (TESLIM_ALAN), unmasked, and nothing else of the delivery.
PULLED = ProofOffer(signature=False, photo=False, gps=False, place_text=False, receiver_name=True, masked_names=False)


class ArasAdapter(PartnerPullAdapter[ArasSettings, SoapLink], SoapPullAdapter[ArasSettings]):
    code = CODE
    name = "Aras Kargo"
    capabilities = Capabilities(pull=PULLED, push=PARTNER_PUSH)  # push: once we hold a secret
    build_request = staticmethod(build_query_request)
    parse_response = staticmethod(parse_query_response)
