"""A refund the relay could not get to payments at all (nothing listens at its address: every connection refused) is
parked as never reached: the staff alert, the API's parked effects and timeline, and the console's case page say it
did not happen and that sending it again is safe, and a reopened case refunds again with no override_reason."""

import pytest

from tests.e2e.conftest import SUPERVISOR, eventually
from tests.e2e.test_console import staff
from tests.e2e.test_parked_refund import alerts_of_parking
from tests.e2e.test_signed_effects import decide_refund
from schemas.common import Role
from tests.factories import effects_key

SHIPMENT_KEY = effects_key("ord-1", "shp-1")


@pytest.fixture
def app_changes(unused_tcp_port) -> dict:
    return {"payments_url": f"http://127.0.0.1:{unused_tcp_port}", "relay_max_attempts": 1, "downstream_attempts": 1}


async def test_a_refund_that_never_reached_payments_reads_as_not_paid_everywhere_staff_look(api, sandbox, aiohttp_client):
    downstream = await aiohttp_client(sandbox)
    dispute_id = await decide_refund(api)
    one, key = f"/v1/disputes/{dispute_id}", f"{SHIPMENT_KEY}:d1:refund"

    [alert] = await eventually(lambda: alerts_of_parking(downstream))
    assert (alert["parked"]["key"], alert["parked"]["reason"]) == (key, "never_reached")
    assert "did not happen" in alert["parked"]["to_do"]
    case = await (await api.get(one, headers=SUPERVISOR)).json()
    [refund] = [m for m in case["effects"]["parked"] if m["kind"] == "refund"]
    assert (refund["parked"], refund["never_reached"], refund["attempts"]) == ("never_reached", True, 1)
    assert "never reached payments" in refund["last_error"]
    timeline = (await (await api.get(one + "/timeline", headers=SUPERVISOR)).json())["entries"]
    assert [e["details"]["reason"] for e in timeline if e["action"] == "effect_parked"] == ["never_reached"]
    page = await (await api.get(f"/console/disputes/{dispute_id}", headers=staff(Role.SUPERVISOR, "sup-zeynep")
                                | {"Accept-Language": "en"})).text()
    assert (f"<span class=\"parked\">refund · Idempotency-Key: <code>{key}</code> · never reached the service: no "
            "attempt made a connection, so it did not happen; sending it again is safe</span>") in page

    reopened = await api.post(one + "/reopen", json={"reason": "Ödeme servisine ulaşılamadı."}, headers=SUPERVISOR)
    assert reopened.status == 200, await reopened.text()
    decision = {"outcome": "refund", "reason_code": "carrier_no_proof", "note": "İade yeniden."}
    decided = await api.post(one + "/decision", json=decision, headers={**SUPERVISOR, "If-Match": reopened.headers["ETag"]})
    assert decided.status == 200, await decided.text()  # no override_reason: the first refund certainly was not paid
