"""A UPS alert stamped 9999-12-31 23:59:59 GMT (.NET's `DateTime.MaxValue`, a placeholder with no local time in Istanbul)
is a delivery at an unreadable time: attached, and the customer's view of the case reads (it was a 500)."""

import json
from pathlib import Path

import pytest

from tests.e2e.conftest import CUSTOMER, INVESTIGATOR, UPS_WEBHOOK_CREDENTIAL, eventually

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "carriers" / "ups"
UPS = {"x-api-key": UPS_WEBHOOK_CREDENTIAL, "Content-Type": "application/json"}


@pytest.fixture
def evidence_interval() -> float:
    return 0.02


async def test_the_customer_reads_a_case_whose_ups_proof_is_stamped_with_the_largest_datetime(api):
    body = {"order_id": "ord-7", "statement": "Gelmedi.", "preferred_resolution": "refund"}
    dispute = await (await api.post("/v1/disputes", json=body, headers=CUSTOMER)).json()
    alert = json.loads((FIXTURES / "alert-delivered.json").read_text())
    alert |= {"localActivityDate": "99991231", "localActivityTime": "235959", "gmtActivityDate": "99991231",
              "gmtActivityTime": "235959", "actualDeliveryDate": "99991231", "actualDeliveryTime": "235959"}
    pushed = await api.post("/v1/carriers/ups/webhooks", data=json.dumps(alert), headers=UPS)
    assert pushed.status == 200, await pushed.text()
    one = f"/v1/disputes/{dispute['id']}"

    async def attached():
        return (await (await api.get(one, headers=INVESTIGATOR)).json())["evidence"]

    [evidence] = await eventually(attached)
    seen = await api.get(one, headers=CUSTOMER)

    assert seen.status == 200, await seen.text()
    assert (evidence["proof"]["status"], evidence["proof"]["delivered_at"]) == ("delivered", None)
