"""The served document as a client generator reads it: requests optional where the server lets a field out,
responses required where it always writes one, role views told apart, one problem type per rule, response
headers, success answers that say what they are, and a clean redocly lint."""

import asyncio
import json
from pathlib import Path

import pytest

from adapters.bootstrap import ENDPOINTS
from adapters.web import test_clocks_api
from schemas.api import AgentDisputeView, CustomerDisputeView, DisputeView
from tests.e2e.conftest import AGENT, CUSTOMER, INVESTIGATOR
from tests.e2e.test_customer_evidence import form, photo

ROOT = Path(__file__).resolve().parents[2]
ONE = "/v1/disputes/{id}"
OPEN = {"order_id": "ord-1", "statement": "Gelmedi.", "preferred_resolution": "refund"}
TRANSPORT = {"content-type", "content-length", "transfer-encoding", "date", "server", "x-request-id", "vary"}
"""What every answer may carry: HTTP's own, and the request id the document's description declares for all."""
URN = "urn:dispute-service:problem:"


@pytest.fixture
async def document(api) -> dict:
    return await (await api.get("/openapi.json")).json()


def _operations(document: dict):
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            yield path, method, operation


async def test_redocly_lints_the_served_document_clean(document, tmp_path):
    served = tmp_path / "openapi.json"
    served.write_text(json.dumps(document))
    lint = await asyncio.create_subprocess_exec(
        ROOT / "dev", "redocly", "lint", "--config", ROOT / "redocly.yaml", "--format", "json", served,
        cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
    )
    out, _ = await asyncio.wait_for(lint.communicate(), timeout=600)  # the first run installs the linter
    report = json.loads(out)
    assert report["version"] == "2.77.0"
    assert report["totals"] == {"errors": 0, "warnings": 0, "ignored": 0}, report["problems"]
    assert lint.returncode == 0


async def test_a_request_field_with_a_default_is_optional_and_every_response_field_is_required(document):
    schemas = document["components"]["schemas"]
    assert schemas["OpenDispute"]["required"] == ["order_id", "statement", "preferred_resolution"]
    assert {"shipment_id", "customer_id", "claim", "missing_items"} <= schemas["OpenDispute"]["properties"].keys()
    for view in (DisputeView, CustomerDisputeView, AgentDisputeView):
        assert sorted(schemas[view.__name__]["required"]) == sorted(view.model_fields), view.__name__
    assert "lines" in schemas["CustomerDecision"]["required"]  # a response field with a default is written all the same
    problem = schemas["Problem"]
    assert problem["required"] == ["type", "title", "status"]  # a problem leaves out what it does not know, never null
    assert all("anyOf" not in field and "default" not in field for field in problem["properties"].values())


async def test_the_role_views_carry_a_discriminator_that_each_answer_states(api, document):
    answer = document["paths"][ONE]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert answer["discriminator"] == {"propertyName": "view", "mapping": {
        "staff": "#/components/schemas/DisputeView", "customer": "#/components/schemas/CustomerDisputeView",
        "agent": "#/components/schemas/AgentDisputeView"}}
    assert len(answer["oneOf"]) == 3
    schemas = document["components"]["schemas"]
    assert {name: schemas[name]["properties"]["view"]["const"] for name in ("DisputeView", "CustomerDisputeView",
                                                                          "AgentDisputeView")} == {
        "DisputeView": "staff", "CustomerDisputeView": "customer", "AgentDisputeView": "agent"}

    opened = await (await api.post("/v1/disputes", json=OPEN, headers=CUSTOMER)).json()
    seen = {role: (await (await api.get(f"/v1/disputes/{opened['id']}", headers=headers)).json())["view"]
            for role, headers in (("customer", CUSTOMER), ("agent", AGENT), ("investigator", INVESTIGATOR))}
    assert opened["view"] == "customer" and seen == {"customer": "customer", "agent": "agent", "investigator": "staff"}


async def test_each_business_rule_has_its_own_documented_problem_type_and_the_answer_names_its_field(api, document):
    examples = document["components"]["examples"]
    unknown_order = examples["problem-unknown-order"]["value"]
    assert unknown_order == {"type": URN + "unknown-order", "title": "No such order for this customer", "status": 422,
                             "field": "order_id"}
    opening = document["paths"]["/v1/disputes"]["post"]["responses"]
    assert {"unknown-order", "unknown-shipment", "validation-failed"} <= opening["422"]["content"][
        "application/problem+json"]["examples"].keys()
    assert "dispute-exists" in opening["409"]["content"]["application/problem+json"]["examples"]
    deciding = document["paths"][ONE + "/decision"]["post"]["responses"]
    assert "override-reason-required" in deciding["422"]["content"]["application/problem+json"]["examples"]
    assert "stale-version" in deciding["412"]["content"]["application/problem+json"]["examples"]
    assert "unknown-order" not in document["paths"]["/v1/disputes"]["get"]["responses"]["422"]["content"][
        "application/problem+json"]["examples"]  # a rule about a body is not a query's

    refused = await api.post("/v1/disputes", json={**OPEN, "order_id": "ord-none"}, headers=CUSTOMER)
    no_shipment = await api.post("/v1/disputes", json={**OPEN, "shipment_id": "shp-none"}, headers=CUSTOMER)
    assert (refused.status, no_shipment.status) == (422, 422)
    assert {k: (await refused.json())[k] for k in ("type", "field")} == {"type": URN + "unknown-order", "field": "order_id"}
    assert {k: (await no_shipment.json())[k] for k in ("type", "field")} == {
        "type": URN + "unknown-shipment", "field": "shipment_id"}


async def test_responses_document_their_headers_and_say_what_they_are(document):
    opening = document["paths"]["/v1/disputes"]["post"]["responses"]
    assert {"ETag", "Location", "Idempotent-Replayed"} <= opening["201"]["headers"].keys()
    assert "ETag" in document["paths"][ONE + "/decision"]["post"]["responses"]["200"]["headers"]
    for path, method, operation in _operations(document):
        responses = operation["responses"]
        assert "Retry-After" in responses["503"]["headers"], (method, path)
        if "401" in responses:  # a bearer token's challenge, or a carrier's for its pushes
            assert "WWW-Authenticate" in responses["401"]["headers"], (method, path)
        for status, answer in responses.items():
            assert answer["description"] not in ("OK", "Created", ""), (method, path, status)
    assert document["paths"][ONE + "/evidence-requests"]["post"]["responses"]["202"]["description"].startswith("Accepted")


async def test_the_headers_documented_are_the_headers_sent(api):
    opened = await api.post("/v1/disputes", json=OPEN, headers={**CUSTOMER, "Idempotency-Key": "k-1"})
    again = await api.post("/v1/disputes", json=OPEN, headers={**CUSTOMER, "Idempotency-Key": "k-1"})
    body = await opened.json()
    assert opened.headers["Location"] == f"/v1/disputes/{body['id']}" and opened.headers["ETag"] == '"1-customer"'
    assert again.headers["Idempotent-Replayed"] == "true"
    anonymous = await api.get(f"/v1/disputes/{body['id']}")
    assert anonymous.status == 401 and anonymous.headers["WWW-Authenticate"].startswith("Bearer")


async def test_every_json_request_and_success_answer_has_an_example_its_model_reads(document):
    checked = 0
    for e in ENDPOINTS + test_clocks_api.ENDPOINTS:
        operation = document["paths"].get(e.path, {}).get(e.method.lower())
        if operation is None:  # the test clocks, when the sandbox is off
            continue
        if e.body:
            e.body.model_validate_json(json.dumps(operation["requestBody"]["content"]["application/json"]["example"]))
            checked += 1
        if e.response:
            content = operation["responses"][str(e.status)]["content"]["application/json"]
            views = {model.model_fields["view"].default: model for model in (e.response, *e.extra.get("other_responses", ()))
                     if "view" in model.model_fields}
            examples = content["examples"] if "examples" in content else {None: {"value": content["example"]}}
            for view, example in examples.items():
                (views[view] if view else e.response).model_validate_json(json.dumps(example["value"]))
                checked += 1
    assert checked > 40
    opening = document["paths"]["/v1/disputes"]["post"]
    assert opening["requestBody"]["content"]["application/json"]["example"]["order_id"] == "ord-20261116-0042"
    assert set(opening["responses"]["201"]["content"]["application/json"]["examples"]) == {"customer", "agent"}



async def test_the_operations_endpoints_send_what_the_document_describes(api, document):
    for path in ("/healthz", "/readyz", "/metrics"):
        response = await api.get(path)
        documented = document["paths"][path]["get"]["responses"]["200"]
        assert response.content_type in documented["content"] and "ETag" in documented["headers"], path
        assert response.headers["ETag"].startswith('"'), path
    for path, status in (("/healthz", "ok"), ("/readyz", "ready")):
        example = document["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["example"]
        assert await (await api.get(path)).json() == example == {"status": status}


async def test_each_get_sends_the_headers_its_200_declares(api, document):
    one = (await api.post("/v1/disputes", json=OPEN, headers=CUSTOMER)).headers["Location"]
    period = "?from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z"
    reads = {"/v1/disputes": (CUSTOMER, ""), ONE: (CUSTOMER, one), ONE + "/timeline": (INVESTIGATOR, one + "/timeline"),
             ONE + "/thread": (AGENT, one + "/thread"), "/v1/carriers": (INVESTIGATOR, ""),
             "/v1/reports/carriers": (INVESTIGATOR, period), "/v1/reports/sla": (INVESTIGATOR, period),
             "/v1/reports/response-times": (INVESTIGATOR, period),
             "/v1/reports/ledger": (INVESTIGATOR, "?decided_from=2026-01-01T00:00:00Z&decided_to=2026-02-01T00:00:00Z"),
             "/v1/customers/{customer_id}/disputes": (INVESTIGATOR, "/v1/customers/cust-1/disputes"),
             "/v1/staff": (INVESTIGATOR, ""), "/healthz": ({}, ""), "/readyz": ({}, ""), "/metrics": ({}, "")}
    for path, (headers, url) in reads.items():
        url = url if url.startswith("/") else path + url
        response = await api.get(url, headers=headers)
        declared = document["paths"][path]["get"]["responses"]["200"]["headers"]
        assert response.status == 200 and {"ETag"} <= declared.keys() <= response.headers.keys(), path


async def test_a_file_s_and_the_export_s_answers_send_only_headers_their_document_declares(api, document):
    opened = await (await api.post("/v1/disputes", json=OPEN, headers=CUSTOMER)).json()
    added = await api.post(f"/v1/disputes/{opened['id']}/information", headers=CUSTOMER,
                           data=form("Kapının fotoğrafı.", ("kapi.jpg", photo(), "image/jpeg")))
    [image] = (await added.json())["customer_evidence"][0]["images"]
    file = f"/v1/disputes/{opened['id']}/attachments/{image['ref']}"
    answers = {
        (ONE + "/attachments/{ref}", "200"): await api.get(file, headers=INVESTIGATOR),
        (ONE + "/attachments/{ref}", "206"): await api.get(file, headers={**INVESTIGATOR, "Range": "bytes=0-9"}),
        (ONE + "/attachments/{ref}", "416"): await api.get(file, headers={**INVESTIGATOR, "Range": "bytes=999999999-"}),
        ("/v1/disputes.csv", "200"): await api.get("/v1/disputes.csv", headers=INVESTIGATOR),
        ("/v1/reports/ledger.csv", "200"): await api.get(
            "/v1/reports/ledger.csv?decided_from=2026-01-01T00:00:00Z&decided_to=2026-02-01T00:00:00Z", headers=INVESTIGATOR
        ),
    }
    for (path, status), response in answers.items():
        assert str(response.status) == status, (path, await response.text())
        declared = {name.lower() for name in document["paths"][path]["get"]["responses"][status].get("headers", {})}
        assert "X-Request-ID" in document["info"]["description"]
        sent = {name.lower() for name in response.headers} - TRANSPORT
        assert {name for name in sent if not name.startswith("ratelimit")} <= declared, (path, status, sent - declared)
