"""The parts of DHL's unified tracking payload we read (pull response and push body share it)."""

from carriers.parsing import WireModel


class Address(WireModel):
    address_locality: str | None = None
    postal_code: str | None = None
    country_code: str | None = None


class Place(WireModel):
    address: Address | None = None


class Person(WireModel):
    name: str | None = None
    given_name: str | None = None
    family_name: str | None = None


class Status(WireModel):
    """A shipment's current status; events have the same shape."""

    timestamp: str | None = None
    location: Place | None = None
    status_code: str | None = None
    status: str | None = None
    description: str | None = None


class ProofOfDelivery(WireModel):
    timestamp: str | None = None
    signature_url: str | None = None
    document_url: str | None = None
    signed: Person | None = None


class Details(WireModel):
    receiver: Person | None = None
    proof_of_delivery: ProofOfDelivery | None = None


class Shipment(WireModel):
    id: str | int | None = None
    status: Status | None = None
    details: Details | None = None
    events: list[Status] | None = None


class Shipments(WireModel):
    shipments: list[Shipment] | None = None
