"""Information an agent relayed to the wrong customer's case (two chats open at once: customer 2's door photo and
address sent to customer 1's case), taken off it over HTTP: customer 1 can no longer download the photo nor read the
text on their thread, the stored copy is deleted, the timeline says who and why; bad requests are problems that
change nothing."""

from datetime import timedelta

import pytest

from disputes.ports import STORED_LATELY

from tests.e2e.conftest import AGENT, CUSTOMER, INVESTIGATOR, SUPERVISOR, eventually
from tests.e2e.test_access_and_bad_input import assert_problem
from tests.e2e.test_customer_evidence import form, photo, rejected, store

OPEN = {"order_id": "ord-1", "customer_id": "cust-1", "channel": "phone",
        "statement": "Müşteri telefonda kargonun gelmediğini söyledi.", "preferred_resolution": "refund"}
WRONG = "Müşterinin (cust-2) kapı fotoğrafı, adres: Moda Cad. 5"
SUPERVISOR_ID = "sup-zeynep"
REMOVE = {"submission": 0, "reason": "Başka bir müşterinin fotoğrafı yanlış başvuruya gönderildi."}


@pytest.fixture
def app_changes() -> dict:
    return {"retention_interval_seconds": 0.05}


async def misdirected(api) -> tuple[str, str]:
    """Customer 1's case, opened by the agent, with customer 2's photo relayed to it; its path and the photo's ref."""
    opened = await api.post("/v1/disputes", json=OPEN, headers=AGENT)
    assert opened.status == 201, await opened.text()
    one = f"/v1/disputes/{(await opened.json())['id']}"
    added = await api.post(one + "/information", data=form(WRONG, ("kapi.jpg", photo(), "image/jpeg")), headers=AGENT)
    assert added.status == 201, await added.text()
    [image] = (await added.json())["customer_evidence"][-1]["images"]
    assert (await api.get(f"{one}/attachments/{image['ref']}", headers=CUSTOMER)).status == 200
    return one, image["ref"]


async def version(api, one: str) -> str:
    return (await api.get(one, headers=SUPERVISOR)).headers["ETag"]


async def test_a_supervisor_takes_it_off_and_customer_1_no_longer_sees_it(api, clock):
    one, ref = await misdirected(api)

    removed = await api.post(one + "/customer-evidence/remove", json=REMOVE,
                             headers={**SUPERVISOR, "If-Match": await version(api, one)})

    assert removed.status == 200, await removed.text()
    [added] = (await removed.json())["customer_evidence"]
    assert (added["statement"], added["images"], len(added["deleted_images"])) == (
        "[removed: sent to this case by mistake]", [], 1)
    await assert_problem(await api.get(f"{one}/attachments/{ref}", headers=CUSTOMER), 404)
    await assert_problem(await api.get(f"{one}/attachments/{ref}", headers=INVESTIGATOR), 404)
    thread = await (await api.get(one + "/thread", headers=CUSTOMER)).json()
    assert WRONG not in str(thread) and thread["messages"][-1]["text"] == "[removed: sent to this case by mistake]"
    seen = await (await api.get(one, headers=CUSTOMER)).json()
    assert WRONG not in str(seen) and ref not in str(seen) and seen["customer_evidence"][0]["removed_at"]
    timeline = await (await api.get(one + "/timeline", headers=SUPERVISOR)).json()
    entry = next(e for e in timeline["entries"] if e["action"] == "submission_removed")
    assert (entry["actor"], entry["details"]) == (SUPERVISOR_ID, REMOVE | {"images_removed": 1})
    assert WRONG not in str(timeline)

    clock.offset = STORED_LATELY + timedelta(minutes=1)  # a copy stored within it is kept (a push may cite it yet)

    async def copy_deleted() -> bool:
        return await store(api).attachment(ref) is None

    await eventually(copy_deleted, timeout=10, explain="the removed photo's copy is still stored")


async def test_the_agent_who_sent_it_takes_it_off_and_a_retry_changes_nothing(api):
    one, _ = await misdirected(api)

    first = await api.post(one + "/customer-evidence/remove", json=REMOVE, headers=AGENT)
    again = await api.post(one + "/customer-evidence/remove", json=REMOVE, headers=AGENT)

    assert (first.status, again.status) == (200, 200), await again.text()
    assert first.headers["ETag"] == again.headers["ETag"]
    timeline = await (await api.get(one + "/timeline", headers=SUPERVISOR)).json()
    assert [e["action"] for e in timeline["entries"]].count("submission_removed") == 1


async def test_bad_requests_are_problems_that_change_nothing(api):
    one, ref = await misdirected(api)
    tag = await version(api, one)
    path = one + "/customer-evidence/remove"

    await assert_problem(await api.post(path, json=REMOVE | {"submission": 1}, headers=SUPERVISOR), 422,
                         "unknown-submission")
    for bad in ({"submission": "0", "reason": "x"}, {"submission": -1, "reason": "x"}, {"submission": 41, "reason": "x"},
                {"submission": 0},
                {"submission": 0, "reason": ""}):
        await assert_problem(await api.post(path, json=bad, headers=SUPERVISOR), 422)
    await assert_problem(await api.post(path, json=REMOVE, headers=INVESTIGATOR), 403)
    await assert_problem(await api.post(path, json=REMOVE, headers=CUSTOMER), 403)
    await assert_problem(await api.post(path, json=REMOVE, headers={**SUPERVISOR, "If-Match": '"99"'}), 412)
    await assert_problem(await api.post("/v1/disputes/dsp_none/customer-evidence/remove", json=REMOVE,
                                        headers=SUPERVISOR), 404)

    assert await version(api, one) == tag
    assert (await api.get(f"{one}/attachments/{ref}", headers=CUSTOMER)).status == 200


async def test_the_route_is_in_the_api_document(api):
    paths = (await (await api.get("/openapi.json")).json())["paths"]
    operation = paths["/v1/disputes/{id}/customer-evidence/remove"]["post"]
    assert {"404", "409", "412", "422"} <= set(operation["responses"])


async def test_another_customer_s_appeal_taken_off_gives_customer_1_their_appeal_back(api):
    one = await rejected(api)
    appealed = await api.post(one + "/appeal", data=form(WRONG, ("kapi.jpg", photo(), "image/jpeg")), headers=AGENT)
    assert appealed.status == 200, await appealed.text()
    [image] = (await appealed.json())["customer_evidence"][0]["images"]

    removed = await api.post(one + "/customer-evidence/remove", json=REMOVE, headers=AGENT)

    assert removed.status == 200, await removed.text()
    seen = await (await api.get(one, headers=CUSTOMER)).json()
    assert (seen["status"], seen["appeal"]) == ("resolved", None) and WRONG not in str(seen)
    await assert_problem(await api.get(f"{one}/attachments/{image['ref']}", headers=CUSTOMER), 404)
    assert WRONG not in str(await (await api.get(one + "/thread", headers=CUSTOMER)).json())
    own = await api.post(one + "/appeal", data=form("İmza benim değil."), headers=CUSTOMER)
    assert own.status == 200, await own.text()
