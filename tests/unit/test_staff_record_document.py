"""The API document says what a write of a staff record means: `active` may be left out (kept as stored), If-Match
quotes the record's own ETag (not a dispute's version), a stale one is a 412 `stale-version`, and both the change and
the creation answer with the record's ETag, which a GET of the one record also sends."""

from adapters.bootstrap import ENDPOINTS, OPS_ENDPOINTS
from adapters.web.openapi import build_openapi

DOCUMENT = build_openapi(ENDPOINTS + OPS_ENDPOINTS, "test")
RECORD = DOCUMENT["paths"]["/v1/staff/{staff_id}"]


def test_active_may_be_left_out_and_says_it_is_then_kept_as_stored():
    schema = DOCUMENT["components"]["schemas"]["StaffRecord"]
    assert set(schema["required"]) == {"name", "role"}
    assert "as stored" in schema["properties"]["active"]["description"]
    assert "as stored" in RECORD["put"]["summary"]


def test_the_write_takes_if_match_on_the_record_and_lists_the_412():
    [if_match] = [p for p in RECORD["put"]["parameters"] if p.get("name") == "If-Match"]
    assert not if_match["required"] and "GET /v1/staff/{staff_id}" in if_match["description"]
    assert "dispute" not in if_match["description"]
    stale = RECORD["put"]["responses"]["412"]["content"]["application/problem+json"]["examples"]
    assert set(stale) == {"stale-version"}
    assert "malformed-header" in RECORD["put"]["responses"]["400"]["content"]["application/problem+json"]["examples"]


def test_the_change_the_creation_and_the_read_of_one_record_declare_its_etag():
    for status in ("200", "201"):
        assert "If-Match" in RECORD["put"]["responses"][status]["headers"]["ETag"]["description"]
    assert "SHA-256 of the body" in RECORD["get"]["responses"]["200"]["headers"]["ETag"]["description"]
    assert set(RECORD["get"]["responses"]) >= {"200", "304", "404"}
