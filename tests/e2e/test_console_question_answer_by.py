"""A question waiting for the customer's answer is shown on the console's case page with the day it is to be answered
by, as the customer was told, and that the decision deadline waits meanwhile; once answered, no answer-by is shown."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.conftest import CUSTOMER, INVESTIGATOR, SUPERVISOR
from tests.e2e.test_console import opened, staff

pytestmark = pytest.mark.asyncio

ISTANBUL = ZoneInfo("Europe/Istanbul")


def as_told(instant: str) -> str:
    """A deadline as Istanbul reads it; one at midnight is the end of the day before ("20.11.2026 24:00")."""
    local = datetime.fromisoformat(instant).astimezone(ISTANBUL)
    if local.time() == datetime.min.time():
        return f"{local - timedelta(days=1):%d.%m.%Y} 24:00"
    return f"{local:%d.%m.%Y %H:%M}"


async def page_of(api, dispute_id: str, lang: str) -> str:
    answer = await api.get(f"/console/disputes/{dispute_id}", headers={"Cookie": staff()["Cookie"] + f"; console_lang={lang}"})
    assert answer.status == 200
    return await answer.text()


async def test_a_waiting_question_shows_its_answer_by_until_it_is_answered(api):
    dispute = await opened(api)
    asked = await api.post(f"/v1/disputes/{dispute['id']}/information-requests",
                           json={"question": "Paketi kapıcı mı aldı?"}, headers=SUPERVISOR)
    assert asked.status in (200, 201), await asked.text()
    case = await (await api.get(f"/v1/disputes/{dispute['id']}", headers=INVESTIGATOR)).json()
    answer_by = as_told(case["waiting_for_customer"]["answer_by"])

    english = await page_of(api, dispute["id"], "en")
    assert f"answer by {answer_by} Istanbul · the decision deadline waits meanwhile" in english
    assert f'<div class="meta answer-by">answer by {answer_by} Istanbul</div>' in english  # beside the question
    turkish = await page_of(api, dispute["id"], "tr")
    assert f"yanıt son tarihi {answer_by} TSİ · bu sırada karar süresi durur" in turkish

    answered = await api.post(f"/v1/disputes/{dispute['id']}/information", json={"statement": "Hayır, almadı."},
                              headers=CUSTOMER)
    assert answered.status in (200, 201), await answered.text()
    assert "answer by" not in await page_of(api, dispute["id"], "en")


async def test_a_question_open_when_the_case_is_decided_is_shown_expired_and_no_longer_waiting(api):
    """Decided without the answer, the question is closed unanswered with the decision: the case page shows it expired
    on the timeline, as one whose time ran out, and nothing waits for the customer in either view."""
    dispute = await opened(api)
    one = f"/v1/disputes/{dispute['id']}"
    assert (await api.post(one + "/information-requests", json={"question": "Paketi kapıcı mı aldı?"},
                           headers=SUPERVISOR)).status in (200, 201)
    decision = {"outcome": "refund", "reason_code": "lost_in_transit", "note": "Kargo kaybetti."}
    assert (await api.post(one + "/decision", json=decision, headers={**SUPERVISOR, "If-Match": "*"})).status == 200

    english = await page_of(api, dispute["id"], "en")
    assert "question to the customer expired" in english and "answer by" not in english
    assert "müşteriye sorulan sorunun süresi doldu" in await page_of(api, dispute["id"], "tr")
    case = await (await api.get(one, headers=INVESTIGATOR)).json()
    [question] = case["information_requests"]
    assert case["waiting_for_customer"] is None and question["expired_at"] == case["decision"]["decided_at"]
    assert (await (await api.get(one, headers=CUSTOMER)).json())["waiting_for_customer"] is None
    thread = await (await api.get(one + "/thread", headers=CUSTOMER)).json()
    assert [m["kind"] for m in thread["messages"]][-2:] == ["information_requested", "information_request_expired"]
