"""A refund payments refuses for good is parked with the customer's notification of it, and staff are alerted; a
supervisor reopens the case and decides a reshipment, which goes out once under the new decision's key. The refused
refund is never sent again. The customer is told of each decision once: the first with its refund delayed, in place
of its message held, the second as usual."""

from tests.e2e.conftest import CUSTOMER, SUPERVISOR, eventually, settled
from tests.e2e.test_dispute_journey import applied
from tests.e2e.test_signed_effects import decide_refund
from tests.factories import effects_key

SHIPMENT_KEY = effects_key("ord-1", "shp-1")


async def requests(downstream) -> list[dict]:
    return (await (await downstream.get("/_sandbox/received")).json())["requests"]


async def notified(downstream, key: str) -> dict:
    """The notifications applied, once `key` is among them (else none)."""
    told = await applied(downstream, "notifications")
    return told if key in told else {}


async def alerts_of_parking(downstream) -> list[dict]:
    return [
        r["body"] for r in await requests(downstream)
        if r["service"] == "staff_alerts" and r["status"] == 200 and r["body"]["reason"] == "effect_parked"
    ]


async def test_a_refused_refund_alerts_staff_and_the_reopened_case_is_reshipped_once(api, sandbox, aiohttp_client):
    downstream = await aiohttp_client(sandbox)
    fault = {"service": "payments", "mode": "reject", "times": 1}
    assert (await downstream.post("/_sandbox/faults", json=fault)).status == 200

    dispute_id = await decide_refund(api)
    one = f"/v1/disputes/{dispute_id}"

    [alert] = await eventually(lambda: alerts_of_parking(downstream))
    assert alert["dispute_id"] == dispute_id
    assert {k: alert["parked"][k] for k in ("kind", "key", "reason", "held")} == {
        "kind": "refund", "key": f"{SHIPMENT_KEY}:d1:refund", "reason": "refused", "held": ["notification"],
    }
    async def parked_and_alerted() -> list[tuple[str, bool]]:  # the alert is taken before the relay records it
        timeline = (await (await api.get(one + "/timeline", headers=SUPERVISOR)).json())["entries"]
        said = [(e["details"]["key"], e["details"]["staff_alerted"]) for e in timeline if e["action"] == "effect_parked"]
        return said if all(alerted for _, alerted in said) else []

    assert await eventually(parked_and_alerted) == [(f"{SHIPMENT_KEY}:d1:refund", True)]
    customer = await (await api.get(one, headers=CUSTOMER)).json()
    assert "Our team has been told" in str(customer["next_step"])
    await eventually(lambda: notified(downstream, f"{dispute_id}:d1:decision_made:held"))  # before any reopening

    reopened = await api.post(one + "/reopen", json={"reason": "Ödeme reddedildi."}, headers=SUPERVISOR)
    assert reopened.status == 200, await reopened.text()
    decision = {"outcome": "reship", "reason_code": "carrier_no_proof", "note": "Yeniden gönderilecek.",
                "override_reason": "Ödeme servisi iadeyi kesin olarak reddetti."}
    decided = await api.post(one + "/decision", json=decision, headers={**SUPERVISOR, "If-Match": reopened.headers["ETag"]})
    assert decided.status == 200, await decided.text()

    await settled(api, dispute_id)
    assert await applied(downstream, "fulfillment") == {f"{SHIPMENT_KEY}:d2:reship": 1}
    told = await eventually(lambda: notified(downstream, f"{dispute_id}:d2:decision_made"))
    assert f"{dispute_id}:d2:decision_made" in told and f"{dispute_id}:d1:decision_made" not in told
    assert told[f"{dispute_id}:d1:decision_made:held"] == 1 and f"{dispute_id}:d2:decision_made:held" not in told
    assert [(r["status"], r["key"]) for r in await requests(downstream) if r["service"] == "payments"] == [
        (400, f"{SHIPMENT_KEY}:d1:refund")
    ]
    assert await applied(downstream, "payments") == {}
