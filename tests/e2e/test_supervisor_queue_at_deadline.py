"""A case the deadline rule hands to a supervisor (README "SLA": compensated before it was reopened) is in the
supervisors' queue (`needs_supervisor=true`, README "Search and triage") and decided by a supervisor only: it was
handed over in words alone, and an investigator's rejection was taken."""

from datetime import timedelta

from tests.e2e.conftest import INVESTIGATOR, SUPERVISOR, eventually
from tests.e2e.test_test_clocks import (  # noqa: F401 (fixtures)
    advance, app_changes, at, case_where, evidence_interval, new_clock, open_on, orders_document,
)
from tests.factories import NOW


async def supervisors_queue(api) -> list[str]:
    listed = await api.get("/v1/disputes?needs_supervisor=true", headers=SUPERVISOR)
    assert listed.status == 200, await listed.text()
    return [row["id"] for row in (await listed.json())["items"]]


async def handed_at_its_deadline(api) -> tuple[str, dict]:
    """A case refunded, reopened by a supervisor, then left to its deadline on a test clock: handed to a supervisor."""
    clock = await new_clock(api, NOW - timedelta(days=1))
    case = await open_on(api, clock["id"], "ord-c1")
    one = f"/v1/disputes/{case['id']}"
    decision = {"outcome": "refund", "reason_code": "goodwill", "note": "İyi niyet.", "override_reason": "İyi niyet."}
    assert (await api.post(one + "/decision", json=decision, headers=INVESTIGATOR | {"If-Match": "*"})).status == 200
    reopened = await api.post(one + "/reopen", json={"reason": "Müşteri iadeyi almadığını söyledi."},
                              headers=SUPERVISOR)
    assert reopened.status == 200, await reopened.text()
    await advance(api, clock["id"], at((await reopened.json())["sla"]["decision_due"]) + timedelta(minutes=1))

    def handed(c: dict) -> bool:
        return c["priority"] == 3 and c["status"] == "under_review"

    return one, await eventually(case_where(api, case["id"], handed), timeout=10)


async def test_a_refunded_case_reopened_and_handed_to_a_supervisor_at_its_deadline_waits_in_their_queue(api):
    one, handed = await handed_at_its_deadline(api)

    timeline = (await (await api.get(one + "/timeline", headers=INVESTIGATOR)).json())["entries"]
    assert [e["details"] for e in timeline if e["action"] == "sla_deadline_reached"] == [{"rule": "supervisor"}]
    # handed to a supervisor, past its deadline: it is waiting for one
    assert handed["needs_supervisor"] is True
    assert handed["id"] in await supervisors_queue(api)


async def test_a_case_handed_to_a_supervisor_at_its_deadline_is_not_decided_by_an_investigator(api):
    one, _ = await handed_at_its_deadline(api)
    rejected = {"outcome": "rejected", "reason_code": "proof_of_delivery", "note": "Teslim kanıtlı.",
                "override_reason": "Kanıt yeterli."}

    by_investigator = await api.post(one + "/decision", json=rejected, headers=INVESTIGATOR | {"If-Match": "*"})

    assert by_investigator.status == 403, await by_investigator.text()  # handed to a supervisor: theirs to decide


async def test_a_case_handed_to_a_supervisor_at_its_deadline_has_no_flags_to_clear(api):
    """README: `flags/clear` reverses abuse flags, 409 `no-flags` where there are none. The case carries none: taken,
    the clear sent it back to the deadline's rule, which handed it over again (a second alert)."""
    one, handed = await handed_at_its_deadline(api)
    assert handed["abuse_flags"] == [] and handed["needs_supervisor"] is True

    cleared = await api.post(one + "/flags/clear", json={"reason": "Bayrak yok."}, headers=SUPERVISOR | {"If-Match": "*"})

    assert cleared.status == 409 and (await cleared.json())["type"].endswith(":no-flags"), await cleared.text()
    assert (await (await api.get(one, headers=SUPERVISOR)).json())["needs_supervisor"] is True
