"""The parts of MNG's token, getshipment and trackshipment replies we read (field names: ``OmerKilic0/
MngKargoIntegration``'s response models, see ``tests/fixtures/carriers/mng/PROVENANCE.md``).

Read leniently: unknown fields are ignored, every field is optional, and a field of the wrong kind (a list
where a name belongs, an object where the piece list belongs) is read as absent instead of failing the reply.
Numbers are kept as the carrier wrote them (``5`` → ``"5"``), so codes compare as text.
"""

from typing import Annotated, Any

from pydantic import BeforeValidator

from carriers.parsing import WireModel


def _scalar(value: Any) -> str | None:
    """A JSON string or number as text; true/false, lists and objects are no text."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    return str(value)


def _flag(value: Any) -> str | None:
    """MNG's 0/1 flags as text; a JSON boolean counts as 1 or 0."""
    return str(int(value)) if isinstance(value, bool) else _scalar(value)


def _object(value: Any) -> Any:
    return value if isinstance(value, dict) else None


def _objects(value: Any) -> list[Any]:
    return [entry for entry in value if isinstance(entry, dict)] if isinstance(value, list) else []


Scalar = Annotated[str | None, BeforeValidator(_scalar)]
Flag = Annotated[str | None, BeforeValidator(_flag)]


class TokenReply(WireModel):
    jwt: Scalar = None


class Shipment(WireModel):
    reference_id: Scalar = None
    shipment_id: Scalar = None
    shipment_date_time: Scalar = None
    shipment_status_code: Scalar = None
    is_delivered: Flag = None
    delivery_to: Scalar = None


class Piece(WireModel):
    barcode: Scalar = None


class Party(WireModel):
    full_name: Scalar = None


class Record(WireModel):
    """One entry of the getshipment list."""

    shipment: Annotated[Shipment | None, BeforeValidator(_object)] = None
    shipment_piece_list: Annotated[list[Piece], BeforeValidator(_objects)] = []
    recipient: Annotated[Party | None, BeforeValidator(_object)] = None


class Event(WireModel):
    """One entry of the trackshipment list."""

    reference_id: Scalar = None
    shipment_id: Scalar = None
    event_status: Scalar = None
    event_date_time: Scalar = None
    location: Scalar = None
    location_address: Scalar = None
    delivery_date_time: Scalar = None
    delivery_to: Scalar = None
    description: Scalar = None
