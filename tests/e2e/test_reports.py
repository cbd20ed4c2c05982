"""Reports for staff, computed by the database's aggregation over the disputes opened in a period."""

from urllib.parse import urlencode

from tests.e2e.conftest import CUSTOMER, INVESTIGATOR, SUPERVISOR
from tests.factories import NOW

PERIOD = urlencode({"from": "2026-11-01T00:00:00+03:00", "to": "2026-12-01T00:00:00+03:00"})


async def open_and_decide(api, order_id, outcome, reason):
    body = {"order_id": order_id, "statement": "Gelmedi.", "preferred_resolution": "refund"}
    dispute = await (await api.post("/v1/disputes", json=body, headers=CUSTOMER)).json()
    if outcome:
        decision = {"outcome": outcome, "reason_code": reason, "note": "karar"}
        response = await api.post(f"/v1/disputes/{dispute['id']}/decision", json=decision,
                                  headers={**INVESTIGATOR, "If-Match": '"1"'})
        assert response.status == 200, await response.text()
    return dispute


async def test_the_carrier_report_counts_outcomes_per_carrier(api):
    await open_and_decide(api, "ord-1", "refund", "lost_in_transit")
    await open_and_decide(api, "ord-6", "rejected", "proof_of_delivery")
    await open_and_decide(api, "ord-2", None, None)
    report = await (await api.get(f"/v1/reports/carriers?{PERIOD}", headers=SUPERVISOR)).json()
    rows = {row["carrier"]: row for row in report["carriers"]}
    assert rows["yurtici"]["disputes"] == 2 and rows["aras"]["disputes"] == 1
    assert rows["yurtici"]["outcomes"] == {"refund": 1, "reship": 0, "rejected": 1, "undecided": 0}
    assert rows["aras"]["outcomes"]["undecided"] == 1 and rows["aras"]["share_with_evidence"] == 0


async def test_the_sla_report_measures_decisions_against_their_deadlines(api):
    await open_and_decide(api, "ord-1", "refund", "lost_in_transit")
    await open_and_decide(api, "ord-2", None, None)
    report = await (await api.get(f"/v1/reports/sla?{PERIOD}", headers=INVESTIGATOR)).json()
    assert (report["disputes"], report["decided"], report["decided_within_sla"]) == (2, 1, 1.0)
    assert report["auto_resolution_rate"] == 0 and report["median_hours_to_decision"] < 1


async def test_reports_need_staff_and_a_valid_period(api):
    assert (await api.get(f"/v1/reports/sla?{PERIOD}", headers=CUSTOMER)).status == 403
    backwards = urlencode({"from": NOW.isoformat(), "to": "2026-01-01T00:00:00+00:00"})
    refused = await api.get(f"/v1/reports/sla?{backwards}", headers=SUPERVISOR)
    assert refused.status == 422 and (await refused.json())["parameters"] == ["from", "to"]
    too_long = urlencode({"from": "2025-01-01T00:00:00+00:00", "to": NOW.isoformat()})
    refused = await api.get(f"/v1/reports/carriers?{too_long}", headers=SUPERVISOR)
    assert refused.status == 422 and (await refused.json())["parameters"] == ["from", "to"]
    assert (await api.get("/v1/reports/carriers?from=yesterday&to=today", headers=SUPERVISOR)).status == 422
    assert (await api.get("/v1/reports/carriers", headers=SUPERVISOR)).status == 422
