"""PTT Kargo settings: the web-service user (customer number) and password, and the partner-webhook secrets."""

from typing import Annotated, Literal

from pydantic import SecretStr, StringConstraints

from carriers.base import BaseUrl
from carriers.partner.settings import PartnerCarrierSettings


class PttSettings(PartnerCarrierSettings):
    base_url: BaseUrl = "https://pttws.ptt.gov.tr"
    username: Annotated[str, StringConstraints(min_length=1, max_length=64)]  # "kullanici": the customer number
    password: SecretStr  # "sifre"
    # What our tracking numbers are to PTT: its barcode (gonderiSorgu) or our reference (gonderiSorgu_referansNo).
    key: Literal["barkod", "referansNo"] = "barkod"
