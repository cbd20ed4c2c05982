"""Aras Kargo settings: the query account (user, password, customer code) and the partner-webhook secrets."""

from typing import Annotated

from pydantic import Field, SecretStr, StringConstraints

from carriers.base import BaseUrl
from carriers.partner.settings import PartnerCarrierSettings

Account = Annotated[str, StringConstraints(min_length=1, max_length=128)]


class ArasSettings(PartnerCarrierSettings):
    # Test system: https://customerservicestest.araskargo.com.tr
    base_url: BaseUrl = "https://customerservices.araskargo.com.tr"
    username: Account
    password: SecretStr
    customer_code: Account
    query_type: int = Field(default=1, ge=1, le=99)  # 1: our tracking numbers are Aras integration codes
