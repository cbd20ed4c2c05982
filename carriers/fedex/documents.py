"""FedEx tracking documents: the signature proof of delivery (SPOD) as a PNG (pure).

FedEx renders the SPOD as a letter carrying the recipient's signature, returned base64-encoded; it maps to
the canonical ``document`` attachment. The spec returns a list of images; the canonical proof has one
document slot, so the first is kept.
"""

from carriers.fedex.mapping import CODE, api_headers
from carriers.fedex.settings import FedexSettings
from carriers.fedex.wire import DocumentResponse, TrackingNumberInfo, TrackResult
from carriers.http import HttpRequest, HttpResponse
from carriers.parsing import inline_attachment, read_wire, reading
from schemas.proof import Attachment, AttachmentKind

DOCUMENT_PATH = "/track/v1/trackingdocuments"
SPOD = "SIGNATURE_PROOF_OF_DELIVERY"


def offers_spod(result: TrackResult) -> bool:
    """Whether to ask for the SPOD: FedEx lists it among the available images, or lists none at all."""
    images = result.available_images
    return images is None or any(image.type == SPOD for image in images)


def build_spod_request(
    settings: FedexSettings, tracking_number: str, info: TrackingNumberInfo | None, *, token: str, transaction_id: str
) -> HttpRequest:
    number: dict[str, str] = {"trackingNumber": tracking_number}
    if info and info.carrier_code:
        number["carrierCode"] = info.carrier_code
    if info and info.tracking_number_unique_id:
        number["trackingNumberUniqueId"] = info.tracking_number_unique_id  # tells duplicate numbers apart
    body = {
        "trackDocumentDetail": {"documentType": SPOD, "documentFormat": "PNG"},
        "trackDocumentSpecification": [{"trackingNumberInfo": number}],
    }
    return HttpRequest(
        "POST", settings.url(DOCUMENT_PATH), headers=api_headers(settings, token, transaction_id), json=body
    )


def parse_spod_response(response: HttpResponse) -> Attachment | None:
    output = read_wire(DocumentResponse, response.body, carrier=CODE, what="document response").output
    pages = (output.document if output else None) or []
    first = pages if isinstance(pages, str) else next(iter(pages), None)
    media_type = "application/pdf" if output and (output.document_format or "").upper() == "PDF" else "image/png"
    with reading(CODE, "document response"):
        return inline_attachment(AttachmentKind.DOCUMENT, first, media_type)
