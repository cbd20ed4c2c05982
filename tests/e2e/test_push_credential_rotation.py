"""Rotating the credential UPS or DHL puts on its pushes: while the old and the new one are both configured, a push
carrying either is stored, whichever the carrier has switched to; one carrying a retired credential stores nothing.
The pushes are the carriers' own samples, with the credential in the header each documents (UPS Track Alert:
``x-api-key``; DHL push: the header chosen when subscribing)."""

from pathlib import Path

import pytest

from tests.e2e.conftest import CARRIERS, CUSTOMER, INVESTIGATOR, UPS_TRACKING, eventually

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "carriers"
UPS_DELIVERED = (FIXTURES / "ups" / "alert-delivered.json").read_bytes()
DHL_DELIVERED = (FIXTURES / "dhl" / "push-delivered.json").read_bytes()
UPS_OLD, UPS_NEW = "ups-webhook-credential-OLD-0123456789", "ups-webhook-credential-NEW-0123456789"
DHL_OLD, DHL_NEW = "dhl-webhook-token-OLD-0123456789abcdef", "dhl-webhook-token-NEW-0123456789abcdef"
JSON = {"Content-Type": "application/json"}


@pytest.fixture
def carrier_settings() -> dict:
    ups = {key: value for key, value in CARRIERS["ups"].items() if key != "webhook_credential"}
    return CARRIERS | {
        "ups": ups | {"webhook_credentials": [UPS_OLD, UPS_NEW]},
        # a configuration from before the list, with the new token added beside it
        "dhl": {"base_url": "http://127.0.0.1:9", "api_key": "e2e", "webhook_token": DHL_OLD,
                "webhook_tokens": [DHL_NEW]},
    }


@pytest.fixture
def evidence_interval() -> float:
    return 0.02


async def test_a_ups_push_with_the_old_or_the_new_credential_is_stored_during_the_switch(api) -> None:
    body = {"order_id": "ord-7", "statement": "Gelmedi.", "preferred_resolution": "refund"}
    dispute = await (await api.post("/v1/disputes", json=body, headers=CUSTOMER)).json()

    old = await api.post("/v1/carriers/ups/webhooks", data=UPS_DELIVERED, headers=JSON | {"x-api-key": UPS_OLD})
    new = await api.post("/v1/carriers/ups/webhooks", data=UPS_DELIVERED, headers=JSON | {"x-api-key": UPS_NEW})

    assert [(old.status, await old.json()), (new.status, await new.json())] == [
        (200, {"received": 1, "duplicates": 0}), (200, {"received": 1, "duplicates": 1})]

    async def evidence():
        return (await (await api.get(f"/v1/disputes/{dispute['id']}", headers=INVESTIGATOR)).json())["evidence"]

    stored = await eventually(evidence)
    assert [(e["proof"]["source"], e["proof"]["tracking_number"]) for e in stored] == [("push", UPS_TRACKING)]


async def test_a_dhl_push_with_the_old_or_the_new_token_is_stored_and_a_retired_one_is_refused(api) -> None:
    for token, duplicates in ((DHL_OLD, 0), (DHL_NEW, 1)):
        pushed = await api.post("/v1/carriers/dhl/webhooks", data=DHL_DELIVERED, headers=JSON | {"X-Webhook-Token": token})
        assert (pushed.status, await pushed.json()) == (200, {"received": 1, "duplicates": duplicates})

    retired = await api.post("/v1/carriers/dhl/webhooks", data=DHL_DELIVERED,
                             headers=JSON | {"X-Webhook-Token": "dhl-webhook-token-RETIRED-0123456789ab"})
    refusal = await retired.text()
    assert (retired.status, (await retired.json())["reason"]) == (401, "bad_signature")
    assert DHL_OLD not in refusal and DHL_NEW not in refusal
