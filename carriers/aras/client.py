"""Aras Kargo adapter: the only Aras code that does I/O (``GetQueryJSON`` pull; partner push)."""

from carriers.adapter import PartnerPullAdapter, SoapPullAdapter
from carriers.aras.mapping import CODE, build_query_request, parse_query_response
from carriers.aras.settings import ArasSettings
from carriers.base import Capabilities
from carriers.soap import SoapLink


class ArasAdapter(PartnerPullAdapter[ArasSettings, SoapLink], SoapPullAdapter[ArasSettings]):
    code = CODE
    name = "Aras Kargo"
    capabilities = Capabilities(pull=True, push=False, signature=False, photo=False, location=False)
    build_request = staticmethod(build_query_request)
    parse_response = staticmethod(parse_query_response)
