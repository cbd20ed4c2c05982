"""FedEx settings: OAuth2 client credentials (API key and secret key) for the Track API."""

from typing import Annotated

from pydantic import Field, StringConstraints

from carriers.auth import ClientCredentials
from carriers.base import BaseUrl, CarrierSettings


class FedexSettings(CarrierSettings):
    base_url: BaseUrl = Field(
        default="https://apis.fedex.com", description="FedEx's API; its sandbox is https://apis-sandbox.fedex.com."
    )
    credentials: ClientCredentials = Field(description="The Track API's OAuth2 client credentials (API key, secret key).")
    locale: Annotated[str, StringConstraints(pattern=r"^[a-z]{2}_[A-Z]{2}$")] = Field(
        default="en_US", description="The language of FedEx's status descriptions."
    )
