"""docs/operations.md's DisputesOutboxMessagesParked entry, followed as written: the bodies its commands send to the
reopening, the decision and the sending again of a parked message are taken by the API in the situations they are
written for, and what its first commands read from the case is there."""

import json
import re
from pathlib import Path

import pytest

from tests.e2e.conftest import SUPERVISOR, eventually, settled
from tests.e2e.test_dispute_journey import applied
from tests.e2e.test_parked_refund import SHIPMENT_KEY, notified
from tests.e2e.test_resend_parked_message import rejected_while_notifications_refuse
from tests.e2e.test_signed_effects import decide_refund

pytestmark = pytest.mark.asyncio

RUNBOOK = Path(__file__).parents[2] / "docs" / "operations.md"
CALL = re.compile(r"""-X POST "\$API/v1/disputes/\$ID/([a-z/]+)".*? -d '(.*?)'(?: \||$)""")


def runbook_calls(key: str = "") -> list[tuple[str, dict]]:
    """Each POST of the entry: its route after the case, and its body (`$KEY` as given)."""
    entry = RUNBOOK.read_text(encoding="utf-8").partition("### DisputesOutboxMessagesParked")[2].partition("\n### ")[0]
    return [(route, json.loads(body.replace("'\"$KEY\"'", key)))
            for route, body in (CALL.search(line).groups() for line in entry.splitlines() if CALL.search(line))]


def body(route: str, n: int = 0, key: str = "") -> dict:
    return [b for r, b in runbook_calls(key) if r == route][n]


async def reopened(api, one: str) -> str:
    """The case reopened with the runbook's body; the ETag its decision takes."""
    answer = await api.post(one + "/reopen", json=body("reopen"), headers=SUPERVISOR)
    assert answer.status == 200, await answer.text()
    return answer.headers["ETag"]


async def test_the_decision_after_a_refused_refund_is_taken_as_written(api, sandbox, aiohttp_client):
    downstream = await aiohttp_client(sandbox)
    assert (await downstream.post("/_sandbox/faults", json={"service": "payments", "mode": "reject", "times": 1})).status == 200
    dispute_id = await decide_refund(api)
    one = f"/v1/disputes/{dispute_id}"
    await eventually(lambda: notified(downstream, f"{dispute_id}:d1:decision_made:held"), timeout=10)
    case = await (await api.get(one, headers=SUPERVISOR)).json()
    assert {"kind", "key", "parked", "last_error"} <= case["effects"]["parked"][0].keys()

    decided = await api.post(one + "/decision", json=body("decision"),
                             headers={**SUPERVISOR, "If-Match": await reopened(api, one)})

    assert decided.status == 200, await decided.text()
    await settled(api, dispute_id)
    assert await applied(downstream, "payments") == {f"{SHIPMENT_KEY}:d2:refund": 1}


@pytest.fixture
def app_changes() -> dict:
    return {"relay_max_attempts": 1, "downstream_attempts": 1}


async def test_the_decision_after_a_refund_out_of_attempts_is_taken_as_written(api, sandbox, aiohttp_client):
    downstream = await aiohttp_client(sandbox)
    assert (await downstream.post("/_sandbox/faults", json={"service": "payments", "mode": "error", "times": 1})).status == 200
    dispute_id = await decide_refund(api)
    one = f"/v1/disputes/{dispute_id}"

    async def out_of_attempts():
        case = await (await api.get(one, headers=SUPERVISOR)).json()
        return [m for m in case["effects"]["parked"] if m["kind"] == "refund" and m["parked"] == "out_of_attempts"]

    await eventually(out_of_attempts, timeout=10)

    decided = await api.post(one + "/decision", json=body("decision", 1),
                             headers={**SUPERVISOR, "If-Match": await reopened(api, one)})

    assert decided.status == 200, await decided.text()


async def test_sending_a_parked_message_again_is_taken_as_written(api, sandbox, aiohttp_client):
    downstream = await aiohttp_client(sandbox)
    dispute_id = await rejected_while_notifications_refuse(api, downstream)
    key = f"{dispute_id}:d1:decision_made"

    sent = await api.post(f"/v1/disputes/{dispute_id}/effects/resend", json=body("effects/resend", key=key),
                          headers=SUPERVISOR)

    assert sent.status == 200, await sent.text()
    await eventually(lambda: notified(downstream, key), timeout=10)
