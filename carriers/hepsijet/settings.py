"""HepsiJET settings: Basic-auth credentials for the token service, the customer's ``apikey``, and the
partner-webhook secrets."""

from typing import Annotated

from pydantic import Field, StringConstraints

from carriers.base import BaseUrl, Credential
from carriers.partner.settings import OwnTokenSettings


class HepsijetSettings(OwnTokenSettings):
    base_url: BaseUrl = Field(
        default="https://integration.hepsijet.com",
        description="HepsiJET's API; its test system is https://integration-apitest.hepsijet.com.",
    )
    username: Annotated[str, StringConstraints(min_length=1, max_length=128)] = Field(
        description="The token service's user (Basic authentication)."
    )
    password: Credential = Field(description="Its password.")
    apikey: Credential = Field(description="Our customer apikey, sent on every call (HepsiJET's document, v2.0 on).")
