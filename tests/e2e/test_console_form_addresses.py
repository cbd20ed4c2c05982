"""A console form's address asked for as a page (reloaded after a refused form, reopened from the history, followed
from a bookmark) leads back to the page the form belongs to, without a script and without sending anything again."""

import pytest

from schemas.common import Role
from tests.e2e.conftest import INVESTIGATOR
from tests.e2e.test_console import opened, staff

FORMS = ("take", "assign", "release", "notes", "messages", "questions", "decision", "evidence-requests", "flags/clear",
         "reopen", "restriction/review", "customer-evidence/remove")


@pytest.mark.parametrize("form", FORMS)
async def test_a_case_form_s_address_leads_to_its_case(api, form):
    dispute = await opened(api)
    who = staff(Role.INVESTIGATOR, "inv-ayse")
    before = await (await api.get(f"/v1/disputes/{dispute['id']}", headers=INVESTIGATOR)).json()

    answer = await api.get(f"/console/disputes/{dispute['id']}/{form}", headers=who, allow_redirects=False)

    assert (answer.status, answer.headers["Location"]) == (303, f"/console/disputes/{dispute['id']}")
    after = await (await api.get(f"/v1/disputes/{dispute['id']}", headers=INVESTIGATOR)).json()
    assert after["version"] == before["version"]


@pytest.mark.parametrize("form", ["sign-out", "language"])
async def test_the_sign_out_and_language_addresses_lead_to_the_queue(api, form):
    answer = await api.get(f"/console/{form}", headers=staff(Role.INVESTIGATOR, "inv-ayse"), allow_redirects=False)

    assert (answer.status, answer.headers["Location"]) == (303, "/console")
