"""Realistic cases through the running app and the carrier sandbox: the proof is pulled (or pushed) with no
manual step, the policy advises, and the case ends where an experienced investigator would take it."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.conftest import INVESTIGATOR, bearer, eventually, orders_file_document
from tests.e2e.test_access_and_bad_input import assert_problem
from tests.factories import effects_key, order, shipment
from tests.registered import PULLED
from schemas.common import Role

HIGH_VALUE = 6_500_000
# (order id, carrier, sandbox scenario, name the carrier reports, order value) → what should follow
# Coordinates reach the service by the partner webhook only (no carrier's pull reply has them): the cases that
# need them are Sürat's, pushed.
CASES = {
    "strong-proof": ("ord-s1", "surat", "delivered", "Ayşe Yılmaz", 129_900),
    "neighbour": ("ord-s2", "ups", "neighbour", "Fatma Demir", 129_900),
    "locker": ("ord-s3", "ups", "parcel_locker", "Ayşe Yılmaz", 129_900),
    "far-gps": ("ord-s4", "surat", "far_gps", "Ayşe Yılmaz", 129_900),
    "name-mismatch": ("ord-s5", "ups", "delivered", "Mehmet Kaya", 129_900),
    "high-value": ("ord-s6", "surat", "delivered", "Ayşe Yılmaz", HIGH_VALUE),
    "unknown-to-carrier": ("ord-s7", "ups", "unknown", "Ayşe Yılmaz", 129_900),
    "pushed-by-surat": ("ord-s8", "surat", "delivered", "Ayşe Yılmaz", 129_900),
    "repeat-1": ("ord-r1", "yurtici", "delivered", "Ayşe Yılmaz", 129_900),
    "repeat-2": ("ord-r2", "aras", "delivered", "Ayşe Yılmaz", 129_900),
    "repeat-3": ("ord-r3", "ptt", "delivered", "Ayşe Yılmaz", 129_900),
    "neighbour-pushed-at-delivery": ("ord-s9", "surat", "neighbour", "Fatma Demir", 129_900),
    "found-1": ("ord-f1", "yurtici", "delivered", "Ayşe Yılmaz", 129_900),
    "found-2": ("ord-f2", "aras", "delivered", "Ayşe Yılmaz", 129_900),
} | {f"carrier-{code}": (f"ord-c-{code}", code, "delivered", "Ayşe Yılmaz", 129_900) for code in PULLED}
ISTANBUL = ZoneInfo("Europe/Istanbul")
REPEAT_CUSTOMER = "cust-repeat"
CUSTOMERS = {"ord-r": REPEAT_CUSTOMER, "ord-f": "cust-found"}  # by order id's start; the others one each


def scenario_orders():
    orders = []
    for i, (order_id, carrier, _, _, value) in enumerate(CASES.values()):
        item_shipment = shipment(f"shp-s{i}", carrier=carrier, price=value)
        customer = CUSTOMERS.get(order_id[:5], f"cust-s{i}")
        orders.append(order(order_id, customer_id=customer, shipments=[item_shipment]))
    return orders


ORDERS = scenario_orders()


@pytest.fixture
def orders_document():
    return orders_file_document(ORDERS)


@pytest.fixture
def carrier_cases():
    return [(o, scenario, name) for o, (_, _, scenario, name, _) in zip(ORDERS, CASES.values(), strict=True)]


async def open_case(api, name):
    order_id = CASES[name][0]
    customer = next(o.customer_id for o in ORDERS if o.order_id == order_id)
    headers = bearer(Role.CUSTOMER, customer, customer)
    body = {"order_id": order_id, "statement": "Teslim görünüyor, gelmedi.", "preferred_resolution": "refund"}
    response = await api.post("/v1/disputes", json=body, headers=headers)
    assert response.status == 201, await response.text()
    return (await response.json())["id"], headers


async def advised(api, dispute_id, rule=None):
    async def check():
        case = await (await api.get(f"/v1/disputes/{dispute_id}", headers=INVESTIGATOR)).json()
        advice = case["recommendation"]
        return case if advice and case["evidence"] and (rule is None or advice["rule"] == rule) else None

    case = await eventually(check, timeout=10)
    assert case is not None, f"no advice{' ' + rule if rule else ''} for {dispute_id}"
    return case


@pytest.mark.parametrize(
    ("name", "action", "rule", "resolved"),
    [
        ("strong-proof", "reject", "strong_proof", False),
        ("neighbour", "wait_for_customer_check", "third_party_check", False),
        ("locker", "wait_for_customer_check", "third_party_check", False),
        ("far-gps", "refund", "weak_proof", False),
        ("name-mismatch", "refund", "weak_proof", False),
        ("high-value", "reject", "strong_proof", False),
    ],
)
async def test_pulled_proof_leads_to_the_expected_advice(api, carrier_sandbox, aiohttp_client, name, action, rule,
                                                         resolved):
    dispute_id, _ = await open_case(api, name)
    pushed = CASES[name][1] == "surat"
    if pushed:
        await push(api, carrier_sandbox, aiohttp_client, name)
    case = await advised(api, dispute_id, rule)
    assert case["recommendation"]["action"] == action
    assert case["evidence"][0]["proof"]["source"] == ("push" if pushed else "pull")
    assert (case["status"] == "resolved") is resolved
    if resolved:
        assert case["decision"]["decided_by"] == "system" and case["decision"]["reason_code"] == rule
    texts = [f["text"] for f in case["recommendation"]["findings"]]
    assert texts and all(isinstance(t, str) and t for t in texts)


async def test_a_neighbour_delivery_tells_the_customer_who_has_it(api):
    dispute_id, headers = await open_case(api, "neighbour")
    await advised(api, dispute_id, "third_party_check")
    mine = await (await api.get(f"/v1/disputes/{dispute_id}", headers=headers)).json()
    assert "komşu" in mine["next_step"]["tr"].casefold() and "your neighbour" in mine["next_step"]["en"]


async def test_a_neighbour_hand_over_pushed_days_before_the_claim_is_told_with_the_whole_window_then_reviewed(
    api, clock, carrier_sandbox, aiohttp_client, sandbox
):
    downstream = await aiohttp_client(sandbox)
    await push(api, carrier_sandbox, aiohttp_client, "neighbour-pushed-at-delivery")  # at delivery
    clock.offset = timedelta(days=2)  # the customer reports two days later
    dispute_id, _ = await open_case(api, "neighbour-pushed-at-delivery")

    case = await advised(api, dispute_id, "third_party_check")
    opened_at = datetime.fromisoformat(case["opened_at"])
    until = (opened_at + timedelta(hours=24)).astimezone(ISTANBUL).strftime("%d.%m.%Y %H:%M")
    assert case["evidence"][0]["proof"]["source"] == "push" and case["recommendation"]["action"] == "wait_for_customer_check"

    async def told():
        received = await (await downstream.get("/_sandbox/received")).json()
        return [r["body"]["message"] for r in received["requests"]
                if r["service"] == "notifications" and r["body"]["template"] == "check_with_third_party"]

    told_them = await eventually(told)
    assert told_them and "komşunuz Fatma Demir" in told_them[0] and f"{until} tarihine kadar" in told_them[0]

    clock.offset += timedelta(hours=24, minutes=1)  # the window is over: a person reviews
    reviewed = await advised(api, dispute_id, "third_party_check_over")
    assert reviewed["status"] == "under_review" and reviewed["recommendation"]["action"] == "needs_person"
    assert reviewed["recommendation"]["customer_message"] is None


async def test_a_claim_withdrawn_and_opened_again_on_one_parcel_and_one_other_claim_are_no_pattern(api):
    withdrawn, headers = await open_case(api, "found-1")
    answer = await api.post(f"/v1/disputes/{withdrawn}/withdraw", json={"reason": "Komşuda buldum."}, headers=headers)
    assert answer.status == 200, await answer.text()
    again, _ = await open_case(api, "found-1")
    other, _ = await open_case(api, "found-2")

    for dispute_id in (again, other):
        case = await advised(api, dispute_id)
        assert case["abuse_flags"] == [] and not case["needs_supervisor"]
        assert "repeat_claims" not in [f["code"] for f in case["recommendation"]["findings"]]


async def test_a_carrier_that_cannot_prove_delivery_by_the_deadline_pays(api, clock, sandbox, aiohttp_client):
    downstream = await aiohttp_client(sandbox)
    dispute_id, _ = await open_case(api, "unknown-to-carrier")

    async def pulled():
        case = await (await api.get(f"/v1/disputes/{dispute_id}", headers=INVESTIGATOR)).json()
        return case["evidence"]

    assert (await eventually(pulled))[0]["proof"]["status"] == "not_found"
    clock.offset = timedelta(days=5)  # past the evidence deadline (2 business days)
    await api.post(f"/v1/disputes/{dispute_id}/evidence-requests", headers=INVESTIGATOR)

    async def resolved():
        case = await (await api.get(f"/v1/disputes/{dispute_id}", headers=INVESTIGATOR)).json()
        return case if case["status"] == "resolved" else None

    case = await eventually(resolved, timeout=10)
    assert case is not None and case["decision"]["reason_code"] == "carrier_no_proof"
    assert case["recommendation"]["carrier_liable"] and case["decision"]["decided_by"] == "system"

    async def liability():
        received = await (await downstream.get("/_sandbox/received")).json()
        return received["applied"].get("finance")

    key = effects_key("ord-s7", f"shp-s{list(CASES).index('unknown-to-carrier')}")
    assert await eventually(liability) == {f"{key}:d1:liability": 1}


async def push(api, carrier_sandbox, aiohttp_client, name):
    control = await aiohttp_client(carrier_sandbox)
    carrier = CASES[name][1]
    tracking = next(o.shipments[0].tracking_number for o in ORDERS if o.order_id == CASES[name][0])
    target = str(api.make_url("")).rstrip("/")
    body = {"carrier": carrier, "tracking_number": tracking, "target": target}
    pushed = await control.post("/_sandbox/push", json=body)
    assert pushed.status == 200 and (await pushed.json())["status"] == 202, await pushed.text()


async def test_a_push_only_carrier_delivers_its_proof_by_signed_webhook(api, carrier_sandbox, aiohttp_client):
    dispute_id, _ = await open_case(api, "pushed-by-surat")
    await push(api, carrier_sandbox, aiohttp_client, "pushed-by-surat")
    case = await advised(api, dispute_id)
    assert case["evidence"][0]["proof"]["source"] == "push" and case["evidence"][0]["proof"]["carrier"] == "surat"


async def test_a_push_only_carrier_cannot_be_asked_again_and_its_case_stays_in_review(
    api, carrier_sandbox, aiohttp_client
):
    dispute_id, _ = await open_case(api, "pushed-by-surat")
    await push(api, carrier_sandbox, aiohttp_client, "pushed-by-surat")
    await advised(api, dispute_id)
    one = f"/v1/disputes/{dispute_id}"
    await assert_problem(await api.post(one + "/evidence-requests", headers=INVESTIGATOR), 409, "carrier-has-no-pull")
    after = await (await api.get(one, headers=INVESTIGATOR)).json()
    timeline = await (await api.get(one + "/timeline", headers=INVESTIGATOR)).json()
    assert after["status"] == "under_review" and after["evidence_pull_due"] is None
    assert "evidence_requested" not in [entry["action"] for entry in timeline["entries"]]


@pytest.mark.parametrize("carrier", PULLED)
async def test_every_carrier_s_proof_arrives_through_its_own_api_with_no_manual_step(api, carrier):
    dispute_id, _ = await open_case(api, f"carrier-{carrier}")
    case = await advised(api, dispute_id)
    proof = case["evidence"][0]["proof"]
    assert (proof["carrier"], proof["source"], proof["status"]) == (carrier, "pull", "delivered")


async def test_a_carrier_asked_again_that_answers_the_same_proof_puts_the_case_back_in_review(api):
    dispute_id, _ = await open_case(api, "carrier-ups")
    assert (await advised(api, dispute_id))["status"] == "under_review"
    asked = await api.post(f"/v1/disputes/{dispute_id}/evidence-requests", headers=INVESTIGATOR)
    assert asked.status == 202 and (await asked.json())["status"] == "awaiting_evidence"

    async def answered():
        case = await (await api.get(f"/v1/disputes/{dispute_id}", headers=INVESTIGATOR)).json()
        return case if case["evidence_pull_due"] is None else None

    case = await eventually(answered, timeout=10)
    assert case is not None and case["status"] == "under_review" and len(case["evidence"]) == 1
    timeline = await (await api.get(f"/v1/disputes/{dispute_id}/timeline", headers=INVESTIGATOR)).json()
    again = [e for e in timeline["entries"] if e["action"] == "evidence_unchanged"]
    assert [(e["from_status"], e["to_status"]) for e in again] == [("awaiting_evidence", "under_review")]
    queue = await (await api.get("/v1/disputes?status=under_review", headers=INVESTIGATOR)).json()
    assert dispute_id in [item["id"] for item in queue["items"]]


async def test_a_customer_who_keeps_claiming_is_flagged_for_a_supervisor(api, sandbox, aiohttp_client):
    downstream = await aiohttp_client(sandbox)
    ids = [(await open_case(api, f"repeat-{i}"))[0] for i in (1, 2, 3)]

    async def flagged():
        case = await (await api.get(f"/v1/disputes/{ids[-1]}", headers=INVESTIGATOR)).json()
        return case if case["abuse_flags"] else None

    case = await eventually(flagged, timeout=10)
    assert case is not None and case["needs_supervisor"] and case["priority"] >= 2 and case["status"] != "resolved"

    async def reported():
        received = await (await downstream.get("/_sandbox/received")).json()
        return received["applied"].get("accounts")

    assert await eventually(reported)
