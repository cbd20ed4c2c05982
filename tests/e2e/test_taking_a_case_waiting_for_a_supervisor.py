"""A case handed to the supervisors (here: the appeal of a supervisor's rejection, which only a supervisor may grant)
is taken by a supervisor only: an investigator taking it, through the API or the console, is refused with a 403
saying the case waits for a supervisor, and the case stays as it was."""

from schemas.common import Role
from tests.e2e.conftest import CUSTOMER, INVESTIGATOR, SUPERVISOR
from tests.e2e.test_access_and_bad_input import assert_problem
from tests.e2e.test_console import CSRF, opened, staff

AWAITS_SUPERVISOR = "urn:dispute-service:problem:awaits-supervisor"


async def appealed_after_a_supervisor_s_rejection(api) -> str:
    one = f"/v1/disputes/{(await opened(api))['id']}"
    reject = {"outcome": "rejected", "reason_code": "proof_of_delivery", "note": "İmzalı teslim, konum adreste."}
    assert (await api.post(one + "/decision", json=reject, headers={**SUPERVISOR, "If-Match": "*"})).status == 200
    appealed = await api.post(one + "/appeal", json={"statement": "İmza bana ait değil."}, headers=CUSTOMER)
    assert appealed.status == 200
    assert (await (await api.get(one, headers=SUPERVISOR)).json())["needs_supervisor"] is True
    return one


async def unchanged(api, one: str, before: dict) -> bool:
    """The case as it was: the relay delivering its messages meanwhile changes no version."""
    now = await (await api.get(one, headers=SUPERVISOR)).json()
    return (now["version"], now["assignee"], now["status"]) == (before["version"], None, "appealed")


async def test_an_investigator_taking_a_case_waiting_for_a_supervisor_is_refused_and_a_supervisor_takes_it(api):
    one = await appealed_after_a_supervisor_s_rejection(api)
    before = await (await api.get(one, headers=SUPERVISOR)).json()

    problem = await assert_problem(await api.post(one + "/assign", headers=INVESTIGATOR), 403)

    assert problem["type"] == AWAITS_SUPERVISOR and "waits for a supervisor" in problem["detail"]
    assert await unchanged(api, one, before)
    taken = await api.post(one + "/assign", headers=SUPERVISOR)
    assert taken.status == 200 and (await taken.json())["assignee"] == "sup-zeynep"


async def test_the_console_refuses_an_investigator_taking_a_case_waiting_for_a_supervisor_in_words(api):
    one = await appealed_after_a_supervisor_s_rejection(api)
    before = await (await api.get(one, headers=SUPERVISOR)).json()
    page = f"/console/disputes/{before['id']}"
    shown = await (await api.get(page, headers=staff() | {"Accept-Language": "en"})).text()
    assert f'action="{page}/take"' not in shown

    refused = await api.post(page + "/take", data={"csrf": CSRF}, headers=staff() | {"Accept-Language": "en"})

    assert refused.status == 403 and "This case waits for a supervisor" in await refused.text()
    assert await unchanged(api, one, before)
    taken = await api.post(page + "/take", data={"csrf": CSRF}, headers=staff(Role.SUPERVISOR, "sup-zeynep"),
                           allow_redirects=False)
    assert taken.status == 303
    assert (await (await api.get(one, headers=SUPERVISOR)).json())["assignee"] == "sup-zeynep"


async def test_a_supervisor_gives_a_case_waiting_for_a_supervisor_to_another_supervisor_only(api):
    """Given to an investigator, alone or in a bulk assignment, it would wait for a supervisor in the hands of one who
    may not decide it: refused (403 alone; in bulk, that case's `conflict`, the others assigned)."""
    one = await appealed_after_a_supervisor_s_rejection(api)
    other = f"/v1/disputes/{(await opened(api, 'ord-2'))['id']}"
    before = await (await api.get(one, headers=SUPERVISOR)).json()

    alone = await api.post(one + "/assign", json={"assignee": "inv-ayse"}, headers=SUPERVISOR)
    bulk = await api.post("/v1/disputes/assign", json={"dispute_ids": [before["id"], other.rsplit("/", 1)[1]],
                                                       "assignee": "inv-ayse"}, headers=SUPERVISOR)

    assert (await assert_problem(alone, 403))["type"] == AWAITS_SUPERVISOR
    assert bulk.status == 200, await bulk.text()
    waiting, assigned = (await bulk.json())["results"]
    assert (waiting["outcome"], assigned["outcome"]) == ("conflict", "assigned")
    assert "waits for a supervisor" in waiting["detail"]
    assert await unchanged(api, one, before)
    await api.put("/v1/staff/sup-deniz", json={"name": "Deniz Aydın", "role": "supervisor"}, headers=SUPERVISOR)
    given = await api.post(one + "/assign", json={"assignee": "sup-deniz"}, headers=SUPERVISOR)
    assert given.status == 200 and (await given.json())["assignee"] == "sup-deniz"
