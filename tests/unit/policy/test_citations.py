"""Each finding cites what it rests on: the carrier proof (by its evidence key), the field in it, and the stored
attachment that field holds, so a reader can open the very signature or photo a finding speaks of."""

from disputes.policy import CustomerHistory, PolicySettings, recommend
from disputes.policy.findings import location_finding, photo_finding, signature_finding, timing_finding
from disputes.policy.missing import photos_finding
from schemas.dispute import CustomerEvidence, CustomerImage, SubmissionKind
from schemas.proof import Attachment, AttachmentKind
from schemas.recommendation import Citation
from tests.unit.policy.builders import OPENED_AT, dispute, evidence, snapshot

SIGNED = Attachment(kind=AttachmentKind.SIGNATURE, ref="att_" + "5" * 40, media_type="image/png")
PHOTO = Attachment(kind=AttachmentKind.PHOTO, ref="att_" + "7" * 40, media_type="image/jpeg")


def stored(key: str = "push:ev-1"):
    """A proof whose signature and photo are stored by reference."""
    e = evidence(key, photo=True)
    return e.model_copy(update={"proof": e.proof.model_copy(update={"signature": SIGNED, "photo": PHOTO})})


def test_a_signature_finding_cites_the_stored_signature_of_its_proof():
    assert signature_finding(stored()).evidence == [
        Citation(evidence_key="push:ev-1", field="proof.signature", attachment=SIGNED.ref)
    ]
    assert photo_finding(stored()).evidence == [Citation(evidence_key="push:ev-1", field="proof.photo", attachment=PHOTO.ref)]


def test_a_missing_signature_cites_the_empty_field_without_an_attachment():
    unsigned = evidence("ev-2", signature=False)

    assert signature_finding(unsigned).evidence == [Citation(evidence_key="ev-2", field="proof.signature")]


def test_a_signature_the_carrier_linked_but_we_do_not_keep_cites_no_attachment():
    linked = evidence("ev-3")  # the builder's signature is a carrier's URL, not stored here

    assert signature_finding(linked).evidence == [Citation(evidence_key="ev-3", field="proof.signature")]


def test_the_location_and_the_time_are_cited_against_the_orders_own_facts():
    e = stored()
    where = location_finding(e, snapshot(), PolicySettings())
    when = timing_finding(e, snapshot(), OPENED_AT, PolicySettings())

    assert [(c.evidence_key, c.field) for c in where.evidence] == [
        ("push:ev-1", "proof.location"), ("push:ev-1", "proof.recipient_relation"), (None, "order.address")
    ]
    assert [(c.evidence_key, c.field) for c in when.evidence] == [
        ("push:ev-1", "proof.delivered_at"), ("push:ev-1", "proof.events"), (None, "order.delivered_at"), (None, "opened_at")
    ]


def test_the_customers_photos_are_cited_by_reference():
    refs = ["att_" + "1" * 40, "att_" + "2" * 40]

    found = photos_finding(refs)

    assert [(c.field, c.attachment) for c in found.evidence] == [("customer_evidence.images", ref) for ref in refs]
    assert found.facts == {"photos": 2}


def test_every_finding_of_an_assessment_on_strong_proof_cites_something():
    image = CustomerImage(ref="att_" + "9" * 40, media_type="image/jpeg", filename="kapi.jpg", size=100)
    added = CustomerEvidence(kind=SubmissionKind.INFORMATION, statement="Kapı.", images=[image], submitted_at=OPENED_AT,
                             submitted_by="cust-1")
    case = dispute(stored(), added=(added,))

    advice = recommend(case, CustomerHistory(claims=(), accounts_at_address=1), OPENED_AT, PolicySettings())

    assert advice.findings and all(f.evidence for f in advice.findings), [f.code for f in advice.findings if not f.evidence]
    cited = {c.attachment for f in advice.findings for c in f.evidence if c.attachment}
    assert image.ref in cited
