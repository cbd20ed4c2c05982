"""After retention deleted a closed case's images and the carrier's raw replies, everything that pointed at them says
so: the customer's and the investigator's views show a marker per image (no reference, no file name), the carrier's
proof keeps its facts but no reference, findings link no attachment, the timeline records the deletion and the
console says "deleted after retention" where it drew the image. Retention is stood in for by making the case due
now in the database: the worker's next pass does the rest."""

from datetime import timedelta

import pytest

from adapters.web.evidence_api import EVIDENCE
from tests.e2e.conftest import CUSTOMER, INVESTIGATOR, eventually
from tests.e2e.test_console import staff
from tests.e2e.test_customer_evidence import form, photo
from tests.e2e.test_evidence_documents import carrier_cases, orders_document, pulled_document  # noqa: F401

FILE_NAME = "ayse-yilmaz-0532-555-12-12.jpg"
PERSONAL = ("Ayşe Yılmaz", "Şükrü Güneş", "+90 532 111 22 33", "Bağdat Cad. No:12 D:4", "Kapının fotoğrafı.", "Buldum.")
"""What the e2e order (`tests/factories.order`) and the customer's words put on the case."""


@pytest.fixture
def app_changes() -> dict:
    return {"retention_interval_seconds": 0.05}


async def purged_case(api, clock) -> tuple[str, str, dict]:
    """A FedEx case with its pulled proof document and the customer's photo, withdrawn, whose retention came; its id,
    the document's reference and the photo as the case listed it."""
    dispute_id, document = await pulled_document(api)

    async def assessed() -> bool:  # the policy has read the proof: a finding cites its document
        case = await (await api.get(f"/v1/disputes/{dispute_id}", headers=INVESTIGATOR)).json()
        findings = (case["recommendation"] or {}).get("findings", [])
        return any(f["code"] == "document_present" for f in findings)

    assert await eventually(assessed, timeout=10)
    added = await api.post(f"/v1/disputes/{dispute_id}/information", headers=CUSTOMER,
                           data=form("Kapının fotoğrafı.", (FILE_NAME, photo(), "image/jpeg")))
    assert added.status == 201, await added.text()
    [door] = (await added.json())["customer_evidence"][0]["images"]
    assert door["filename"] == FILE_NAME
    withdrawn = await api.post(f"/v1/disputes/{dispute_id}/withdraw", headers=CUSTOMER, json={"reason": "Buldum."})
    assert withdrawn.status == 200, await withdrawn.text()
    disputes = api.app[EVIDENCE].disputes.collection

    async def settled() -> bool:  # no other work on it left, which would save it and move its retention back
        doc = await disputes.find_one({"_id": dispute_id}, {"due": 1, "lease": 1})
        return set(doc.get("due", {})) <= {"retention", "relay"} and not doc.get("lease")

    assert await eventually(settled, timeout=10)
    clock.offset = timedelta(days=366)  # the default deletes the images 365 days after the case closes

    async def purged() -> bool:
        case = await (await api.get(f"/v1/disputes/{dispute_id}", headers=CUSTOMER)).json()
        return bool(case["customer_evidence"][0]["deleted_images"])

    await eventually(purged, timeout=10, explain="retention did not run")
    return dispute_id, document, door


async def test_the_views_show_a_marker_for_each_deleted_image_without_its_reference_or_file_name(api, clock):
    dispute_id, document, door = await purged_case(api, clock)

    for headers in (CUSTOMER, INVESTIGATOR):
        response = await api.get(f"/v1/disputes/{dispute_id}", headers=headers)
        text = await response.text()
        [added] = (await response.json())["customer_evidence"]
        assert added["images"] == [] and added["deleted_images"] == [{"media_type": "image/jpeg", "size": door["size"]}]
        assert FILE_NAME not in text and door["ref"] not in text and document not in text
    case = await (await api.get(f"/v1/disputes/{dispute_id}", headers=INVESTIGATOR)).json()
    [proof] = [e["proof"] for e in case["evidence"] if e["proof"]["document"]]
    assert proof["document"] == {"kind": "document", "url": None, "content_b64": None, "media_type": "application/pdf",
                                 "ref": None, "deleted": True}
    assert proof["raw_ref"] is None and proof["status"] == "delivered"
    [present] = [f for f in case["recommendation"]["findings"] if f["code"] == "document_present"]
    assert [(c["field"], c["attachment"]) for c in present["evidence"]] == [("proof.document", None)]


async def test_the_timeline_records_the_deletion_and_the_images_are_no_longer_served(api, clock):
    dispute_id, document, door = await purged_case(api, clock)

    timeline = await (await api.get(f"/v1/disputes/{dispute_id}/timeline", headers=INVESTIGATOR)).json()
    [deleted] = [e for e in timeline["entries"] if e["action"] == "images_deleted"]
    assert deleted["role"] == "service" and deleted["details"] == {"note": "images and carrier replies deleted under retention"}
    for ref, headers in ((door["ref"], CUSTOMER), (document, INVESTIGATOR)):
        response = await api.get(f"/v1/disputes/{dispute_id}/attachments/{ref}", headers=headers)
        assert response.status == 404 and response.content_type == "application/problem+json"


@pytest.mark.parametrize("language, words", [("en", "Deleted after retention."),
                                             ("tr", "Saklama süresi dolduğu için silindi.")])
async def test_the_console_says_deleted_after_retention_instead_of_drawing_the_images(api, clock, language, words):
    dispute_id, document, door = await purged_case(api, clock)

    chosen = {"Cookie": f"{staff()['Cookie']}; console_lang={language}"}
    page = await (await api.get(f"/console/disputes/{dispute_id}", headers=chosen)).text()

    assert page.count(words) == 3  # FedEx's signed SPOD, as the signature and as the document; the customer's photo
    assert "<img" not in page.split('id="proof-h"')[1].split("</section>")[0]
    assert f"attachments/{door['ref']}" not in page and f"attachments/{document}" not in page and FILE_NAME not in page


async def test_a_case_anonymised_its_personal_data_retention_after_closing_reads_back_in_the_api_and_console(
    api, clock
):
    dispute_id, document, door = await purged_case(api, clock)
    disputes = api.app[EVIDENCE].disputes.collection
    clock.offset = timedelta(days=731)  # the default keeps personal data 730 days after closing
    await disputes.update_one({"_id": dispute_id}, {"$set": {"due.retention": clock.now()}})

    async def anonymised() -> bool:
        doc = await disputes.find_one({"_id": dispute_id}, {"anonymised_at": 1})
        return doc.get("anonymised_at") is not None

    assert await eventually(anonymised, timeout=10), "the personal data was not anonymised"
    for headers, path in ((CUSTOMER, ""), (INVESTIGATOR, ""), (INVESTIGATOR, "/timeline")):
        response = await api.get(f"/v1/disputes/{dispute_id}{path}", headers=headers)
        text = await response.text()
        assert response.status == 200, text
        assert not [said for said in PERSONAL if said in text]
    page = await api.get(f"/console/disputes/{dispute_id}", headers=staff())
    text = await page.text()
    assert page.status == 200 and not [said for said in PERSONAL if said in text]
    timeline = await (await api.get(f"/v1/disputes/{dispute_id}/timeline", headers=INVESTIGATOR)).json()
    assert timeline["entries"][-1]["action"] == "personal_data_anonymised"


async def test_the_service_dates_retention_by_the_settings_it_starts_with(api):
    # What a later start-up compares a lowered setting with (`adapters/mongo/retention_dates.py`), in the background.
    db = api.app[EVIDENCE].disputes.collection.database
    record = await eventually(lambda: db.migrations.find_one({"_id": "retention_dated_by"}), timeout=10)  # dated
    assert record["settings"] == {"images_seconds": 365 * 86_400, "personal_data_seconds": 730 * 86_400,
                                  "pushes_seconds": 365 * 86_400}
