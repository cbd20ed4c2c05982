"""DHL settings: the API key for the Unified tracking API, and the token our push subscription uses."""

from pydantic import Field

from carriers.auth import SharedSecret
from carriers.base import BaseUrl, CarrierSettings, Credential


class DhlSettings(CarrierSettings):
    base_url: BaseUrl = Field(default="https://api-eu.dhl.com", description="DHL's API.")
    api_key: Credential = Field(description="The Shipment Tracking – Unified API key (DHL-API-Key).")
    # DHL push authenticates with a static token in a header the subscriber chooses when subscribing.
    webhook_header: str = Field(
        default="X-Webhook-Token", description="The header carrying the token of DHL's pushes, as subscribed."
    )
    webhook_token: SharedSecret | None = Field(
        default=None, description="The token DHL's pushes carry (32 to 512 characters); unset: DHL cannot push."
    )
