"""Yurtiçi Kargo settings: the web-service user and password, and the partner-webhook secrets."""

from typing import Annotated, Literal

from pydantic import SecretStr, StringConstraints

from carriers.base import BaseUrl
from carriers.partner.settings import PartnerCarrierSettings


class YurticiSettings(PartnerCarrierSettings):
    base_url: BaseUrl = "https://ws.yurticikargo.com"  # test: https://testws.yurticikargo.com
    username: Annotated[str, StringConstraints(min_length=1, max_length=128)]
    password: SecretStr
    language: Literal["TR", "EN"] = "TR"
    key_type: Literal[0, 1] = 0  # what our tracking numbers are to Yurtiçi: 0 cargo key, 1 invoice key
