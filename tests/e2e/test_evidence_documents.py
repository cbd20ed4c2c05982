"""A carrier's PDF proof (FedEx's signature proof of delivery, pulled from the carrier sandbox in FedEx's wire
format) is served inline, for investigators to read, in a sandbox: `Content-Security-Policy: sandbox` without
allow-scripts, and nosniff, by the API and by the console alike, whole or in part."""

import pytest

from tests.e2e.conftest import CUSTOMER, INVESTIGATOR, eventually, orders_file_document
from tests.e2e.test_console import staff
from tests.factories import order, shipment

SIGNED = order("ord-spod", shipments=[shipment("shp-spod", carrier="fedex")])
ROUTES = {"api": "/v1/disputes", "console": "/console/disputes"}


@pytest.fixture
def orders_document():
    return orders_file_document([SIGNED])


@pytest.fixture
def carrier_cases():
    return [(SIGNED, "delivered", "Ayşe Yılmaz")]


async def pulled_document(api) -> tuple[str, str]:
    """The case opened on the signed FedEx parcel, and the reference of the PDF its pulled proof carries."""
    opened = await api.post("/v1/disputes", headers=CUSTOMER, json={
        "order_id": SIGNED.order_id, "statement": "Teslim görünüyor ama gelmedi.", "preferred_resolution": "refund"})
    assert opened.status == 201, await opened.text()
    dispute_id = (await opened.json())["id"]

    async def document() -> str | None:
        case = await (await api.get(f"/v1/disputes/{dispute_id}", headers=INVESTIGATOR)).json()
        return next((e["proof"]["document"]["ref"] for e in case["evidence"] if e["proof"]["document"]), None)

    ref = await eventually(document, timeout=15)
    assert ref is not None, "FedEx's proof of delivery was not pulled"
    return dispute_id, ref


@pytest.mark.parametrize("route", ROUTES)
async def test_a_carriers_pdf_is_served_inline_in_a_sandbox_without_scripts(api, route):
    dispute_id, ref = await pulled_document(api)
    url, headers = f"{ROUTES[route]}/{dispute_id}/attachments/{ref}", INVESTIGATOR if route == "api" else staff()

    whole = await api.get(url, headers=headers)
    part = await api.get(url, headers={**headers, "Range": "bytes=0-4"})

    assert whole.status == 200 and whole.content_type == "application/pdf"
    assert (await whole.read()).startswith(b"%PDF-") and await part.read() == b"%PDF-"
    for response in (whole, part):
        directives = [d.strip() for d in response.headers["Content-Security-Policy"].split(";")]
        assert directives[0] == "sandbox" and "allow-scripts" not in response.headers["Content-Security-Policy"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Content-Disposition"] == f'inline; filename="document-{ref}.pdf"'


async def test_staff_download_the_carrier_s_raw_reply_a_proof_was_read_from_and_the_customer_does_not(api):
    # README (Carrier evidence): kept "so a liability claim can show exactly what the carrier said and when".
    dispute_id, _ = await pulled_document(api)
    case = await (await api.get(f"/v1/disputes/{dispute_id}", headers=INVESTIGATOR)).json()
    [raw_ref] = {e["proof"]["raw_ref"] for e in case["evidence"] if e["proof"]["raw_ref"]}
    url = f"/v1/disputes/{dispute_id}/attachments/{raw_ref}"

    reply = await api.get(url, headers=INVESTIGATOR)
    refused = await api.get(url, headers=CUSTOMER)

    assert reply.status == 200 and reply.content_type == "application/json", await reply.text()
    assert reply.headers["Content-Disposition"] == f'attachment; filename="raw_reply-{raw_ref}.json"'
    kept = await reply.json()  # each of FedEx's answers to the pull, its body as FedEx sent it
    assert kept["carrier"] == "fedex" and '"completeTrackResults"' in kept["replies"][0]["body"]
    assert SIGNED.shipments[0].tracking_number in kept["replies"][0]["body"]
    assert refused.status == 403
    page = await (await api.get(f"/console/disputes/{dispute_id}", headers=staff())).text()
    link = f"/console/disputes/{dispute_id}/attachments/{raw_ref}"
    assert f'<a href="{link}" download>' in page  # the console offers it too, as a download
    assert (await api.get(link, headers=staff())).headers["Content-Disposition"].startswith("attachment;")
    timeline = await (await api.get(f"/v1/disputes/{dispute_id}/timeline", headers=INVESTIGATOR)).json()
    viewed = [e["details"] for e in timeline["entries"] if e["action"] == "attachment_viewed"]
    assert viewed == [{"attachment": raw_ref, "kind": "raw_reply"}]  # one viewer: once within the hour
