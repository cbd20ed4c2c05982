"""The decision's message the notifications service refused is parked: the customer was never told. The agent's view
says so while it is parked; a supervisor sends it again (API or console, with a reason) once the service is put
right, and the customer is told once, under the decision's key, however often it is asked. A refund is not sent again
so, and nothing parked by the name given is a clear refusal."""

import re

import pytest

from schemas.common import Role
from tests.e2e.conftest import AGENT, INVESTIGATOR, SUPERVISOR, eventually, settled
from tests.e2e.test_console import CSRF, staff
from tests.e2e.test_dispute_journey import applied
from tests.e2e.test_parked_refund import SHIPMENT_KEY, alerts_of_parking, notified, requests
from tests.e2e.test_signed_effects import decide_refund, open_dispute

pytestmark = pytest.mark.asyncio

REASON = "Bildirim servisindeki şablon hatası giderildi."
PROBLEM = "application/problem+json"


async def rejected_while_notifications_refuse(api, downstream) -> str:
    """A rejected case whose decision's message the notifications service refused (4xx) and the relay parked; its id."""
    dispute = await (await open_dispute(api)).json()
    one = f"/v1/disputes/{dispute['id']}"
    await settled(api, dispute["id"])  # the opening's message went out before the notifications service fails
    fault = {"service": "notifications", "mode": "reject", "times": 1}
    assert (await downstream.post("/_sandbox/faults", json=fault)).status == 200
    assigned = await api.post(one + "/assign", headers=INVESTIGATOR)
    decision = {"outcome": "rejected", "reason_code": "proof_of_delivery", "note": "Teslim kaydı var.",
                "override_reason": "Kargo firması telefonla teslimi doğruladı."}
    decided = await api.post(one + "/decision", json=decision,
                             headers={**INVESTIGATOR, "If-Match": assigned.headers["ETag"]})
    assert decided.status == 200, await decided.text()

    async def parked():
        case = await (await api.get(one, headers=SUPERVISOR)).json()
        return [m for m in case["effects"]["parked"] if m["kind"] == "notification"]

    [message] = await eventually(parked, timeout=10)
    assert message["key"] == f"{dispute['id']}:d1:decision_made" and message["parked"] == "refused"
    return dispute["id"]


async def test_a_supervisor_sends_the_parked_decision_message_again_and_the_customer_is_told_once(
    api, sandbox, aiohttp_client
):
    downstream = await aiohttp_client(sandbox)
    dispute_id = await rejected_while_notifications_refuse(api, downstream)
    one, key = f"/v1/disputes/{dispute_id}", f"{dispute_id}:d1:decision_made"
    agent_view = await (await api.get(one, headers=AGENT)).json()
    assert agent_view["decision"]["message_undelivered"] is True

    forbidden = await api.post(one + "/effects/resend", json={"effect": key, "reason": REASON}, headers=INVESTIGATOR)
    unexplained = await api.post(one + "/effects/resend", json={"effect": key}, headers=SUPERVISOR)
    assert (forbidden.status, unexplained.status) == (403, 422)
    assert unexplained.content_type == PROBLEM
    resent = await api.post(one + "/effects/resend", json={"effect": key, "reason": REASON}, headers=SUPERVISOR)
    again = await api.post(one + "/effects/resend", json={"effect": key, "reason": REASON}, headers=SUPERVISOR)

    assert resent.status == again.status == 200, await resent.text()
    assert (await again.json())["version"] == (await resent.json())["version"]
    await eventually(lambda: notified(downstream, key), timeout=10)
    await settled(api, dispute_id)
    assert (await applied(downstream, "notifications"))[key] == 1
    sent = [r for r in await requests(downstream) if r["key"] == key and r["status"] == 200]
    assert len(sent) == 1
    timeline = (await (await api.get(one + "/timeline", headers=SUPERVISOR)).json())["entries"]
    [entry] = [e for e in timeline if e["action"] == "effect_resent"]
    assert (entry["actor"], entry["details"]["key"], entry["details"]["reason"]) == ("sup-zeynep", key, REASON)
    agent_view = await (await api.get(one, headers=AGENT)).json()
    assert agent_view["decision"]["message_undelivered"] is False


async def test_a_refund_is_not_sent_again_so_and_nothing_parked_by_the_name_is_a_clear_refusal(
    api, sandbox, aiohttp_client
):
    downstream = await aiohttp_client(sandbox)
    fault = {"service": "payments", "mode": "reject", "times": 1}
    assert (await downstream.post("/_sandbox/faults", json=fault)).status == 200
    dispute_id = await decide_refund(api)
    one = f"/v1/disputes/{dispute_id}"
    await eventually(lambda: notified(downstream, f"{dispute_id}:d1:decision_made:held"), timeout=10)
    before = await (await api.get(one, headers=SUPERVISOR)).json()

    refund = await api.post(one + "/effects/resend", json={"effect": f"{SHIPMENT_KEY}:d1:refund", "reason": REASON},
                            headers=SUPERVISOR)
    unknown = await api.post(one + "/effects/resend", json={"effect": "nothing-by-this-key", "reason": REASON},
                             headers=SUPERVISOR)
    operator = await api.post(one + "/effects/resend", json={"effect": {"$ne": 1}, "reason": REASON}, headers=SUPERVISOR)

    assert (refund.status, refund.content_type) == (409, PROBLEM)
    assert (await refund.json())["type"].endswith("effect-not-resendable")
    assert (unknown.status, (await unknown.json())["type"].split(":")[-1]) == (422, "unknown-parked-effect")
    assert operator.status == 422
    after = await (await api.get(one, headers=SUPERVISOR)).json()
    assert after["version"] == before["version"] and after["effects"]["parked"] == before["effects"]["parked"]


def supervisor() -> dict[str, str]:
    return {"Cookie": staff(Role.SUPERVISOR, "sup-zeynep")["Cookie"] + "; console_lang=tr"}


async def test_the_console_offers_it_beside_the_parked_message_to_a_supervisor_alone(api, sandbox, aiohttp_client):
    downstream = await aiohttp_client(sandbox)
    dispute_id = await rejected_while_notifications_refuse(api, downstream)
    case, key = f"/console/disputes/{dispute_id}", f"{dispute_id}:d1:decision_made"
    form_at = f'action="{case}/effects/resend"'
    assert form_at not in await (await api.get(case, headers=staff())).text()
    await eventually(lambda: alerts_of_parking(downstream), timeout=10)
    page = await (await api.get(case, headers=supervisor())).text()
    assert '<span class="alerted">· personel uyarıldı</span>' in page  # the staff alert about it was sent
    form = re.search(r'<code>' + re.escape(key) + r'</code>.*?' + re.escape(form_at) + r".*?</form>", page, re.S)
    assert form and f'name="effect" value="{key}"' in form[0] and "Yeniden gönder" in form[0], page

    unexplained = await api.post(f"{case}/effects/resend", data={"csrf": CSRF, "effect": key}, headers=supervisor())
    assert unexplained.status == 422 and 'id="refused"' in await unexplained.text()
    sent = await api.post(f"{case}/effects/resend", data={"csrf": CSRF, "effect": key, "reason": REASON},
                          headers=supervisor(), allow_redirects=False)

    assert (sent.status, sent.headers["Location"]) == (303, f"{case}?done")
    page = await (await api.get(case, headers=supervisor())).text()
    assert form_at not in page and "bekletilen mesaj yeniden gönderildi" in page and REASON in page
    await eventually(lambda: notified(downstream, key), timeout=10)


async def test_a_decision_s_message_the_case_moved_past_is_refused_and_not_offered(api, sandbox, aiohttp_client):
    downstream = await aiohttp_client(sandbox)
    dispute_id = await rejected_while_notifications_refuse(api, downstream)
    one, key = f"/v1/disputes/{dispute_id}", f"{dispute_id}:d1:decision_made"
    reopened = await api.post(one + "/reopen", json={"reason": "Yeni kanıt geldi."}, headers=SUPERVISOR)
    assert reopened.status == 200, await reopened.text()

    refused = await api.post(one + "/effects/resend", json={"effect": key, "reason": REASON}, headers=SUPERVISOR)

    problem = await refused.json()
    assert (refused.status, refused.content_type, problem["type"].split(":")[-1]) == (409, PROBLEM, "effect-moved-past")
    assert problem["detail"] == ("The case has moved past it: the decision it tells of is no longer the case's "
                                 "(decided again, appealed, reopened or withdrawn since).")
    after = await (await api.get(one, headers=SUPERVISOR)).json()
    assert after["version"] == (await reopened.json())["version"] and after["effects"]["parked"][0]["key"] == key
    page = await (await api.get(f"/console/disputes/{dispute_id}", headers=supervisor())).text()
    assert f'action="/console/disputes/{dispute_id}/effects/resend"' not in page and f"<code>{key}</code>" in page
