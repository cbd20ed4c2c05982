"""The digital delivery record of one order line (a game code, licence key or gift card): where the code or
link was sent, when, and whether the customer opened and activated it. Its ``sent_to`` is personal (an
e-mail address or an app account), so ``repr``/``str`` show only the allow-listed fields."""

from collections.abc import Iterator
from enum import StrEnum
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from schemas.common import Timestamp


class DigitalChannel(StrEnum):
    EMAIL = "email"
    APP = "app"
    SMS = "sms"
    UNKNOWN = "unknown"


class DigitalState(StrEnum):
    """How far the delivery got, in order."""

    NOT_SENT = "not_sent"
    LINK_MISSING = "link_missing"
    SENT = "sent"
    OPENED = "opened"
    ACTIVATED = "activated"


class DigitalDelivery(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    _shown: ClassVar[tuple[str, ...]] = ("sku", "state", "channel", "sent_at", "opened_at", "activated_at")

    order_id: str
    sku: str
    found: bool = Field(description="The provider has a delivery record for the line at all.")
    channel: DigitalChannel = DigitalChannel.UNKNOWN
    sent_to: str | None = Field(default=None, description="The address or app account it was sent to, as the provider masks it.")
    sent_at: Timestamp | None = None
    link_present: bool | None = Field(
        default=False, description="The message carried the code or a working link; null: the provider did not say."
    )
    opened_at: Timestamp | None = None
    activated_at: Timestamp | None = None
    received_at: Timestamp = Field(description="When this service received the record.")

    def __repr_args__(self) -> Iterator[tuple[str, Any]]:
        return ((name, getattr(self, name)) for name in self._shown)

    @property
    def state(self) -> DigitalState:
        if not self.found:
            return DigitalState.NOT_SENT
        if self.activated_at is not None:
            return DigitalState.ACTIVATED
        if self.sent_at is None:
            return DigitalState.NOT_SENT
        if self.link_present is False:  # said so: a record that says nothing of it is no proof it was missing
            return DigitalState.LINK_MISSING
        return DigitalState.OPENED if self.opened_at is not None else DigitalState.SENT
