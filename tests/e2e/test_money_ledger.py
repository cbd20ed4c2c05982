"""Finance closes a month (Europe/Istanbul) from the money ledger and the carrier report, over HTTP."""

import csv
import io
from datetime import UTC, datetime
from urllib.parse import urlencode


from adapters.web.keys import SERVICE
from disputes.actors import SYSTEM
from schemas.common import Role
from schemas.dispute import Evidence
from schemas.proof import ProofSource
from tests.e2e.conftest import CUSTOMER, FINANCE, INVESTIGATOR, SUPERVISOR, eventually, settled
from tests.e2e.test_console import staff
from tests.e2e.test_missing_items import CLAIM, orders_document  # noqa: F401 (the boxed order's orders)
from tests.factories import NOW
from tests.unit.test_evidence import proof

NOVEMBER = {"from": "2026-11-01T00:00:00+03:00", "to": "2026-12-01T00:00:00+03:00"}
DECEMBER = {"from": "2026-12-01T00:00:00+03:00", "to": "2027-01-01T00:00:00+03:00"}
OPEN = {"order_id": "ord-1", "statement": "Teslim edildi görünüyor ama gelmedi.", "preferred_resolution": "refund"}


def at(clock, when: datetime) -> None:
    clock.offset = when - NOW


def ledger_period(month: dict[str, str], **filters: str) -> str:
    return urlencode({"decided_from": month["from"], "decided_to": month["to"], **filters})


async def ledger(api, month: dict[str, str], **filters: str) -> list[dict]:
    """Every row of the month's ledger, page after page."""
    rows, cursor = [], None
    while True:
        page = await api.get(f"/v1/reports/ledger?{ledger_period(month, limit='2', **filters)}"
                             + (f"&cursor={cursor}" if cursor else ""), headers=FINANCE)
        assert page.status == 200, await page.text()
        body = await page.json()
        rows += body["items"]
        if (cursor := body["next_cursor"]) is None:
            return rows


async def billed(api, month: dict[str, str]) -> dict:
    report = await (await api.get(f"/v1/reports/carriers?{urlencode(month)}", headers=FINANCE)).json()
    return {row["carrier"]: row["liabilities"] for row in report["carriers"]}


async def applied(downstream, service: str) -> list[dict]:
    """The requests `service` received (tried, whether applied or refused by a scripted fault)."""
    received = (await (await downstream.get("/_sandbox/received")).json())["requests"]
    return [r for r in received if r["service"] == service]


async def carrier_silent(api, body=OPEN) -> str:
    opened = await api.post("/v1/disputes", json=body, headers=CUSTOMER)
    assert opened.status == 201, await opened.text()
    disputes = api.server.app[SERVICE].repository
    dispute = await disputes.get((await opened.json())["id"])
    dispute.evidence_deadline_passed(SYSTEM, api.server.app[SERVICE].clock.now())
    await disputes.save(dispute)
    return dispute.id


async def decide(api, dispute_id: str, decision: dict, headers=INVESTIGATOR) -> None:
    decided = await api.post(f"/v1/disputes/{dispute_id}/decision", json=decision, headers={**headers, "If-Match": "*"})
    assert decided.status == 200, await decided.text()


NO_PROOF = {"outcome": "refund", "reason_code": "carrier_no_proof", "note": "Kargo teslimatı kanıtlamadı."}


async def test_a_liability_is_billed_in_the_month_it_was_decided_and_a_closed_month_keeps_its_bill(
    api, clock, sandbox, aiohttp_client
):
    downstream = await aiohttp_client(sandbox)
    at(clock, datetime(2026, 11, 30, 20, 30, tzinfo=UTC))  # 23:30 in Istanbul, 30 November
    dispute_id = await carrier_silent(api)
    at(clock, datetime(2026, 12, 1, 7, 0, tzinfo=UTC))  # November's close
    november_at_close = await billed(api, NOVEMBER)

    at(clock, datetime(2026, 12, 3, 9, 0, tzinfo=UTC))
    await decide(api, dispute_id, NO_PROOF)
    await settled(api, dispute_id)
    [liability] = await applied(downstream, "finance")
    [refund] = await applied(downstream, "payments")

    at(clock, datetime(2027, 1, 1, 7, 0, tzinfo=UTC))  # December's close
    assert await billed(api, DECEMBER) == {"yurtici": [{"currency": "TRY", "amount_minor": 129_900}]}
    assert await billed(api, NOVEMBER) == november_at_close == {"yurtici": []}
    assert await ledger(api, NOVEMBER) == []
    rows = {row["kind"]: row for row in await ledger(api, DECEMBER)}
    assert set(rows) == {"refund", "carrier_liability"}
    for row, message in ((rows["refund"], refund), (rows["carrier_liability"], liability)):
        assert (row["dispute_id"], row["carrier"], row["key"], row["amount_minor"], row["currency"], row["decision"],
                row["state"]) == (dispute_id, "yurtici", message["key"], message["body"]["amount_minor"], "TRY", 1, "delivered")
        assert row["decided_at"] == liability["body"]["decided_at"]  # as finance's own message dates it
        assert row["reference"] and row["delivered_at"]


async def test_each_refund_is_the_amount_payments_took_with_its_reference_and_reships_their_units(
    api, clock, sandbox, aiohttp_client
):
    downstream = await aiohttp_client(sandbox)
    at(clock, datetime(2026, 11, 20, 9, 0, tzinfo=UTC))
    whole = await carrier_silent(api)
    await decide(api, whole, NO_PROOF)
    opened = await api.post("/v1/disputes", json=CLAIM, headers=CUSTOMER)
    partial = (await opened.json())["id"]
    await decide(api, partial, {"outcome": "refund", "reason_code": "items_missing", "note": "Paketleme kaydı incelendi."})
    reshipped = await carrier_silent(api, {**OPEN, "order_id": "ord-2", "preferred_resolution": "reship"})
    await decide(api, reshipped, {"outcome": "reship", "reason_code": "carrier_no_proof", "note": "Kanıt yok."})
    for dispute_id in (whole, partial, reshipped):
        await settled(api, dispute_id)
    paid = {r["key"]: r for r in await applied(downstream, "payments") + await applied(downstream, "fulfillment")}

    refunds = await ledger(api, NOVEMBER, kind="refund")
    assert sorted((r["dispute_id"], r["amount_minor"], r["state"]) for r in refunds) == sorted(
        (r["body"]["dispute_id"], r["body"]["amount_minor"], "delivered") for r in paid.values() if "amount_minor" in r["body"]
    )
    assert {r["dispute_id"]: r["amount_minor"] for r in refunds}[partial] == 9_000  # two glasses, not the order's value
    [reship] = await ledger(api, NOVEMBER, kind="reship")
    assert (reship["dispute_id"], reship["amount_minor"], reship["reference"]) == (reshipped, None, reship["reference"])
    assert [(x["sku"], x["quantity"]) for x in reship["lines"]] == [
        (i["sku"], i["quantity"]) for i in paid[reship["key"]]["body"]["items"]
    ]
    assert all(row["reference"] for row in await ledger(api, NOVEMBER))

    export = await api.get(f"/v1/reports/ledger.csv?{ledger_period(NOVEMBER)}", headers=FINANCE)
    assert export.status == 200 and export.headers["Content-Type"].startswith("text/csv")
    exported = list(csv.DictReader(io.StringIO(await export.text())))
    cells = ("key", "amount_minor", "state", "decided_at", "delivered_at")  # instants written as in JSON
    assert [tuple(r[c] for c in cells) for r in exported] == [
        tuple("" if r[c] is None else str(r[c]) for c in cells) for r in await ledger(api, NOVEMBER)
    ]


async def test_a_refund_payments_has_not_taken_at_the_cut_off_is_pending(api, clock, sandbox, aiohttp_client):
    downstream = await aiohttp_client(sandbox)
    faults = await downstream.post("/_sandbox/faults", json={"service": "payments", "mode": "error", "times": 1000})
    assert faults.status in (200, 201), await faults.text()
    waiting = await carrier_silent(api)
    await decide(api, waiting, NO_PROOF)

    async def tried() -> bool:
        return any(r["body"]["dispute_id"] == waiting for r in await applied(downstream, "payments"))

    await eventually(tried)
    [refund] = await ledger(api, NOVEMBER, kind="refund")
    assert (refund["dispute_id"], refund["state"], refund["reference"], refund["delivered_at"]) == (
        waiting, "pending", None, None
    )


async def test_a_november_refund_stays_in_november_when_the_case_is_decided_again_in_december(api, clock):
    at(clock, datetime(2026, 11, 20, 9, 0, tzinfo=UTC))
    dispute_id = await carrier_silent(api)
    await decide(api, dispute_id, NO_PROOF)
    await settled(api, dispute_id)
    november = await ledger(api, NOVEMBER)

    at(clock, datetime(2026, 12, 10, 9, 0, tzinfo=UTC))
    one = f"/v1/disputes/{dispute_id}"
    assert (await api.post(one + "/reopen", json={"reason": "Geç kanıt."}, headers=SUPERVISOR)).status == 200
    await decide(api, dispute_id, {"outcome": "rejected", "reason_code": "proof_of_delivery", "note": "İmza var.",
                                   "override_reason": "Kanıt."}, SUPERVISOR)
    await settled(api, dispute_id)

    assert await ledger(api, NOVEMBER) == november and len(november) == 2
    assert await ledger(api, DECEMBER) == []


async def test_finance_reads_the_reports_and_the_ledger_and_nothing_of_a_case(api, clock):
    dispute_id = await carrier_silent(api)
    await decide(api, dispute_id, NO_PROOF)
    month = ledger_period(NOVEMBER)
    for path in (f"/v1/reports/ledger?{month}", f"/v1/reports/ledger.csv?{month}",
                 f"/v1/reports/carriers?{urlencode(NOVEMBER)}", f"/v1/reports/sla?{urlencode(NOVEMBER)}"):
        assert (await api.get(path, headers=FINANCE)).status == 200, path
    for path in (f"/v1/disputes/{dispute_id}", "/v1/disputes", "/v1/disputes.csv", f"/v1/disputes/{dispute_id}/timeline",
                 "/v1/customers/cust-1/disputes"):
        refused = await api.get(path, headers=FINANCE)
        assert refused.status == 403 and refused.content_type == "application/problem+json", path
    decided = await api.post(f"/v1/disputes/{dispute_id}/decision", json=NO_PROOF, headers={**FINANCE, "If-Match": "*"})
    assert decided.status == 403
    console = await api.get("/console/reports", headers=staff(Role.FINANCE, "fin-ledger"), allow_redirects=False)
    assert console.status != 200


async def test_a_month_is_given_by_its_calendar_dates_read_in_istanbul(api, clock):
    at(clock, datetime(2026, 11, 30, 21, 30, tzinfo=UTC))  # 00:30 on 1 December in Istanbul, still November in UTC
    dispute_id = await carrier_silent(api)
    await decide(api, dispute_id, NO_PROOF)

    by_dates = await ledger(api, {"from": "2026-12-01", "to": "2027-01-01"})
    assert [r["dispute_id"] for r in by_dates] == [dispute_id] * 2 and by_dates == await ledger(api, DECEMBER)
    assert await ledger(api, {"from": "2026-11-01", "to": "2026-12-01"}) == []
    report = await api.get("/v1/reports/carriers?from=2026-12-01&to=2027-01-01", headers=FINANCE)
    assert (await report.json())["start"] == "2026-11-30T21:00:00.000Z"
    refused = await api.get("/v1/reports/sla?from=2026-11-31&to=2026-12-01", headers=FINANCE)
    assert refused.status == 422
    [error] = (await refused.json())["errors"]
    assert error["field"] == "from" and "2026-11-01T00:00:00+03:00" in error["message"]


async def test_a_carrier_s_proof_after_a_deadline_refund_alerts_staff_and_marks_the_liability(
    api, clock, sandbox, aiohttp_client
):
    downstream = await aiohttp_client(sandbox)
    dispute_id = await carrier_silent(api)
    await decide(api, dispute_id, NO_PROOF)
    await settled(api, dispute_id)
    disputes = api.server.app[SERVICE].repository
    dispute = await disputes.get(dispute_id)
    late = proof(source=ProofSource.PUSH, tracking=dispute.order.tracking_number, carrier=dispute.order.carrier)
    assert dispute.attach_evidence(SYSTEM, Evidence(key="push:late-1", proof=late), clock.now())
    await disputes.save(dispute)

    async def alerted() -> list[dict]:
        return [r["body"] for r in await applied(downstream, "staff_alerts")
                if r["body"]["reason"] == "proof_after_liability"]

    [alert] = await eventually(alerted)
    assert alert["dispute_id"] == dispute_id
    [liability] = await ledger(api, NOVEMBER, kind="carrier_liability")
    assert liability["dispute_id"] == dispute_id and liability["contested_by_proof_at"]
    assert len(await applied(downstream, "finance")) == 1  # the liability stands: no second message to finance
