"""Sürat Kargo settings: the partner-webhook secrets, required since pushing is Sürat's only channel."""

from pydantic import Field, field_validator

from carriers.base import BaseUrl
from carriers.partner.settings import PartnerCarrierSettings, PartnerWebhookSettings


class SuratSettings(PartnerCarrierSettings):
    base_url: BaseUrl = Field(
        default="https://www.suratkargo.com.tr", description="Never called: Sürat has no API we pull from."
    )
    partner_webhook: PartnerWebhookSettings = Field(
        description="Sürat's pushes through the partner webhook, its only channel: at least one secret."
    )

    @field_validator("partner_webhook")
    @classmethod
    def _can_push(cls, value: PartnerWebhookSettings) -> PartnerWebhookSettings:
        if not value.enabled:
            raise ValueError("Sürat Kargo pushes only: configure at least one partner webhook secret")
        return value
