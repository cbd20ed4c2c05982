"""The staff directory and assignment over HTTP: supervisors keep the directory, cases go only to active members
on record (a 422 naming `assignee` otherwise), bulk assignment reports each case and a retry changes nothing
more; customers and agents never see a staff id."""

import pytest

from tests.e2e.conftest import AGENT, CUSTOMER, INVESTIGATOR, SUPERVISOR
from tests.e2e.test_access_and_bad_input import assert_problem

MEHMET = {"name": "Mehmet Kaya", "role": "investigator"}


async def opened(api, order_id: str = "ord-1") -> str:
    body = {"order_id": order_id, "statement": "Gelmedi.", "preferred_resolution": "refund"}
    response = await api.post("/v1/disputes", json=body, headers=CUSTOMER)
    assert response.status == 201, await response.text()
    return (await response.json())["id"]


async def test_a_supervisor_adds_and_changes_a_record_and_staff_read_the_directory(api):
    created = await api.put("/v1/staff/inv-mehmet", json=MEHMET, headers=SUPERVISOR)
    changed = await api.put("/v1/staff/inv-mehmet", json={**MEHMET, "active": False}, headers=SUPERVISOR)

    assert created.status == 201 and await created.json() == {"id": "inv-mehmet", **MEHMET, "active": True}
    assert changed.status == 200 and (await changed.json())["active"] is False
    listed = await (await api.get("/v1/staff", headers=INVESTIGATOR)).json()
    assert listed == {"items": [{"id": "inv-mehmet", **MEHMET, "active": False}], "next_after": None}
    await assert_problem(await api.put("/v1/staff/inv-x", json=MEHMET, headers=INVESTIGATOR), 403)


@pytest.mark.parametrize(("body", "field"), [
    ({**MEHMET, "role": "customer"}, "role"), ({**MEHMET, "name": " \u200b "}, "name"),
    ({"role": "investigator"}, "name"), ({**MEHMET, "admin": True}, "admin"),
], ids=["not a staff role", "blank name", "no name", "unknown field"])
async def test_a_bad_record_is_refused_and_stores_nothing(api, body, field):
    problem = await assert_problem(await api.put("/v1/staff/inv-mehmet", json=body, headers=SUPERVISOR), 422)
    assert field in [e["field"] for e in problem["errors"]]
    assert (await (await api.get("/v1/staff", headers=SUPERVISOR)).json())["items"] == []


async def test_assigning_to_someone_unknown_or_inactive_is_refused_naming_the_field(api):
    dispute = await opened(api)
    await api.put("/v1/staff/inv-emre", json={"name": "Emre Çelik", "role": "investigator", "active": False},
                  headers=SUPERVISOR)

    for assignee in ("inv-nobody", "inv-emre"):
        refused = await api.post(f"/v1/disputes/{dispute}/assign", json={"assignee": assignee}, headers=SUPERVISOR)
        assert (await assert_problem(refused, 422))["field"] == "assignee"
    assert (await api.put("/v1/staff/inv-mehmet", json=MEHMET, headers=SUPERVISOR)).status == 201
    assigned = await api.post(f"/v1/disputes/{dispute}/assign", json={"assignee": "inv-mehmet"}, headers=SUPERVISOR)
    assert assigned.status == 200 and (await assigned.json())["assignee"] == "inv-mehmet"


async def test_bulk_assignment_reports_each_case_and_a_retry_changes_nothing_more(api):
    await api.put("/v1/staff/inv-mehmet", json=MEHMET, headers=SUPERVISOR)
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
    await api.put("/v1/staff/inv-mehmet", json=MEHMET, headers=SUPERVISOR)
    problem = await assert_problem(await api.post("/v1/disputes/assign", json=body, headers=SUPERVISOR), 422)
    named = problem.get("field") or problem["errors"][0]["field"].split(".")[0]
    assert named == field


async def test_customers_and_agents_never_see_a_staff_id(api):
    await api.put("/v1/staff/inv-mehmet", json=MEHMET, headers=SUPERVISOR)
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
