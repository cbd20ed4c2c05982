"""The parts of FedEx's Track API payloads we read: track by tracking number, and tracking documents."""

from carriers.parsing import WireModel


class Address(WireModel):
    street_lines: list[str] | None = None
    city: str | None = None
    state_or_province_code: str | None = None
    postal_code: str | None = None
    country_code: str | None = None


class TrackingNumberInfo(WireModel):
    tracking_number: str | None = None
    carrier_code: str | None = None
    tracking_number_unique_id: str | None = None


class StatusDetail(WireModel):
    code: str | None = None
    derived_code: str | None = None


class DeliveryDetails(WireModel):
    received_by_name: str | None = None
    signed_by_name: str | None = None
    location_type: str | None = None
    location_description: str | None = None
    actual_delivery_address: Address | None = None


class ScanEvent(WireModel):
    date: str | None = None
    event_type: str | None = None
    derived_status_code: str | None = None
    event_description: str | None = None
    scan_location: Address | None = None


class DateAndTime(WireModel):
    type: str | None = None
    date_time: str | None = None


class AvailableImage(WireModel):
    type: str | None = None


class TrackError(WireModel):
    code: str | None = None


class TrackResult(WireModel):
    tracking_number_info: TrackingNumberInfo | None = None
    latest_status_detail: StatusDetail | None = None
    delivery_details: DeliveryDetails | None = None
    scan_events: list[ScanEvent] | None = None
    date_and_times: list[DateAndTime] | None = None
    available_images: list[AvailableImage] | None = None
    error: TrackError | None = None


class CompleteTrackResult(WireModel):
    tracking_number: str | None = None
    track_results: list[TrackResult] | None = None


class TrackOutput(WireModel):
    complete_track_results: list[CompleteTrackResult] | None = None


class TrackResponse(WireModel):
    output: TrackOutput | None = None


class DocumentOutput(WireModel):
    document_format: str | None = None
    document: list[str] | str | None = None  # the spec says a list of base64 strings; one string is accepted


class DocumentResponse(WireModel):
    output: DocumentOutput | None = None
