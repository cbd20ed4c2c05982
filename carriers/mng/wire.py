"""The parts of MNG's token, shipment-status and track replies we read (shapes partly assumed)."""

from pydantic import Field

from carriers.parsing import WireModel


class TokenReply(WireModel):
    jwt: str | None = None


class ShipmentStatus(WireModel):
    reference_id: str | None = None
    shipment_status_code: str | int | None = None
    shipment_status: str | None = None
    is_delivered: bool | int | str | None = None
    delivery_date_time: str | None = None
    delivered_to: str | None = None
    delivery_branch: str | None = None


class Event(WireModel):
    event_date_time: str | None = None
    event_status: str | int | None = None
    description: str | None = None
    location: str | None = None


class Events(WireModel):
    events: list[Event] | None = Field(default=None)
