"""PTT Kargo adapter: the only PTT code that does I/O (``gonderiSorgu`` pull; partner push)."""

from carriers.adapter import PartnerPullAdapter, SoapPullAdapter
from schemas.proof import ProofOffer
from carriers.base import Capabilities
from carriers.ptt.mapping import CODE, build_query_request, parse_query_response
from carriers.ptt.settings import PttSettings
from carriers.soap import SoapLink


class PttAdapter(PartnerPullAdapter[PttSettings, SoapLink], SoapPullAdapter[PttSettings]):
    code = CODE
    name = "PTT Kargo"
    capabilities = Capabilities(
        pull=ProofOffer(signature=False, photo=False, gps=False, place_text=False, receiver_name=True, masked_names=False),
        push=None,
    )
    build_request = staticmethod(build_query_request)
    parse_response = staticmethod(parse_query_response)
