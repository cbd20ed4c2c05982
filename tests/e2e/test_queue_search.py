"""Investigators find cases and work their queue over HTTP: search by dispute, order, tracking number and
customer, the triage filters, the deadline filters on the service's clock, paging, and the CSV export the
finance and carrier teams take away."""

import csv
import io
import json
from datetime import datetime, timedelta

import pytest

from schemas.api import DisputeSummary, ListQuery, QueueFilters
from tests.e2e.conftest import CUSTOMER, INVESTIGATOR, OTHER_CUSTOMER, OTHER_INVESTIGATOR, SUPERVISOR
from tests.e2e.test_access_and_bad_input import assert_problem

CSV_LIMIT = 3


@pytest.fixture
def app_changes() -> dict:
    """An export cut after three rows, read from storage two at a time (so it spans pages)."""
    return {"export_max_rows": CSV_LIMIT, "max_page_size": 2}


@pytest.fixture
async def opened(api) -> dict[str, dict]:
    """Four disputes by order id, as the investigator sees them: ord-2 on aras, ord-9 another customer's."""
    cases = {}
    for order_id, customer in (("ord-1", CUSTOMER), ("ord-2", CUSTOMER), ("ord-6", CUSTOMER), ("ord-9", OTHER_CUSTOMER)):
        body = {"order_id": order_id, "statement": "Gelmedi.", "preferred_resolution": "refund"}
        created = await (await api.post("/v1/disputes", json=body, headers=customer)).json()
        cases[order_id] = await (await api.get(f"/v1/disputes/{created['id']}", headers=INVESTIGATOR)).json()
    return cases


async def _queue(api, query: str, headers=INVESTIGATOR) -> list[dict]:
    """Every row the query selects, page after page."""
    rows: list[dict] = []
    cursor = ""
    for _ in range(5):  # pages of two: four cases fill two, a cursor that does not move on fails the bound
        response = await api.get(f"/v1/disputes?{query}{cursor}", headers=headers)
        assert response.status == 200, await response.text()
        page = await response.json()
        rows += page["items"]
        if page["next_cursor"] is None:
            return rows
        cursor = f"&cursor={page['next_cursor']}"
    raise AssertionError("the cursor never reached the end")


def _in_queue_order(cases: dict[str, dict]) -> list[str]:
    """By decision due time, then priority (highest first), opening and id (the times written one way: they sort)."""
    order = sorted(cases.values(), key=lambda c: (c["sla"]["decision_due"], -c["priority"], c["opened_at"], c["id"]))
    return [c["id"] for c in order]


async def _orders(api, query: str, headers=INVESTIGATOR) -> set[str]:
    return {row["order_id"] for row in await _queue(api, query, headers)}


async def test_a_case_is_found_by_its_id_order_tracking_number_and_customer(api, opened):
    case = opened["ord-2"]
    searches = [f"dispute_id={case['id']}", "order_id=ord-2", f"tracking_number={case['order']['tracking_number']}",
                f"tracking_number={case['order']['tracking_number']}&carrier=aras"]
    found = {query: [row["id"] for row in await _queue(api, query)] for query in searches}

    assert found == dict.fromkeys(searches, [case["id"]])
    assert await _orders(api, "customer_id=cust-2") == {"ord-9"}
    assert await _orders(api, "carrier=aras") == {"ord-2"}
    assert await _queue(api, "order_id=ord-2&carrier=yurtici") == []
    assert await _orders(api, "order_id=ord-9", headers=CUSTOMER) == set()  # a customer searches their own only


@pytest.mark.parametrize("query", ["assignee=inv-1", "unassigned=true", "mine=true", "flagged=true",
                                   "needs_supervisor=false", "overridden=true", "priority=1"])
async def test_a_customer_cannot_filter_their_disputes_by_what_only_staff_see(api, opened, query):
    response = await api.get(f"/v1/disputes?{query}", headers=CUSTOMER)

    body = await assert_problem(response, 403)
    assert body["field"] == query.split("=")[0]


async def test_a_queue_row_carries_what_triage_needs_and_no_personal_data(api, opened):
    case = opened["ord-2"]
    [row] = await _queue(api, "order_id=ord-2")

    assert list(row) == list(DisputeSummary.model_fields)
    assert {k: row[k] for k in ("order_id", "carrier", "tracking_number", "value_minor", "currency")} == {
        "order_id": "ord-2", "carrier": "aras", "tracking_number": case["order"]["tracking_number"],
        "value_minor": case["order"]["value_minor"], "currency": case["order"]["currency"],
    }
    assert (row["decision_due"], row["first_response_due"]) == (case["sla"]["decision_due"], case["sla"]["first_response_due"])
    assert (row["priority"], row["needs_supervisor"], row["abuse_flags"], row["updated_at"]) == (
        case["priority"], case["needs_supervisor"], case["abuse_flags"], case["updated_at"]
    )
    personal = {case["order"][k] for k in ("buyer_name", "recipient_name", "recipient_phone")} | {case["statement"]}
    assert not [value for value in personal if value in json.dumps(row, ensure_ascii=False)]


async def test_mine_and_unassigned_follow_who_took_the_case(api, opened):
    taken = opened["ord-1"]["id"]
    assert (await api.post(f"/v1/disputes/{taken}/assign", headers=INVESTIGATOR)).status == 200

    assert await _orders(api, "mine=true") == {"ord-1"}
    assert await _orders(api, "mine=true", headers=OTHER_INVESTIGATOR) == set()
    assert await _orders(api, "assignee=inv-ayse") == {"ord-1"}
    assert await _orders(api, "unassigned=true") == {"ord-2", "ord-6", "ord-9"}


async def test_triage_filters_select_by_flags_priority_channel_and_outcome(api, opened):
    rejected = opened["ord-6"]["id"]
    decision = {"outcome": "rejected", "reason_code": "proof_of_delivery", "note": "İmza ve fotoğraf var."}
    decided = await api.post(f"/v1/disputes/{rejected}/decision", json=decision, headers={**INVESTIGATOR, "If-Match": '"1"'})
    assert decided.status == 200, await decided.text()
    everyone = {"ord-1", "ord-2", "ord-6", "ord-9"}

    assert await _orders(api, "flagged=false&needs_supervisor=false&priority=0,1,2,3") == everyone
    assert await _orders(api, "flagged=true") == await _orders(api, "needs_supervisor=true") == set()
    assert await _orders(api, "priority=3") == set()
    assert await _orders(api, "channel=order_page") == everyone and await _orders(api, "channel=phone") == set()
    assert await _orders(api, "outcome=rejected") == {"ord-6"} and await _orders(api, "outcome=refund") == set()
    assert await _orders(api, "status=opened,resolved&outcome=rejected&overridden=false") == {"ord-6"}
    assert await _orders(api, "decided_from=2026-11-18T00:00:00Z&decided_to=2026-11-19T00:00:00Z") == {"ord-6"}
    assert await _orders(api, "decided_from=2026-11-19T00:00:00Z") == set()
    assert await _orders(api, "opened_from=2026-11-18T00:00:00Z&opened_to=2026-11-19T00:00:00Z") == everyone


async def test_deadline_filters_read_the_services_clock_and_select_active_cases(api, opened, clock):
    due = datetime.fromisoformat(opened["ord-1"]["sla"]["decision_due"])
    assert {datetime.fromisoformat(case["sla"]["decision_due"]) for case in opened.values()} == {due}
    everyone = {"ord-1", "ord-2", "ord-6", "ord-9"}

    clock.offset += due - clock.now() - timedelta(hours=2)  # the evening of the day the cases are due
    before_the_deadline = {
        query: await _orders(api, query)
        for query in ("overdue=true", "due_today=true", "due_within_hours=1", "due_within_hours=3")
    }
    clock.offset += timedelta(hours=3)  # past it
    after_the_deadline = {query: await _orders(api, query) for query in ("overdue=true", "due_today=true")}

    assert before_the_deadline == {
        "overdue=true": set(), "due_today=true": everyone, "due_within_hours=1": set(), "due_within_hours=3": everyone,
    }
    assert after_the_deadline == {"overdue=true": everyone, "due_today=true": set()}
    assert await _orders(api, "overdue=true&status=opened,resolved") == everyone
    problem = await assert_problem(await api.get("/v1/disputes?overdue=true&status=resolved", headers=INVESTIGATOR), 422)
    assert problem["parameters"] == ["status", "overdue"]


async def test_a_list_parameter_is_read_from_repeated_keys_as_the_document_says_and_from_commas(api, opened):
    rejected = opened["ord-6"]["id"]
    decision = {"outcome": "rejected", "reason_code": "proof_of_delivery", "note": "İmza ve fotoğraf var."}
    assert (await api.post(f"/v1/disputes/{rejected}/decision", json=decision,
                           headers={**INVESTIGATOR, "If-Match": '"1"'})).status == 200
    everyone = {"ord-1", "ord-2", "ord-6", "ord-9"}

    assert await _orders(api, "status=resolved&status=opened") == everyone
    assert await _orders(api, "status=resolved") == {"ord-6"}
    assert await _orders(api, "status=resolved&status=appealed,withdrawn") == {"ord-6"}
    assert await _orders(api, "priority=3&priority=0") == everyone
    assert await _orders(api, "status=" + ",".join(["resolved"] * 800)) == {"ord-6"}, "a value repeated is one value"
    assert await _orders(api, "&".join(["status=opened"] * 500)) == everyone - {"ord-6"}
    export = await api.get("/v1/disputes.csv?status=resolved&status=appealed", headers=INVESTIGATOR)
    assert export.status == 200 and [row[3] for row in csv.reader(io.StringIO(await export.text()))][1:] == ["ord-6"]


@pytest.mark.parametrize("path", ["/v1/disputes", "/v1/disputes.csv"])
async def test_a_single_value_parameter_given_twice_is_a_problem_naming_it(api, path):
    problem = await assert_problem(await api.get(f"{path}?carrier=aras&carrier=ups", headers=INVESTIGATOR), 422)
    assert problem["parameters"] == ["carrier"] and "twice" in problem["detail"]
    bad = await assert_problem(await api.get(f"{path}?status=opened&status=lost", headers=INVESTIGATOR), 422)
    assert [e["field"] for e in bad["errors"]] == ["status.1"]


async def test_pages_follow_the_queue_order_with_a_signed_cursor(api, opened):
    rows, cursor = [], ""
    for _ in range(len(opened) + 1):  # pages of two, the largest this app serves
        page = await (await api.get(f"/v1/disputes?limit=3{cursor}", headers=SUPERVISOR)).json()
        rows += page["items"]
        if page["next_cursor"] is None:
            break
        cursor = f"&cursor={page['next_cursor']}"
    tampered = cursor[:-2] + ("A" if cursor[-2] != "A" else "B") + cursor[-1]

    assert [row["id"] for row in rows] == _in_queue_order(opened)
    problem = await assert_problem(await api.get(f"/v1/disputes?limit=3{tampered}", headers=SUPERVISOR), 422)
    assert problem["parameters"] == ["cursor"]


async def test_a_cursor_serves_only_the_filters_and_the_caller_it_was_made_for(api, opened):
    first = await (await api.get("/v1/disputes?limit=2", headers=SUPERVISOR)).json()
    cursor = first["next_cursor"]
    assert cursor is not None
    for other in ("status=resolved", "carrier=aras", "customer_id=cust-1", "opened_from=2020-01-01T00:00:00Z"):
        refused = await api.get(f"/v1/disputes?{other}&limit=2&cursor={cursor}", headers=SUPERVISOR)
        assert (await assert_problem(refused, 422))["parameters"] == ["cursor"], other
    elsewhere = await api.get(f"/v1/disputes?limit=2&cursor={cursor}", headers=INVESTIGATOR)
    assert (await assert_problem(elsewhere, 422))["parameters"] == ["cursor"]
    smaller = await api.get(f"/v1/disputes?limit=1&cursor={cursor}", headers=SUPERVISOR)  # the page size may change
    assert smaller.status == 200 and [r["id"] for r in (await smaller.json())["items"]] == _in_queue_order(opened)[2:3]


async def test_statuses_and_priorities_in_another_order_keep_the_cursor(api, opened):
    first = await (await api.get("/v1/disputes?status=opened,awaiting_evidence,under_review&priority=0,1&limit=1",
                                 headers=SUPERVISOR)).json()
    again = "status=under_review&status=opened&status=awaiting_evidence&priority=1&priority=0"
    assert first["next_cursor"] is not None
    response = await api.get(f"/v1/disputes?{again}&limit=1&cursor={first['next_cursor']}", headers=SUPERVISOR)
    assert response.status == 200, await response.text()


@pytest.mark.parametrize("path", ["/v1/disputes", "/v1/disputes.csv"])
@pytest.mark.parametrize("period", ["opened", "decided"])
async def test_a_period_that_ends_before_it_starts_is_refused_naming_both_ends(api, path, period):
    backwards = f"{period}_from=2026-03-02T00:00:00Z&{period}_to=2026-03-01T00:00:00Z"
    problem = await assert_problem(await api.get(f"{path}?{backwards}", headers=INVESTIGATOR), 422)
    assert problem["parameters"] == [f"{period}_from", f"{period}_to"]


async def test_a_customer_naming_another_customer_is_refused_and_their_own_list_is_theirs(api, opened):
    others = opened["ord-9"]["customer_id"]
    refused = await assert_problem(await api.get(f"/v1/disputes?customer_id={others}", headers=CUSTOMER), 403)
    assert refused["field"] == "customer_id"
    own = await api.get(f"/v1/disputes?customer_id={opened['ord-1']['customer_id']}&limit=2", headers=CUSTOMER)
    mine = {opened[order_id]["id"] for order_id in ("ord-1", "ord-2", "ord-6")}
    assert own.status == 200 and {r["id"] for r in (await own.json())["items"]} <= mine


@pytest.mark.parametrize(
    ("query", "fields"),
    [
        ("priority=4", ["priority.0"]),
        ("priority=2.0", ["priority.0"]),
        ("flagged=yes", ["flagged"]),
        ("needs_supervisor=1", ["needs_supervisor"]),
        ("mine=false", ["mine"]),
        ("due_within_hours=0", ["due_within_hours"]),
        ("due_within_hours=%2B2", ["due_within_hours"]),
        ("limit=5.0", ["limit"]),
        ("channel=fax", ["channel"]),
        ("outcome=maybe", ["outcome"]),
        ("order_id[$ne]=x", ["order_id[$ne]"]),
        ('tracking_number={"$gt":""}', ["tracking_number"]),
        ("decided_from=yesterday", ["decided_from"]),
    ],
)
async def test_a_bad_value_is_a_problem_naming_its_parameter(api, query, fields):
    for path in ("/v1/disputes", "/v1/disputes.csv"):
        problem = await assert_problem(await api.get(f"{path}?{query}", headers=INVESTIGATOR), 422)
        assert [e["field"] for e in problem["errors"]] == fields, path


@pytest.mark.parametrize(
    ("query", "parameters"),
    [
        ("mine=true&assignee=inv-ayse", ["assignee", "mine"]),
        ("unassigned=true&mine=true", ["mine", "unassigned"]),
        ("overdue=true&due_today=true", ["overdue", "due_today"]),
        ("due_before=2026-11-20T00:00:00Z&due_within_hours=4", ["due_before", "due_within_hours"]),
        ("due_today=true&status=withdrawn", ["status", "due_today"]),
    ],
)
async def test_parameters_that_exclude_each_other_are_a_problem_naming_them(api, query, parameters):
    for path in ("/v1/disputes", "/v1/disputes.csv"):
        problem = await assert_problem(await api.get(f"{path}?{query}", headers=INVESTIGATOR), 422)
        assert problem["parameters"] == parameters and "errors" not in problem, path


async def _export(api, query: str = "") -> tuple[list[list[str]], dict]:
    response = await api.get(f"/v1/disputes.csv?{query}", headers=SUPERVISOR)
    assert response.status == 200, await response.text()
    assert response.content_type == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    return list(csv.reader(io.StringIO(await response.text(), newline=""))), dict(response.headers)


async def test_the_csv_export_holds_the_filtered_queue_up_to_the_row_limit(api, opened):
    aras, headers = await _export(api, "carrier=aras")
    everything, _ = await _export(api)
    in_queue_order = _in_queue_order(opened)

    assert aras[0] == list(DisputeSummary.model_fields) and headers["X-Export-Row-Limit"] == str(CSV_LIMIT)
    assert headers["Cache-Control"] == "no-store" and "ETag" not in headers  # no validator: read afresh each time
    assert [row[3] for row in aras[1:]] == ["ord-2"]  # the header and one row, not cut
    assert [row[0] for row in everything[1:-1]] == in_queue_order[:CSV_LIMIT]
    assert everything[-1][0] == "#truncated" and len(everything) == CSV_LIMIT + 2


async def test_only_staff_export(api, opened):
    await assert_problem(await api.get("/v1/disputes.csv", headers=CUSTOMER), 403)
    await assert_problem(await api.get("/v1/disputes.csv"), 401)


async def test_the_document_describes_every_queue_parameter_as_the_server_reads_it(api):
    document = await (await api.get("/openapi.json")).json()
    listing = document["paths"]["/v1/disputes"]["get"]
    export = document["paths"]["/v1/disputes.csv"]["get"]
    params = {p["name"]: p for p in listing["parameters"] if p.get("in") == "query"}

    assert list(params) == list(ListQuery.model_fields)
    assert [p["name"] for p in export["parameters"] if p.get("in") == "query"] == list(QueueFilters.model_fields)
    assert all(p["in"] == "query" and p["style"] == "form" and p["explode"] is True for p in params.values())
    arrays = {name for name, p in params.items() if any(o.get("type") == "array" for o in p["schema"].get("anyOf", []))}
    assert arrays == {"status", "priority"}
    booleans = {name for name, p in params.items() if {"type": "boolean"} in p["schema"].get("anyOf", [])}
    assert booleans == {"needs_supervisor", "flagged", "overridden"}
    shared = document["components"]["schemas"]  # each a component, its schema written once
    assert {name: shared[params[name]["schema"]["$ref"].rsplit("/", 1)[-1]]["anyOf"][0]
            for name in ("mine", "unassigned", "overdue", "due_today")} == (
        dict.fromkeys(("mine", "unassigned", "overdue", "due_today"), {"const": True, "type": "boolean"})
    )
    ok = export["responses"]["200"]
    assert "text/csv" in ok["content"] and "X-Export-Row-Limit" in ok["headers"]
