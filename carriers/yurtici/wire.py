"""The parts of Yurtiçi's ``queryShipment`` reply we read, as ``carriers.soap.xml_data`` renders it."""

from pydantic import AliasChoices, Field

from carriers.parsing import WireModel
from carriers.soap import XmlList


class CargoEvent(WireModel):
    event_id: str | None = None
    event_name: str | None = None
    reason_name: str | None = None
    unit_name: str | None = None
    city_name: str | None = None
    town_name: str | None = None
    event_date: str | None = None
    event_time: str | None = None


class ItemDetail(WireModel):
    receiver_cust_name: str | None = None
    receiver_info: str | None = None
    delivery_date: str | None = None
    delivery_time: str | None = None
    delivery_unit_name: str | None = None
    del_emp_name: str | None = None
    cargo_event_explanation: str | None = None
    cargo_reason_explanation: str | None = None
    events: XmlList[CargoEvent] | None = Field(
        default=None, validation_alias=AliasChoices("invDocCargoVOArray", "cargoEventVO")
    )


class DeliveryDetail(WireModel):
    cargo_key: str | None = None
    operation_status: str | None = None
    operation_message: str | None = None
    err_code: str | None = None
    item: ItemDetail | None = Field(default=None, alias="shippingDeliveryItemDetailVO")


class DeliveryVO(WireModel):
    out_flag: str | None = None
    out_result: str | None = None
    details: XmlList[DeliveryDetail] | None = Field(default=None, alias="shippingDeliveryDetailVO")
