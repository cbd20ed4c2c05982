"""What the console's case page shows of a carrier's stored proof: pictures inline, documents as links."""

from adapters.web.console.case import proofs
from schemas.proof import Attachment, AttachmentKind
from tests.unit.policy.builders import dispute, evidence


def test_a_stored_signature_is_shown_inline_and_a_pdf_proof_letter_is_linked_not_drawn_as_an_image():
    stored = evidence().model_copy(update={"proof": evidence().proof.model_copy(update={
        "signature": Attachment(kind=AttachmentKind.SIGNATURE, ref="sig1", media_type="image/png"),
        "document": Attachment(kind=AttachmentKind.DOCUMENT, ref="doc1", media_type="application/pdf"),
    })})

    [shown] = proofs(dispute(stored))

    assert [(i.kind, i.src, i.picture) for i in shown.images] == [
        ("signature", "/console/disputes/dsp_policy/attachments/sig1", True),
        ("document", "/console/disputes/dsp_policy/attachments/doc1", False),
    ]


def test_a_tiff_signature_no_browser_draws_is_linked_rather_than_shown_broken():
    stored = evidence().model_copy(update={"proof": evidence().proof.model_copy(update={
        "signature": Attachment(kind=AttachmentKind.SIGNATURE, ref="sig1", media_type="image/tiff"),
    })})

    [shown] = proofs(dispute(stored))

    assert [(i.kind, i.picture) for i in shown.images] == [("signature", False)]
