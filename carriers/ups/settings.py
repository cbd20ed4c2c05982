"""UPS settings: OAuth2 client credentials for the Track API, and the credential UPS sends to our webhook.

The webhook credential is a static secret agreed with UPS for our Track Alert webhook, checked in the
``webhook_header`` of each push. It must never be an OAuth client ID: UPS's definition (specs/ups/UPSTrackAlert.yaml,
``x-api-key``) says that header may hold "the clientID of the OAUTH token", an identifier anyone who sees one push
knows (RFC 6749 §2.2: "not a secret"). Its length (``SharedSecret``: 32 characters at least) keeps a guessable value
out, and one equal to our own client ID is refused; no token endpoint is offered for UPS's ``clientOauth2`` scheme.
"""

from typing import Annotated

from pydantic import Field, SecretStr, StringConstraints, ValidationInfo, field_validator

from carriers.auth import ClientCredentials, SharedSecret
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
    webhook_credential: SharedSecret | None = Field(
        default=None,
        description="The secret agreed with UPS that its pushes carry (32 to 512 characters), never the OAuth client "
                    "ID x-api-key may hold; unset: UPS cannot push.",
    )

    @field_validator("webhook_credential")
    @classmethod
    def _not_the_client_id(cls, credential: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        """Our OAuth client ID may be in any push (``x-api-key``): as the credential, anyone who saw one push could
        push. The message repeats neither value."""
        credentials = info.data.get("credentials")
        if credential is not None and credentials is not None and credential == credentials.client_id:
            raise ValueError("is the OAuth client ID (credentials.client_id), which UPS's pushes may carry and anyone "
                             "who sees one knows: give a secret agreed with UPS for its pushes alone")
        return credential
