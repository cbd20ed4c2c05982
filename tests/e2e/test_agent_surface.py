"""The customer-service agent's surface, end to end: an accessibility need recorded after a decision raises the next
review's priority; a file name sent percent-encoded is read as the name the customer gave."""

import pytest

from tests.e2e.conftest import AGENT, INVESTIGATOR

PHONE = {"order_id": "ord-1", "customer_id": "cust-1", "channel": "phone",
         "statement": "Müşteri telefonda kargonun gelmediğini söyledi.", "preferred_resolution": "refund"}
REJECT = {"outcome": "rejected", "reason_code": "proof_of_delivery", "note": "İmzalı teslim, konum adreste."}


async def rejected_by_phone(api) -> str:
    opened = await api.post("/v1/disputes", json=PHONE, headers=AGENT)
    assert opened.status == 201, await opened.text()
    one = f"/v1/disputes/{(await opened.json())['id']}"
    decided = await api.post(one + "/decision", json=REJECT, headers={**INVESTIGATOR, "If-Match": "*"})
    assert decided.status == 200, await decided.text()
    return one


async def test_a_need_recorded_after_a_rejection_gives_the_appeal_priority_1(api):
    """README (Roles): a customer with an accessibility need 'gets priority 1 and a decision deadline of 2 business
    days instead of 3 (the queue is ordered by it), in an appeal or a reopening too'."""
    one = await rejected_by_phone(api)
    declared = await api.post(one + "/accessibility-need", headers=AGENT)
    assert declared.status == 200, await declared.text()
    appealed = await api.post(one + "/appeal", json={"statement": "Müşteri imzanın kendisine ait olmadığını söylüyor."},
                              headers=AGENT)
    assert appealed.status == 200, await appealed.text()
    staff = await (await api.get(one, headers=INVESTIGATOR)).json()
    assert staff["status"] == "appealed" and staff["accessibility_need"] is True
    # appealed Wed 18.11.2026 12:30 Istanbul: 2 business days -> end of Fri 20.11 (21:00Z), not Mon 23.11
    assert staff["sla"]["decision_due"] == "2026-11-20T21:00:00.000Z"
    assert staff["priority"] == 1


async def test_a_percent_encoded_file_name_is_shown_as_the_name_the_customer_gave(api):
    """RFC 7578 §4.2: a multipart file name 'MAY be encoded using the percent-encoding method'; aiohttp's client
    (FormData's default) sends `filename="kap%C4%B1%20foto%C4%9Fraf%C4%B1.jpg"`. schemas/dispute.py CustomerImage:
    filename is 'The name the customer's device gave the file.'"""
    from aiohttp import FormData
    from tests.e2e.test_customer_evidence import photo

    opened = await api.post("/v1/disputes", json=PHONE, headers=AGENT)
    one = f"/v1/disputes/{(await opened.json())['id']}"
    data = FormData(default_to_multipart=True)  # as an agent desktop written with aiohttp sends it
    data.add_field("statement", "Müşterinin WhatsApp'tan gönderdiği kapı fotoğrafı.")
    data.add_field("images", photo(), filename="kapı fotoğrafı.jpg", content_type="image/jpeg")
    added = await api.post(one + "/information", data=data, headers=AGENT)
    assert added.status == 201, await added.text()
    [image] = (await added.json())["customer_evidence"][-1]["images"]
    assert image["filename"] == "kapı fotoğrafı.jpg"


async def test_a_need_recorded_after_a_decision_gives_the_reopened_review_priority_1(api):
    """The same for a reopening (README §Roles: '... in an appeal or a reopening too')."""
    from tests.e2e.conftest import SUPERVISOR

    opened = await api.post("/v1/disputes", json=PHONE, headers=AGENT)
    one = f"/v1/disputes/{(await opened.json())['id']}"
    refund = {"outcome": "refund", "reason_code": "carrier_no_proof", "note": "Kanıt yok."}
    assert (await api.post(one + "/decision", json=refund, headers={**INVESTIGATOR, "If-Match": "*"})).status == 200
    assert (await api.post(one + "/accessibility-need", headers=AGENT)).status == 200
    reopened = await api.post(one + "/reopen", json={"reason": "Ödeme reddedildi."}, headers=SUPERVISOR)
    assert reopened.status == 200, await reopened.text()
    staff = await reopened.json()
    assert staff["sla"]["decision_due"] == "2026-11-20T21:00:00.000Z"  # 2 business days from Wed 18.11
    assert staff["priority"] == 1


async def test_a_body_an_operation_does_not_read_is_refused_and_nothing_is_recorded(api):
    """The operation records the need and reads no body (the OpenAPI document declares none): a body saying
    `"accessibility_need": false` must not record it as if it had been read (DESIGN §6: bad input gets a clear
    problem and changes nothing). An empty body, or `{}`, asks for nothing and is taken."""
    opened = await api.post("/v1/disputes", json=PHONE, headers=AGENT)
    one = f"/v1/disputes/{(await opened.json())['id']}"
    refused = await api.post(one + "/accessibility-need", json={"accessibility_need": False}, headers=AGENT)
    assert refused.status == 422 and refused.content_type == "application/problem+json", await refused.text()
    assert [error["field"] for error in (await refused.json())["errors"]] == ["accessibility_need"]
    assert (await (await api.get(one, headers=INVESTIGATOR)).json())["accessibility_need"] is False
    not_json = await api.post(one + "/release", data=b"assignee=me", headers={**INVESTIGATOR,
                              "Content-Type": "application/x-www-form-urlencoded"})
    assert not_json.status == 415, await not_json.text()
    assert (await api.post(one + "/accessibility-need", json={}, headers=AGENT)).status == 200
    assert (await (await api.get(one, headers=INVESTIGATOR)).json())["accessibility_need"] is True


@pytest.mark.parametrize(("body", "content_type", "status"), [
    (b"{}", None, 200),  # curl -X POST -d '{}' sends application/x-www-form-urlencoded; requests(data=...) none
    (b"{}", "text/plain", 200),  # fetch(url, {method: "POST", body: "{}"})
    (b"null", "application/json", 200),  # fetch(..., {body: JSON.stringify(null)}), json.dumps(None)
    (b"\n", "application/json", 200),
    (b"[]", "application/json", 422),
    (b'"yes"', None, 422),
])
async def test_a_body_that_asks_for_nothing_is_taken_in_the_forms_clients_send_it(api, body, content_type, status):
    opened = await api.post("/v1/disputes", json=PHONE, headers=AGENT)
    one = f"/v1/disputes/{(await opened.json())['id']}"
    headers = {**AGENT, **({"Content-Type": content_type} if content_type else {})}

    declared = await api.post(one + "/accessibility-need", data=body, headers=headers)

    assert declared.status == status, await declared.text()
