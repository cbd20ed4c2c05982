"""The parts of FedEx's Track API replies we read: track by tracking number, and tracking documents.

Every field is optional, and a value of the wrong JSON type reads as absent rather than failing the reply:
FedEx's replies differ from its published definition (``output.alerts`` is an array in the definition and a
string in FedEx's own example reply), and one odd optional field must not cost the whole proof.
"""

from typing import Annotated

from pydantic import BeforeValidator

from carriers.parsing import WireModel


def _string(value: object) -> object:
    return value if isinstance(value, str) else None


def _object(value: object) -> object:
    return value if isinstance(value, dict) else None


def _objects(value: object) -> object:
    return [entry for entry in value if isinstance(entry, dict)] if isinstance(value, list) else None


def _strings(value: object) -> object:
    if isinstance(value, str):
        return [value]
    return [entry for entry in value if isinstance(entry, str)] if isinstance(value, list) else None


Str = Annotated[str | None, BeforeValidator(_string)]
Strings = Annotated[list[str] | None, BeforeValidator(_strings)]
AnObject = BeforeValidator(_object)
Objects = BeforeValidator(_objects)


class Address(WireModel):
    street_lines: Strings = None
    city: Str = None
    state_or_province_code: Str = None
    postal_code: Str = None
    country_code: Str = None


class TrackingNumberInfo(WireModel):
    tracking_number: Str = None
    carrier_code: Str = None
    tracking_number_unique_id: Str = None


class StatusDetail(WireModel):
    code: Str = None
    derived_code: Str = None


class DeliveryDetails(WireModel):
    received_by_name: Str = None
    signed_by_name: Str = None
    location_type: Str = None
    location_description: Str = None
    actual_delivery_address: Annotated[Address | None, AnObject] = None


class ScanEvent(WireModel):
    date: Str = None
    event_type: Str = None
    derived_status_code: Str = None
    event_description: Str = None
    exception_description: Str = None
    scan_location: Annotated[Address | None, AnObject] = None


class DateAndTime(WireModel):
    type: Str = None
    date_time: Str = None


class AvailableImage(WireModel):
    type: Str = None


class Weight(WireModel):
    value: Str = None
    unit: Str = None


class WeightAndDimensions(WireModel):
    weight: Annotated[list[Weight] | None, Objects] = None


class PackageDetails(WireModel):
    count: Str = None
    weight_and_dimensions: Annotated[WeightAndDimensions | None, AnObject] = None


class CarrierError(WireModel):
    code: Str = None


class TrackResult(WireModel):
    tracking_number_info: Annotated[TrackingNumberInfo | None, AnObject] = None
    latest_status_detail: Annotated[StatusDetail | None, AnObject] = None
    delivery_details: Annotated[DeliveryDetails | None, AnObject] = None
    scan_events: Annotated[list[ScanEvent] | None, Objects] = None
    date_and_times: Annotated[list[DateAndTime] | None, Objects] = None
    available_images: Annotated[list[AvailableImage] | None, Objects] = None
    package_details: Annotated[PackageDetails | None, AnObject] = None
    error: Annotated[CarrierError | None, AnObject] = None


class CompleteTrackResult(WireModel):
    tracking_number: Str = None
    track_results: Annotated[list[TrackResult] | None, Objects] = None


class TrackOutput(WireModel):
    complete_track_results: Annotated[list[CompleteTrackResult] | None, Objects] = None


class TrackResponse(WireModel):
    output: Annotated[TrackOutput | None, AnObject] = None
    errors: Annotated[list[CarrierError] | None, Objects] = None  # FedEx's error envelope (``error-*.json``)


class DocumentOutput(WireModel):
    document_type: Str = None  # SIGNATURE_PROOF_OF_DELIVERY in both samples
    document: Strings = None  # the published definition: ``output.document`` (``spod-document-published.json``)
    documents: Strings = None  # FedEx's sandbox: ``output.documents`` (``spod-documents-sandbox.json``)


class DocumentResponse(WireModel):
    output: Annotated[DocumentOutput | None, AnObject] = None
