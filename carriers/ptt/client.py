"""PTT Kargo adapter: the only PTT code that does I/O (``gonderiSorgu`` pull; partner-webhook push)."""

from carriers.adapter import PartnerPullAdapter, SoapPullAdapter
from carriers.base import Capabilities
from carriers.partner.webhook import PARTNER_PUSH
from carriers.ptt.mapping import CODE, build_query_request, parse_query_response
from carriers.ptt.settings import PttSettings
from carriers.soap import SoapLink
from schemas.proof import ProofOffer

# gonderiSorgu names who signed (TESALAN, in full); no image, no coordinates, no place words.
PULL = ProofOffer(signature=False, photo=False, gps=False, place_text=False, receiver_name=True, masked_names=False)


class PttAdapter(PartnerPullAdapter[PttSettings, SoapLink], SoapPullAdapter[PttSettings]):
    code = CODE
    name = "PTT Kargo"
    capabilities = Capabilities(pull=PULL, push=PARTNER_PUSH)  # push: once we hold a secret
    build_request = staticmethod(build_query_request)
    parse_response = staticmethod(parse_query_response)
