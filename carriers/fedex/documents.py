"""FedEx tracking documents: the signature proof of delivery (SPOD) (pure).

FedEx renders the SPOD as a letter carrying the recipient's signature, base64-encoded; it maps to the canonical
``document`` attachment, and to the ``signature`` too when the track reply names who signed or received the parcel
(``mapping._delivery_facts``): FedEx's definition (``SPODResponseVO.document``) says the pages are "the image of the
recipient's signature (if the signature is available) once the shipment has been delivered", and it is the only
signature FedEx gives (karrio maps the same reply as the tracking's ``signature_image``). A reply naming another
``documentType`` is not the SPOD asked for: it gives neither (noted). The published definition lists the pages as
``output.document`` (``spod-document-published.json``); FedEx's own sandbox answers ``output.documents``
(``spod-documents-sandbox.json``, a PDF, with a ``VIRTUAL.RESPONSE`` alert beside it): both are read, and the first
page is kept. The bytes decide the media type, whatever ``documentFormat`` says. A page that is no usable image or
PDF, or a reply that cannot be read at all, costs the document only (a note says why).
"""

from carriers.errors import MalformedResponse
from carriers.fedex.mapping import CODE, api_headers
from carriers.fedex.settings import FedexSettings
from carriers.fedex.wire import DocumentResponse, TrackingNumberInfo, TrackResult
from carriers.http import HttpRequest, HttpResponse
from carriers.parsing import ProofNotes, read_wire
from schemas.proof import Attachment, AttachmentKind, NoteCode

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


def read_spod(response: HttpResponse, notes: ProofNotes) -> Attachment | None:
    """The SPOD's first page, or None when FedEx sent none or (noted) nothing usable."""
    try:
        output = read_wire(DocumentResponse, response.body, carrier=CODE, what="document response").output
    except MalformedResponse:
        notes.add(NoteCode.ATTACHMENT_DROPPED, "output.documents", "the document reply could not be read")
        return None
    if output is None:
        return None
    if output.document_type is not None and output.document_type.strip().upper() != SPOD:
        notes.add(NoteCode.ATTACHMENT_DROPPED, "output.documentType", "the reply is not the signature proof of delivery")
        return None
    field, pages = ("output.documents", output.documents) if output.documents else ("output.document", output.document)
    return notes.inline(AttachmentKind.DOCUMENT, next(iter(pages or ()), None), f"{field}[0]")
