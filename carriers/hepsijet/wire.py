"""The parts of HepsiJET's replies we read. Beyond the status and reason codes, the shapes are assumed
(see the package docstring); every field is optional and unknown fields are ignored."""

from carriers.parsing import WireModel


class TokenData(WireModel):
    token: str | None = None


class TokenReply(WireModel):
    status: str | None = None
    token: str | None = None
    data: TokenData | None = None


class Location(WireModel):
    latitude: float | None = None
    longitude: float | None = None
    accuracy: float | None = None  # metres
    address: str | None = None


class Transaction(WireModel):
    transaction_date: str | None = None
    delivery_status: str | None = None
    undelivered_reason: str | None = None
    description: str | None = None
    city: str | None = None
    town: str | None = None


class Delivery(WireModel):
    customer_delivery_no: str | None = None
    delivery_status: str | None = None
    undelivered_reason: str | None = None
    delivered_date: str | None = None
    delivered_to: str | None = None
    delivered_to_relation: str | None = None
    signature_url: str | None = None
    pod_image_url: str | None = None
    delivery_location: Location | None = None
    courier_name: str | None = None
    delivery_branch_name: str | None = None
    transactions: list[Transaction] | None = None


class TrackingReply(WireModel):
    status: str | None = None
    data: list[Delivery] | None = None
