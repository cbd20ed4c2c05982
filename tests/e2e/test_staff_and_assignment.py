"""The staff directory and assignment over HTTP: supervisors keep the directory, cases go only to active members
on record (a 422 naming `assignee` otherwise), bulk assignment reports each case and a retry changes nothing
more; customers and agents never see a staff id."""

import json
from datetime import datetime

import pytest

from schemas.common import Role
from tests.e2e.conftest import AGENT, CUSTOMER, INVESTIGATOR, OTHER_INVESTIGATOR, SUPERVISOR, bearer
from tests.e2e.test_access_and_bad_input import assert_problem

MEHMET = {"name": "Mehmet Kaya", "role": "investigator"}
DENIZ = {"name": "Deniz Aydın", "role": "investigator"}
SEEDED = ["inv-ayse", "inv-emre", "inv-mehmet", "sup-zeynep"]
"""The directory the app under test starts with (tests/e2e/conftest.py): the people the tokens name, and inv-emre,
inactive."""


async def opened(api, order_id: str = "ord-1") -> str:
    body = {"order_id": order_id, "statement": "Gelmedi.", "preferred_resolution": "refund"}
    response = await api.post("/v1/disputes", json=body, headers=CUSTOMER)
    assert response.status == 201, await response.text()
    return (await response.json())["id"]


async def test_a_supervisor_adds_and_changes_a_record_and_staff_read_the_directory(api, log_audit):
    created = await api.put("/v1/staff/inv-deniz", json=DENIZ, headers=SUPERVISOR)
    changed = await api.put("/v1/staff/inv-deniz", json={**DENIZ, "active": False}, headers=SUPERVISOR)

    first, second = await created.json(), await changed.json()
    assert created.status == 201 and first | {"changed_at": None} == {
        "id": "inv-deniz", **DENIZ, "active": True, "changed_by": "sup-zeynep", "changed_at": None
    }
    assert changed.status == 200 and second["active"] is False and second["changed_by"] == "sup-zeynep"
    assert datetime.fromisoformat(first["changed_at"]) <= datetime.fromisoformat(second["changed_at"])
    listed = await (await api.get("/v1/staff", headers=INVESTIGATOR)).json()
    assert [m["id"] for m in listed["items"]] == sorted([*SEEDED, "inv-deniz"]) and listed["next_after"] is None
    assert second in listed["items"]
    assert next(m for m in listed["items"] if m["id"] == "inv-ayse")["changed_by"] is None  # seeded, never written
    written = [line for line in map(json.loads, log_audit.getvalue().splitlines()) if line["event"] == "staff_record_written"]
    facts = [{k: line.get(k) for k in ("actor", "staff_id", "role", "active", "change")} for line in written]
    assert facts == [
        {"actor": "sup-zeynep", "staff_id": "inv-deniz", "role": "investigator", "active": True, "change": "created"},
        {"actor": "sup-zeynep", "staff_id": "inv-deniz", "role": "investigator", "active": False, "change": "changed"},
    ]
    assert not any(DENIZ["name"] in json.dumps(line, ensure_ascii=False) for line in written)
    await assert_problem(await api.put("/v1/staff/inv-x", json=DENIZ, headers=INVESTIGATOR), 403)


@pytest.mark.parametrize(("body", "field"), [
    ({**MEHMET, "role": "customer"}, "role"), ({**MEHMET, "name": " \u200b "}, "name"),
    ({"role": "investigator"}, "name"), ({**MEHMET, "admin": True}, "admin"),
], ids=["not a staff role", "blank name", "no name", "unknown field"])
async def test_a_bad_record_is_refused_and_stores_nothing(api, body, field):
    before = await (await api.get("/v1/staff", headers=SUPERVISOR)).json()
    problem = await assert_problem(await api.put("/v1/staff/inv-mehmet", json=body, headers=SUPERVISOR), 422)
    assert field in [e["field"] for e in problem["errors"]]
    assert await (await api.get("/v1/staff", headers=SUPERVISOR)).json() == before


@pytest.mark.parametrize("staff_id", ["system", "SYSTEM", "System"])
async def test_the_services_own_name_is_no_staff_id_in_any_case_and_stores_nothing(api, staff_id, log_audit):
    before = await (await api.get("/v1/staff", headers=SUPERVISOR)).json()

    refused = await api.put(f"/v1/staff/{staff_id}", json=MEHMET, headers=SUPERVISOR)

    problem = await assert_problem(refused, 422)
    assert (problem["type"], problem["field"]) == ("urn:dispute-service:problem:reserved-staff-id", "staff_id")
    assert await (await api.get("/v1/staff", headers=SUPERVISOR)).json() == before
    assert "staff_record_written" not in log_audit.getvalue()


async def test_a_role_outside_the_staff_is_refused_naming_the_roles_as_written(api):
    body = {**MEHMET, "role": "agent"}
    problem = await assert_problem(await api.put("/v1/staff/inv-mehmet", json=body, headers=SUPERVISOR), 422)
    [error] = [e for e in problem["errors"] if e["field"] == "role"]
    assert error["message"] == "Input should be 'investigator' or 'supervisor'"


async def test_an_investigator_takes_no_case_another_holds_and_releases_none_unheld(api):
    dispute = await opened(api)
    one = f"/v1/disputes/{dispute}"
    await assert_problem(await api.post(one + "/release", headers=INVESTIGATOR), 409, "not-assigned")
    assert (await api.post(one + "/assign", headers=INVESTIGATOR)).status == 200  # inv-ayse takes it

    taken = await api.post(one + "/assign", headers=OTHER_INVESTIGATOR)

    await assert_problem(taken, 409, "assigned-to-another")
    assert (await (await api.get(one, headers=SUPERVISOR)).json())["assignee"] == "inv-ayse"


async def test_assigning_to_someone_unknown_or_inactive_is_refused_naming_the_field(api):
    dispute = await opened(api)

    for assignee, code in (("inv-nobody", "unknown-staff"), ("inv-emre", "inactive-staff")):  # emre: inactive
        refused = await api.post(f"/v1/disputes/{dispute}/assign", json={"assignee": assignee}, headers=SUPERVISOR)
        assert (await assert_problem(refused, 422, code))["field"] == "assignee"
    assigned = await api.post(f"/v1/disputes/{dispute}/assign", json={"assignee": "inv-mehmet"}, headers=SUPERVISOR)
    assert assigned.status == 200 and (await assigned.json())["assignee"] == "inv-mehmet"


async def test_bulk_assignment_reports_each_case_and_a_retry_changes_nothing_more(api):
    ids = [await opened(api, "ord-1"), "dsp_unknown", await opened(api, "ord-2")]
    request = {"dispute_ids": ids, "assignee": "inv-mehmet"}

    first = await api.post("/v1/disputes/assign", json=request, headers=SUPERVISOR)
    again = await api.post("/v1/disputes/assign", json=request, headers=SUPERVISOR)

    assert first.status == 200, await first.text()
    done = await first.json()
    assert done["assignee"] == "inv-mehmet"
    assert [(r["dispute_id"], r["outcome"]) for r in done["results"]] == [
        (ids[0], "assigned"), ("dsp_unknown", "not_found"), (ids[2], "assigned")
    ]
    repeated = await again.json()
    assert [r["outcome"] for r in repeated["results"]] == ["already_assigned", "not_found", "already_assigned"]
    assert [r["version"] for r in repeated["results"]] == [r["version"] for r in done["results"]]
    queue = await (await api.get("/v1/disputes", params={"assignee": "inv-mehmet"}, headers=SUPERVISOR)).json()
    assert sorted(item["id"] for item in queue["items"]) == sorted([ids[0], ids[2]])


STAFF_INACTIVE = "urn:dispute-service:problem:staff-inactive"
AYSE = {"name": "Ayşe Demir", "role": "investigator"}


async def test_an_investigator_deactivated_with_a_valid_token_changes_no_case_but_still_reads(api):
    dispute = await opened(api)
    one = f"/v1/disputes/{dispute}"
    assert (await api.post(one + "/assign", json={}, headers=INVESTIGATOR)).status == 200
    deactivated = await api.put("/v1/staff/inv-ayse", json={**AYSE, "active": False}, headers=SUPERVISOR)
    assert deactivated.status == 200
    version = (await api.get(one, headers=INVESTIGATOR)).headers["ETag"]
    decision = {"outcome": "refund", "reason_code": "carrier_no_proof", "note": "Kanıt yok."}

    refused = [
        await api.post(one + "/decision", json=decision, headers={**INVESTIGATOR, "If-Match": version}),
        await api.post(one + "/notes", json={"text": "Kapıcıya soruldu."}, headers=INVESTIGATOR),
        await api.post(one + "/information-requests", json={"question": "Komşunuza sordunuz mu?"},
                       headers=INVESTIGATOR),
        await api.post(one + "/assign", json={}, headers=INVESTIGATOR),
    ]

    for response in refused:
        problem = await assert_problem(response, 403)
        assert problem["type"] == STAFF_INACTIVE and "inv-ayse" not in problem["detail"]
    after = await api.get(one, headers=INVESTIGATOR)
    assert after.status == 200 and after.headers["ETag"] == version
    assert (await after.json())["status"] != "resolved"


async def test_someone_with_a_staff_token_but_no_record_works_no_case(api):
    dispute = await opened(api)
    stranger = bearer(Role.SUPERVISOR, "sup-nobody")

    for path, body in (("/assign", {}), ("/assign", {"assignee": "inv-ayse"}), ("/reopen", {"reason": "Yeni kanıt."})):
        problem = await assert_problem(await api.post(f"/v1/disputes/{dispute}{path}", json=body, headers=stranger), 403)
        assert problem["type"] == STAFF_INACTIVE
    bulk = await api.post("/v1/disputes/assign", json={"dispute_ids": [dispute], "assignee": "inv-ayse"},
                          headers=stranger)
    assert (await assert_problem(bulk, 403))["type"] == STAFF_INACTIVE
    assert (await (await api.get(f"/v1/disputes/{dispute}", headers=stranger)).json())["assignee"] is None


BAD_BULK = [
    ("unknown assignee", {"dispute_ids": ["dsp_a"], "assignee": "inv-nobody"}, "assignee"),
    ("operator as assignee", {"dispute_ids": ["dsp_a"], "assignee": {"$ne": None}}, "assignee"),
    ("operator as an id", {"dispute_ids": [{"$gt": ""}], "assignee": "inv-mehmet"}, "dispute_ids"),
    ("no ids", {"dispute_ids": [], "assignee": "inv-mehmet"}, "dispute_ids"),
    ("an id twice", {"dispute_ids": ["dsp_a", "dsp_a"], "assignee": "inv-mehmet"}, "dispute_ids"),
    ("too many", {"dispute_ids": [f"dsp_{n}" for n in range(101)], "assignee": "inv-mehmet"}, "dispute_ids"),
]


@pytest.mark.parametrize(("body", "field"), [b[1:] for b in BAD_BULK], ids=[b[0] for b in BAD_BULK])
async def test_a_bad_bulk_assignment_is_refused_naming_the_field(api, body, field):
    problem = await assert_problem(await api.post("/v1/disputes/assign", json=body, headers=SUPERVISOR), 422)
    named = problem.get("field") or problem["errors"][0]["field"].split(".")[0]
    assert named == field


async def test_customers_and_agents_never_see_a_staff_id(api):
    dispute = await opened(api)
    one = f"/v1/disputes/{dispute}"
    assert (await api.post("/v1/disputes/assign", json={"dispute_ids": [dispute], "assignee": "inv-mehmet"},
                           headers=SUPERVISOR)).status == 200
    asked = await api.post(one + "/messages", json={"text": "Kapıcıya sordunuz mu?"}, headers=INVESTIGATOR)
    assert asked.status == 201
    version = (await api.get(one, headers=INVESTIGATOR)).headers["ETag"]
    decision = {"outcome": "refund", "reason_code": "carrier_no_proof", "note": "Kanıt yok."}
    assert (await api.post(one + "/decision", headers={**SUPERVISOR, "If-Match": version}, json=decision)).status == 200

    for headers in (CUSTOMER, AGENT):
        seen = [await (await api.get(url, headers=headers)).text()
                for url in (one, one + "/thread", "/v1/disputes?customer_id=cust-1")]
        staff_ids = ("inv-mehmet", "inv-ayse", "sup-zeynep")
        leaked = [(n, staff) for n, text in enumerate(seen) for staff in staff_ids if staff in text]
        assert not leaked, f"staff ids shown to {headers}: {leaked}"


ZEYNEP = {"name": "Zeynep Arslan", "role": "supervisor"}


@pytest.mark.parametrize("change", [{"active": False}, {"role": "investigator"}], ids=["deactivate", "demote"])
async def test_a_supervisor_cannot_lock_themselves_out_of_the_directory(api, change):
    refused = await api.put("/v1/staff/sup-zeynep", json={**ZEYNEP, **change}, headers=SUPERVISOR)

    await assert_problem(refused, 422, "own-staff-record")
    listed = await (await api.get("/v1/staff", headers=SUPERVISOR)).json()
    unchanged = {"id": "sup-zeynep", **ZEYNEP, "active": True, "changed_by": None, "changed_at": None}
    assert unchanged in listed["items"]
    assert (await api.put("/v1/staff/inv-ayse", json={**AYSE, "active": False}, headers=SUPERVISOR)).status == 200


@pytest.mark.parametrize(("assignee", "status", "code"), [
    ("inv-nobody", 422, "unknown-staff"), ("inv-emre", 422, "inactive-staff"), ("inv-mehmet", 200, None),
    ("sup-zeynep", 200, None),
])
async def test_one_case_and_many_go_only_to_the_same_people(api, assignee, status, code):
    one, many = await opened(api, "ord-1"), await opened(api, "ord-2")

    single = await api.post(f"/v1/disputes/{one}/assign", json={"assignee": assignee}, headers=SUPERVISOR)
    bulk = await api.post("/v1/disputes/assign", json={"dispute_ids": [many], "assignee": assignee},
                          headers=SUPERVISOR)

    assert (single.status, bulk.status) == (status, status), await single.text() + await bulk.text()
    if status == 422:
        assert [(await assert_problem(r, 422, code))["field"] for r in (single, bulk)] == ["assignee", "assignee"]
    queue = await (await api.get("/v1/disputes", params={"assignee": assignee}, headers=SUPERVISOR)).json()
    assert sorted(item["id"] for item in queue["items"]) == (sorted([one, many]) if status == 200 else [])
