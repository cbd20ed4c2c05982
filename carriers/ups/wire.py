"""The parts of UPS's payloads we read: Track API response and Track Alert ``TrackingEvent`` webhook.

Every field is lenient: a value of the wrong type (``"signature": "xxxxxxx"``, a number where a string
belongs, a stray entry in a list) reads as absent and its name is recorded in the validation context, so
the mapping can note it. Only the webhook's two required fields can make a payload unreadable.
"""

from typing import Annotated

from carriers.parsing import LENIENT, WireModel
from schemas.common import Id

Text = Annotated[str | None, LENIENT]


class Address(WireModel):
    city: Text = None
    state_province: Text = None
    postal_code: Text = None
    country: Text = None
    country_code: Text = None


class Location(WireModel):
    address: Annotated[Address | None, LENIENT] = None


class Status(WireModel):
    """An activity's or the package's status; Track Alert's ``activityStatus`` too."""

    type: Text = None  # D, I, M, MV, U, X
    code: Text = None  # two letters (FS, OT…) on activities; the three digits on a type-less currentStatus
    status_code: Text = None  # three digits (011 delivered, 021 out for delivery…): Track API
    description_code: Text = None  # the same three digits: Track Alert
    description: Text = None


class Activity(WireModel):
    date: Text = None  # local to the activity's place
    time: Text = None
    gmt_date: Text = None
    gmt_time: Text = None
    gmt_offset: Text = None
    location: Annotated[Location | None, LENIENT] = None
    status: Annotated[Status | None, LENIENT] = None


class Signature(WireModel):
    image: Text = None


class DeliveryPhoto(WireModel):
    photo: Text = None


class Pod(WireModel):
    content: Text = None


class DeliveryInformation(WireModel):
    location: Text = None
    received_by: Text = None
    signature: Annotated[Signature | None, LENIENT] = None
    delivery_photo: Annotated[DeliveryPhoto | None, LENIENT] = None
    pod: Annotated[Pod | None, LENIENT] = None


class DeliveryDate(WireModel):
    type: Text = None  # DEL = delivered (SDD/RDD are scheduled dates)
    date: Text = None


class DeliveryTime(WireModel):
    type: Text = None  # DEL = delivered; endTime is then the delivery time
    end_time: Text = None


class Package(WireModel):
    tracking_number: Text = None
    current_status: Annotated[Status | None, LENIENT] = None
    activity: Annotated[list[Annotated[Activity | None, LENIENT]] | None, LENIENT] = None
    delivery_date: Annotated[list[Annotated[DeliveryDate | None, LENIENT]] | None, LENIENT] = None
    delivery_time: Annotated[DeliveryTime | None, LENIENT] = None
    delivery_information: Annotated[DeliveryInformation | None, LENIENT] = None


class Shipment(WireModel):
    inquiry_number: Text = None
    package: Annotated[list[Annotated[Package | None, LENIENT]] | None, LENIENT] = None


class TrackResponse(WireModel):
    shipment: Annotated[list[Annotated[Shipment | None, LENIENT]] | None, LENIENT] = None


class Error(WireModel):
    code: Text = None


class ErrorResponse(WireModel):
    errors: Annotated[list[Annotated[Error | None, LENIENT]] | None, LENIENT] = None


class TrackApiResponse(WireModel):
    track_response: Annotated[TrackResponse | None, LENIENT] = None
    response: Annotated[ErrorResponse | None, LENIENT] = None  # UPS's error envelope


class TrackingEvent(WireModel):
    """Track Alert webhook body: ``trackingNumber`` and ``activityStatus`` are required by UPS's schema (a
    number that is not a plain identifier makes no proof either)."""

    tracking_number: Id  # the canonical proof's identifier, checked as it is read
    activity_status: Status
    local_activity_date: Text = None
    local_activity_time: Text = None
    gmt_activity_date: Text = None
    gmt_activity_time: Text = None
    gmt_offset: Text = None  # "-04.00"
    actual_delivery_date: Text = None
    actual_delivery_time: Text = None
    activity_location: Annotated[Address | None, LENIENT] = None
    delivery_photo: Text = None  # base64, enhanced subscriptions only
    received_by: Text = None
