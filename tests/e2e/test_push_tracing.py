"""A carrier says it pushed an event for a parcel: the logs tell which events each push held (the carrier's event id
and the tracking number, with the request's id) and where each went (the cases it was attached to, or none). A push
writing the number in another spelling (UPS reads `1z…` as `1Z…`) reaches the case as any other, and staff find the case
by the number however it is read out."""

import json
import re

import pytest

from tests.e2e.conftest import CUSTOMER, INVESTIGATOR, SUPERVISOR, UPS_TRACKING, eventually
from tests.e2e.test_carrier_evidence import FIXTURES, UPS


@pytest.fixture
def evidence_interval() -> float:
    return 0.02


@pytest.fixture
def app_changes() -> dict:
    return {"metrics_storage_max_age_seconds": 0.1}


async def pushes_waiting(api) -> float:
    text = await (await api.get("/metrics")).text()
    return float(re.search(r"^disputes_pushed_events_waiting (\S+)$", text, re.M).group(1))


async def pushed(api, body: bytes) -> None:
    answer = await api.post("/v1/carriers/ups/webhooks", data=body, headers=UPS)
    assert answer.status == 200 and (await answer.json())["received"] == 1, await answer.text()

    async def attacher_done():
        return await pushes_waiting(api) == 0.0

    await eventually(attacher_done, timeout=10)


def lines(log_audit) -> list[dict]:
    return [json.loads(line) for line in log_audit.getvalue().splitlines() if line.startswith("{")]


async def test_a_push_in_lower_case_reaches_the_case_and_the_logs_tell_which_event_went_where(api, log_audit):
    body = {"order_id": "ord-7", "statement": "Gelmedi.", "preferred_resolution": "refund"}
    dispute = await (await api.post("/v1/disputes", json=body, headers=CUSTOMER)).json()
    photo = (FIXTURES / "alert-delivered-photo.json").read_bytes()

    await pushed(api, photo.replace(UPS_TRACKING.encode(), UPS_TRACKING.lower().encode()))

    case = await (await api.get(f"/v1/disputes/{dispute['id']}", headers=INVESTIGATOR)).json()
    assert [e["proof"]["tracking_number"] for e in case["evidence"]] == [UPS_TRACKING]
    [request] = [line for line in lines(log_audit) if line.get("route") == "/v1/carriers/{carrier}/webhooks"]
    assert (request["carrier"], request["tracking_numbers"], len(request["event_ids"])) == ("ups", [UPS_TRACKING], 1)
    [attached] = [line for line in lines(log_audit) if line["event"] == "pushed_events_attached"]
    assert (attached["tracking_number"], attached["dispute_ids"]) == (UPS_TRACKING, [dispute["id"]])
    assert attached["events"] == [f"push:ups:{request['event_ids'][0]}"]


async def test_a_push_for_a_parcel_no_case_holds_is_logged_as_matching_none(api, log_audit):
    other = "1Z999AA10123456784"
    await pushed(api, (FIXTURES / "alert-delivered-photo.json").read_bytes().replace(UPS_TRACKING.encode(), other.encode()))

    [unmatched] = [line for line in lines(log_audit) if line["event"] == "pushed_events_unmatched"]
    assert (unmatched["carrier"], unmatched["tracking_number"], len(unmatched["events"])) == ("ups", other, 1)
    assert not [line for line in lines(log_audit) if line["event"] == "pushed_events_attached"]


async def test_staff_find_the_case_by_the_number_read_out_in_lower_case_or_in_groups(api):
    body = {"order_id": "ord-7", "statement": "Gelmedi.", "preferred_resolution": "refund"}
    dispute = await (await api.post("/v1/disputes", json=body, headers=CUSTOMER)).json()
    grouped = " ".join([UPS_TRACKING[:2], UPS_TRACKING[2:8], UPS_TRACKING[8:]]).lower()

    for typed in (UPS_TRACKING, UPS_TRACKING.lower(), grouped):
        found = await api.get("/v1/disputes", params={"tracking_number": typed}, headers=SUPERVISOR)
        assert found.status == 200 and [d["id"] for d in (await found.json())["items"]] == [dispute["id"]], typed
