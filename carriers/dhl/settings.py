"""DHL settings: the API key for the Unified tracking API, and the token our push subscription uses."""

from pydantic import SecretStr

from carriers.base import BaseUrl, CarrierSettings


class DhlSettings(CarrierSettings):
    base_url: BaseUrl = "https://api-eu.dhl.com"
    api_key: SecretStr
    # DHL push authenticates with a static token in a header the subscriber chooses when subscribing.
    webhook_header: str = "X-Webhook-Token"
    webhook_token: SecretStr | None = None
