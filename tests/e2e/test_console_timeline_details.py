"""The console's case page shows what the API's timeline holds of each entry a supervisor acts on: why a case was
reopened, its flags cleared or its account restriction reviewed, and of a message the relay set aside, what it was, its
Idempotency-Key (staff check a maybe-applied refund with its service by it, docs/downstream.md) and why."""

import pytest

from tests.e2e.conftest import SUPERVISOR, eventually
from tests.e2e.test_console import opened, staff
from tests.e2e.test_parked_refund import alerts_of_parking
from tests.e2e.test_signed_effects import decide_refund
from schemas.common import Role
from tests.factories import effects_key

SHIPMENT_KEY = effects_key("ord-1", "shp-1")

ENGLISH = staff(Role.SUPERVISOR, "sup-zeynep") | {"Accept-Language": "en"}


@pytest.mark.parametrize("evidence_interval", [0.05])  # the workers assess it soon after it opens
@pytest.mark.parametrize("app_changes", [{"policy_repeat_claims": 1}], ids=["restricting"])  # its one claim: flagged
async def test_the_case_page_shows_why_a_supervisor_cleared_the_flags_and_lifted_the_restriction(api):
    dispute = await opened(api)
    one = f"/v1/disputes/{dispute['id']}"

    async def restricted():
        return (await (await api.get(one, headers=SUPERVISOR)).json())["restriction"]

    await eventually(restricted, timeout=10, explain="no restriction was raised")
    cleared = await api.post(one + "/flags/clear", json={"reason": "Bilinen alıcı, adres değişti."}, headers=SUPERVISOR)
    assert cleared.status == 200, await cleared.text()

    page = await (await api.get(f"/console/disputes/{dispute['id']}", headers=ENGLISH)).text()

    assert "<strong>flags cleared</strong> <span class=\"flags\">repeated claims</span> " \
           "<span class=\"why\">— Bilinen alıcı, adres değişti.</span>" in page
    assert "<strong>restriction lifted</strong> <span class=\"why\">— Bilinen alıcı, adres değişti.</span>" in page


async def test_the_case_page_shows_why_a_supervisor_reopened_the_case(api):
    dispute = await opened(api)
    one = f"/v1/disputes/{dispute['id']}"
    decision = {"outcome": "refund", "reason_code": "lost_in_transit", "note": "Kargo kaybetti."}
    assert (await api.post(one + "/decision", json=decision, headers={**SUPERVISOR, "If-Match": "*"})).status == 200
    reopened = await api.post(one + "/reopen", json={"reason": "Kurye yeni teslim kaydı gönderdi RZ-4711"},
                              headers=SUPERVISOR)
    assert reopened.status == 200, await reopened.text()

    page = await (await api.get(f"/console/disputes/{dispute['id']}", headers=staff())).text()  # Turkish

    assert "<strong>yeniden açıldı</strong> sonuçlandı → inceleniyor <span class=\"why\">— Kurye yeni teslim kaydı " \
           "gönderdi RZ-4711</span>" in page


async def test_the_case_page_shows_a_parked_refund_s_idempotency_key_and_why_it_was_parked(api, sandbox, aiohttp_client):
    downstream = await aiohttp_client(sandbox)
    fault = {"service": "payments", "mode": "reject", "times": 1}
    assert (await downstream.post("/_sandbox/faults", json=fault)).status == 200
    dispute_id = await decide_refund(api)
    await eventually(lambda: alerts_of_parking(downstream))

    page = await (await api.get(f"/console/disputes/{dispute_id}", headers=ENGLISH)).text()

    assert (f"<span class=\"parked\">refund · Idempotency-Key: <code>{SHIPMENT_KEY}:d1:refund</code> · "
            "refused for good: it did not happen</span>") in page
