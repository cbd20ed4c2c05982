"""The conversation on a case over HTTP: investigators ask the customer a question (the SLA clock paused until the
answer), the customer and agents answer and write, each role sees its own view of the thread; and the response
times report."""

from datetime import datetime, timedelta
from urllib.parse import urlencode

import pytest

from tests.e2e.conftest import AGENT, CUSTOMER, INVESTIGATOR, OTHER_CUSTOMER, SUPERVISOR, eventually
from tests.e2e.test_agents_and_restrictions import OPEN, is_problem, received
from tests.e2e.test_customer_evidence import form, photo

QUESTION = "Paketi bir komşunuz ya da apartman görevlisi (kapıcı) almış olabilir mi?"
ANSWER_BY = datetime.fromisoformat("2026-11-20T21:00:00+00:00")
"""Asked on Wednesday 18.11.2026: two business days, to the end of Friday 20.11 in Istanbul (UTC+3)."""
DECISION_DUE = datetime.fromisoformat("2026-11-23T21:00:00+00:00")
"""Opened on Wednesday 18.11.2026: three business days, the weekend not counted, to the end of Monday 23.11."""


def at(value: str) -> datetime:
    return datetime.fromisoformat(value)


async def test_an_investigator_asks_the_customer_answers_and_the_thread_shows_both_in_order(api, sandbox, aiohttp_client):
    downstream = await aiohttp_client(sandbox)
    case = await (await api.post("/v1/disputes", json=OPEN, headers=CUSTOMER)).json()
    one = f"/v1/disputes/{case['id']}"
    assert (await api.post(one + "/notes", json={"text": "Kuryeyle konuşulacak."}, headers=INVESTIGATOR)).status == 201
    await is_problem(await api.post(one + "/information-requests", json={"question": QUESTION}, headers=CUSTOMER), 403)
    await is_problem(await api.post(one + "/information-requests", json={"question": QUESTION}, headers=AGENT), 403)

    asked = await api.post(one + "/information-requests", json={"question": QUESTION}, headers=INVESTIGATOR)
    assert asked.status == 201, await asked.text()
    staff = await asked.json()
    [request] = staff["information_requests"]
    asked_at = at(request["asked_at"])
    paused_due = DECISION_DUE + (ANSWER_BY - asked_at)
    assert at(request["answer_by"]) == ANSWER_BY and at(staff["sla"]["decision_due"]) == paused_due
    assert staff["waiting_for_customer"]["question"] == QUESTION
    again = await api.post(one + "/information-requests", json={"question": "Başka?"}, headers=INVESTIGATOR)
    assert request["id"] in (await is_problem(again, 409, "question-pending"))["detail"]

    mine = await (await api.get(one, headers=CUSTOMER)).json()
    waiting = mine["waiting_for_customer"]
    assert (waiting["question"], at(waiting["answer_by"]), at(waiting["decision_due"])) == (QUESTION, ANSWER_BY, paused_due)
    assert at(mine["decision_due"]) == paused_due
    assert QUESTION in mine["next_step"]["tr"] and "20.11.2026" in mine["next_step"]["tr"]
    assert "20.11.2026" in mine["next_step"]["en"]

    async def question_sent():
        return [r["body"] for r in await received(downstream, "notifications")
                if r["body"]["template"] == "information_requested"]

    [sent] = await eventually(question_sent)
    assert QUESTION in sent["message"] and "20.11.2026" in sent["message"] and "20.11.2026" in sent["message_en"]

    replied = await api.post(one + "/messages", json={"text": "Kapıcıya sordum, almamış."}, headers=CUSTOMER)
    assert replied.status == 201 and (await replied.json())["waiting_for_customer"] is None
    agent_wrote = await api.post(one + "/messages", json={"text": "Müşteri komşulara da sormuş."}, headers=AGENT)
    assert agent_wrote.status == 201
    told = await api.post(one + "/messages", json={"text": "Kurye kaydını inceliyoruz."}, headers=INVESTIGATOR)
    assert told.status == 201

    thread = (await (await api.get(one + "/thread", headers=CUSTOMER)).json())["messages"]
    assert [(m["kind"], m["role"], m["text"]) for m in thread] == [
        ("statement", "customer", OPEN["statement"]),
        ("information_requested", "investigator", QUESTION),
        ("customer_message", "customer", "Kapıcıya sordum, almamış."),
        ("customer_message", "agent", "Müşteri komşulara da sormuş."),
        ("staff_message", "investigator", "Kurye kaydını inceliyoruz."),
    ]
    assert thread[1]["request_id"] == request["id"] and at(thread[1]["answer_by"]) == ANSWER_BY
    assert thread[2]["reply_to"] == request["id"] and thread[3]["reply_to"] is None
    assert [m["author"] for m in thread] == ["cust-1", None, "cust-1", None, None]
    assert [m["at"] for m in thread] == sorted(m["at"] for m in thread)
    assert (await (await api.get(one + "/thread", headers=AGENT)).json())["messages"] == thread

    staff_thread = (await (await api.get(one + "/thread", headers=INVESTIGATOR)).json())["messages"]
    assert [m["kind"] for m in staff_thread][:2] == ["statement", "internal_note"]
    assert [m["author"] for m in staff_thread][1:3] == ["inv-ayse", "inv-ayse"]
    await is_problem(await api.get(one + "/thread", headers=OTHER_CUSTOMER), 404)

    # The pause ends with the answer: the deadline moved on by the time the customer took, no more.
    answered_at = at(thread[2]["at"])
    after = await (await api.get(one, headers=SUPERVISOR)).json()
    assert at(after["sla"]["decision_due"]) == DECISION_DUE + (answered_at - asked_at)
    assert at(after["information_requests"][0]["answered_at"]) == answered_at
    timeline = (await (await api.get(one + "/timeline", headers=INVESTIGATOR)).json())["entries"]
    assert [e["action"] for e in timeline if e["action"] in ("information_requested", "customer_message")] == [
        "information_requested", "customer_message", "customer_message",
    ]
    messages = [r["body"]["template"] for r in await eventually(lambda: _notified(downstream, "staff_message"))]
    assert "staff_message" in messages


async def _notified(downstream, template):
    requests = await received(downstream, "notifications")
    return requests if any(r["body"]["template"] == template for r in requests) else []


async def test_an_agent_logs_a_call_that_answers_no_open_question_and_the_customer_does_not_see_it(api):
    case = await (await api.post("/v1/disputes", json=OPEN, headers=CUSTOMER)).json()
    one = f"/v1/disputes/{case['id']}"
    asked = await api.post(one + "/information-requests", json={"question": QUESTION}, headers=INVESTIGATOR)
    assert asked.status == 201, await asked.text()
    call = {"text": "Müşteri aradı, başvurusunun durumunu sordu.", "kind": "contact_log"}
    for who in (CUSTOMER, INVESTIGATOR):
        await is_problem(await api.post(one + "/messages", json=call, headers=who), 403)

    logged = await api.post(one + "/messages", json=call, headers=AGENT)

    assert logged.status == 201, await logged.text()
    assert (await logged.json())["waiting_for_customer"]["request_id"] == "irq_1"
    seen = {}
    for name, who in (("agent", AGENT), ("investigator", INVESTIGATOR), ("customer", CUSTOMER)):
        messages = (await (await api.get(one + "/thread", headers=who)).json())["messages"]
        seen[name] = [(m["kind"], m["role"], m["reply_to"]) for m in messages if m["role"] == "agent"]
    assert seen == {"agent": [("contact_log", "agent", None)], "investigator": [("contact_log", "agent", None)],
                    "customer": []}
    staff = await (await api.get(one, headers=INVESTIGATOR)).json()
    assert staff["waiting_for_customer"]["request_id"] == "irq_1" and staff["information_requests"][0]["answered_at"] is None


PERIOD = urlencode({"from": "2026-11-01T00:00:00+03:00", "to": "2026-12-01T00:00:00+03:00"})


@pytest.mark.parametrize("app_changes", [{"information_requests_per_review": 0}], ids=["no-questions"])
async def test_no_question_goes_past_the_number_one_review_may_put_nor_to_a_closed_case(api):
    case = await (await api.post("/v1/disputes", json=OPEN, headers=CUSTOMER)).json()
    one = f"/v1/disputes/{case['id']}"
    over = await api.post(one + "/information-requests", json={"question": QUESTION}, headers=INVESTIGATOR)
    await is_problem(over, 409, "too-many-questions")
    assert (await api.post(one + "/withdraw", json={"reason": "Buldum."}, headers=CUSTOMER)).status == 200
    closed = await api.post(one + "/information-requests", json={"question": QUESTION}, headers=INVESTIGATOR)
    await is_problem(closed, 409, "questions-closed")
    staff = await (await api.get(one, headers=INVESTIGATOR)).json()
    assert (staff["information_requests"], staff["waiting_for_customer"]) == ([], None)


async def test_the_response_times_report_gives_percentiles_by_channel_and_carrier(api, clock):
    """Each step moves the clock by whole hours, so the hours are those below (to the report's 3.6 s rounding)."""

    async def step(hours, method, path, body=None, headers=CUSTOMER):
        clock.offset += timedelta(hours=hours)
        response = await api.request(method, path, json=body, headers=headers)
        assert response.status in (200, 201), await response.text()
        return response

    async def decide(one, hours, outcome="refund", reason="lost_in_transit"):
        version = (await api.get(one, headers=INVESTIGATOR)).headers["ETag"]
        decision = {"outcome": outcome, "reason_code": reason, "note": "karar"}
        await step(hours, "POST", one + "/decision", decision, {**INVESTIGATOR, "If-Match": version})

    on_the_phone = {**OPEN, "order_id": "ord-2", "customer_id": "cust-1", "channel": "phone"}
    in_chat = {**OPEN, "order_id": "ord-5", "shipment_id": "shp-5a", "customer_id": "cust-1", "channel": "live_chat"}
    # order page, yurtici: first response (a message) after 2 h, decided after 5 h
    one = (await (await step(0, "POST", "/v1/disputes", OPEN)).json())["id"]
    await step(2, "POST", f"/v1/disputes/{one}/messages", {"text": "İnceliyoruz."}, INVESTIGATOR)
    await decide(f"/v1/disputes/{one}", 3)
    # phone, aras: first response (a question) after 1 h, decided after 4 h
    two = (await (await step(0, "POST", "/v1/disputes", on_the_phone, AGENT)).json())["id"]
    await step(1, "POST", f"/v1/disputes/{two}/information-requests", {"question": QUESTION}, INVESTIGATOR)
    await decide(f"/v1/disputes/{two}", 3)
    # order page, yurtici: first response (the decision) after 6 h
    three = (await (await step(0, "POST", "/v1/disputes", {**OPEN, "order_id": "ord-6"})).json())["id"]
    await decide(f"/v1/disputes/{three}", 6, "rejected", "proof_of_delivery")
    # live chat, yurtici: first response (a message) after 3 h, not decided
    four = (await (await step(0, "POST", "/v1/disputes", in_chat, AGENT)).json())["id"]
    await step(3, "POST", f"/v1/disputes/{four}/messages", {"text": "Kargoya sorduk."}, INVESTIGATOR)

    report = await (await api.get(f"/v1/reports/response-times?{PERIOD}", headers=SUPERVISOR)).json()

    columns = ("group", "disputes", "responded", "first_response_p50_hours", "first_response_p90_hours", "decided",
               "decision_p50_hours", "decision_p90_hours")
    assert [tuple(row[c] for c in columns) for row in report["by_channel"]] == [
        ("live_chat", 1, 1, 3.0, 3.0, 0, None, None),
        ("order_page", 2, 2, 2.0, 6.0, 2, 5.0, 6.0),
        ("phone", 1, 1, 1.0, 1.0, 1, 4.0, 4.0),
    ]
    assert [tuple(row[c] for c in columns) for row in report["by_carrier"]] == [
        ("aras", 1, 1, 1.0, 1.0, 1, 4.0, 4.0),
        ("yurtici", 3, 3, 3.0, 6.0, 2, 5.0, 6.0),  # first responses 2, 6, 3 h; decisions 5, 6 h
    ]
    await is_problem(await api.get(f"/v1/reports/response-times?{PERIOD}", headers=AGENT), 403)


async def test_information_added_with_an_image_answers_the_open_question_and_joins_the_thread(api):
    case = await (await api.post("/v1/disputes", json=OPEN, headers=CUSTOMER)).json()
    one = f"/v1/disputes/{case['id']}"
    asked = await (await api.post(one + "/information-requests", json={"question": QUESTION}, headers=INVESTIGATOR)).json()
    asked_at = at(asked["information_requests"][0]["asked_at"])

    added = await api.post(one + "/information", data=form("Kapıcı almamış; kapının fotoğrafı ekte.",
                                                           ("kapi.jpg", photo(), "image/jpeg")), headers=CUSTOMER)
    assert added.status == 201, await added.text()
    assert (await added.json())["waiting_for_customer"] is None

    thread = (await (await api.get(one + "/thread", headers=CUSTOMER)).json())["messages"]
    assert [(m["kind"], m["text"], m["reply_to"]) for m in thread] == [
        ("statement", OPEN["statement"], None),
        ("information_requested", QUESTION, None),
        ("information_added", "Kapıcı almamış; kapının fotoğrafı ekte.", asked["information_requests"][0]["id"]),
    ]
    staff = await (await api.get(one, headers=INVESTIGATOR)).json()
    assert at(staff["sla"]["decision_due"]) == DECISION_DUE + (at(thread[2]["at"]) - asked_at)
