"""MNG Kargo settings: API Connect client keys, the customer account for tokens, partner-webhook secrets."""

from typing import Annotated

from pydantic import Field, SecretStr, StringConstraints

from carriers.auth import ClientCredentials
from carriers.base import BaseUrl
from carriers.partner.settings import PartnerCarrierSettings


class MngSettings(PartnerCarrierSettings):
    base_url: BaseUrl = "https://api.mngkargo.com.tr/mngapi/api"  # test: https://testapi.mngkargo.com.tr/mngapi/api
    api_client: ClientCredentials  # sent as x-ibm-client-id / x-ibm-client-secret
    api_version: Annotated[str, StringConstraints(pattern=r"^[\w.-]{1,64}$")] | None = None  # x-api-version
    customer_number: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    password: SecretStr
    token_lifetime_seconds: float = Field(default=3600, gt=0, le=86_400)
