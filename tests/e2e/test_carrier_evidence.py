"""Carrier evidence through the running app: pushed by webhook, stored once, attached, visible to staff."""

import gzip
import json
from pathlib import Path

import pytest

from tests.e2e.conftest import CUSTOMER, INVESTIGATOR, UPS_TRACKING, UPS_WEBHOOK_CREDENTIAL, eventually

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "carriers" / "ups"
DELIVERED = (FIXTURES / "alert-delivered.json").read_bytes()
UPS = {"x-api-key": UPS_WEBHOOK_CREDENTIAL, "Content-Type": "application/json"}


@pytest.fixture
def evidence_interval() -> float:
    return 0.02


@pytest.fixture
async def ups_dispute(api):
    body = {"order_id": "ord-7", "statement": "Gelmedi.", "preferred_resolution": "refund"}
    return await (await api.post("/v1/disputes", json=body, headers=CUSTOMER)).json()


async def case(api, dispute_id):
    return await (await api.get(f"/v1/disputes/{dispute_id}", headers=INVESTIGATOR)).json()


async def test_a_pushed_delivery_proof_reaches_the_dispute_once(api, ups_dispute):
    first = await api.post("/v1/carriers/ups/webhooks", data=DELIVERED, headers=UPS)
    again = await api.post("/v1/carriers/ups/webhooks", data=DELIVERED, headers=UPS)
    assert first.status == 200 and await first.json() == {"received": 1, "duplicates": 0}
    assert again.status == 200 and await again.json() == {"received": 1, "duplicates": 1}

    async def attached():
        found = await case(api, ups_dispute["id"])
        return found if found["evidence"] else None

    found = await eventually(attached)
    assert found is not None, "pushed evidence never reached the dispute"
    assert [e["proof"]["source"] for e in found["evidence"]] == ["push"]
    proof = found["evidence"][0]["proof"]
    assert proof["status"] == "delivered" and proof["tracking_number"] == UPS_TRACKING and proof["raw_ref"]
    timeline = await (await api.get(f"/v1/disputes/{ups_dispute['id']}/timeline", headers=INVESTIGATOR)).json()
    assert [e["action"] for e in timeline["entries"]].count("evidence_received") == 1


async def test_evidence_pushed_before_the_dispute_opens_is_attached_when_it_does(api):
    assert (await api.post("/v1/carriers/ups/webhooks", data=DELIVERED, headers=UPS)).status == 200
    body = {"order_id": "ord-7", "statement": "Gelmedi.", "preferred_resolution": "reship"}
    dispute = await (await api.post("/v1/disputes", json=body, headers=CUSTOMER)).json()

    async def attached():
        return (await case(api, dispute["id"]))["evidence"]

    assert len(await eventually(attached)) == 1


async def test_forged_unknown_and_malformed_webhooks_store_nothing(api, ups_dispute):
    forged = await api.post("/v1/carriers/ups/webhooks", data=DELIVERED, headers={**UPS, "x-api-key": "guess"})
    assert forged.status == 401 and (await forged.json())["reason"] == "bad_signature"
    assert "guess" not in await forged.text()
    unknown = await api.post("/v1/carriers/acme/webhooks", data=DELIVERED, headers=UPS)
    assert unknown.status == 404 and (await unknown.json())["reason"] == "unknown_carrier"
    malformed = await api.post("/v1/carriers/ups/webhooks", data=b'{"trackingNumber": 5}', headers=UPS)
    assert malformed.status == 422 and malformed.content_type == "application/problem+json"
    assert (await malformed.json())["reason"] == "malformed"
    oversized = await api.post("/v1/carriers/ups/webhooks", data=b"x" * 300_000, headers=UPS)
    assert oversized.status == 413 and (await oversized.json())["reason"] == "too_large"
    assert (await case(api, ups_dispute["id"]))["evidence"] == []


async def test_a_compressed_webhook_is_limited_by_its_decoded_size(api, ups_dispute):
    bomb = gzip.compress(b" " * 300_000 + DELIVERED)  # a few hundred bytes on the wire, past the limit decoded
    answer = await api.post("/v1/carriers/ups/webhooks", data=bomb, headers={**UPS, "Content-Encoding": "gzip"})
    assert answer.status == 413 and answer.content_type == "application/problem+json"
    accepted = await api.post("/v1/carriers/ups/webhooks", data=gzip.compress(DELIVERED),
                              headers={**UPS, "Content-Encoding": "gzip"})
    assert accepted.status == 200


async def test_a_carrier_that_is_down_leaves_failures_on_the_timeline(api, ups_dispute):
    async def failed():
        entries = (await (await api.get(f"/v1/disputes/{ups_dispute['id']}/timeline", headers=INVESTIGATOR)).json())["entries"]
        return [e for e in entries if e["action"] == "evidence_pull_failed"]

    failures = await eventually(failed)
    assert failures and failures[0]["details"]["error"].startswith("carrier unavailable")
    assert (await case(api, ups_dispute["id"]))["status"] == "awaiting_evidence"


async def test_staff_see_the_carriers_and_their_health(api):
    listed = await (await api.get("/v1/carriers", headers=INVESTIGATOR)).json()
    ups = next(c for c in listed["carriers"] if c["code"] == "ups")
    assert ups["capabilities"]["pull"]["signature"] and ups["capabilities"]["push"]["photo"]
    assert all(set(c["capabilities"]) == {"pull", "push"} for c in listed["carriers"])
    assert ups["health"]["circuit"] in {"closed", "open", "half_open"}
    assert (await api.get("/v1/carriers", headers=CUSTOMER)).status == 403
    metrics = await (await api.get("/metrics")).text()
    assert 'disputes_carrier_circuit_state{carrier="ups"}' in metrics
    assert "disputes_evidence_pulls_total" in metrics and "disputes_evidence_pull_duration_seconds" in metrics and "disputes_carrier_retries_total" in metrics
    assert "disputes_carrier_unmapped_statuses_total" in metrics


async def test_an_investigator_asks_for_the_proof_again(api, ups_dispute):
    asked = await api.post(f"/v1/disputes/{ups_dispute['id']}/evidence-requests", headers=INVESTIGATOR)
    assert asked.status == 202 and (await asked.json())["evidence_pull_due"] is not None
    refused = await api.post(f"/v1/disputes/{ups_dispute['id']}/evidence-requests", headers=CUSTOMER)
    assert refused.status == 403
    assert json.loads(await (await api.get(f"/v1/disputes/{ups_dispute['id']}/timeline", headers=INVESTIGATOR)).text())[
        "entries"
    ][-1]["action"] in {"evidence_requested", "evidence_pull_failed"}


async def test_reordered_and_repeated_events_leave_the_evidence_exact(api, ups_dispute):
    earlier = (FIXTURES / "alert-out-for-delivery.json").read_bytes()
    for body in (DELIVERED, earlier, DELIVERED, earlier):  # the older event arrives last, each one twice
        assert (await api.post("/v1/carriers/ups/webhooks", data=body, headers=UPS)).status == 200

    async def both_assessed():  # an assessment made before the evidence came in awaits it: wait for a later one
        found = await case(api, ups_dispute["id"])
        assessed = found["recommendation"] and found["recommendation"]["rule"] != "awaiting_carrier_evidence"
        return found if len(found["evidence"]) == 2 and assessed else None

    found = await eventually(both_assessed)
    assert found is not None, "the delivery pushed was never assessed"
    assert sorted(e["proof"]["status"] for e in found["evidence"]) == ["delivered", "in_transit"]


async def test_the_pushed_delivery_photo_is_shown_to_staff_and_never_to_the_customer(api, ups_dispute):
    pushed = (FIXTURES / "alert-delivered-photo.json").read_bytes()
    assert (await api.post("/v1/carriers/ups/webhooks", data=pushed, headers=UPS)).status == 200

    async def photo():
        found = await case(api, ups_dispute["id"])
        return next((e["proof"]["photo"] for e in found["evidence"] if e["proof"]["photo"]), None)

    stored = await eventually(photo)
    assert stored is not None and stored["ref"], "the pushed photo never reached the dispute"
    url = f"/v1/disputes/{ups_dispute['id']}/attachments/{stored['ref']}"

    shown = await api.get(url, headers=INVESTIGATOR)
    assert shown.status == 200 and shown.content_type == stored["media_type"] == "image/jpeg"
    assert (await shown.read()).startswith(b"\xff\xd8")
    assert shown.headers["Content-Disposition"] == f'inline; filename="photo-{stored["ref"]}.jpg"'
    refused = await api.get(url, headers=CUSTOMER)
    assert refused.status == 403 and refused.content_type == "application/problem+json"
    entries = (await (await api.get(f"/v1/disputes/{ups_dispute['id']}/timeline", headers=INVESTIGATOR)).json())["entries"]
    assert [e["actor"] for e in entries if e["action"] == "attachment_viewed"] == ["inv-ayse"]


async def test_the_finding_on_the_delivery_photo_links_to_the_stored_photo(api, ups_dispute):
    pushed = (FIXTURES / "alert-delivered-photo.json").read_bytes()
    assert (await api.post("/v1/carriers/ups/webhooks", data=pushed, headers=UPS)).status == 200

    async def photo_finding():
        found = await case(api, ups_dispute["id"])
        findings = (found["recommendation"] or {}).get("findings", [])
        return next((f for f in findings if f["code"] == "photo_present"), None)

    finding = await eventually(photo_finding)
    assert finding is not None, "the photo was never assessed"
    [cited] = finding["evidence"]
    assert cited["field"] == "proof.photo" and cited["evidence_key"] in finding["evidence_keys"]
    shown = await api.get(f"/v1/disputes/{ups_dispute['id']}/attachments/{cited['attachment']}", headers=INVESTIGATOR)
    assert shown.status == 200 and shown.content_type == "image/jpeg"
    mine = await (await api.get(f"/v1/disputes/{ups_dispute['id']}", headers=CUSTOMER)).json()
    assert "recommendation" not in mine and cited["attachment"] not in json.dumps(mine)
