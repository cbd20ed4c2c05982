"""After a supervisor reopens a parcel case that was refunded, the console's decision form proposes no outcome the
service would refuse: the refund was issued, so the recommendation's refund (the case is not assessed again on a
reopening) is not prefilled; the person decides (a rejection, say)."""

import re

import pytest

from schemas.common import Role
from tests.e2e.conftest import INVESTIGATOR, eventually
from tests.e2e.test_console import CSRF, opened, staff
from tests.factories import order

pytestmark = pytest.mark.asyncio


@pytest.fixture
def carrier_cases():
    return [(order("ord-1"), "unsigned", "Şükrü Güneş")]  # no signature, no photo: a refund is recommended


def prefilled(page: str) -> tuple[str, str, str] | None:
    version = re.search(r'name="version" value="(\d+)"', page)[1]
    chosen = [re.search(r'<option value="(\w+)" selected>', re.search(rf'<select id="{name}".*?</select>', page,
                                                                        re.S)[0]) for name in ("outcome", "reason_code")]
    return (chosen[0][1], chosen[1][1], version) if chosen[0] and chosen[1] else None


async def decide_as_prefilled(api, dispute_id: str, who: dict) -> tuple[str, str, int, list[str]]:
    page = await (await api.get(f"/console/disputes/{dispute_id}", headers=who)).text()
    form = prefilled(page)
    assert form, "nothing prefilled"
    sent = {"csrf": CSRF, "outcome": form[0], "reason_code": form[1], "note": "as prefilled", "version": form[2]}
    answer = await api.post(f"/console/disputes/{dispute_id}/decision", data=sent, headers=who, allow_redirects=False)
    return form[0], form[1], answer.status, re.findall(r"<li>([^<]*)</li>", await answer.text())


async def test_a_reopened_refunded_case_is_not_prefilled_with_the_refund_already_issued(api):
    dispute = await opened(api)

    async def advised():
        case = await (await api.get(f"/v1/disputes/{dispute['id']}", headers=INVESTIGATOR)).json()
        return case if case["recommendation"] and case["evidence"] else None

    assert await eventually(advised, timeout=15)
    supervisor = {"Cookie": staff(Role.SUPERVISOR, "sup-zeynep")["Cookie"] + "; console_lang=en"}
    first = await decide_as_prefilled(api, dispute["id"], supervisor)
    assert first[:3] == ("refund", "weak_proof", 303), first
    reopened = await api.post(f"/console/disputes/{dispute['id']}/reopen", data={"csrf": CSRF, "reason": "Yeniden bak"},
                              headers=supervisor, allow_redirects=False)
    assert reopened.status == 303
    page = await (await api.get(f"/console/disputes/{dispute['id']}", headers=supervisor)).text()
    assert "Recommendation:</strong> refund" in page  # still the old one
    assert prefilled(page) is None, "the reopened case's form proposes the refund already issued"
