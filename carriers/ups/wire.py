"""The parts of UPS's payloads we read: Track API response and Track Alert ``TrackingEvent`` webhook."""

from pydantic import Field

from carriers.parsing import WireModel


class Address(WireModel):
    city: str | None = None
    state_province: str | None = None
    postal_code: str | None = None
    country: str | None = None
    country_code: str | None = None


class Location(WireModel):
    address: Address | None = None


class Status(WireModel):
    type: str | None = None
    code: str | None = None
    description: str | None = None


class Activity(WireModel):
    date: str | None = None
    time: str | None = None
    gmt_date: str | None = None
    gmt_time: str | None = None
    gmt_offset: str | None = None
    location: Location | None = None
    status: Status | None = None


class Signature(WireModel):
    image: str | None = None


class DeliveryPhoto(WireModel):
    photo: str | None = None


class Pod(WireModel):
    content: str | None = None


class DeliveryInformation(WireModel):
    location: str | None = None
    received_by: str | None = None
    signature: Signature | None = None
    delivery_photo: DeliveryPhoto | None = None
    pod: Pod | None = None


class DeliveryDate(WireModel):
    type: str | None = None  # DEL = delivered (SDD/RDD are scheduled dates)
    date: str | None = None


class DeliveryTime(WireModel):
    type: str | None = None  # DEL = delivered; endTime is then the delivery time
    end_time: str | None = None


class Package(WireModel):
    tracking_number: str | None = None
    current_status: Status | None = None
    activity: list[Activity] | None = None  # most recent first
    delivery_date: list[DeliveryDate] | None = None
    delivery_time: DeliveryTime | None = None
    delivery_information: DeliveryInformation | None = None


class Shipment(WireModel):
    inquiry_number: str | None = None
    package: list[Package] | None = None


class TrackResponse(WireModel):
    shipment: list[Shipment] | None = None


class TrackApiResponse(WireModel):
    track_response: TrackResponse | None = None


class TrackingEvent(WireModel):
    """Track Alert webhook body."""

    tracking_number: str = Field(min_length=1)
    activity_status: Status
    local_activity_date: str | None = None
    local_activity_time: str | None = None
    gmt_activity_date: str | None = None
    gmt_activity_time: str | None = None
    gmt_offset: str | None = None
    actual_delivery_date: str | None = None
    actual_delivery_time: str | None = None
    activity_location: Address | None = None
    delivery_photo: str | None = None
    received_by: str | None = None
