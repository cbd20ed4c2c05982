"""UPS settings: OAuth2 client credentials for the Track API, and the credential UPS sends to our webhook.

The webhook credentials are static secrets agreed with UPS for our Track Alert webhook, checked in the
``webhook_header`` of each push: the one UPS sends, and during a rotation the one it sent before or will send next. It must never be an OAuth client ID: UPS's definition (specs/ups/UPSTrackAlert.yaml,
``x-api-key``) says that header may hold "the clientID of the OAUTH token", an identifier anyone who sees one push
knows (RFC 6749 §2.2: "not a secret"). Their length (``SharedSecret``: 32 characters at least) keeps a guessable
value out, and one equal to our own client ID is refused; no token endpoint is offered for UPS's ``clientOauth2`` scheme.
"""

from typing import Annotated

from pydantic import Field, SecretStr, StringConstraints, ValidationInfo, field_validator

from carriers.auth import ClientCredentials, SharedSecret, SharedSecrets
from carriers.base import BaseUrl, CarrierSettings


class UpsSettings(CarrierSettings):
    # The Track API lives under /api on this host, the token endpoint does not.
    base_url: BaseUrl = Field(
        default="https://onlinetools.ups.com", description="UPS's API; its test environment is https://wwwcie.ups.com."
    )
    credentials: ClientCredentials = Field(description="The Track API's OAuth2 client credentials.")
    transaction_src: Annotated[str, StringConstraints(min_length=1, max_length=64)] = Field(
        default="dispute-service", description="Names us in each call (UPS's transactionSrc header)."
    )
    locale: Annotated[str, StringConstraints(pattern=r"^[a-z]{2}_[A-Z]{2}$")] = Field(
        default="en_US", description="The language of UPS's status descriptions."
    )
    # Track Alert v2 manages webhook credentials outside the subscription request.
    webhook_header: str = Field(
        default="x-api-key", description="The header carrying the credential of UPS's pushes (Track Alert)."
    )
    webhook_credentials: SharedSecrets = Field(
        default=(),
        description="Every secret agreed with UPS that its pushes may carry now (32 to 512 characters each), never "
                    "the OAuth client ID x-api-key may hold: during a rotation the old and the new one. None (and no "
                    "webhook_credential): UPS cannot push.",
    )
    webhook_credential: SharedSecret | None = Field(
        default=None,
        description="One such secret, as it was given before webhook_credentials: taken along with them.",
    )

    @field_validator("webhook_credential", "webhook_credentials")
    @classmethod
    def _not_the_client_id[T: SecretStr | tuple[SecretStr, ...] | None](cls, given: T, info: ValidationInfo) -> T:
        """Our OAuth client ID may be in any push (``x-api-key``): as the credential, anyone who saw one push could
        push. The message repeats neither value."""
        credentials = info.data.get("credentials")
        if credentials is not None and credentials.client_id in (given if isinstance(given, tuple) else (given,)):
            raise ValueError("is the OAuth client ID (credentials.client_id), which UPS's pushes may carry and anyone "
                             "who sees one knows: give a secret agreed with UPS for its pushes alone")
        return given

    @property
    def push_credentials(self) -> tuple[SecretStr, ...]:
        """Every credential a push may carry."""
        return self.webhook_credentials + ((self.webhook_credential,) if self.webhook_credential is not None else ())
