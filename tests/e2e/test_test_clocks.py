"""Test clocks through HTTP (sandbox): a case opened on a clock lives by it — its evidence deadline, SLA sweep
and default rule come when the clock is advanced past them, each at its own time, in seconds, while the real time
hardly moves."""

from datetime import datetime, timedelta

import pytest
from openapi_spec_validator import validate

from tests.e2e.conftest import (
    AGENT,
    CUSTOMER,
    INVESTIGATOR,
    OTHER_CUSTOMER,
    SUPERVISOR,
    bearer,
    eventually,
    money_key,
    orders_file_document,
)
from schemas.common import Role
from tests.factories import NOW, order, shipment

HIGH_VALUE = 6_500_000
ORDERS = [
    order("ord-c1", shipments=[shipment("shp-c1", carrier="ups")]),
    order("ord-c2", shipments=[shipment("shp-c2", carrier="ups", price=HIGH_VALUE)]),
    *(order(f"ord-s{n}", shipments=[shipment(f"shp-s{n}", carrier="ups", delivered_days_ago=1)]) for n in range(3)),
]
OPEN = {"order_id": "ord-c1", "statement": "Teslim edildi görünüyor ama elime ulaşmadı.", "preferred_resolution": "refund"}


@pytest.fixture
def orders_document():
    return orders_file_document(ORDERS)


@pytest.fixture
def evidence_interval():
    return 0.02


@pytest.fixture
def app_changes():
    return {"test_clocks": True}


async def new_clock(api, frozen_time: datetime = NOW) -> dict:
    created = await api.post("/v1/test-clocks", json={"frozen_time": frozen_time.isoformat(), "name": "SLA demo"},
                             headers=CUSTOMER)
    assert created.status == 201, await created.text()
    return await created.json()


async def open_on(api, clock_id: str, order_id: str) -> dict:
    opened = await api.post(f"/v1/test-clocks/{clock_id}/disputes", json=OPEN | {"order_id": order_id},
                            headers=CUSTOMER | {"Idempotency-Key": f"clock-{order_id}"})
    assert opened.status == 201, await opened.text()
    return await (await api.get(f"/v1/disputes/{(await opened.json())['id']}", headers=INVESTIGATOR)).json()


async def advance(api, clock_id: str, to: datetime) -> dict:
    moved = await api.post(f"/v1/test-clocks/{clock_id}/advance", json={"frozen_time": to.isoformat()},
                           headers=INVESTIGATOR)
    assert moved.status == 200, await moved.text()
    return await moved.json()


def case_where(api, dispute_id: str, holds):
    async def check():
        case = await (await api.get(f"/v1/disputes/{dispute_id}", headers=INVESTIGATOR)).json()
        return case if holds(case) else None

    return check


def at(value: str) -> datetime:
    return datetime.fromisoformat(value)


async def test_a_case_on_a_clock_is_resolved_for_the_customer_once_the_clock_passes_its_evidence_deadline(api):
    clock = await new_clock(api, NOW - timedelta(days=1))
    case = await open_on(api, clock["id"], "ord-c1")
    assert at(case["opened_at"]) == NOW - timedelta(days=1)  # the clock's time, not the real one

    def retry_waits_for_the_clock(c: dict) -> bool:
        # UPS is down: the next try is set by the clock (a day before the real time, yet it waits for it)
        return bool(c["recommendation"] and c["evidence_pull_due"] and at(c["evidence_pull_due"]) > at(c["opened_at"]))

    tried = await eventually(case_where(api, case["id"], retry_waits_for_the_clock))
    assert tried and tried["status"] == "awaiting_evidence", tried

    await advance(api, clock["id"], at(case["sla"]["evidence_due"]) + timedelta(minutes=1))

    resolved = await eventually(case_where(api, case["id"], lambda c: c["status"] == "resolved"), timeout=10)
    assert resolved, "the case did not reach its decision after the clock passed its evidence deadline"
    assert resolved["decision"]["reason_code"] == "carrier_no_proof" and resolved["decision"]["decided_by"] == "system"
    assert at(resolved["decision"]["decided_at"]) == at(case["sla"]["evidence_due"])  # at it, not where the clock went


async def test_a_case_left_to_a_person_is_decided_by_the_default_rule_when_the_clock_reaches_the_sla(
    api, sandbox, aiohttp_client
):
    clock = await new_clock(api)
    case = await open_on(api, clock["id"], "ord-c2")  # high value: always a person's to decide
    evidence_due, decision_due = at(case["sla"]["evidence_due"]), at(case["sla"]["decision_due"])

    await advance(api, clock["id"], evidence_due + timedelta(minutes=1))
    def left_to_a_person(c: dict) -> bool:
        return c["status"] == "under_review" and (c["recommendation"] or {}).get("rule") == "no_proof_by_deadline"

    assert await eventually(case_where(api, case["id"], left_to_a_person), timeout=10)

    await advance(api, clock["id"], decision_due + timedelta(minutes=1))
    resolved = await eventually(case_where(api, case["id"], lambda c: c["status"] == "resolved"), timeout=10)
    assert resolved, "the SLA's default rule did not decide the case when the clock passed its decision deadline"
    assert resolved["decision"]["reason_code"] == "deadline_reached"
    assert (resolved["decision"]["outcome"], resolved["decision"]["decided_by"]) == ("refund", "system")
    assert at(resolved["decision"]["decided_at"]) == decision_due  # as of the clock, at the deadline it passed
    timeline = (await (await api.get(f"/v1/disputes/{case['id']}/timeline", headers=INVESTIGATOR)).json())["entries"]
    timed = [(e["action"], at(e["at"])) for e in timeline if e["action"] in ("sla_escalated", "decided")]
    assert timed == [("sla_escalated", decision_due - timedelta(hours=12)), ("decided", decision_due)]

    # days ahead of the real time by the clock, yet the customer's message goes out at once, once; no refund at all
    applied = await eventually(told(await aiohttp_client(sandbox), case["id"]), timeout=10)
    assert applied, "the default decision's message never reached the customer"
    assert applied["notifications"][f"{case['id']}:d1:decision_made"] == 1 and "payments" not in applied


def told(downstream, *dispute_ids: str):
    """What the downstream services applied, once the customer was told of each case's first decision (else None)."""
    async def check():
        applied = (await (await downstream.get("/_sandbox/received")).json())["applied"]
        notified = applied.get("notifications", {})
        return applied if all(f"{d}:d1:decision_made" in notified for d in dispute_ids) else None

    return check


async def test_a_real_case_and_one_on_a_clock_on_the_same_parcel_both_refunded_pay_and_bill_once(
    api, sandbox, aiohttp_client
):
    opened = await api.post("/v1/disputes", json=OPEN, headers=CUSTOMER | {"Idempotency-Key": "real-ord-c1"})
    assert opened.status == 201, await opened.text()
    real = await opened.json()
    clock = await new_clock(api, NOW - timedelta(days=1))
    case = await open_on(api, clock["id"], "ord-c1")  # the same shipment, on the clock
    await advance(api, clock["id"], at(case["sla"]["evidence_due"]) + timedelta(minutes=1))
    resolved = await eventually(case_where(api, case["id"], lambda c: c["status"] == "resolved"), timeout=10)
    assert resolved, "the case on the clock was not decided when its clock passed the evidence deadline"
    assert resolved["decision"]["outcome"] == "refund" and resolved["recommendation"]["carrier_liable"]
    one = f"/v1/disputes/{real['id']}"
    assigned = await api.post(one + "/assign", headers=INVESTIGATOR)
    decision = {"outcome": "refund", "reason_code": "carrier_no_proof", "note": "Teslimat kanıtı yok."}
    decided = await api.post(one + "/decision", json=decision, headers=INVESTIGATOR | {"If-Match": assigned.headers["ETag"]})
    assert decided.status == 200, await decided.text()

    downstream = await aiohttp_client(sandbox)
    applied = await eventually(told(downstream, real["id"], case["id"]), timeout=10)  # the real one's after its refund
    assert applied, "the real case's refund and message never reached the downstream services"
    assert applied["payments"] == {f"{money_key(real)}:d1:refund": 1}  # one refund for one parcel: the real case's
    assert applied["notifications"][f"{case['id']}:d1:decision_made"] == 1  # the clock's case's story, told
    effects = (await (await api.get(f"/v1/disputes/{case['id']}", headers=INVESTIGATOR)).json())["effects"]
    kinds = {effect["kind"] for listed in effects.values() for effect in listed}
    assert "notification" in kinds and not {"refund", "reship", "carrier_liability"} & kinds
    assert not [key for service in ("payments", "fulfillment", "finance") for key in applied.get(service, {})
                if key.startswith(case["id"])]


async def test_the_first_claim_on_a_clock_is_not_flagged_by_the_claims_opened_after_it_at_the_same_instant(api):
    """README, Decision policy: repeated claims count the orders claimed up to this case's opening, this one included,
    and a later assessment reads the same history. Every case opened on a clock before it moves opens at its instant."""
    clock = await new_clock(api, NOW)
    first = await open_on(api, clock["id"], "ord-s0")
    await open_on(api, clock["id"], "ord-s1")
    third = await open_on(api, clock["id"], "ord-s2")
    # the third order claimed in 180 days is a pattern (README: 3 orders claimed in 180 days)
    await eventually(case_where(api, third["id"], lambda c: "repeat_claims" in c["abuse_flags"]), timeout=20)
    # the customer adds information to the first case: it is assessed again, on the same history
    added = await api.post(f"/v1/disputes/{first['id']}/information", json={"statement": "Kapıcı da almamış."},
                           headers=CUSTOMER | {"Idempotency-Key": "info-s0"})
    assert added.status == 201, await added.text()
    await advance(api, clock["id"], NOW + timedelta(hours=3))
    case = await eventually(case_where(api, first["id"], lambda c: c["recommendation"] and any(
        f["code"] == "customer_evidence_added" for f in c["recommendation"]["findings"])), timeout=20)

    # by hand: when the first case opened, the customer had claimed one order, this one
    assert (case["abuse_flags"], case["needs_supervisor"]) == ([], False)


async def test_a_case_is_not_opened_on_a_clock_before_its_package_was_delivered(api):
    delivered = NOW - timedelta(days=2)  # ord-c1's shipment
    early = await new_clock(api, delivered - timedelta(hours=1))
    refused = await api.post(f"/v1/test-clocks/{early['id']}/disputes", json=OPEN, headers=CUSTOMER)
    assert refused.status == 409 and refused.content_type == "application/problem+json", await refused.text()
    assert (await refused.json())["type"].endswith(":clock-before-delivery")
    assert (await (await api.get("/v1/disputes", headers=CUSTOMER)).json())["items"] == []
    on_time = await new_clock(api, delivered)
    assert at((await open_on(api, on_time["id"], "ord-c1"))["opened_at"]) == delivered


@pytest.mark.parametrize("app_changes", [{"test_clocks": True, "policy_repeat_claims": 1}], ids=["restricting"])
async def test_a_restriction_on_a_clock_s_case_never_reaches_the_customer_s_account(api, sandbox, aiohttp_client):
    clock = await new_clock(api, NOW - timedelta(days=1))
    case = await open_on(api, clock["id"], "ord-c1")
    raised = await eventually(case_where(api, case["id"], lambda c: c["restriction"]), timeout=10)
    assert raised and raised["restriction"]["state"] == "pending_review"

    await advance(api, clock["id"], at(raised["restriction"]["review_due"]))

    def lifted_and_sent(c: dict) -> bool:
        return c["restriction"]["state"] == "lifted" and not c["effects"]["pending"]

    settled = await eventually(case_where(api, case["id"], lifted_and_sent), timeout=10)
    assert settled, "the restriction was not lifted, or the case's messages were not all sent"
    sent = {(e["kind"], e["key"].rsplit(":", 1)[1]) for e in settled["effects"]["delivered"]}
    assert {("notification", "dispute_opened"), ("staff_alert", "restriction_needs_review")} <= sent  # the case's own
    assert not {"account_restriction", "customer_risk"} & {kind for kind, _ in sent}
    assert ("notification", "restriction_lifted") not in sent
    applied = (await (await (await aiohttp_client(sandbox)).get("/_sandbox/received")).json())["applied"]
    assert not {"account_restrictions", "accounts"} & set(applied)  # neither a restriction nor a risk signal
    assert not any("restriction_lifted" in k for k in applied["notifications"])
    history = await (await api.get("/v1/customers/cust-1/disputes", headers=INVESTIGATOR)).json()
    assert [(item["id"], item["test_clock"]) for item in history["items"]] == [(case["id"], clock["id"])]


async def test_a_clock_only_moves_forward_and_unknown_clocks_are_not_found(api):
    clock = await new_clock(api)
    later = NOW + timedelta(days=2)
    assert (await advance(api, clock["id"], later))["frozen_time"] == "2026-11-20T09:30:00.000Z"
    assert (await advance(api, clock["id"], later))["frozen_time"] == "2026-11-20T09:30:00.000Z"  # a retry is harmless

    back = await api.post(f"/v1/test-clocks/{clock['id']}/advance", json={"frozen_time": NOW.isoformat()},
                          headers=INVESTIGATOR)
    assert back.status == 409 and back.content_type == "application/problem+json"
    problem = await back.json()
    assert problem["type"].endswith("clock-only-moves-forward") and "2026-11-20T09:30:00.000Z" in problem["detail"]
    got = await (await api.get(f"/v1/test-clocks/{clock['id']}", headers=CUSTOMER)).json()
    assert got["frozen_time"] == "2026-11-20T09:30:00.000Z"

    for path in ("/v1/test-clocks/clk_none", "/v1/test-clocks/clk_none/advance", "/v1/test-clocks/clk_none/disputes"):
        method = api.get if path.endswith("none") else api.post
        body = {"frozen_time": later.isoformat()} if path.endswith("advance") else OPEN
        missing = await method(path, json=body, headers=CUSTOMER) if method == api.post else await method(
            path, headers=CUSTOMER)
        assert missing.status == 404, (path, await missing.text())


async def test_bad_clock_input_is_a_problem_and_changes_nothing(api):
    clock = await new_clock(api)
    for body in ({"frozen_time": "yesterday"}, {"frozen_time": "9999-12-31T23:59:59Z"}, {"frozen_time": None},
                 {"frozen_time": NOW.isoformat(), "extra": 1}, {"frozen_time": "2040-02-14T10:00:00Z"}):
        refused = await api.post(f"/v1/test-clocks/{clock['id']}/advance", json=body, headers=INVESTIGATOR)
        assert refused.status == 422 and refused.content_type == "application/problem+json", body
    got = await (await api.get(f"/v1/test-clocks/{clock['id']}", headers=CUSTOMER)).json()
    assert got["frozen_time"] == clock["frozen_time"]
    far = await api.post("/v1/test-clocks", json={"frozen_time": "1900-01-01T00:00:00Z"}, headers=CUSTOMER)
    assert far.status == 422
    # Religious holidays after 2032 are only estimated: a deadline counted on them would be silently wrong.
    uncounted = await api.post("/v1/test-clocks", json={"frozen_time": "2040-02-14T10:00:00Z"}, headers=CUSTOMER)
    problem = await uncounted.json()
    assert uncounted.status == 422 and problem["type"].endswith("clock-out-of-range") and "2032" in problem["detail"]
    fine = await api.post("/v1/test-clocks", json={"frozen_time": "2026-11-18T09:30:00.123456+03:00"}, headers=CUSTOMER)
    created = await fine.json()
    assert fine.status == 201 and created["frozen_time"] == "2026-11-18T06:30:00.123Z"
    assert (await (await api.get(f"/v1/test-clocks/{created['id']}", headers=CUSTOMER)).json()) == created
    unauthenticated = await api.post("/v1/test-clocks", json={})
    assert unauthenticated.status == 401


async def test_opening_on_a_clock_replays_its_idempotency_key_and_keeps_to_the_customer_s_own_orders(api):
    clock = await new_clock(api)
    headers = CUSTOMER | {"Idempotency-Key": "clock-replay"}
    first = await api.post(f"/v1/test-clocks/{clock['id']}/disputes", json=OPEN, headers=headers)
    again = await api.post(f"/v1/test-clocks/{clock['id']}/disputes", json=OPEN, headers=headers)
    assert (first.status, again.status) == (201, 201)
    assert (await first.json())["id"] == (await again.json())["id"] and again.headers["Idempotent-Replayed"] == "true"
    plain = await api.post("/v1/disputes", json=OPEN, headers=headers)  # the same key, not on the clock
    assert plain.status == 422 and plain.content_type == "application/problem+json"
    their_clock = await (await api.post("/v1/test-clocks", json={}, headers=OTHER_CUSTOMER)).json()
    other = await api.post(f"/v1/test-clocks/{their_clock['id']}/disputes", json=OPEN | {"order_id": "ord-c2"},
                           headers=OTHER_CUSTOMER)
    assert other.status == 422


async def test_a_clock_is_its_creator_s_and_staff_s_to_anyone_else_there_is_no_such_clock(api):
    clock = await new_clock(api)  # the customer's
    path = f"/v1/test-clocks/{clock['id']}"
    later = {"frozen_time": (NOW + timedelta(days=1)).isoformat()}
    unknown = await (await api.get("/v1/test-clocks/clk_none", headers=OTHER_CUSTOMER)).json()
    for stranger in (OTHER_CUSTOMER, AGENT):
        answers = [await api.get(path, headers=stranger),
                   await api.post(path + "/advance", json=later, headers=stranger),
                   await api.post(path + "/disputes", json=OPEN | {"customer_id": "cust-1", "channel": "phone"},
                                  headers=stranger | {"Idempotency-Key": "not-mine"})]
        for answer in answers:  # the same answer as a clock that does not exist, but for the id it was asked for
            assert answer.status == 404 and answer.content_type == "application/problem+json", await answer.text()
            assert (await answer.json())["title"] == unknown["title"] and clock["name"] not in await answer.text()
    assert await (await api.get(path, headers=CUSTOMER)).json() == clock  # not moved, no case on it
    assert (await (await api.get("/v1/disputes", headers=OTHER_CUSTOMER)).json())["items"] == []

    for staff in (INVESTIGATOR, SUPERVISOR):
        assert await (await api.get(path, headers=staff)).json() == clock
    moved = await api.post(path + "/advance", json=later, headers=CUSTOMER)
    assert moved.status == 200 and (await moved.json())["frozen_time"] == "2026-11-19T09:30:00.000Z"
    assert (await api.post(path + "/advance", json=later, headers=SUPERVISOR)).status == 200


async def test_staff_the_directory_does_not_let_work_cases_neither_make_nor_move_a_clock(api):
    clock = await new_clock(api)
    dispute = await open_on(api, clock["id"], "ord-c1")
    inactive = bearer(Role.INVESTIGATOR, "inv-emre")  # on record, inactive
    later = {"frozen_time": (NOW + timedelta(days=10)).isoformat()}  # past the case's deadlines

    answers = [await api.post("/v1/test-clocks", json={}, headers=inactive),
               await api.post(f"/v1/test-clocks/{clock['id']}/advance", json=later, headers=inactive)]

    for answer in answers:
        assert answer.status == 403 and (await answer.json())["type"].endswith(":staff-inactive"), await answer.text()
    assert (await (await api.get(f"/v1/test-clocks/{clock['id']}", headers=CUSTOMER)).json()) == clock
    case = await (await api.get(f"/v1/disputes/{dispute['id']}", headers=INVESTIGATOR)).json()
    assert case["decision"] is None


async def test_the_clock_endpoints_are_documented_in_the_sandbox(api):
    document = await (await api.get("/openapi.json")).json()
    validate(document)
    paths = document["paths"]
    assert {"/v1/test-clocks", "/v1/test-clocks/{id}", "/v1/test-clocks/{id}/advance",
            "/v1/test-clocks/{id}/disputes"} <= set(paths)
