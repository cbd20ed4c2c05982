"""A case the deadline rule hands to a supervisor (README "SLA": compensated before it was reopened) is in the
supervisors' queue (`needs_supervisor=true`, README "Search and triage") and decided by a supervisor only: it was
handed over in words alone, and an investigator's rejection was taken."""

from datetime import timedelta

import pytest

from tests.e2e.conftest import INVESTIGATOR, SUPERVISOR, eventually, orders_file_document
from tests.e2e.test_test_clocks import advance, at, case_where, new_clock, open_on
from tests.factories import NOW, order, shipment

ORDERS = [order("ord-c1", shipments=[shipment("shp-c1", carrier="ups")])]


@pytest.fixture
def orders_document():
    return orders_file_document(ORDERS)


@pytest.fixture
def evidence_interval():
    return 0.02


@pytest.fixture
def app_changes():
    return {"test_clocks": True}


async def supervisors_queue(api) -> list[str]:
    listed = await api.get("/v1/disputes?needs_supervisor=true", headers=SUPERVISOR)
    assert listed.status == 200, await listed.text()
    return [row["id"] for row in (await listed.json())["items"]]


async def test_a_refunded_case_reopened_and_handed_to_a_supervisor_at_its_deadline_waits_in_their_queue(api):
    clock = await new_clock(api, NOW - timedelta(days=1))
    case = await open_on(api, clock["id"], "ord-c1")
    one = f"/v1/disputes/{case['id']}"
    decision = {"outcome": "refund", "reason_code": "goodwill", "note": "İyi niyet.", "override_reason": "İyi niyet."}
    decided = await api.post(one + "/decision", json=decision, headers=INVESTIGATOR | {"If-Match": "*"})
    assert decided.status == 200, await decided.text()
    reopened = await api.post(one + "/reopen", json={"reason": "Müşteri iadeyi almadığını söyledi."},
                              headers=SUPERVISOR)
    assert reopened.status == 200, await reopened.text()
    due = at((await reopened.json())["sla"]["decision_due"])

    await advance(api, clock["id"], due + timedelta(minutes=1))

    def handed(c: dict) -> bool:
        return c["priority"] == 3 and c["status"] == "under_review"

    case_now = await eventually(case_where(api, case["id"], handed), timeout=10)
    assert case_now, "the deadline rule did not act on the reopened case"
    timeline = (await (await api.get(one + "/timeline", headers=INVESTIGATOR)).json())["entries"]
    assert [e["details"] for e in timeline if e["action"] == "sla_deadline_reached"] == [{"rule": "supervisor"}]
    # handed to a supervisor, past its deadline: it is waiting for one
    assert case_now["needs_supervisor"] is True
    assert case["id"] in await supervisors_queue(api)


async def test_a_case_handed_to_a_supervisor_at_its_deadline_is_not_decided_by_an_investigator(api):
    clock = await new_clock(api, NOW - timedelta(days=1))
    case = await open_on(api, clock["id"], "ord-c1")
    one = f"/v1/disputes/{case['id']}"
    decision = {"outcome": "refund", "reason_code": "goodwill", "note": "İyi niyet.", "override_reason": "İyi niyet."}
    assert (await api.post(one + "/decision", json=decision, headers=INVESTIGATOR | {"If-Match": "*"})).status == 200
    reopened = await api.post(one + "/reopen", json={"reason": "Müşteri iadeyi almadığını söyledi."},
                              headers=SUPERVISOR)
    due = at((await reopened.json())["sla"]["decision_due"])
    await advance(api, clock["id"], due + timedelta(minutes=1))
    assert await eventually(case_where(api, case["id"], lambda c: c["priority"] == 3), timeout=10)

    rejected = {"outcome": "rejected", "reason_code": "proof_of_delivery", "note": "Teslim kanıtlı.",
                "override_reason": "Kanıt yeterli."}
    by_investigator = await api.post(one + "/decision", json=rejected, headers=INVESTIGATOR | {"If-Match": "*"})
    assert by_investigator.status == 403, await by_investigator.text()  # handed to a supervisor: theirs to decide


async def test_a_case_handed_to_a_supervisor_at_its_deadline_has_no_flags_to_clear(api):
    """README: `flags/clear` reverses abuse flags, 409 `no-flags` where there are none. The case carries none: taken,
    the clear sent it back to the deadline's rule, which handed it over again (a second alert)."""
    clock = await new_clock(api, NOW - timedelta(days=1))
    case = await open_on(api, clock["id"], "ord-c1")
    one = f"/v1/disputes/{case['id']}"
    decision = {"outcome": "refund", "reason_code": "goodwill", "note": "İyi niyet.", "override_reason": "İyi niyet."}
    assert (await api.post(one + "/decision", json=decision, headers=INVESTIGATOR | {"If-Match": "*"})).status == 200
    reopened = await api.post(one + "/reopen", json={"reason": "Müşteri iadeyi almadığını söyledi."},
                              headers=SUPERVISOR)
    await advance(api, clock["id"], at((await reopened.json())["sla"]["decision_due"]) + timedelta(minutes=1))
    handed = await eventually(case_where(api, case["id"], lambda c: c["priority"] == 3), timeout=10)
    assert handed["abuse_flags"] == [] and handed["needs_supervisor"] is True

    cleared = await api.post(one + "/flags/clear", json={"reason": "Bayrak yok."}, headers=SUPERVISOR | {"If-Match": "*"})

    assert cleared.status == 409 and (await cleared.json())["type"].endswith(":no-flags"), await cleared.text()
    assert (await (await api.get(one, headers=SUPERVISOR)).json())["needs_supervisor"] is True
