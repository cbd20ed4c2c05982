"""HepsiJET settings: Basic-auth credentials for the token endpoint, and the partner-webhook secrets."""

from typing import Annotated

from pydantic import Field, SecretStr, StringConstraints

from carriers.base import BaseUrl
from carriers.partner.settings import PartnerCarrierSettings


class HepsijetSettings(PartnerCarrierSettings):
    base_url: BaseUrl = "https://integration.hepsijet.com"  # test: https://integration-apitest.hepsijet.com
    username: Annotated[str, StringConstraints(min_length=1, max_length=128)]
    password: SecretStr
    # The token reply states no lifetime (assumed); a token rejected earlier is replaced on its first 401.
    token_lifetime_seconds: float = Field(default=1800, gt=0, le=86_400)
