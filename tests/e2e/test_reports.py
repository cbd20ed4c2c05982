"""Reports for staff, computed by the database's aggregation over the disputes opened in a period."""

from urllib.parse import urlencode

import pytest

from adapters.web.keys import SERVICE
from disputes.actors import SYSTEM
from schemas.common import Role
from schemas.orders import Order
from tests.e2e.conftest import CUSTOMER, FINANCE, INVESTIGATOR, SUPERVISOR, bearer, e2e_orders, orders_file_document
from tests.factories import LARGEST, NOW, order, shipment

PERIOD = urlencode({"from": "2026-11-01T00:00:00+03:00", "to": "2026-12-01T00:00:00+03:00"})
GOLD = [order(f"ord-gold-{n}", f"cust-gold-{n}", [shipment(f"shp-gold-{n}", carrier="ups", items=LARGEST)])
        for n in (1, 2)]
IN_EUROS = order("ord-eur", "cust-eur", [shipment("shp-eur", carrier="ups")]).model_copy(update={"currency": "EUR"})


@pytest.fixture
def orders_document() -> dict:
    document = e2e_orders()
    document["orders"] += orders_file_document([*GOLD, IN_EUROS])["orders"]
    return document


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
    assert report["deadline_rule_rate"] == 0


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


@pytest.mark.parametrize(("to", "status"), [("2027-01-02T00:00:00Z", 200), ("2027-01-02T00:00:01Z", 422)])
async def test_a_period_is_at_most_366_days_to_the_second(api, to, status):
    period = urlencode({"from": "2026-01-01T00:00:00Z", "to": to})  # 2026 has 365 days: 366 days end on 2 January
    assert (await api.get(f"/v1/reports/sla?{period}", headers=SUPERVISOR)).status == status


@pytest.mark.parametrize(("report", "period", "field"), [
    ("/v1/reports/carriers", "from=0001-01-01&to=2026-01-02", "from"),
    ("/v1/reports/sla", "from=2026-11-01&to=9999-12-31T23:59:59-14:00", "to"),
    ("/v1/reports/sla", "from=1969-12-31T23:59:59Z&to=1970-01-02", "from"),
    ("/v1/reports/ledger", "decided_from=9998-12-31T23:59:59-14:00&decided_to=9999-01-01T00:00:00%2B14:00",
     "decided_to"),  # the year as written: 9998 may end in 9999 in UTC, 9999 is refused however its offset
    ("/v1/reports/ledger.csv", "decided_from=9998-12-31&decided_to=9999-01-02", "decided_to"),
])
async def test_a_period_outside_the_years_1970_to_9998_is_refused_naming_its_bound(api, report, period, field):
    refused = await api.get(f"{report}?{period}", headers=FINANCE)
    assert refused.status == 422 and refused.content_type == "application/problem+json"
    assert [e["field"] for e in (await refused.json())["errors"]] == [field], await refused.text()


async def refunded_with_the_carrier_liable(api, clock, placed: Order) -> None:
    """Opened by its customer, past the evidence deadline with no proof from the carrier, refunded."""
    customer = bearer(Role.CUSTOMER, placed.customer_id, placed.customer_id)
    body = {"order_id": placed.order_id, "statement": "Gelmedi.", "preferred_resolution": "refund"}
    opened = await api.post("/v1/disputes", json=body, headers=customer)
    assert opened.status == 201, await opened.text()
    disputes = api.server.app[SERVICE].repository
    dispute = await disputes.get((await opened.json())["id"])
    dispute.evidence_deadline_passed(SYSTEM, clock.now())  # as the evidence worker records it at the deadline
    await disputes.save(dispute)
    decision = {"outcome": "refund", "reason_code": "carrier_no_proof", "note": "Kargo teslimatı kanıtlamadı."}
    decided = await api.post(f"/v1/disputes/{dispute.id}/decision", json=decision,
                             headers={**INVESTIGATOR, "If-Match": "*"})
    assert decided.status == 200, await decided.text()


async def test_the_carrier_report_gives_what_a_carrier_owes_in_each_currency_exactly_past_64_bits(api, clock):
    for placed in (*GOLD, IN_EUROS):
        await refunded_with_the_carrier_liable(api, clock, placed)

    response = await api.get(f"/v1/reports/carriers?{PERIOD}", headers=SUPERVISOR)

    assert response.status == 200, await response.text()
    [ups] = [row for row in (await response.json())["carriers"] if row["carrier"] == "ups"]
    assert ups["liabilities"] == [
        {"currency": "EUR", "amount_minor": 129_900},
        {"currency": "TRY", "amount_minor": 10**19},  # two of 5 × 10^18: more than 2^63 - 1
    ]
    assert ups["liability_minor"] == 10**19  # deprecated: the lira alone
