"""UPS settings: OAuth2 client credentials for the Track API, and the credential UPS sends to our webhook."""

from typing import Annotated

from pydantic import SecretStr, StringConstraints

from carriers.auth import ClientCredentials
from carriers.base import BaseUrl, CarrierSettings


class UpsSettings(CarrierSettings):
    # Production; the customer integration environment is https://wwwcie.ups.com. The Track API lives
    # under /api on this host, the token endpoint does not.
    base_url: BaseUrl = "https://onlinetools.ups.com"
    credentials: ClientCredentials
    transaction_src: Annotated[str, StringConstraints(min_length=1, max_length=64)] = "dispute-service"
    locale: Annotated[str, StringConstraints(pattern=r"^[a-z]{2}_[A-Z]{2}$")] = "en_US"
    # Track Alert v2 manages webhook credentials outside the subscription request; the header that
    # carries ours is configurable (the spec documents x-api-key).
    webhook_header: str = "x-api-key"
    webhook_credential: SecretStr | None = None
