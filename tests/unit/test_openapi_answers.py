"""The API document says exactly what each operation answers: the business rules it can refuse with (declared per
operation, no others), the ETag and caching each GET sends, what a 201 that adds to a case answers, the bodies of
the operations endpoints, and a HEAD beside every GET."""

import pytest

from adapters.bootstrap import ENDPOINTS, OPS_ENDPOINTS
from adapters.web import test_clocks_api
from adapters.web.evidence_api import MEDIA_TYPES
from adapters.web.openapi import build_openapi
from adapters.web.problems import problem_types
from tests.e2e.conftest import DocumentedProblems

DOCUMENT = build_openapi(ENDPOINTS + test_clocks_api.ENDPOINTS + OPS_ENDPOINTS, "test")
PATHS = DOCUMENT["paths"]
ONE = "/v1/disputes/{id}"
ADDITIONS = ("/notes", "/messages", "/information", "/information-requests")
URN = "urn:dispute-service:problem:"


def listed(path: str, method: str, status: int) -> set[str]:
    answer = PATHS[path][method]["responses"].get(str(status), {})
    return set(answer.get("content", {}).get("application/problem+json", {}).get("examples", {}))


def test_opening_a_dispute_lists_its_own_rules_and_none_of_the_other_operations():
    conflicts, unprocessable = listed("/v1/disputes", "post", 409), listed("/v1/disputes", "post", 422)
    assert conflicts == {"dispute-exists", "contended"}
    assert unprocessable == {
        "validation-failed", "idempotency-key-reused", "customer-required", "channel-required", "own-disputes-only",
        "order-page-only", "accessibility-need-by-agent", "unknown-order", "unknown-shipment", "not-delivered",
        "claim-window-closed", "invalid-missing-items",
    }
    assert "clock-before-delivery" in listed("/v1/test-clocks/{id}/disputes", "post", 409)  # on a test clock only


def test_each_change_lists_the_rules_its_use_case_checks():
    assert listed("/v1/staff/{staff_id}", "put", 422) == {"validation-failed", "own-staff-record", "reserved-staff-id"}
    assert listed("/v1/staff/{staff_id}", "put", 409) == {"contended"}  # a record that kept changing as it was written
    assert listed(ONE + "/appeal", "post", 409) == {
        "not-rejected", "already-appealed", "appeal-window-closed", "too-many-submissions", "illegal-transition",
        "contended", "idempotency-key-in-flight"}
    assert listed(ONE + "/appeal", "post", 422) == {
        "validation-failed", "idempotency-key-reused", "statement-repeated", "unreadable-image"}
    assert listed(ONE + "/flags/clear", "post", 409) == {"no-flags", "contended", "idempotency-key-in-flight"}
    assert listed(ONE + "/decision", "post", 412) == {"stale-version"}
    assert listed(ONE + "/accessibility-need", "post", 409) == {
        "accessibility-need-recorded", "case-closed", "case-anonymised", "contended", "idempotency-key-in-flight"}
    assert listed("/v1/test-clocks/{id}/advance", "post", 409) == {
        "clock-only-moves-forward", "contended", "idempotency-key-in-flight"}


def test_a_read_lists_the_rules_it_can_refuse_with():
    assert listed("/v1/disputes", "get", 422) == {"validation-failed", "customer-required"}  # an agent names the customer
    assert listed(ONE, "get", 422) == {"validation-failed"}


def test_a_carrier_s_push_lists_its_own_refusals_not_the_bearer_token_s_or_the_json_api_s():
    push = "/v1/carriers/{carrier}/webhooks"
    assert listed(push, "post", 400) == {"unreadable-body"}
    assert (listed(push, "post", 401), listed(push, "post", 403)) == ({"webhook-unauthenticated"}, {"webhook-forbidden"})
    assert listed(push, "post", 422) == {"malformed-webhook"}
    assert listed(push, "post", 415) == {"unsupported-content-encoding", "unsupported-media-type"}
    assert "malformed-json" not in listed(ONE + "/information", "post", 400)  # a form, not JSON
    assert listed("/healthz", "get", 401) == listed("/v1/disputes", "get", 415) == set()


def test_every_business_rule_is_answered_by_some_operation():
    rules = {kind.code for kind in problem_types() if kind.status in (409, 412, 422)} - {"conflict", "unprocessable"}
    answered = {code for path, methods in PATHS.items() for method in methods for status in (409, 412, 422)
                for code in listed(path, method, status)}
    assert rules - answered == set()


def test_every_get_but_the_export_declares_the_etag_its_200_carries_and_its_304():
    gets = {path: methods["get"]["responses"] for path, methods in PATHS.items() if "get" in methods}
    assert len(gets) == 20
    for path, responses in gets.items():
        headers = responses["200"].get("headers", {})
        if path in ("/v1/disputes.csv", "/v1/reports/ledger.csv"):
            assert "ETag" not in headers and "304" not in responses
        else:
            assert "ETag" in headers and "ETag" in responses["304"]["headers"], path
    assert "SHA-256 of the body" in gets["/healthz"]["200"]["headers"]["ETag"]["description"]
    assert "version" in gets[ONE]["200"]["headers"]["ETag"]["description"]


def test_a_signed_in_caller_s_get_declares_its_private_caching_and_a_probe_s_does_not():
    for path in ("/v1/disputes", ONE, ONE + "/thread", "/v1/staff", "/v1/reports/sla", "/v1/test-clocks/{id}"):
        for status in ("200", "304"):
            cache = PATHS[path]["get"]["responses"][status]["headers"]["Cache-Control"]["description"]
            assert cache.startswith("private, no-cache: "), (path, status)
    for path in ("/healthz", "/readyz", "/metrics"):
        assert "Cache-Control" not in PATHS[path]["get"]["responses"]["200"]["headers"], path


def test_an_addition_to_a_case_answers_201_with_the_case_and_its_etag_not_a_location():
    for addition in ADDITIONS:
        created = PATHS[ONE + addition]["post"]["responses"]["201"]
        assert "updated view" in created["description"] and "no Location" in created["description"], addition
        assert set(created["headers"]) == {"ETag", "Idempotent-Replayed", "X-Request-ID"}, addition
    opened = PATHS["/v1/disputes"]["post"]["responses"]["201"]
    assert "Location" in opened["headers"] and "updated view" not in opened["description"]


def test_every_post_that_takes_an_idempotency_key_declares_the_replay_header_on_its_answers():
    """A replayed note answered `Idempotent-Replayed: true` while the document declared it on openings only."""
    keyed = [(path, op) for path, item in DOCUMENT["paths"].items() for method, op in item.items()
             if method == "post" and any(p.get("name") == "Idempotency-Key" for p in op.get("parameters", ()))]
    assert len(keyed) > 10
    for path, op in keyed:
        successes = [answer for status, answer in op["responses"].items() if status.startswith("2")]
        assert successes and all("Idempotent-Replayed" in answer.get("headers", {}) for answer in successes), path


def test_the_operations_endpoints_describe_their_bodies():
    health, ready = (PATHS[path]["get"]["responses"]["200"]["content"]["application/json"] for path in ("/healthz", "/readyz"))
    assert health == {"schema": {"$ref": "#/components/schemas/Health"}, "example": {"status": "ok"}}
    assert ready == {"schema": {"$ref": "#/components/schemas/Health"}, "example": {"status": "ready"}}
    assert DOCUMENT["components"]["schemas"]["Health"]["required"] == ["status"]
    metrics = PATHS["/metrics"]["get"]["responses"]["200"]
    assert "text/plain; version=1.0.0" in metrics["description"]
    assert metrics["content"]["text/plain"]["example"].startswith("# HELP disputes_http_requests_total ")


def test_a_file_is_bytes_to_a_generated_client_any_type_to_a_validator_and_its_description_names_each_type():
    """openapi-python-client reads an answer by the first media type it knows (HTML as text, JSON parsed): a file
    described under several would never be read as bytes. Only `application/octet-stream` is read as bytes; it skips
    `*/*`, which covers the type each file is really served with."""
    files = {(path, status): answer for path, methods in PATHS.items()
             for status, answer in methods.get("get", {}).get("responses", {}).items()
             if any(media.get("schema", {}).get("format") == "binary" for media in answer.get("content", {}).values())}
    attachment = ONE + "/attachments/{ref}"
    assert set(files) == {(attachment, "200"), (attachment, "206")}
    served = ("image/jpeg", "image/png", "image/webp", "image/gif", "image/tiff", "application/pdf", "text/html",
              "application/json", "application/xml", "application/octet-stream")
    assert set(MEDIA_TYPES) == set(served)
    for answer in files.values():
        # bytes for a generated client, and any type (no schema: a raw reply is a JSON object) for a validator
        assert answer["content"] == {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
                                     "*/*": {}}
        assert all(f"`{media}`" in answer["description"] for media in served), answer["description"]
        assert "{carrier, replies:" in answer["description"]  # the raw reply, served as a JSON object


def test_a_schema_naming_its_values_is_a_component_unless_one_operation_alone_uses_it():
    """datamodel-code-generator makes a class of each schema written inline that names its values (`const`, `enum`),
    after its property, numbering each repetition (the queue's `mine` as `Mine`...`Mine3`, the webhooks' `reason` as
    `Reason1`...`Reason21`): those are components, referred to. Response headers make no class."""
    inline: list[tuple] = []

    def walk(node, where: tuple) -> None:
        if isinstance(node, dict):
            if "enum" in node or "const" in node:
                inline.append(where)
            for key, value in node.items():
                if key != "headers":
                    walk(value, (*where, key))
        elif isinstance(node, list):
            for value in node:
                walk(value, (*where, value.get("name") if isinstance(value, dict) else None))

    walk(PATHS, ())
    assert inline == [("/v1/carriers/{carrier}/webhooks", "post", "parameters", "carrier", "schema")]
    schemas = DOCUMENT["components"]["schemas"]
    for path in ("/v1/disputes", "/v1/disputes.csv"):
        for method in ("get", "head"):
            named = {p.get("name"): p["schema"] for p in PATHS[path][method]["parameters"] if "$ref" not in p}
            assert {name: named[name] for name in ("mine", "unassigned", "overdue", "due_today")} == {
                name: {"$ref": f"#/components/schemas/{title}"} for name, title in (
                    ("mine", "MineFilter"), ("unassigned", "UnassignedFilter"), ("overdue", "OverdueFilter"),
                    ("due_today", "DueTodayFilter"))}
    assert schemas["MineFilter"]["anyOf"] == [{"const": True, "type": "boolean"}, {"type": "null"}]
    assert schemas["MineFilter"]["description"] == "Only `true`: the cases assigned to the caller."


def test_every_get_has_a_head_with_its_answers_and_headers_but_no_body():
    for path, methods in PATHS.items():
        if "get" not in methods:
            continue
        get, head = methods["get"], methods["head"]
        assert head["operationId"] == get["operationId"] + "_head"
        assert set(head["responses"]) == set(get["responses"]), path
        for status, answer in head["responses"].items():
            assert "content" not in answer and answer.get("headers") == get["responses"][status].get("headers"), path
    assert all(set(methods) <= {"get", "head", "post", "put"} for methods in PATHS.values())


def test_a_problem_of_a_type_the_document_does_not_list_fails_the_e2e_test_that_received_it():
    documented = DocumentedProblems(DOCUMENT)
    documented.check("POST", "/v1/disputes/dsp_1/notes", 409, URN + "too-many-submissions")  # listed there
    documented.check("POST", "/no/such/route", 404, URN + "not-found")  # no operation: nothing to hold it to
    undocumented = r"POST /v1/disputes/dsp_1/notes answered 409 \S+already-appealed, a type /openapi.json does not list"
    with pytest.raises(pytest.fail.Exception, match=undocumented + r" for POST /v1/disputes/{id}/notes 409"):
        documented.check("POST", "/v1/disputes/dsp_1/notes", 409, URN + "already-appealed")
