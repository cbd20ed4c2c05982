"""FedEx settings: OAuth2 client credentials (API key and secret key) for the Track API."""

from typing import Annotated

from pydantic import StringConstraints

from carriers.auth import ClientCredentials
from carriers.base import BaseUrl, CarrierSettings


class FedexSettings(CarrierSettings):
    base_url: BaseUrl = "https://apis.fedex.com"  # sandbox: https://apis-sandbox.fedex.com
    credentials: ClientCredentials
    locale: Annotated[str, StringConstraints(pattern=r"^[a-z]{2}_[A-Z]{2}$")] = "en_US"
