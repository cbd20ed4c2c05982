"""The API document states the HTTP semantics the service keeps: Idempotency-Key on every POST but the carriers'
webhooks (with how long keys last), 304 on every GET but the CSV export (never stored), 429 with its headers wherever a
rate limit counts, 422 for a query parameter an operation does not read."""

import re

from adapters.bootstrap import ENDPOINTS, OPS_ENDPOINTS
from adapters.web.openapi import build_openapi

DOCUMENT = build_openapi(ENDPOINTS + OPS_ENDPOINTS, "test")
WEBHOOK = ("/v1/carriers/{carrier}/webhooks", "post")
EXPORT = "/v1/disputes.csv"
WEBHOOKS = re.compile(r"/v1/carriers/[^/]+/webhooks")  # the generic push and each carrier's own


def operations():
    for path, methods in DOCUMENT["paths"].items():
        for method, operation in methods.items():
            yield (path, method), operation


def test_every_post_but_a_carrier_webhook_takes_an_idempotency_key_that_lasts_24_hours():
    posts = {where: op for where, op in operations() if where[1] == "post"}
    assert len(posts) >= 15 and WEBHOOK in posts
    for where, operation in posts.items():
        keys = [p for p in operation.get("parameters", []) if p.get("name") == "Idempotency-Key"]
        if WEBHOOKS.fullmatch(where[0]):
            assert keys == [], "webhooks are deduplicated by the carrier's event id"
            continue
        [key] = keys
        assert key["in"] == "header" and not key["required"], where
        assert {"409", "422"} <= set(operation["responses"]), where  # in flight; used with another request
        assert "24 hours" in key["description"] and "idempotency-key-reused" in key["description"]
        assert "`Retry-After: 1`" in key["description"]


def test_every_operation_of_the_api_but_a_carrier_webhook_documents_the_422_a_query_parameter_it_does_not_read_gets():
    api = {where: op for where, op in operations()
           if where[0].startswith("/v1/") and not WEBHOOKS.fullmatch(where[0]) and where[1] != "head"}  # HEAD: no body
    assert len(api) >= 25
    for where, operation in api.items():
        answer = operation["responses"].get("422", {})
        assert "validation-failed" in answer.get("content", {}).get("application/problem+json", {}).get("examples", {}), where


def test_a_key_still_in_flight_is_answered_409_with_a_retry_after_of_a_second_not_the_key_s_hold():
    keyed = [(where, op) for where, op in operations()
             if any(p.get("name") == "Idempotency-Key" for p in op.get("parameters", []))]
    for where, operation in keyed:
        headers = operation["responses"]["409"].get("headers", {})
        if where == ("/v1/disputes", "post"):  # opening is one write: never in flight
            assert "Retry-After" not in headers, where
        else:
            assert headers["Retry-After"]["description"].startswith("On `idempotency-key-in-flight` only: 1, "), where


def test_every_get_documents_304_with_its_etag_but_the_exports_which_no_cache_keeps():
    exports = (EXPORT, "/v1/reports/ledger.csv")
    for (path, method), operation in operations():
        if method == "get" and path not in exports:
            assert "ETag" in operation["responses"]["304"]["headers"], path
    for path in exports:
        export = DOCUMENT["paths"][path]["get"]["responses"]
        assert "304" not in export and export["200"]["headers"]["Cache-Control"]["schema"]["const"] == "no-store"


def test_429_and_its_headers_where_a_rate_limit_counts_and_not_on_operations():
    for (path, method), operation in operations():
        if "operations" in operation["tags"]:
            assert "429" not in operation["responses"], path
            continue
        limited = operation["responses"]["429"]
        assert set(limited["headers"]) == {"Retry-After", "RateLimit", "RateLimit-Policy", "X-Request-ID"}, path
        assert method == "head" or "application/problem+json" in limited["content"], path
    assert "draft-ietf-httpapi-ratelimit-headers-10" in str(DOCUMENT["paths"]["/v1/disputes"]["get"]["responses"]["429"])


def test_every_change_to_a_dispute_takes_if_match_required_only_by_the_decision():
    changes = {where: op for where, op in operations()
               if where[1] == "post" and where[0].startswith("/v1/disputes/{id}/")}
    assert len(changes) >= 14
    for where, operation in changes.items():
        [if_match] = [p for p in operation["parameters"] if p.get("name") == "If-Match"]
        decision = where[0].endswith("/decision")
        assert if_match["required"] is decision and ("428" in operation["responses"]) is decision, where
        assert {"400", "412"} <= set(operation["responses"]), where


def taken(operation: dict) -> set[str]:
    """The request headers an operation declares, each declared once in `components/parameters` or inline."""
    shared = DOCUMENT["components"]["parameters"]
    declared = [shared[p["$ref"].rsplit("/", 1)[1]] if "$ref" in p else p for p in operation.get("parameters", ())]
    return {p["name"] for p in declared if p["in"] == "header"}


def test_every_get_answering_304_takes_if_none_match_so_a_generated_client_can_send_it():
    conditional = [(where, op) for where, op in operations() if "304" in op["responses"]]
    assert len(conditional) >= 30  # every GET of the README's table but the export, and its HEAD
    for where, operation in conditional:
        assert "If-None-Match" in taken(operation), where
        assert {"$ref": "#/components/parameters/IfNoneMatch"} in operation["parameters"], where


def test_every_operation_takes_an_x_request_id_and_names_it_on_every_answer():
    for where, operation in operations():
        assert "X-Request-ID" in taken(operation), where
        for status, answer in operation["responses"].items():
            assert answer["headers"]["X-Request-ID"] == {"$ref": "#/components/headers/X-Request-ID"}, (where, status)
    assert "logs" in DOCUMENT["components"]["headers"]["X-Request-ID"]["description"]
