"""A high-value parcel's rejection needs a signature from the moment the case opens, before the policy has read any
proof: the threshold is the configured one, given to the service at start-up."""

import pytest

from tests.e2e.conftest import CUSTOMER, INVESTIGATOR, SUPERVISOR


@pytest.fixture
def app_changes() -> dict:
    return {"policy_high_value_minor": 100_000}  # 1,000 TRY: ord-1's 1,299 TRY is high value here


async def test_an_unassessed_high_value_case_is_not_rejected_without_a_signature(api):
    opened = await api.post("/v1/disputes", headers=CUSTOMER, json={
        "order_id": "ord-1", "statement": "Teslim görünüyor ama gelmedi.", "preferred_resolution": "refund"})
    assert opened.status == 201, await opened.text()
    one = f"/v1/disputes/{(await opened.json())['id']}"
    case = await (await api.get(one, headers=INVESTIGATOR)).json()
    assert case["recommendation"] is None and case["evidence"] == []  # the workers have not passed since it opened

    rejection = {"outcome": "rejected", "reason_code": "proof_of_delivery", "note": "Teslim edildi."}
    refused = await api.post(one + "/decision", json=rejection, headers={**INVESTIGATOR, "If-Match": "*"})
    assert refused.status == 422 and (await refused.json())["type"].endswith(":signature-required")
    overridden = {**rejection, "override_reason": "Kargo imzalı belgeyi e-postayla gönderdi."}
    decided = await api.post(one + "/decision", json=overridden, headers={**SUPERVISOR, "If-Match": "*"})
    assert decided.status == 200 and (await decided.json())["decision"]["overridden"] is True
