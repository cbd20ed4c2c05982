"""PTT Kargo settings: the web-service user (customer number) and password, and the partner-webhook secrets."""

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from carriers.base import BaseUrl, Credential
from carriers.partner.settings import PartnerCarrierSettings


class PttSettings(PartnerCarrierSettings):
    base_url: BaseUrl = Field(default="https://pttws.ptt.gov.tr", description="PTT's web services.")
    username: Annotated[str, StringConstraints(min_length=1, max_length=64)] = Field(
        description="The web-service user (kullanici): our customer number."
    )
    password: Credential = Field(description="Its password (sifre).")
    key: Literal["barkod", "referansNo"] = Field(
        default="barkod",
        description="What our tracking numbers are to PTT: its barcode (gonderiSorgu) or our reference "
                    "(gonderiSorgu_referansNo).",
    )
