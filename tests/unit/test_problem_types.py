"""Problem types: one per rule, each with the status the web edge answers it with; the catalogue the document
publishes holds every type the edge writes."""

import re
from pathlib import Path

from adapters.bootstrap import ENDPOINTS, OPS_ENDPOINTS
from adapters.web.auth import InvalidToken, Reason
from adapters.web.rejections import PROBLEM_TYPE as WEBHOOK_PROBLEM_TYPE
from adapters.web.openapi import build_openapi
from adapters.web.problems import ProblemType, problem_types
from disputes import errors

ROOT = Path(__file__).resolve().parents[2]


def test_no_two_rules_share_a_problem_type_and_each_names_the_status_the_web_edge_answers():
    domain = _subclasses(errors.DomainError)
    assert len({kind.code for kind in domain}) == len(domain), "two domain rules share a problem type"
    catalogue = {kind.code: kind for kind in problem_types()}
    assert catalogue["unknown-order"] == ProblemType("unknown-order", 422, "No such order for this customer", "order_id")
    assert catalogue["already-appealed"].status == 409 and catalogue["stale-version"].status == 412


def test_every_problem_the_web_edge_writes_is_in_the_catalogue():
    written = {code for source in (ROOT / "adapters").rglob("*.py") for code in _codes(source.read_text())}
    written |= set(WEBHOOK_PROBLEM_TYPE.values())
    missing = written - {kind.code for kind in problem_types()}
    assert written and not missing, f"add {sorted(missing)} to EDGE_PROBLEMS (adapters/web/problems.py)"


def _codes(text: str) -> set[str]:
    return set(re.findall(r'(?:ProblemError\(|problem\(\s*\d{3},)\s*"([a-z-]+)"', text))


def _subclasses(kind: type) -> list[type]:
    return [sub for direct in kind.__subclasses__() for sub in (direct, *_subclasses(direct))]


def test_every_token_refusal_is_in_the_catalogue_with_its_status():
    statuses = {kind.code: kind.status for kind in problem_types()}
    refusals = {(refused.code, statuses[refused.code]) for refused in map(InvalidToken, Reason)}
    assert refusals == {("unauthenticated", 401), ("authentication-unavailable", 503)}


def test_staff_inactive_is_a_403_listed_on_the_changes_staff_make_and_on_no_read_or_customer_request():
    document = build_openapi(ENDPOINTS + OPS_ENDPOINTS, "test")["paths"]

    def named(path: str, method: str) -> set[str]:
        refused = document[path][method]["responses"].get("403", {})
        return set(refused.get("content", {}).get("application/problem+json", {}).get("examples", {}))

    assert {kind.code: kind.status for kind in problem_types()}["staff-inactive"] == 403
    for path, method in (("/v1/disputes/{id}/decision", "post"), ("/v1/disputes/{id}/assign", "post"),
                         ("/v1/disputes/assign", "post"), ("/v1/staff/{staff_id}", "put")):
        assert "staff-inactive" in named(path, method), (path, method)
    for path, method in (("/v1/disputes/{id}", "get"), ("/v1/staff", "get"), ("/v1/disputes", "post")):
        assert "staff-inactive" not in named(path, method), (path, method)
