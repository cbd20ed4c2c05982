"""A dispute from the order page to the money: the three callers over HTTP, effects delivered once."""

import csv
import io
from datetime import timedelta

import pytest

from tests.e2e.conftest import AGENT, CUSTOMER, INVESTIGATOR, OTHER_INVESTIGATOR, SUPERVISOR, eventually, money_key, settled
from tests.e2e.test_access_and_bad_input import assert_problem

OPEN = {"order_id": "ord-1", "statement": "Teslim edildi görünüyor ama gelmedi.", "preferred_resolution": "refund"}


async def open_dispute(api, body=OPEN, key=None):
    headers = {**CUSTOMER, **({"Idempotency-Key": key} if key else {})}
    return await api.post("/v1/disputes", json=body, headers=headers)


async def applied(sandbox_client, service):
    received = await (await sandbox_client.get("/_sandbox/received")).json()
    return received["applied"].get(service, {})


async def test_a_refund_travels_from_the_order_page_to_payments_exactly_once(api, sandbox, aiohttp_client):
    downstream = await aiohttp_client(sandbox)
    opened = await open_dispute(api, key="click-1")
    assert opened.status == 201 and opened.headers["ETag"] == '"1-customer"'
    dispute = await opened.json()
    assert opened.headers["Location"] == f"/v1/disputes/{dispute['id']}"
    assert dispute["status"] == "opened" and "buyer_name" not in str(dispute)

    again = await open_dispute(api, key="click-1")
    assert again.status == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert await again.json() == dispute

    queue = await (await api.get("/v1/disputes?status=opened", headers=INVESTIGATOR)).json()
    assert [item["id"] for item in queue["items"]] == [dispute["id"]]

    one = f"/v1/disputes/{dispute['id']}"
    assigned = await api.post(one + "/assign", headers=INVESTIGATOR)
    assert assigned.status == 200 and (await assigned.json())["status"] == "under_review"
    noted = await api.post(one + "/notes", json={"text": "Kargo firması kanıt sunmadı."}, headers=INVESTIGATOR)
    assert noted.status == 201
    decision = {"outcome": "refund", "reason_code": "carrier_no_proof", "note": "No proof of delivery."}
    decided = await api.post(one + "/decision", json=decision, headers={**INVESTIGATOR, "If-Match": noted.headers["ETag"]})
    assert decided.status == 200, await decided.text()
    assert (await decided.json())["decision"]["outcome"] == "refund"

    case = await settled(api, dispute["id"])
    assert len(case["effects"]["delivered"]) == 3
    assert await applied(downstream, "payments") == {f"{money_key(dispute)}:d1:refund": 1}
    assert await applied(downstream, "notifications") == {
        f"{dispute['id']}:1:dispute_opened": 1, f"{dispute['id']}:d1:decision_made": 1}
    timeline = await (await api.get(one + "/timeline", headers=INVESTIGATOR)).json()
    assert [e["action"] for e in timeline["entries"]] == ["opened", "assigned", "note_added", "decided"]
    assert timeline["entries"][-1]["actor"] == "inv-ayse" and timeline["entries"][-1]["role"] == "investigator"
    mine = await (await api.get(one, headers=CUSTOMER)).json()
    assert mine["status"] == "resolved" and mine["decision"]["outcome"] == "refund" and "note" not in mine["decision"]


async def test_a_reship_reaches_fulfillment_once(api, sandbox, aiohttp_client):
    downstream = await aiohttp_client(sandbox)
    dispute = await (await open_dispute(api, {**OPEN, "preferred_resolution": "reship"})).json()
    decision = {"outcome": "reship", "reason_code": "lost_in_transit", "note": "Yeniden gönderilecek."}
    decided = await api.post(f"/v1/disputes/{dispute['id']}/decision", json=decision, headers={**INVESTIGATOR, "If-Match": '"1"'})
    assert decided.status == 200
    await settled(api, dispute["id"])
    assert await applied(downstream, "fulfillment") == {f"{money_key(dispute)}:d1:reship": 1}
    assert await applied(downstream, "payments") == {}


async def test_the_relay_retries_a_failing_payments_service_and_pays_once(api, sandbox, aiohttp_client):
    downstream = await aiohttp_client(sandbox)
    await downstream.post("/_sandbox/faults", json={"service": "payments", "mode": "error", "times": 4})
    dispute = await (await open_dispute(api)).json()
    decision = {"outcome": "refund", "reason_code": "weak_proof", "note": "İmza yok, fotoğraf yok."}
    await api.post(f"/v1/disputes/{dispute['id']}/decision", json=decision, headers={**INVESTIGATOR, "If-Match": '"1"'})
    await settled(api, dispute["id"], timeout=15)
    assert await applied(downstream, "payments") == {f"{money_key(dispute)}:d1:refund": 1}
    received = await (await downstream.get("/_sandbox/received")).json()
    attempts = [r for r in received["requests"] if r["service"] == "payments"]
    assert len(attempts) >= 5 and sum(r["status"] == 200 for r in attempts) == 1


async def test_withdrawing_closes_the_case_and_frees_the_shipment(api):
    dispute = await (await open_dispute(api)).json()
    withdrawn = await api.post(f"/v1/disputes/{dispute['id']}/withdraw", json={"reason": "Kapıcıda buldum."}, headers=CUSTOMER)
    assert withdrawn.status == 200 and (await withdrawn.json())["status"] == "withdrawn"
    again = await api.post(f"/v1/disputes/{dispute['id']}/withdraw", headers=CUSTOMER)
    assert again.status == 409 and again.content_type == "application/problem+json"
    assert (await open_dispute(api)).status == 201


async def test_a_withdrawn_case_takes_no_assignment_and_no_evidence_request(api):
    dispute = await (await open_dispute(api)).json()
    one = f"/v1/disputes/{dispute['id']}"
    assert (await api.post(one + "/withdraw", json={"reason": "Kapıcıda buldum."}, headers=CUSTOMER)).status == 200
    await assert_problem(await api.post(one + "/assign", headers=INVESTIGATOR), 409, "not-assignable")
    await assert_problem(await api.post(one + "/evidence-requests", headers=INVESTIGATOR), 409, "evidence-requests-closed")
    case = await (await api.get(one, headers=INVESTIGATOR)).json()
    assert (case["status"], case["assignee"], case["evidence_pull_due"]) == ("withdrawn", None, None)


async def test_a_case_an_agent_withdrew_by_mistake_is_restored_by_a_supervisor_past_the_claim_window(api, clock):
    """The agent withdrew the wrong customer's case on the last day of the claim window, and the mistake is found the
    next day, when the claim can no longer be made again: a supervisor reopens the withdrawn case, as a decided one
    (If-Match optional, a stale one refused)."""
    clock.offset = timedelta(days=27, hours=23)  # delivered 16.11 09:30: 29 days and 23 hours after
    opened = await api.post("/v1/disputes", json={**OPEN, "customer_id": "cust-1", "channel": "phone"}, headers=AGENT)
    one = f"/v1/disputes/{(await opened.json())['id']}"
    withdrawn = await api.post(one + "/withdraw", json={"reason": "Müşteri paketi buldu."}, headers=AGENT)
    assert withdrawn.status == 200
    clock.offset += timedelta(days=1)
    await assert_problem(await open_dispute(api), 422, "claim-window-closed")
    why = {"reason": "Temsilci yanlış müşterinin başvurusunu geri çekti."}
    await assert_problem(await api.post(one + "/reopen", json=why, headers=INVESTIGATOR), 403, "forbidden")
    await assert_problem(await api.post(one + "/reopen", json=why, headers={**SUPERVISOR, "If-Match": '"1"'}), 412,
                         "stale-version")

    reopened = await api.post(one + "/reopen", json=why, headers={**SUPERVISOR, "If-Match": withdrawn.headers["ETag"]})

    assert reopened.status == 200, await reopened.text()
    assert (await reopened.json())["status"] == "awaiting_evidence"  # its carrier is asked again for its proof
    said = (await (await api.get(one + "/timeline", headers=SUPERVISOR)).json())["entries"][-1]
    assert (said["action"], said["actor"], said["from_status"], said["to_status"], said["details"]) == (
        "reopened", "sup-zeynep", "withdrawn", "awaiting_evidence", why)
    seen = await (await api.get(one, headers=CUSTOMER)).json()
    assert seen["status"] == "awaiting_evidence"
    assert seen["next_step"]["en"].startswith("Your claim, which had been withdrawn, is under review again.")


async def test_a_withdrawn_case_is_not_reopened_while_another_case_holds_its_shipment(api):
    first = await (await open_dispute(api)).json()
    one = f"/v1/disputes/{first['id']}"
    assert (await api.post(one + "/withdraw", json={"reason": "Kapıcıda buldum."}, headers=CUSTOMER)).status == 200
    second = await (await open_dispute(api, {**OPEN, "statement": "Kapıcıda değilmiş, gelmedi."})).json()

    refused = await api.post(one + "/reopen", json={"reason": "Yanlışlıkla geri çekildi."}, headers=SUPERVISOR)

    await assert_problem(refused, 409, "dispute-exists")
    assert (await refused.json())["dispute_id"] == second["id"]
    case = await (await api.get(one, headers=INVESTIGATOR)).json()
    assert (case["status"], case["version"]) == ("withdrawn", 2)


@pytest.mark.parametrize(("order_id", "decision", "status", "code"), [
    ("ord-6", {"outcome": "reship", "reason_code": "lost_in_transit"}, 422, "not-reshippable"),  # shp-6 cannot be
    ("ord-1", {"outcome": "refund", "reason_code": "proof_of_delivery"}, 422, "reason-does-not-fit-outcome"),
    ("ord-1", {"outcome": "rejected", "reason_code": "contents_confirmed"}, 422, "reason-does-not-fit-claim"),
], ids=["reship what cannot ship", "refund for a rejection's reason", "reject a parcel for its contents"])
async def test_a_decision_the_money_rules_forbid_is_refused_by_name_and_changes_nothing(
    api, order_id, decision, status, code
):
    dispute = await (await open_dispute(api, {**OPEN, "order_id": order_id, "preferred_resolution": "reship"})).json()
    one = f"/v1/disputes/{dispute['id']}"
    refused = await api.post(one + "/decision", json={**decision, "note": "Karar."},
                             headers={**INVESTIGATOR, "If-Match": '"1"'})
    await assert_problem(refused, status, code)
    case = await (await api.get(one, headers=INVESTIGATOR)).json()
    assert (case["status"], case["version"], case["decision"]) == ("opened", 1, None)


async def test_a_reopened_refund_is_not_paid_twice(api, sandbox, aiohttp_client):
    downstream = await aiohttp_client(sandbox)
    dispute = await (await open_dispute(api)).json()
    one = f"/v1/disputes/{dispute['id']}"
    refund = {"outcome": "refund", "reason_code": "carrier_no_proof", "note": "Kargo kanıt sunmadı."}
    assert (await api.post(one + "/decision", json=refund, headers={**INVESTIGATOR, "If-Match": '"1"'})).status == 200
    await settled(api, dispute["id"])  # the refund is issued
    reopened = await api.post(one + "/reopen", json={"reason": "Kurye kaydı yeniden incelenecek."}, headers=SUPERVISOR)
    assert reopened.status == 200, await reopened.text()

    again = await api.post(one + "/decision", json={**refund, "override_reason": "Yine kanıt yok."},
                           headers={**SUPERVISOR, "If-Match": reopened.headers["ETag"]})

    await assert_problem(again, 409, "compensation-issued")
    case = await (await api.get(one, headers=INVESTIGATOR)).json()
    assert (case["status"], case["decision"]["sequence"]) == ("under_review", 1)
    assert await applied(downstream, "payments") == {f"{money_key(dispute)}:d1:refund": 1}


async def test_a_rejection_is_appealed_once_and_only_a_supervisor_overturns_it(api):
    dispute = await (await open_dispute(api)).json()
    one = f"/v1/disputes/{dispute['id']}"
    reject = {"outcome": "rejected", "reason_code": "proof_of_delivery", "note": "İmzalı teslim, konum adreste."}
    assert (await api.post(one + "/decision", json=reject, headers={**INVESTIGATOR, "If-Match": '"1"'})).status == 200
    repeated = await api.post(one + "/appeal", json={"statement": "TESLİM EDİLDİ GÖRÜNÜYOR AMA GELMEDİ."}, headers=CUSTOMER)
    assert repeated.status == 422 and (await repeated.json())["type"].endswith("statement-repeated")
    appealed = await api.post(one + "/appeal", json={"statement": "İmza bana ait değil."}, headers=CUSTOMER)
    assert appealed.status == 200 and (await appealed.json())["status"] == "appealed"
    twice = await api.post(one + "/appeal", json={"statement": "Tekrar"}, headers=CUSTOMER)
    assert twice.status == 409

    refund = {"outcome": "refund", "reason_code": "weak_proof", "note": "İtiraz haklı."}
    overturn = await api.post(one + "/decision", json=refund, headers={**OTHER_INVESTIGATOR, "If-Match": '"3"'})
    assert overturn.status == 403
    by_supervisor = await api.post(one + "/decision", json=refund, headers={**SUPERVISOR, "If-Match": '"3"'})
    assert by_supervisor.status == 200 and (await by_supervisor.json())["decision"]["sequence"] == 2


async def test_a_decided_dispute_is_never_withdrawn_so_its_shipment_is_paid_once_and_appealed_once(
    api, sandbox, aiohttp_client
):
    downstream = await aiohttp_client(sandbox)
    refunded = await (await open_dispute(api)).json()
    one = f"/v1/disputes/{refunded['id']}"
    refund = {"outcome": "refund", "reason_code": "carrier_no_proof", "note": "Kargo kanıt sunmadı."}
    assert (await api.post(one + "/decision", json=refund, headers={**INVESTIGATOR, "If-Match": '"1"'})).status == 200
    decided = await api.post(one + "/withdraw", json={"reason": "Buldum."}, headers=CUSTOMER)
    assert decided.status == 409 and (await decided.json())["type"].endswith("decision-stands")  # as README says
    reopened = await api.post(one + "/reopen", json={"reason": "Kurye kaydı yeniden incelenecek."}, headers=SUPERVISOR)
    assert reopened.status == 200 and (await reopened.json())["status"] == "under_review"

    withdrawn = await api.post(one + "/withdraw", json={"reason": "Buldum."}, headers=CUSTOMER)
    assert withdrawn.status == 409 and (await withdrawn.json())["type"].endswith("decision-stands")
    again = await open_dispute(api, {**OPEN, "statement": "Yeniden açıyorum."})
    assert again.status == 409 and (await again.json())["dispute_id"] == refunded["id"]
    await settled(api, refunded["id"])
    assert await applied(downstream, "payments") == {f"{money_key(refunded)}:d1:refund": 1}

    rejected = await (await open_dispute(api, {**OPEN, "order_id": "ord-2"})).json()
    other = f"/v1/disputes/{rejected['id']}"
    reject = {"outcome": "rejected", "reason_code": "proof_of_delivery", "note": "İmzalı teslim."}
    assert (await api.post(other + "/decision", json=reject, headers={**INVESTIGATOR, "If-Match": '"1"'})).status == 200
    assert (await api.post(other + "/appeal", json={"statement": "İmza benim değil."}, headers=CUSTOMER)).status == 200
    assert (await api.post(other + "/withdraw", headers=CUSTOMER)).status == 409
    second = await open_dispute(api, {**OPEN, "order_id": "ord-2", "statement": "Yeniden açıyorum."})
    assert second.status == 409 and (await second.json())["dispute_id"] == rejected["id"]
    mine = await (await api.get(other, headers=CUSTOMER)).json()
    assert mine["status"] == "appealed"


async def test_a_refunded_package_rejected_after_a_reopening_leaves_no_appeal(api, sandbox, aiohttp_client):
    downstream = await aiohttp_client(sandbox)
    dispute = await (await open_dispute(api)).json()
    one = f"/v1/disputes/{dispute['id']}"
    refund = {"outcome": "refund", "reason_code": "carrier_no_proof", "note": "Kargo kanıt sunmadı."}
    assert (await api.post(one + "/decision", json=refund, headers={**INVESTIGATOR, "If-Match": '"1"'})).status == 200
    reopened = await api.post(one + "/reopen", json={"reason": "Kurye kaydı yeniden incelenecek."}, headers=SUPERVISOR)
    assert reopened.status == 200, await reopened.text()
    reject = {"outcome": "rejected", "reason_code": "proof_of_delivery", "note": "Kurye kaydı teslimi gösteriyor.",
              "override_reason": "Kurye kaydı imzalı."}
    rejected = await api.post(one + "/decision", json=reject, headers={**SUPERVISOR, "If-Match": reopened.headers["ETag"]})
    assert rejected.status == 200, await rejected.text()

    appealed = await api.post(one + "/appeal", json={"statement": "İade geldi ama ret kararına itiraz ediyorum."},
                              headers=CUSTOMER)

    assert appealed.status == 409 and (await appealed.json())["type"].endswith("not-rejected")
    case = await (await api.get(one, headers=INVESTIGATOR)).json()
    assert (case["status"], case["appeal"], case["decision"]["sequence"]) == ("resolved", None, 2)
    await settled(api, dispute["id"])
    assert await applied(downstream, "payments") == {f"{money_key(dispute)}:d1:refund": 1}


async def test_a_refund_that_stands_after_a_reopened_review_rejects_is_the_compensation_every_view_shows(
    api, sandbox, aiohttp_client
):
    """README: a refund is issued at most once and stands across reopenings; the case's `outcome` is its latest
    decision's, `compensation` what it issued, in the customer's and agent's views, the queue, its filter and the CSV."""
    downstream = await aiohttp_client(sandbox)
    dispute = await (await open_dispute(api)).json()
    one = f"/v1/disputes/{dispute['id']}"
    refund = {"outcome": "refund", "reason_code": "carrier_no_proof", "note": "Kargo kanıt sunmadı."}
    assert (await api.post(one + "/decision", json=refund, headers={**INVESTIGATOR, "If-Match": '"1"'})).status == 200
    await settled(api, dispute["id"])
    reopened = await api.post(one + "/reopen", json={"reason": "Kurye videosu geldi."}, headers=SUPERVISOR)
    assert reopened.status == 200, await reopened.text()
    reject = {"outcome": "rejected", "reason_code": "proof_of_delivery", "note": "Video teslimi gösteriyor.",
              "override_reason": "Kurye videosu."}
    rejected = await api.post(one + "/decision", json=reject, headers={**SUPERVISOR, "If-Match": reopened.headers["ETag"]})
    assert rejected.status == 200, await rejected.text()
    await settled(api, dispute["id"])
    assert await applied(downstream, "payments") == {f"{money_key(dispute)}:d1:refund": 1}  # the money stays paid

    mine = await (await api.get(one, headers=CUSTOMER)).json()
    theirs = await (await api.get(one, headers=AGENT)).json()
    rows = (await (await api.get(f"/v1/disputes?dispute_id={dispute['id']}", headers=INVESTIGATOR)).json())["items"]
    export = await (await api.get(f"/v1/disputes.csv?dispute_id={dispute['id']}", headers=INVESTIGATOR)).text()
    row = next(csv.DictReader(io.StringIO(export)))
    refunded = await (await api.get("/v1/disputes?compensation=refund", headers=INVESTIGATOR)).json()
    decided_refund = await (await api.get("/v1/disputes?outcome=refund", headers=INVESTIGATOR)).json()

    assert [(v["decision"]["outcome"], v["compensation"]) for v in (mine, theirs)] == [("rejected", "refund")] * 2
    assert [(r["outcome"], r["compensation"]) for r in rows] == [("rejected", "refund")]
    assert (row["outcome"], row["compensation"]) == ("rejected", "refund")
    assert [d["id"] for d in refunded["items"]] == [dispute["id"]] and decided_refund["items"] == []


async def test_a_decision_on_a_stale_version_changes_nothing(api):
    dispute = await (await open_dispute(api)).json()
    one = f"/v1/disputes/{dispute['id']}"
    await api.post(one + "/notes", json={"text": "ilk not"}, headers=INVESTIGATOR)
    decision = {"outcome": "refund", "reason_code": "carrier_no_proof", "note": "x"}
    stale = await api.post(one + "/decision", json=decision, headers={**INVESTIGATOR, "If-Match": '"1"'})
    missing = await api.post(one + "/decision", json=decision, headers=INVESTIGATOR)
    await assert_problem(stale, 412, "stale-version")
    await assert_problem(missing, 428, "precondition-required")
    case = await (await api.get(one, headers=INVESTIGATOR)).json()
    assert case["status"] == "opened" and case["version"] == 2 and case["decision"] is None


async def test_a_second_dispute_for_the_shipment_is_a_conflict_naming_the_first(api):
    first = await (await open_dispute(api)).json()
    second = await open_dispute(api, {**OPEN, "statement": "Tekrar açıyorum"})
    body = await second.json()
    assert second.status == 409 and body["dispute_id"] == first["id"] and body["type"].endswith("dispute-exists")


async def test_the_same_key_with_another_body_is_refused(api):
    assert (await open_dispute(api, key="k")).status == 201
    reused = await open_dispute(api, {**OPEN, "preferred_resolution": "reship"}, key="k")
    assert reused.status == 422 and (await reused.json())["type"].endswith("idempotency-key-reused")


async def test_the_queue_pages_with_a_cursor(api):
    for order_id in ("ord-1", "ord-2", "ord-6"):
        assert (await open_dispute(api, {**OPEN, "order_id": order_id})).status == 201
    first = await (await api.get("/v1/disputes?limit=2", headers=INVESTIGATOR)).json()
    second = await (await api.get(f"/v1/disputes?limit=2&cursor={first['next_cursor']}", headers=INVESTIGATOR)).json()
    assert len(first["items"]) == 2 and len(second["items"]) == 1 and second["next_cursor"] is None
    mine = await (await api.get("/v1/disputes", headers=CUSTOMER)).json()
    assert len(mine["items"]) == 3


async def test_the_customer_is_told_what_happens_next_and_by_when(api):
    dispute = await (await open_dispute(api)).json()
    assert dispute["next_step"]["en"].endswith("by 23.11.2026.")
    assert "23.11.2026" in dispute["next_step"]["tr"] and "Kargo" in dispute["next_step"]["tr"]
    reject = {"outcome": "rejected", "reason_code": "proof_of_delivery", "note": "imzalı"}
    await api.post(f"/v1/disputes/{dispute['id']}/decision", json=reject, headers={**INVESTIGATOR, "If-Match": '"1"'})
    mine = await (await api.get(f"/v1/disputes/{dispute['id']}", headers=CUSTOMER)).json()
    assert "appeal once" in mine["next_step"]["en"] and "itiraz" in mine["next_step"]["tr"]


@pytest.mark.parametrize("evidence_interval", [0.05])
@pytest.mark.parametrize("app_changes", [{"policy_repeat_claims": 1}], ids=["flagged-at-once"])
async def test_a_case_flagged_for_abuse_waits_for_a_supervisor_until_one_clears_its_flags(api):
    one = f"/v1/disputes/{(await (await open_dispute(api)).json())['id']}"

    async def flagged():
        case = await (await api.get(one, headers=INVESTIGATOR)).json()
        return case if case["needs_supervisor"] else None

    assert (await eventually(flagged, timeout=10))["abuse_flags"] == ["repeat_claims"]
    refund = {"outcome": "refund", "reason_code": "weak_proof", "note": "İmza yok.", "override_reason": "İmza yok."}
    refused = await api.post(one + "/decision", json=refund, headers={**INVESTIGATOR, "If-Match": "*"})
    assert refused.status == 403 and refused.content_type == "application/problem+json", await refused.text()
    assert "supervisor's decision (abuse signals: repeat_claims)" in (await refused.json())["detail"]
    assert (await (await api.get(one, headers=INVESTIGATOR)).json())["status"] != "resolved"

    cleared = await api.post(one + "/flags/clear", json={"reason": "Adres değişikliği."}, headers=SUPERVISOR)
    assert cleared.status == 200, await cleared.text()
    decided = await api.post(one + "/decision", json=refund, headers={**INVESTIGATOR, "If-Match": "*"})
    assert decided.status == 200, await decided.text()
    decision = (await decided.json())["decision"]
    assert (decision["decided_by"], decision["decided_by_role"]) == ("inv-ayse", "investigator")
    timeline = await (await api.get(one + "/timeline", headers=SUPERVISOR)).json()
    [entry] = [e for e in timeline["entries"] if e["action"] == "decided"]
    assert (entry["details"]["note"], entry["details"]["override_reason"]) == ("İmza yok.", "İmza yok.")
