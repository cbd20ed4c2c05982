"""Per-carrier settings of the partner webhook: the carrier's secrets, the replay window, the size bound."""

from pydantic import BaseModel, ConfigDict, Field

from carriers.auth import SharedSecrets
from carriers.base import CarrierSettings
from schemas.partner_webhook import MAX_BODY_BYTES


class PartnerWebhookSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)  # inputs are secrets

    secrets: SharedSecrets = Field(
        default=(),
        description="Every secret (32 to 512 characters) a push may be signed with now: during a rotation the old "
                    "and the new one. None: the carrier cannot push, every push is refused.",
    )
    tolerance_seconds: int = Field(
        default=300, ge=1, le=3600, description="How far a push's signed time may be from ours (the replay window)."
    )
    max_body_bytes: int = Field(
        default=MAX_BODY_BYTES, ge=1024, le=MAX_BODY_BYTES, description="Largest push body this carrier may send."
    )

    @property
    def enabled(self) -> bool:
        return bool(self.secrets)


class PartnerCarrierSettings(CarrierSettings):
    """Settings of a carrier that may push through the partner webhook, with its own secrets."""

    partner_webhook: PartnerWebhookSettings = Field(
        default=PartnerWebhookSettings(), description="The carrier's pushes through the partner webhook (docs/partners.md)."
    )


class OwnTokenSettings(PartnerCarrierSettings):
    """A partner carrier whose token service answers in its own shape, without a lifetime (HepsiJET, MNG). An hour
    by default: HepsiJET's document says "Returns token expired in 60 minutes"; MNG's is assumed."""

    token_lifetime_seconds: float = Field(
        default=3600, gt=0, le=86_400,
        description="How long a token is used before a new one is asked for; one refused earlier is replaced on its "
                    "first 401.",
    )
