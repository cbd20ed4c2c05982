"""A carrier says it pushed an event for a parcel: the logs tell which events each push held (the carrier's event id
and the tracking number, with the request's id) and where each went (the cases it was attached to, or none). A push
writing the number in another spelling (UPS reads `1z…` as `1Z…`) reaches the case as any other, and staff find the case
by the number however it is read out."""

import json
import re

import pytest

from tests.e2e.conftest import AGENT, CUSTOMER, INVESTIGATOR, SUPERVISOR, UPS_TRACKING, eventually
from tests.e2e.test_access_and_bad_input import assert_problem
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


async def test_staff_read_a_parcels_pushes_newest_first_with_their_proof_and_the_case_that_took_each(api):
    body = {"order_id": "ord-7", "statement": "Gelmedi.", "preferred_resolution": "refund"}
    dispute = await (await api.post("/v1/disputes", json=body, headers=CUSTOMER)).json()
    await pushed(api, (FIXTURES / "alert-out-for-delivery.json").read_bytes())
    await pushed(api, (FIXTURES / "alert-delivered-photo.json").read_bytes())
    grouped = " ".join([UPS_TRACKING[:2], UPS_TRACKING[2:8], UPS_TRACKING[8:]]).lower()  # as read out on the phone

    async def both_attached():
        page = await (await api.get("/v1/pushes", params={"tracking_number": grouped}, headers=SUPERVISOR)).json()
        return [e["outcome"] for e in page["items"]] == ["attached"] * 2

    await eventually(both_attached, timeout=10)
    first = await (await api.get("/v1/pushes", params={"tracking_number": grouped, "limit": 1}, headers=SUPERVISOR)).json()
    rest = await (await api.get("/v1/pushes", params={"tracking_number": UPS_TRACKING, "cursor": first["next_cursor"]},
                                headers=SUPERVISOR)).json()

    assert first["tracking_number"] == UPS_TRACKING and rest["next_cursor"] is None
    [photo], [scan] = first["items"], rest["items"]
    assert (photo["carrier"], photo["status"], photo["event_at"]) == ("ups", "delivered", "2024-04-23T13:50:04.000Z")
    assert (photo["has_photo"], photo["has_signature"], photo["has_receiver_name"]) == (True, False, True)
    assert "John" not in json.dumps(first) and "deliveryPhoto" not in json.dumps(first)  # flags, not the proof itself
    assert (scan["status"] != "delivered", scan["has_photo"], scan["has_receiver_name"]) == (True, False, False)
    assert photo["received_at"] >= scan["received_at"] and photo["event_id"] != scan["event_id"]
    assert [(e["outcome"], e["dispute_ids"]) for e in (photo, scan)] == [("attached", [dispute["id"]])] * 2


async def test_a_push_no_case_took_is_read_as_unmatched_and_a_number_never_pushed_has_none(api):
    other = "1Z999AA10123456784"
    await pushed(api, (FIXTURES / "alert-delivered-photo.json").read_bytes().replace(UPS_TRACKING.encode(), other.encode()))

    async def marked():
        [event] = (await (await api.get("/v1/pushes", params={"tracking_number": other}, headers=INVESTIGATOR)).json())["items"]
        return event if event["outcome"] != "waiting" else None

    event = await eventually(marked, timeout=10)
    never = await (await api.get("/v1/pushes", params={"tracking_number": "1Z000"}, headers=INVESTIGATOR)).json()

    assert (event["outcome"], event["dispute_ids"]) == ("unmatched", [])
    assert never == {"tracking_number": "1Z000", "items": [], "next_cursor": None}


@pytest.mark.parametrize("headers", [CUSTOMER, AGENT], ids=["customer", "agent"])
async def test_the_customer_side_cannot_read_a_parcels_pushes(api, headers):
    await assert_problem(await api.get("/v1/pushes", params={"tracking_number": UPS_TRACKING}, headers=headers), 403)


@pytest.mark.parametrize("query", [
    "", "tracking_number=%7B%22$ne%22:null%7D", "tracking_number[$ne]=x", f"tracking_number={UPS_TRACKING}&cursor=nope",
    f"tracking_number={UPS_TRACKING}&limit=0", f"tracking_number={UPS_TRACKING}&limit=101",
    f"tracking_number={UPS_TRACKING}&carrier=ups",
], ids=["no number", "operator", "operator as a name", "unknown cursor", "limit 0", "limit past the bound",
        "unknown filter"])
async def test_bad_input_to_a_parcels_pushes_is_a_problem(api, query):
    await assert_problem(await api.get(f"/v1/pushes?{query}", headers=INVESTIGATOR), 422)
