"""Agents acting for customers, and account restrictions reviewed within their window, over HTTP with every
role: what each may do, what the customer sees, and what reaches the downstream services (once)."""

import pytest

from tests.e2e.conftest import AGENT, CUSTOMER, INVESTIGATOR, SUPERVISOR, eventually
from tests.e2e.test_access_and_bad_input import assert_problem

ON_THE_PHONE = {
    "order_id": "ord-1", "customer_id": "cust-1", "channel": "phone",
    "statement": "Müşteri telefonda kargonun gelmediğini söyledi.", "preferred_resolution": "refund",
}
OPEN = {"order_id": "ord-1", "statement": "Teslim edildi görünüyor ama gelmedi.", "preferred_resolution": "refund"}


async def received(downstream, service):
    body = await (await downstream.get("/_sandbox/received")).json()
    return [r for r in body["requests"] if r["service"] == service and r["status"] == 200]


async def applied(downstream, service):
    body = await (await downstream.get("/_sandbox/received")).json()
    return body["applied"].get(service, {})


async def is_problem(response, status, code=None):
    return await assert_problem(response, status, code)


async def test_an_agent_opens_for_a_customer_who_sees_it_and_gets_its_messages(api, sandbox, aiohttp_client):
    downstream = await aiohttp_client(sandbox)
    opened = await api.post("/v1/disputes", json=ON_THE_PHONE, headers={**AGENT, "Idempotency-Key": "call-7"})
    assert opened.status == 201, await opened.text()
    case = await opened.json()
    assert (case["customer_id"], case["channel"], case["opened_by_agent"]) == ("cust-1", "phone", "agent-elif")
    assert not {"recommendation", "evidence", "abuse_flags", "effects", "assignee"} & case.keys()
    assert case["next_step"]["tr"] and case["next_step"]["en"]

    mine = await (await api.get("/v1/disputes", headers=CUSTOMER)).json()
    assert [item["id"] for item in mine["items"]] == [case["id"]]
    own = await (await api.get(f"/v1/disputes/{case['id']}", headers=CUSTOMER)).json()
    assert own["status"] == "opened" and "opened_by_agent" not in own

    async def opened_message():
        return [r["body"] for r in await received(downstream, "notifications")]

    messages = await eventually(opened_message)
    assert [(m["customer_id"], m["template"]) for m in messages] == [("cust-1", "dispute_opened")]

    staff = await (await api.get(f"/v1/disputes/{case['id']}", headers=INVESTIGATOR)).json()
    assert (staff["channel"], staff["opened_by_agent"]) == ("phone", "agent-elif")


async def test_an_agent_follows_the_case_for_the_customer_but_cannot_decide_or_work_it(api):
    case = await (await api.post("/v1/disputes", json=ON_THE_PHONE, headers=AGENT)).json()
    one = f"/v1/disputes/{case['id']}"

    message = await api.post(one + "/messages", json={"text": "Kapıcıya da sormuş, onda yok."}, headers=AGENT)
    assert message.status == 201
    decision = {"outcome": "refund", "reason_code": "carrier_no_proof", "note": "Müşteri haklı."}
    refused = await is_problem(await api.post(one + "/decision", json=decision, headers={**AGENT, "If-Match": '"2"'}), 403)
    assert "agent" in refused["detail"]
    await is_problem(await api.post(one + "/assign", headers=AGENT), 403)
    await is_problem(await api.get(one + "/timeline", headers=AGENT), 403)
    await is_problem(await api.post(one + "/restriction/review", json={"decision": "lift", "reason": "x"}, headers=AGENT), 403)
    await is_problem(await api.get("/v1/disputes", headers=AGENT), 422)
    theirs = await (await api.get("/v1/disputes?customer_id=cust-1", headers=AGENT)).json()
    assert [item["id"] for item in theirs["items"]] == [case["id"]]

    declared = await api.post(one + "/accessibility-need", headers=AGENT)
    assert declared.status == 200 and (await declared.json())["accessibility_need"] is True
    await is_problem(await api.post(one + "/accessibility-need", headers=CUSTOMER), 403)
    withdrawn = await api.post(one + "/withdraw", json={"reason": "Müşteri kapıcıda buldu."}, headers=AGENT)
    assert withdrawn.status == 200 and (await withdrawn.json())["status"] == "withdrawn"

    staff = await (await api.get(one, headers=INVESTIGATOR)).json()
    assert staff["accessibility_need"] is True and staff["priority"] == 1
    timeline = await (await api.get(one + "/timeline", headers=INVESTIGATOR)).json()
    assert [(e["action"], e["role"]) for e in timeline["entries"]] == [
        ("opened", "agent"), ("customer_message", "agent"), ("accessibility_need_declared", "agent"),
        ("withdrawn", "agent"),
    ]


async def test_an_agent_must_say_for_whom_and_through_which_channel(api):
    for missing in ("customer_id", "channel"):
        body = {k: v for k, v in ON_THE_PHONE.items() if k != missing}
        problem = await is_problem(await api.post("/v1/disputes", json=body, headers=AGENT), 422)
        assert missing in problem["detail"]
    as_customer = await api.post("/v1/disputes", json={**OPEN, "channel": "phone"}, headers=CUSTOMER)
    await is_problem(as_customer, 422)


async def test_a_customer_s_accessibility_need_is_the_order_s_or_an_agent_s_to_record(api):
    asking = await api.post("/v1/disputes", json={**OPEN, "accessibility_need": True}, headers=CUSTOMER)
    problem = await is_problem(asking, 422)
    assert problem["type"].endswith(":accessibility-need-by-agent") and problem["field"] == "accessibility_need"
    assert (await (await api.get("/v1/disputes", headers=CUSTOMER)).json())["items"] == []
    plain = await api.post("/v1/disputes", json={**OPEN, "accessibility_need": False}, headers=CUSTOMER)
    assert plain.status == 201 and (await (await api.get(plain.headers["Location"], headers=INVESTIGATOR)).json())[
        "priority"] == 0


async def test_recording_an_accessibility_need_links_the_customer_s_other_open_cases(api):
    first, second = [(await api.post("/v1/disputes", headers=AGENT, json={
        **ON_THE_PHONE, "order_id": "ord-5", "shipment_id": package})).headers["Location"] for package in ("shp-5a", "shp-5b")]

    recorded = await api.post(first + "/accessibility-need", headers=AGENT)
    again = await api.post(second + "/accessibility-need", headers=AGENT)

    assert recorded.status == 200 and recorded.headers["Link"] == f'<{second}>; rel="related"'
    assert again.status == 200 and again.headers["Link"] == f'<{first}>; rel="related"'
    lone = await api.post("/v1/disputes", json=ON_THE_PHONE, headers=AGENT)
    assert lone.status == 201
    others = await api.post(lone.headers["Location"] + "/accessibility-need", headers=AGENT)
    assert set(others.headers["Link"].split(", ")) == {f'<{first}>; rel="related"', f'<{second}>; rel="related"'}


async def test_an_accessibility_need_recorded_on_the_wrong_case_is_taken_back_with_a_reason(api):
    opened = await api.post("/v1/disputes", json=ON_THE_PHONE, headers=AGENT)
    one = opened.headers["Location"]
    usual = (await (await api.get(one, headers=INVESTIGATOR)).json())["sla"]["decision_due"]
    assert (await api.post(one + "/accessibility-need", headers=AGENT)).status == 200
    back = one + "/accessibility-need/withdraw"
    reason = {"reason": "Başka bir müşterinin başvurusuna girildi."}
    await is_problem(await api.post(back, json={}, headers=AGENT), 422)
    for who in (CUSTOMER, INVESTIGATOR):
        await is_problem(await api.post(back, json=reason, headers=who), 403)

    taken_back = await api.post(back, json=reason, headers=AGENT)

    assert taken_back.status == 200, await taken_back.text()
    assert (await taken_back.json())["accessibility_need"] is False
    staff = await (await api.get(one, headers=INVESTIGATOR)).json()
    assert (staff["priority"], staff["sla"]["decision_due"]) == (0, usual)
    timeline = await (await api.get(one + "/timeline", headers=SUPERVISOR)).json()
    assert [(e["action"], e["role"], e["details"].get("reason")) for e in timeline["entries"]][-2:] == [
        ("accessibility_need_declared", "agent", None),
        ("accessibility_need_withdrawn", "agent", "Başka bir müşterinin başvurusuna girildi."),
    ]
    await is_problem(await api.post(back, json=reason, headers=SUPERVISOR), 409, "no-accessibility-need-by-agent")


async def test_a_dispute_that_led_to_no_restriction_has_none_to_review(api):
    opened = await api.post("/v1/disputes", json=OPEN, headers=CUSTOMER)
    review = f"/v1/disputes/{(await opened.json())['id']}/restriction/review"
    refused = await api.post(review, json={"decision": "confirm", "reason": "Altı ayda beşinci talep."},
                             headers=SUPERVISOR)
    await is_problem(refused, 409, "no-restriction")
    assert (await (await api.get(review.rsplit("/", 2)[0], headers=SUPERVISOR)).json())["restriction"] is None


RESTRICTING = {"policy_repeat_claims": 1}  # the first claim shows the pattern: no need to open three
FAST = 0.05


async def restricted_case(api):
    opened = await api.post("/v1/disputes", json=OPEN, headers=CUSTOMER)
    assert opened.status == 201
    one = f"/v1/disputes/{(await opened.json())['id']}"

    async def restriction():
        return (await (await api.get(one, headers=SUPERVISOR)).json())["restriction"]

    await eventually(restriction, timeout=10, explain="no restriction was raised")
    return one


@pytest.mark.parametrize("evidence_interval", [FAST])
@pytest.mark.parametrize("app_changes", [RESTRICTING], ids=["review-in-72h"])
async def test_a_supervisor_confirms_then_lifts_and_the_account_service_hears_each_change_once(api, sandbox, aiohttp_client):
    downstream = await aiohttp_client(sandbox)
    one = await restricted_case(api)
    dispute_id = one.rsplit("/", 1)[1]
    review = one + "/restriction/review"

    await is_problem(await api.post(review, json={"decision": "confirm", "reason": "x"}, headers=INVESTIGATOR), 403)
    confirmed = await api.post(review, json={"decision": "confirm", "reason": "Altı ayda beşinci talep."}, headers=SUPERVISOR)
    assert confirmed.status == 200 and (await confirmed.json())["restriction"]["state"] == "confirmed"
    again = await api.post(review, json={"decision": "confirm", "reason": "Tekrar"}, headers=SUPERVISOR)
    await is_problem(again, 409, "restriction-reviewed")
    lifted = await api.post(review, json={"decision": "lift", "reason": "Müşteri fatura sundu."}, headers=SUPERVISOR)
    assert lifted.status == 200 and (await lifted.json())["restriction"]["state"] == "lifted"

    async def all_three():
        changes = await applied(downstream, "account_restrictions")
        return changes if len(changes) == 3 else None

    changes = await eventually(all_three, timeout=10)
    assert changes == {f"{dispute_id}:restriction:{c}": 1 for c in ("restricted", "confirmed", "lifted")}

    async def told_of_each():
        sent = [r["body"]["template"] for r in await received(downstream, "notifications") if "restriction" in r["body"]["template"]]
        return sent if len(sent) >= 3 else None

    assert await eventually(told_of_each, timeout=10) == ["restriction_raised", "restriction_confirmed", "restriction_lifted"]
    mine = await (await api.get(one, headers=CUSTOMER)).json()
    assert "was lifted on" in mine["next_step"]["en"] and "kaldırıldı" in mine["next_step"]["tr"]
    assert "restriction" not in mine and "Altı ayda" not in mine["next_step"]["tr"]  # neither its record nor reasons
    alerts = [r["body"]["reason"] for r in await received(downstream, "staff_alerts")]
    assert alerts == ["restriction_needs_review"]
    timeline = await (await api.get(one + "/timeline", headers=SUPERVISOR)).json()
    restriction_steps = [(e["action"], e["role"]) for e in timeline["entries"] if "restriction" in e["action"]]
    assert restriction_steps == [
        ("restriction_raised", "service"), ("restriction_confirmed", "supervisor"), ("restriction_lifted", "supervisor")
    ]


REVIEW_SECONDS = 2.0


@pytest.mark.parametrize("evidence_interval", [FAST])
@pytest.mark.parametrize(
    "app_changes", [RESTRICTING | {"policy_restriction_review_hours": REVIEW_SECONDS / 3600}], ids=["review-in-2s"]
)
async def test_a_restriction_nobody_confirmed_is_lifted_at_its_deadline_and_the_customer_told(api, sandbox, aiohttp_client):
    downstream = await aiohttp_client(sandbox)
    one = await restricted_case(api)
    dispute_id = one.rsplit("/", 1)[1]

    async def lifted():
        case = await (await api.get(one, headers=SUPERVISOR)).json()
        return case if case["restriction"]["state"] == "lifted" else None

    case = await eventually(lifted, timeout=15)
    assert case is not None, "the restriction was not lifted at its deadline"
    restriction = case["restriction"]
    assert restriction["reviewed_by"] == "system" and restriction["reviewed_at"] >= restriction["review_due"]

    async def told():
        sent = [r["body"] for r in await received(downstream, "notifications") if r["body"]["template"] == "restriction_lifted"]
        return sent or None

    sent = await eventually(told, timeout=10)
    assert sent is not None and len(sent) == 1
    assert "kısıtlama" in sent[0]["message"] and "restriction" in sent[0]["message_en"]

    async def both():
        changes = await applied(downstream, "account_restrictions")
        return changes if len(changes) == 2 else None

    assert await eventually(both, timeout=10) == {
        f"{dispute_id}:restriction:restricted": 1, f"{dispute_id}:restriction:lifted": 1
    }
    late = await api.post(one + "/restriction/review", json={"decision": "confirm", "reason": "Geç"}, headers=SUPERVISOR)
    await is_problem(late, 409, "restriction-reviewed")


TRIAGE = ("priority", "needs_supervisor", "abuse_flags", "recommendation", "confidence", "assignee")


@pytest.mark.parametrize("evidence_interval", [FAST])
@pytest.mark.parametrize("app_changes", [RESTRICTING], ids=["flagged-at-once"])
async def test_the_customer_side_of_the_queue_is_not_shown_the_triage(api):
    """Customers and agents list the same cases as staff, without what staff weigh: flags, advice, priority, who."""
    one = await restricted_case(api)
    assert (await api.post(one + "/assign", headers=SUPERVISOR)).status == 200  # flagged: a supervisor's case
    staff_row = (await (await api.get("/v1/disputes", headers=INVESTIGATOR)).json())["items"][0]
    assert staff_row["abuse_flags"] == ["repeat_claims"] and staff_row["assignee"] == "sup-zeynep"

    for headers, query in ((CUSTOMER, ""), (AGENT, "?customer_id=cust-1")):
        [row] = (await (await api.get("/v1/disputes" + query, headers=headers)).json())["items"]
        assert {name: row[name] for name in TRIAGE} == dict.fromkeys(TRIAGE)
        assert (row["id"], row["status"]) == (staff_row["id"], staff_row["status"])
