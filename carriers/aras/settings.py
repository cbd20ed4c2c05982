"""Aras Kargo settings: the query account (user, password, customer code) and the partner-webhook secrets."""

from typing import Annotated

from pydantic import Field, StringConstraints

from carriers.base import BaseUrl, Credential
from carriers.partner.settings import PartnerCarrierSettings

Account = Annotated[str, StringConstraints(min_length=1, max_length=128)]


class ArasSettings(PartnerCarrierSettings):
    base_url: BaseUrl = Field(
        default="https://customerservices.araskargo.com.tr",
        description="Aras's customer services; its test system is https://customerservicestest.araskargo.com.tr.",
    )
    username: Account = Field(description="The query account's user, sent in each query's login info.")
    password: Credential = Field(description="Its password.")
    customer_code: Account = Field(description="Our customer code at Aras.")
    query_type: int = Field(
        default=1, ge=1, le=99, description="GetQueryJSON's query type: 1, our tracking numbers are Aras integration codes."
    )
