"""HepsiJET settings: Basic-auth credentials for the token service, the customer's ``apikey``, and the
partner-webhook secrets."""

from typing import Annotated

from pydantic import Field, SecretStr, StringConstraints

from carriers.base import BaseUrl
from carriers.partner.settings import PartnerCarrierSettings


class HepsijetSettings(PartnerCarrierSettings):
    base_url: BaseUrl = "https://integration.hepsijet.com"  # test: https://integration-apitest.hepsijet.com
    username: Annotated[str, StringConstraints(min_length=1, max_length=128)]
    password: SecretStr
    apikey: SecretStr  # "unique apikey for each customer", on every call since the document's v2.0
    # The document: "Returns token expired in 60 minutes"; a token refused earlier is replaced on its first 401.
    token_lifetime_seconds: float = Field(default=3600, gt=0, le=86_400)
