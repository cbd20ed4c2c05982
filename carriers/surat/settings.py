"""Sürat Kargo settings: the partner-webhook secrets, required since pushing is Sürat's only channel."""

from pydantic import field_validator

from carriers.base import BaseUrl
from carriers.partner.settings import PartnerCarrierSettings, PartnerWebhookSettings


class SuratSettings(PartnerCarrierSettings):
    # Never called: ``CarrierSettings`` requires a base URL, Sürat has no API we pull from.
    base_url: BaseUrl = "https://www.suratkargo.com.tr"
    partner_webhook: PartnerWebhookSettings

    @field_validator("partner_webhook")
    @classmethod
    def _can_push(cls, value: PartnerWebhookSettings) -> PartnerWebhookSettings:
        if not value.enabled:
            raise ValueError("Sürat Kargo pushes only: configure at least one partner webhook secret")
        return value
