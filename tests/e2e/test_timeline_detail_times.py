"""The timeline writes every instant in its entries' details as every other time in an answer is written (README, API:
RFC 3339 in UTC, with `Z` and three fraction digits, always), entries an earlier release stored included."""

import re
from datetime import datetime, timedelta

import pytest

from adapters.web.evidence_api import EVIDENCE
from tests.e2e.conftest import AGENT, CUSTOMER, INVESTIGATOR, SUPERVISOR
from tests.e2e.test_test_clocks import (  # noqa: F401 (the clocked orders and workers' pace, as there)
    OPEN, advance, evidence_interval, new_clock, open_on, orders_document,
)
from tests.factories import NOW

INSTANT = re.compile(r"\d{4}-\d\d-\d\dT")
ONE_WAY = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


@pytest.fixture
def app_changes():
    return {"test_clocks": True, "policy_repeat_claims": 1}  # a first claim is flagged: a restriction is raised


async def timeline(api, dispute_id: str) -> list[dict]:
    read = await api.get(f"/v1/disputes/{dispute_id}/timeline", headers=INVESTIGATOR)
    assert read.status == 200, await read.text()
    return (await read.json())["entries"]


def instants(entries: list[dict]) -> dict[tuple[str, str], list[str]]:
    """Each (action, detail) of the entries that holds an instant, with the instants as written."""
    found: dict[tuple[str, str], list[str]] = {}
    for entry in entries:
        for key, value in entry["details"].items():
            if isinstance(value, str) and INSTANT.match(value):
                found.setdefault((entry["action"], key), []).append(value)
    return found


async def test_every_instant_in_the_timeline_s_details_is_written_one_way(api):
    clock = await new_clock(api)
    case = await open_on(api, clock["id"], "ord-c2")  # high value: a person decides, so it waits past its deadlines
    untouched = await open_on(api, clock["id"], "ord-c1")  # nobody answers it: its first response is missed
    one = f"/v1/disputes/{case['id']}"
    for path, body, who in [
        ("/information-requests", {"question": "Komşulara sordunuz mu?"}, INVESTIGATOR),
        ("/information", {"statement": "Sordum, görmemişler."}, AGENT),
        ("/customer-evidence/remove", {"submission": 0, "reason": "Başka müşterinin yanıtı."}, SUPERVISOR),
        ("/accessibility-need", {}, AGENT),
        ("/accessibility-need/withdraw", {"reason": "Yanlış müşteri."}, SUPERVISOR),
    ]:
        done = await api.post(one + path, json=body, headers=who)
        assert done.status in (200, 201), (path, await done.text())
    await advance(api, clock["id"], NOW + timedelta(days=10))  # past the answer, evidence and decision deadlines

    written = instants(await timeline(api, case["id"]) + await timeline(api, untouched["id"]))

    assert written.keys() >= {
        ("information_requested", "answer_by"), ("information_requested", "decision_due"),
        ("information_added", "decision_due"), ("submission_removed", "decision_due"),
        ("accessibility_need_declared", "decision_due"), ("accessibility_need_withdrawn", "decision_due"),
        ("restriction_raised", "review_due"), ("carrier_did_not_provide_proof", "deadline"),
        ("information_request_expired", "decision_due"), ("sla_escalated", "decision_due"),
        ("first_response_escalated", "first_response_due"), ("first_response_missed", "first_response_due"),
        ("clock_advanced", "from"), ("clock_advanced", "to"),
    }
    assert {each: [text for text in texts if not ONE_WAY.fullmatch(text)] for each, texts in written.items()} == {
        each: [] for each in written
    }


async def test_an_entry_an_earlier_release_stored_reads_as_the_rest(api):
    opened = await api.post("/v1/disputes", json=OPEN, headers=CUSTOMER)
    assert opened.status == 201, await opened.text()
    dispute_id = (await opened.json())["id"]
    asked = await api.post(f"/v1/disputes/{dispute_id}/information-requests",
                           json={"question": "Komşulara sordunuz mu?"}, headers=INVESTIGATOR)
    assert asked.status == 201, await asked.text()
    request = (await asked.json())["information_requests"][-1]
    entries = await timeline(api, dispute_id)
    [n] = [n for n, entry in enumerate(entries) if entry["action"] == "information_requested"]
    written = {key: entries[n]["details"][key] for key in ("answer_by", "decision_due")}
    # as a release that wrote them with `datetime.isoformat` stored them: `+00:00`, six fraction digits or none
    earlier = {key: datetime.fromisoformat(text).isoformat() for key, text in written.items()}
    assert all(old.endswith("+00:00") for old in earlier.values()) and earlier != written
    disputes = api.app[EVIDENCE].disputes.collection
    stored = await disputes.update_one({"_id": dispute_id},
                                       {"$set": {f"timeline.{n}.details.{key}": old for key, old in earlier.items()}})
    assert stored.modified_count == 1

    again = await timeline(api, dispute_id)

    assert again[n]["details"] == entries[n]["details"] and written["answer_by"] == request["answer_by"]
    thread = (await (await api.get(f"/v1/disputes/{dispute_id}/thread", headers=CUSTOMER)).json())["messages"]
    assert [m["answer_by"] for m in thread if m["kind"] == "information_requested"] == [request["answer_by"]]
