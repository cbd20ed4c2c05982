"""Days declared off after cases opened: a case opened on the eve of Kurban Bayramı 2027 (Sun 16 – Wed 19 May) is due
on the first business days after it (Thu 20, Fri 21); once the service starts again with those two days declared off
(DISPUTES_EXTRA_NON_BUSINESS_DAYS, the administrative leave joining the Bayram to the weekends), its deadlines are
after them, as those of a case opened then."""

import json
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from adapters.bootstrap import create_app
from tests.e2e.conftest import AGENT, INVESTIGATOR, app_settings, eventually, orders_file_document, served
from tests.factories import NOW, order, shipment

IST = ZoneInfo("Europe/Istanbul")
OPENED = datetime(2027, 5, 14, 18, tzinfo=IST)  # Friday evening before the Bayram


def end_of(day: int) -> str:
    """The deadline that ends a business day of May 2027 (the next local midnight), as the API writes it."""
    at = (datetime(2027, 5, day, tzinfo=IST) + timedelta(days=1)).astimezone(UTC)
    return at.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def sla(first: int, evidence: int, decision: int) -> dict[str, str]:
    return {"first_response_due": end_of(first), "evidence_due": end_of(evidence), "decision_due": end_of(decision)}


async def test_open_cases_are_due_after_the_days_declared_off_once_the_service_starts_with_them(
    aiohttp_client, sandbox, mongo_uri, tmp_path
):
    delivered_days_ago = (NOW - (OPENED - timedelta(days=1))).total_seconds() / 86400
    orders = tmp_path / "orders.json"
    orders.write_text(json.dumps(orders_file_document([
        order(f"ord-{n}", customer_id=f"cust-{n}", shipments=[shipment(f"shp-{n}", delivered_days_ago=delivered_days_ago)])
        for n in (1, 2)
    ])))
    database, downstream = f"e2e_days_off_{uuid.uuid4().hex[:8]}", str(sandbox.make_url("/")).rstrip("/")

    async def instance(**changes: object):
        settings = app_settings(mongo_uri, database, orders, downstream, test_clocks=True, **changes)
        return await aiohttp_client(await served(create_app(settings), settings))

    async def open_case(api, clock: str, n: int) -> str:
        body = {"order_id": f"ord-{n}", "customer_id": f"cust-{n}", "channel": "phone",
                "statement": "Teslim edildi görünüyor ama gelmedi.", "preferred_resolution": "refund"}
        opened = await api.post(f"/v1/test-clocks/{clock}/disputes", json=body, headers=AGENT)
        assert opened.status == 201, await opened.text()
        return (await opened.json())["id"]

    async def deadlines(api, dispute_id: str) -> dict[str, str]:
        case = await (await api.get(f"/v1/disputes/{dispute_id}", headers=INVESTIGATOR)).json()
        return {name: case["sla"][name] for name in ("first_response_due", "evidence_due", "decision_due")}

    before = await instance(run_workers=False)
    created = await before.post("/v1/test-clocks", json={"frozen_time": OPENED.astimezone(UTC).isoformat()},
                                headers=AGENT)
    assert created.status == 201, await created.text()
    clock = (await created.json())["id"]
    first = await open_case(before, clock, 1)
    assert await deadlines(before, first) == sla(20, 21, 24)  # the bridge counted as business days

    after = await instance(extra_non_business_days="2027-05-20,2027-05-21")

    async def recounted() -> bool:
        return await deadlines(after, first) == sla(24, 25, 26)

    await eventually(recounted, timeout=20.0, explain=lambda: "deadlines not counted again")
    assert await deadlines(after, await open_case(after, clock, 2)) == sla(24, 25, 26)
    timeline = (await (await after.get(f"/v1/disputes/{first}/timeline", headers=INVESTIGATOR)).json())["entries"]
    assert [entry["details"]["days_off"] for entry in timeline if entry["action"] == "deadlines_recounted"] == [
        ["2027-05-20", "2027-05-21"]
    ]
