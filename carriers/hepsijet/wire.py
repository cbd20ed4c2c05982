"""The parts of HepsiJET's replies we read, as its integration document and public clients show them (see
``tests/fixtures/carriers/hepsijet/PROVENANCE.md``).

Read tolerantly: unknown fields are ignored, every field is optional, a text field holding anything but text
counts as missing (a delivery or parcel number may also be a number: the document types
``customerDeliveryNo`` Integer), and a list entry that is not an object is left out. Only the envelope must
be what it says: a reply that is not a JSON object, or whose ``data`` is not of its documented kind, is
malformed.
"""

from typing import Annotated, Any

from pydantic import BeforeValidator

from carriers.parsing import WireModel


def _text_or_none(value: Any) -> Any:
    return value if isinstance(value, str) else None


def _number_or_none(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return _text_or_none(value)


def _objects(value: Any) -> Any:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _object_entries(value: Any) -> Any:
    """A list's entries, one that is not an object read as None (unreadable); null entries left out."""
    if not isinstance(value, list):
        return value
    return [item if isinstance(item, dict) else None for item in value if item is not None]


type Text = Annotated[str | None, BeforeValidator(_text_or_none)]
type Number = Annotated[str | None, BeforeValidator(_number_or_none)]  # the document types some numbers Integer


class Envelope(WireModel):
    """What every HepsiJET reply carries: ``status`` OK or FAIL, a ``message``, a ``detailStatus`` on errors."""

    status: Text = None
    message: Text = None
    detail_status: Text = None


class TokenData(WireModel):
    token: Text = None


class TokenReply(Envelope):
    data: TokenData | None = None


class Transaction(WireModel):
    """One step of ``getDeliveryTracking``'s ``transactions[]``."""

    delivery_status: Text = None
    operation_status: Text = None
    transaction_type: Text = None
    transaction_date_time: Text = None
    location: Text = None
    transaction: Text = None  # the step in words: "Dağıtıma çıktı", "TESLİM EDİLDİ"
    non_delivery_reason: Text = None


class Delivery(WireModel):
    """One ``data[]`` entry of ``getDeliveryTracking``: a delivery, or one parcel of it (``barcode``)."""

    customer_delivery_no: Number = None
    barcode: Number = None
    delivery_status: Text = None
    operation_status: Text = None
    transaction_type: Text = None
    receiver: Text = None  # who ordered (masked)
    recipient_name: Text = None  # the addressee (masked)
    delivered_person: Text = None  # who took the parcel, once delivered (masked)
    delivered_date: Text = None  # when, ISO 8601 with offset
    last_transaction: Text = None  # the latest step in words: "Teslim edildi - Mehmet K* (Kendisi)"
    transactions: Annotated[list[Transaction], BeforeValidator(_objects)] = []


class TrackingReply(Envelope):
    data: Annotated[list[Delivery | None] | None, BeforeValidator(_object_entries)] = None


class TrackDetail(WireModel):
    """One of ``integration/track``'s ``details[]``: a main step, with who took the parcel once delivered."""

    transaction_date: Text = None
    integration_status: Text = None
    delivered_person: Text = None
    non_delivery_reason: Text = None


class TrackResult(WireModel):
    barcode: Number = None
    details: Annotated[list[TrackDetail], BeforeValidator(_objects)] = []


class TrackReply(Envelope):
    data: Annotated[list[TrackResult], BeforeValidator(_objects)] = []
