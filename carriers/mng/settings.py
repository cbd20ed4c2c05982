"""MNG Kargo settings: API Connect client keys, the customer account for tokens, partner-webhook secrets."""

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from carriers.auth import ClientCredentials
from carriers.base import BaseUrl, Credential
from carriers.partner.settings import OwnTokenSettings


class MngSettings(OwnTokenSettings):
    base_url: BaseUrl = Field(
        default="https://api.mngkargo.com.tr/mngapi/api",
        description="MNG's API; its test system is https://testapi.mngkargo.com.tr/mngapi/api.",
    )
    api_client: ClientCredentials = Field(
        description="The API Connect client keys, sent as x-ibm-client-id and x-ibm-client-secret."
    )
    api_version: Annotated[str, StringConstraints(pattern=r"^[\w.-]{1,64}$")] | None = Field(
        default=None, description="Sent as x-api-version; unset: not sent."
    )
    customer_number: Annotated[str, StringConstraints(min_length=1, max_length=64)] = Field(
        description="The customer account tokens are asked for."
    )
    password: Credential = Field(description="Its password.")
    key: Literal["referenceId", "shipmentId"] = Field(
        default="referenceId",
        description="What our tracking numbers are to MNG: our reference (getshipment, trackshipment) or MNG's "
                    "shipment id (getshipmentByShipmentId, trackshipmentByShipmentId).",
    )
