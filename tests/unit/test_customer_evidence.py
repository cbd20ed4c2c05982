"""What a customer adds to their case (an appeal, information while it is open): images stored by reference in
the attachment store only when the change is allowed, recorded on the case and its timeline, the customer told
what happens next, and the policy asked again."""

import hashlib
from dataclasses import replace

import pytest

from disputes.actors import SYSTEM
from disputes.assessment import Assessor
from disputes.errors import Conflict, NotFound
from disputes.model import MAX_SUBMISSIONS
from disputes.next_step import next_step
from disputes.policy import CustomerHistory, PolicySettings, recommend
from disputes.rules import Rules
from disputes.service import DisputeService, Upload
from schemas.common import Outcome
from schemas.dispute import ReasonCode, Status, SubmissionKind
from schemas.recommendation import PolicyRule, RecommendedAction
from tests.factories import AGENT, CUSTOMER, INVESTIGATOR, OTHER_CUSTOMER
from tests.unit import kept_images
from tests.unit.policy.builders import evidence

DOOR = Upload("kapi.jpg", "image/jpeg", b"\xff\xd8\xff\xe0" + b"door-pixels" * 40)
HALLWAY = Upload("koridor.png", "image/png", b"\x89PNG\r\n\x1a\n" + b"hall-pixels" * 40)
WINDOW = Rules().appeal_window

store, cleaner, service = kept_images.store, kept_images.cleaner, kept_images.service  # the fixtures


@pytest.fixture
async def dispute(service, request_for):
    return (await service.open(CUSTOMER, request_for(), None)).dispute


async def rejected(service, dispute_id):
    current = await service.get(INVESTIGATOR, dispute_id)
    return await service.decide(INVESTIGATOR, dispute_id, {current.version}, Outcome.REJECTED,
                                ReasonCode.PROOF_OF_DELIVERY, "İmzalı teslim.", None)


def ref_of(upload: Upload) -> str:
    return "att_" + hashlib.sha256(upload.content).hexdigest()[:40]


async def test_information_added_while_open_keeps_the_images_by_reference(service, dispute, store, clock):
    clock.advance(hours=2)
    added = await service.add_information(CUSTOMER, dispute.id, "Kapıcı paketi almadığını söyledi.", [DOOR, HALLWAY])

    [evidence] = added.customer_evidence
    assert evidence.kind is SubmissionKind.INFORMATION and evidence.submitted_at == clock.now()
    assert [(i.ref, i.filename, i.media_type, i.size) for i in evidence.images] == [
        (ref_of(DOOR), "kapi.jpg", "image/jpeg", len(DOOR.content)),
        (ref_of(HALLWAY), "koridor.png", "image/png", len(HALLWAY.content)),
    ]
    assert store.attachments[ref_of(DOOR)] == ("image/jpeg", DOOR.content)
    assert store.attachments[ref_of(HALLWAY)] == ("image/png", HALLWAY.content)
    assert DOOR.content not in added.model_dump_json().encode()


async def test_information_goes_on_the_timeline_tells_the_customer_and_is_assessed_again(service, dispute, clock):
    clock.advance(hours=2)
    added = await service.add_information(CUSTOMER, dispute.id, "Komşularda da yok.", [DOOR])

    entry = added.timeline[-1]
    assert (entry.action, entry.actor, entry.details) == (
        "information_added", CUSTOMER.id, {"statement": "Komşularda da yok.", "images": [ref_of(DOOR)]})
    assert added.outbox[-1].payload["template"] == "information_received"
    assert added.assess_due == clock.now() and added.status is dispute.status


async def test_the_customer_is_told_the_information_arrived_and_the_date_of_the_answer(service, dispute, clock):
    added = await service.add_information(CUSTOMER, dispute.id, "Komşularda da yok.", [DOOR])

    en, tr = next_step(added, WINDOW)
    decision_due = "23.11.2026"  # opened on Wednesday 18.11.2026: three business days
    assert "We received the information you added on 18.11.2026" in en and f"by {decision_due}" in en
    assert "18.11.2026 tarihinde eklediğiniz bilgileri aldık" in tr
    assert f"En geç {decision_due} tarihinde yanıt vereceğiz" in tr


async def test_information_an_agent_relayed_is_told_as_given_for_the_customer_by_customer_service(service, dispute):
    added = await service.add_information(AGENT, dispute.id, "Müşteri telefonda kapıcının almadığını söyledi.")

    told = added.outbox[-1].payload
    en, tr = next_step(added, WINDOW)
    assert (told["message_en"], told["message"]) == (en, tr)
    assert "We received the information our customer service gave for you on 18.11.2026" in en
    assert "18.11.2026 tarihinde müşteri hizmetlerimizin sizin için ilettiği bilgileri aldık" in tr


async def test_an_appeal_an_agent_filed_is_told_as_made_for_the_customer_by_customer_service(service, dispute, clock):
    await rejected(service, dispute.id)
    clock.advance(hours=1)

    appealed = await service.appeal(AGENT, dispute.id, "Müşteri imzanın kendisine ait olmadığını söylüyor.", [DOOR])

    told = appealed.outbox[-1].payload
    en, tr = next_step(appealed, WINDOW)
    assert (told["template"], told["message_en"], told["message"]) == ("appeal_received", en, tr)
    assert en.startswith("We received the appeal our customer service made for you and the 1 image with it;")
    assert tr.startswith("Müşteri hizmetlerimizin sizin için ilettiği itirazınızı ve 1 görseli aldık;")
    assert "eklediğiniz" not in tr
    assert "you added" not in en and "eklediğiniz" not in tr


async def test_information_from_a_customer_whose_token_subject_is_not_their_customer_id_is_theirs(service, dispute):
    signed_in = replace(CUSTOMER, id="user-7731")  # a token's `sub` and `customer_id` may be two ids

    added = await service.add_information(signed_in, dispute.id, "Kapıcıya sordum, almamış.")

    assert added.customer_evidence[-1].submitted_by == CUSTOMER.customer_id  # so their view names them, not an agent


async def test_an_appealed_case_still_takes_every_piece_of_information(service, dispute, clock):
    await rejected(service, dispute.id)
    clock.advance(hours=1)
    await service.appeal(CUSTOMER, dispute.id, "İmza benim değil; komşular da almamış.")

    for n in range(MAX_SUBMISSIONS):
        case = await service.add_information(CUSTOMER, dispute.id, f"Ek bilgi {n}.")

    kinds = [e.kind for e in case.customer_evidence]
    assert (kinds.count(SubmissionKind.INFORMATION), kinds.count(SubmissionKind.APPEAL)) == (MAX_SUBMISSIONS, 1)


async def test_information_without_images_is_taken_too(service, dispute, store):
    added = await service.add_information(CUSTOMER, dispute.id, "Kapıcı yoktu.")
    assert added.customer_evidence[0].images == [] and "images" not in added.timeline[-1].details
    assert store.attachments == {}


async def test_a_closed_case_takes_no_information_and_nothing_is_decoded_or_stored(service, dispute, store, cleaner):
    await service.withdraw(CUSTOMER, dispute.id, "Buldum")
    with pytest.raises(Conflict, match="withdrawn dispute takes no more information"):
        await service.add_information(CUSTOMER, dispute.id, "Yine de ekliyorum.", [DOOR])
    assert store.attachments == {} and cleaner.cleaned == []
    assert (await service.get(CUSTOMER, dispute.id)).customer_evidence == []


async def test_another_customers_case_or_a_missing_one_takes_nothing_and_decodes_nothing(
    service, dispute, store, cleaner,
):
    with pytest.raises(NotFound):
        await service.add_information(OTHER_CUSTOMER, dispute.id, "Benim değil.", [DOOR])
    with pytest.raises(NotFound):
        await service.appeal(CUSTOMER, "dsp_missing", "Yok böyle bir dosya.", [DOOR, HALLWAY])
    assert store.attachments == {} and cleaner.cleaned == []


async def test_the_images_are_decoded_once_the_case_takes_them_and_what_is_kept_is_the_decoded_copy(
    service, dispute, store,
):
    async def rewritten(upload: Upload) -> Upload:
        return replace(upload, content=b"rewritten:" + upload.filename.encode())

    service.clean_image = rewritten
    added = await service.add_information(CUSTOMER, dispute.id, "Kapının fotoğrafı.", [DOOR])
    [image] = added.customer_evidence[0].images
    kept = Upload(DOOR.filename, DOOR.media_type, b"rewritten:kapi.jpg")
    assert (image.ref, image.size) == (ref_of(kept), len(kept.content))
    assert store.attachments == {ref_of(kept): ("image/jpeg", kept.content)}


async def test_a_case_closed_while_its_images_decode_refuses_them_when_saved(service, dispute, store):
    async def withdrawn_meanwhile(upload: Upload) -> Upload:
        await service.withdraw(CUSTOMER, dispute.id, "Buldum")
        return upload

    service.clean_image = withdrawn_meanwhile
    with pytest.raises(Conflict, match="withdrawn dispute takes no more information"):
        await service.add_information(CUSTOMER, dispute.id, "Kapının fotoğrafı.", [DOOR])
    assert store.attachments == {}
    assert (await service.get(CUSTOMER, dispute.id)).customer_evidence == []


async def test_a_case_takes_a_bounded_number_of_additions(service, dispute, store, cleaner):
    for n in range(MAX_SUBMISSIONS):
        await service.add_information(CUSTOMER, dispute.id, f"Ek bilgi {n}.")
    with pytest.raises(Conflict, match=f"at most {MAX_SUBMISSIONS}"):
        await service.add_information(CUSTOMER, dispute.id, "Bir tane daha.", [DOOR])
    assert store.attachments == {} and cleaner.cleaned == []


async def test_a_customer_who_added_all_the_information_a_case_takes_keeps_the_one_appeal(service, dispute, clock):
    for n in range(MAX_SUBMISSIONS):
        await service.add_information(CUSTOMER, dispute.id, f"Ek bilgi {n}.")
    await rejected(service, dispute.id)
    clock.advance(hours=1)
    appealed = await service.appeal(CUSTOMER, dispute.id, "İmza benim değil; komşular da almamış.")
    assert appealed.status is Status.APPEALED
    assert [e.kind for e in appealed.customer_evidence].count(SubmissionKind.APPEAL) == 1
    assert len(appealed.customer_evidence) == MAX_SUBMISSIONS + 1


async def test_an_appeal_carries_its_images_and_the_customer_is_told_they_arrived(
    service, dispute, store, clock, cleaner,
):
    await rejected(service, dispute.id)
    clock.advance(hours=1)
    appealed = await service.appeal(CUSTOMER, dispute.id, "İmza benim değil; kapının fotoğrafı ekte.", [DOOR])

    assert appealed.status is Status.APPEALED and appealed.appeal.statement.startswith("İmza benim değil")
    [evidence] = appealed.customer_evidence
    assert evidence.kind is SubmissionKind.APPEAL and [i.ref for i in evidence.images] == [ref_of(DOOR)]
    assert appealed.timeline[-1].details["images"] == [ref_of(DOOR)]
    assert store.attachments[ref_of(DOOR)] == ("image/jpeg", DOOR.content)
    assert cleaner.cleaned == ["kapi.jpg"]
    assert appealed.assess_due == clock.now()
    en, tr = next_step(appealed, WINDOW)
    assert "your appeal and the 1 image with it" in en and "eklediğiniz 1 görseli aldık" in tr


async def test_a_refused_appeal_decodes_and_stores_none_of_its_images(service, dispute, store, clock, cleaner):
    with pytest.raises(Conflict, match="Only a rejected"):
        await service.appeal(CUSTOMER, dispute.id, "Erken itiraz.", [DOOR])
    await rejected(service, dispute.id)
    clock.advance(days=WINDOW.days + 1)
    with pytest.raises(Conflict, match="window has closed"):
        await service.appeal(CUSTOMER, dispute.id, "Geç itiraz.", [DOOR])
    assert store.attachments == {} and cleaner.cleaned == []


async def test_an_appeal_without_images_is_as_before(service, dispute):
    await rejected(service, dispute.id)
    appealed = await service.appeal(CUSTOMER, dispute.id, "İmza benim değil.")
    assert appealed.timeline[-1].details == {"statement": "İmza benim değil."}
    assert next_step(appealed, WINDOW)[0].startswith("We received your appeal. You will have our answer by")


async def test_a_service_without_an_attachment_store_refuses_images_rather_than_losing_them(
    repository, orders, clock, request_for,
):
    service = DisputeService(repository, orders, clock, Rules())
    dispute = (await service.open(CUSTOMER, request_for(), None)).dispute
    with pytest.raises(RuntimeError, match="no attachment store"):
        await service.add_information(CUSTOMER, dispute.id, "Foto ekte.", [DOOR])
    assert (await service.get(CUSTOMER, dispute.id)).customer_evidence == []


async def test_what_was_added_before_the_decision_is_not_news_after_it(service, dispute, clock):
    await service.add_information(CUSTOMER, dispute.id, "Kapıcı yoktu.", [DOOR])
    clock.advance(hours=1)
    decided = await rejected(service, dispute.id)
    assert decided.new_customer_evidence() == [] and len(decided.customer_evidence) == 1


async def test_what_the_customer_added_holds_off_an_automatic_rejection_until_a_person_looks(
    service, repository, clock, dispute, due_work,
):
    strong = evidence(key="push:strong", photo=True)  # signed, photographed, at the address, name matching
    await service.apply(SYSTEM, dispute.id, lambda d: d.attach_evidence(SYSTEM, strong, clock.now()))
    await service.add_information(CUSTOMER, dispute.id, "Fotoğraftaki kapı bizim değil.", [DOOR])

    settings = PolicySettings(auto_reject_enabled=True)
    assert await due_work(Assessor(service, repository, settings)).run_once() == 1

    stored = repository.docs[dispute.id]
    unheard = recommend(stored.model_copy(update={"customer_evidence": []}), CustomerHistory(), clock.now(), settings)
    assert (unheard.action, unheard.auto_resolve) == (RecommendedAction.REJECT, True), "the proof alone would reject"
    assert stored.status is Status.UNDER_REVIEW and stored.decision is None
    advice = stored.recommendation
    assert (advice.action, advice.rule, advice.auto_resolve) == (
        RecommendedAction.NEEDS_PERSON, PolicyRule.CUSTOMER_EVIDENCE, False)
    assert advice.findings[0].code == "customer_evidence_added" and advice.findings[0].facts["images"] == 1


async def test_the_same_photo_picked_twice_in_one_submission_is_kept_once_under_the_first_name(
    service, dispute, store, clock,
):
    await rejected(service, dispute.id)
    again = replace(DOOR, filename="IMG_2041.JPG")  # the very bytes, picked again under another name

    appealed = await service.appeal(CUSTOMER, dispute.id, "Kapının fotoğrafı ekte.", [DOOR, HALLWAY, again])

    [evidence] = appealed.customer_evidence
    assert [(i.ref, i.filename) for i in evidence.images] == [(ref_of(DOOR), "kapi.jpg"),
                                                              (ref_of(HALLWAY), "koridor.png")]
    assert appealed.timeline[-1].details["images"] == [ref_of(DOOR), ref_of(HALLWAY)]
    en, tr = next_step(appealed, WINDOW)
    assert "your appeal and the 2 images with it" in en and "eklediğiniz 2 görseli aldık" in tr
