"""Yurtiçi Kargo settings: the web-service user and password, and the partner-webhook secrets."""

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from carriers.base import BaseUrl, Credential
from carriers.partner.settings import PartnerCarrierSettings


class YurticiSettings(PartnerCarrierSettings):
    base_url: BaseUrl = Field(
        default="https://ws.yurticikargo.com", description="Yurtiçi's web services; its test system is "
                                                          "https://testws.yurticikargo.com."
    )
    username: Annotated[str, StringConstraints(min_length=1, max_length=128)] = Field(description="The web-service user.")
    password: Credential = Field(description="Its password.")
    language: Literal["TR", "EN"] = Field(default="TR", description="The language of Yurtiçi's replies.")
    key_type: Literal[0, 1] = Field(
        default=0, description="What our tracking numbers are to Yurtiçi: 0 its cargo key, 1 our invoice key."
    )
