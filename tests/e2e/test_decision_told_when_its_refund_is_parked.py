"""A decision that refunds one missing line and rejects the rest, whose refund payments refuses for good: the
customer is still told of it, once, with the refund delayed, the lines rejected and the appeal's end, as their view
of the case says; the decision's own message, which waits for the refund, is never sent."""

from tests.e2e.conftest import CUSTOMER, INVESTIGATOR, eventually
from tests.e2e.test_missing_items import CLAIM, app_changes, orders_document  # noqa: F401
from tests.factories import effects_key

SHIPMENT_KEY = effects_key("ord-boxes", "shp-boxes-1")


async def told(downstream, dispute_id: str) -> list[dict]:
    """The notifications the customer received of the case (answered 200), each once however often it was sent."""
    requests = (await (await downstream.get("/_sandbox/received")).json())["requests"]
    return [{"key": r["key"], **r["body"]} for r in requests
            if r["service"] == "notifications" and r["status"] == 200 and r["body"]["dispute_id"] == dispute_id]


async def test_a_partial_decision_whose_refund_is_refused_tells_the_rejected_lines_and_the_appeal_deadline_once(
    api, sandbox, aiohttp_client
):
    downstream = await aiohttp_client(sandbox)
    assert (await downstream.post("/_sandbox/faults", json={"service": "payments", "mode": "reject", "times": 1})).status == 200
    lines = [{"sku": "sku-glass", "quantity": 2}, {"sku": "sku-spoon", "quantity": 3}]
    opened = await api.post("/v1/disputes", json={**CLAIM, "missing_items": lines}, headers=CUSTOMER)
    dispute_id = (await opened.json())["id"]
    one = f"/v1/disputes/{dispute_id}"
    decision = {"outcome": "refund", "reason_code": "items_missing", "note": "Bir kaşık eksik.", "refund_to": "wallet",
                "line_outcomes": [{"sku": "sku-spoon", "outcome": "refund", "quantity": 1}]}
    decided = await api.post(one + "/decision", json=decision, headers={**INVESTIGATOR, "If-Match": "*"})
    assert decided.status == 200, await decided.text()

    async def decision_told() -> list[dict]:
        return [t for t in await told(downstream, dispute_id) if t["template"] == "decision_made"]

    [message] = await eventually(decision_told, timeout=15)
    mine = await (await api.get(one, headers=CUSTOMER)).json()
    assert message["key"] == f"{dispute_id}:d1:decision_made:held"
    assert (message["message_en"], message["message"]) == (mine["next_step"]["en"], mine["next_step"]["tr"])
    assert "Your refund of 12.50 TRY to your wallet is delayed. Our team has been told and will contact you." in \
        message["message_en"]
    assert "We could not confirm these were missing: Çay bardağı ×2, Çay kaşığı ×2." in message["message_en"]
    assert "You may appeal the rejected items once, with new information, until 02.12.2026 12:30." in \
        message["message_en"]
    assert "Şunların eksik olduğunu doğrulayamadık: Çay bardağı ×2, Çay kaşığı ×2." in message["message"]
    assert "02.12.2026 12:30 tarihine kadar" in message["message"]
    assert message["outcome"] == "refund" and message["customer_id"] == "cust-1"

    case = await (await api.get(one, headers=INVESTIGATOR)).json()
    assert case["effects"]["pending"] == []  # everything delivered or parked: nothing more will be told
    assert [(m["kind"], m["key"], m["parked"]) for m in case["effects"]["parked"]] == [
        ("refund", f"{SHIPMENT_KEY}:d1:refund:sku-spoon", "refused"),
        ("notification", f"{dispute_id}:d1:decision_made", "held"),
    ]
    assert [t["key"] for t in await told(downstream, dispute_id)] == [
        f"{dispute_id}:1:dispute_opened", f"{dispute_id}:d1:decision_made:held"
    ]
