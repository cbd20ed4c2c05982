"""A customer's history over HTTP, for staff: every dispute with its outcome and flags, newest first, paginated;
the customer's side is refused; bad input is a problem."""

import pytest

from tests.e2e.conftest import AGENT, CUSTOMER, INVESTIGATOR, OTHER_CUSTOMER, SUPERVISOR, eventually, settled
from tests.e2e.test_access_and_bad_input import assert_problem
from tests.e2e.test_signed_effects import decide_refund
from tests.factories import effects_key

SHIPMENT_KEY = effects_key("ord-1", "shp-1")

HISTORY = "/v1/customers/cust-1/disputes"


async def opened(api, order_id: str, headers=CUSTOMER, **extra) -> str:
    body = {"order_id": order_id, "statement": "Gelmedi.", "preferred_resolution": "refund", **extra}
    response = await api.post("/v1/disputes", json=body, headers=headers)
    assert response.status == 201, await response.text()
    return (await response.json())["id"]


async def test_staff_see_every_dispute_of_the_customer_with_its_outcome_newest_first(api):
    first = await opened(api, "ord-1")
    rejected = await opened(api, "ord-2")
    reject = {"outcome": "rejected", "reason_code": "proof_of_delivery", "note": "İmzalı teslim."}
    assert (await api.post(f"/v1/disputes/{rejected}/decision", json=reject,
                           headers={**INVESTIGATOR, "If-Match": '"1"'})).status == 200
    await opened(api, "ord-9", OTHER_CUSTOMER)

    history = await (await api.get(HISTORY, headers=SUPERVISOR)).json()

    assert history["customer_id"] == "cust-1" and history["next_cursor"] is None
    assert [item["id"] for item in history["items"]] == [rejected, first]
    latest = history["items"][0]
    assert (latest["status"], latest["outcome"], latest["reason_code"], latest["order_id"]) == (
        "resolved", "rejected", "proof_of_delivery", "ord-2"
    )
    assert latest["abuse_flags"] == [] and latest["restriction"] is None and latest["compensation"] is None
    assert history["items"][1]["outcome"] is None


async def test_the_history_is_paginated_by_cursor(api):
    ids = [await opened(api, "ord-1"), await opened(api, "ord-2"), await opened(api, "ord-6")]

    seen, cursor = [], None
    while True:
        page = await (await api.get(HISTORY, params={"limit": 1, **({"cursor": cursor} if cursor else {})},
                                    headers=INVESTIGATOR)).json()
        seen += [item["id"] for item in page["items"]]
        if not (cursor := page["next_cursor"]):
            break

    assert seen == list(reversed(ids))


@pytest.mark.parametrize("headers", [CUSTOMER, AGENT], ids=["customer", "agent"])
async def test_the_customer_side_cannot_read_a_history(api, headers):
    await opened(api, "ord-1")
    await assert_problem(await api.get(HISTORY, headers=headers), 403)


@pytest.mark.parametrize("url", [
    "/v1/customers/%7B%22$ne%22:null%7D/disputes", "/v1/customers/$where/disputes", HISTORY + "?cursor=not-a-cursor",
    HISTORY + "?limit=0", HISTORY + "?limit=101", HISTORY + "?status=opened",
], ids=["operator", "operator as text", "unknown cursor", "limit 0", "limit past the bound", "unknown filter"])
async def test_bad_input_is_a_problem(api, url):
    await assert_problem(await api.get(url, headers=INVESTIGATOR), 422)


async def test_a_cursor_reads_only_in_the_list_that_made_it(api):
    """The queue pages by decision due, the history by opening: a position from one is no position in the other."""
    for order_id in ("ord-1", "ord-2", "ord-6"):
        await opened(api, order_id)
    queue_cursor = (await (await api.get("/v1/disputes?limit=1", headers=INVESTIGATOR)).json())["next_cursor"]
    history_cursor = (await (await api.get(HISTORY + "?limit=1", headers=INVESTIGATOR)).json())["next_cursor"]
    assert queue_cursor and history_cursor

    for url in (f"{HISTORY}?cursor={queue_cursor}", f"/v1/disputes?cursor={history_cursor}"):
        assert (await assert_problem(await api.get(url, headers=INVESTIGATOR), 422))["parameters"] == ["cursor"]


async def test_a_history_cursor_reads_only_in_the_history_and_for_the_caller_that_made_it(api):
    for order_id in ("ord-1", "ord-2"):
        await opened(api, order_id)
    cursor = (await (await api.get(HISTORY + "?limit=1", headers=INVESTIGATOR)).json())["next_cursor"]
    assert cursor

    for url, caller in ((f"/v1/customers/cust-2/disputes?cursor={cursor}", INVESTIGATOR),
                        (f"{HISTORY}?cursor={cursor}", SUPERVISOR)):
        assert (await assert_problem(await api.get(url, headers=caller), 422))["parameters"] == ["cursor"]
    assert (await api.get(f"{HISTORY}?cursor={cursor}", headers=INVESTIGATOR)).status == 200


async def test_a_refund_payments_refused_for_good_is_no_compensation_and_the_reshipment_after_it_is(
    api, sandbox, aiohttp_client
):
    downstream = await aiohttp_client(sandbox)
    assert (await downstream.post("/_sandbox/faults", json={"service": "payments", "mode": "reject", "times": 1})).status == 200
    dispute_id = await decide_refund(api)
    one = f"/v1/disputes/{dispute_id}"

    async def refused() -> bool:
        case = await (await api.get(one, headers=SUPERVISOR)).json()
        parked = [(e["key"], e["parked"]) for e in case["effects"]["parked"] if e["kind"] == "refund"]
        return parked == [(f"{SHIPMENT_KEY}:d1:refund", "refused")]

    assert await eventually(refused)
    [item] = (await (await api.get(HISTORY, headers=SUPERVISOR)).json())["items"]
    assert (item["outcome"], item["compensation"]) == ("refund", None)  # the refund never happened

    reopened = await api.post(one + "/reopen", json={"reason": "Ödeme reddedildi."}, headers=SUPERVISOR)
    decision = {"outcome": "reship", "reason_code": "carrier_no_proof", "note": "Yeniden gönderilecek.",
                "override_reason": "Ödeme servisi iadeyi kesin olarak reddetti."}
    decided = await api.post(one + "/decision", json=decision, headers={**SUPERVISOR, "If-Match": reopened.headers["ETag"]})
    assert decided.status == 200, await decided.text()
    await settled(api, dispute_id)

    [item] = (await (await api.get(HISTORY, headers=SUPERVISOR)).json())["items"]
    assert (item["outcome"], item["compensation"]) == ("reship", "reship")
