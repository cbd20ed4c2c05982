"""PTT Kargo adapter: the only PTT code that does I/O (``gonderiSorgu`` pull; partner push)."""

from carriers.adapter import PartnerPullAdapter, SoapPullAdapter
from carriers.base import Capabilities
from carriers.ptt.mapping import CODE, build_query_request, parse_query_response
from carriers.ptt.settings import PttSettings
from carriers.soap import SoapLink


class PttAdapter(PartnerPullAdapter[PttSettings, SoapLink], SoapPullAdapter[PttSettings]):
    code = CODE
    name = "PTT Kargo"
    capabilities = Capabilities(pull=True, push=False, signature=False, photo=False, location=False)
    build_request = staticmethod(build_query_request)
    parse_response = staticmethod(parse_query_response)
