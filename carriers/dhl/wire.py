"""The parts of DHL's Unified tracking payload we read (pull reply and push body share the shipment shape).

Containers hold their parts as raw JSON (``object``): the mapping validates each part on its own, so one
unreadable event or proof-of-delivery block costs that part (with a note), never the whole shipment, and a
malformed shipment for another number never spoils ours.
"""

from typing import Annotated

from pydantic import StrictBool, StrictInt

from carriers.parsing import LENIENT, WireModel


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
    """A shipment's current status; events have the same shape (events may add ``pieceIds``)."""

    timestamp: str | None = None
    location: Place | None = None
    status_code: str | None = None
    status: str | None = None
    description: str | None = None
    piece_ids: list[str] | None = None


class ProofOfDelivery(WireModel):
    timestamp: str | None = None
    signature_url: str | None = None
    document_url: str | None = None
    signed: Person | None = None


class Details(WireModel):
    receiver: Person | None = None
    proof_of_delivery: object = None
    proof_of_delivery_signed_available: Annotated[StrictBool | None, LENIENT] = None
    piece_ids: list[str] | None = None


class Shipment(WireModel):
    id: str | StrictInt | None = None  # strict: a JSON true/false is no shipment number
    destination: Place | None = None
    status: object = None
    details: object = None
    events: list[object] | None = None
    return_flag: Annotated[StrictBool | None, LENIENT] = None  # a value of another type reads as absent


class Shipments(WireModel):
    """The pull reply; the push body adds ``scope`` (``subscription.push`` for shipment updates)."""

    scope: str | None = None
    shipments: list[object] | None = None
