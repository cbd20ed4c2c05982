"""DHL settings: the API key for the Unified tracking API, and the tokens our push subscription uses."""

from pydantic import Field, SecretStr

from carriers.auth import SharedSecret, SharedSecrets
from carriers.base import BaseUrl, CarrierSettings, Credential


class DhlSettings(CarrierSettings):
    base_url: BaseUrl = Field(default="https://api-eu.dhl.com", description="DHL's API.")
    api_key: Credential = Field(description="The Shipment Tracking – Unified API key (DHL-API-Key).")
    # DHL push authenticates with a static token in a header the subscriber chooses when subscribing.
    webhook_header: str = Field(
        default="X-Webhook-Token", description="The header carrying the token of DHL's pushes, as subscribed."
    )
    webhook_tokens: SharedSecrets = Field(
        default=(),
        description="Every token DHL's pushes may carry now (32 to 512 characters each): during a rotation the old "
                    "and the new one. None (and no webhook_token): DHL cannot push.",
    )
    webhook_token: SharedSecret | None = Field(
        default=None, description="One such token, as it was given before webhook_tokens: taken along with them."
    )

    @property
    def push_credentials(self) -> tuple[SecretStr, ...]:
        """Every token a push may carry."""
        return self.webhook_tokens + ((self.webhook_token,) if self.webhook_token is not None else ())
