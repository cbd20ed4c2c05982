"""Aras Kargo adapter: the only Aras code that does I/O (``GetQueryJSON`` pull; partner push)."""

from carriers.adapter import PartnerPullAdapter, SoapPullAdapter
from carriers.aras.mapping import CODE, build_query_request, parse_query_response
from carriers.aras.settings import ArasSettings
from schemas.proof import ProofOffer
from carriers.base import Capabilities
from carriers.soap import SoapLink


class ArasAdapter(PartnerPullAdapter[ArasSettings, SoapLink], SoapPullAdapter[ArasSettings]):
    code = CODE
    name = "Aras Kargo"
    capabilities = Capabilities(
        pull=ProofOffer(signature=False, photo=False, gps=False, place_text=False, receiver_name=True, masked_names=False),
        push=None,
    )
    build_request = staticmethod(build_query_request)
    parse_response = staticmethod(parse_query_response)
