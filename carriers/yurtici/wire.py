"""The parts of Yurtiçi's ``queryShipment`` reply we read, as ``carriers.soap.xml_data`` renders it.

Element names and nesting follow the service's WSDL (``shippingDeliveryResultVO`` and the types below it; see
``tests/fixtures/carriers/yurtici/PROVENANCE.md``). Every value is a leaf's text: an element that arrives
repeated or with children where the WSDL has one text value is read as missing (``Leaf``), so one odd field
costs that field only.
"""

from typing import Annotated, Any

from pydantic import BeforeValidator, Field

from carriers.parsing import WireModel


def _text_only(value: Any) -> Any:
    return value if isinstance(value, str) else None


type Leaf = Annotated[str | None, BeforeValidator(_text_only)]


def _elements(value: Any) -> list[Any]:
    """A repeated element's entries that have children; an empty or stray text entry is left out."""
    return [v for v in (value if isinstance(value, list) else [value]) if isinstance(v, dict)]


class CargoEvent(WireModel):
    """``InvDocCargoVO``: one scan of the parcel's history."""

    unit_name: Leaf = None
    event_id: Leaf = None
    event_name: Leaf = None
    reason_name: Leaf = None
    event_date: Leaf = None
    event_time: Leaf = None
    city_name: Leaf = None
    town_name: Leaf = None


class ItemDetail(WireModel):
    """``ShippingDeliveryItemDetailVO``: the parcel's delivery, as far as it got."""

    cargo_key: Leaf = None
    receiver_cust_name: Leaf = None
    receiver_info: Leaf = None
    delivery_date: Leaf = None
    delivery_time: Leaf = None
    delivery_unit_name: Leaf = None
    del_emp_name: Leaf = None
    reject_status: Leaf = None
    reject_reason_explanation: Leaf = None
    events: Annotated[list[CargoEvent], BeforeValidator(_elements)] = Field(
        default_factory=list, alias="invDocCargoVOArray"
    )


def _item(value: Any) -> Any:
    return value if isinstance(value, dict) else None


class DeliveryDetail(WireModel):
    """``shippingDeliveryDetailVO``: what Yurtiçi knows about one key."""

    cargo_key: Leaf = None
    err_code: Leaf = None
    invoice_key: Leaf = None
    operation_code: Leaf = None
    operation_status: Leaf = None
    item: Annotated[ItemDetail | None, BeforeValidator(_item)] = Field(
        default=None, alias="shippingDeliveryItemDetailVO"
    )


def _entries(value: Any) -> list[Any]:
    """A repeated element's non-empty entries, one with text and no children read as None (unreadable)."""
    return [_item(v) for v in (value if isinstance(value, list) else [value]) if v is not None]


class DeliveryVO(WireModel):
    """``ShippingDeliveryVO`` (``shippingDeliveryResultVO``): the answer to the whole query."""

    out_flag: Leaf = None
    err_code: Leaf = None
    details: Annotated[list[DeliveryDetail | None], BeforeValidator(_entries)] = Field(
        default_factory=list, alias="shippingDeliveryDetailVO"
    )
