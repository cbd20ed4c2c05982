"""Information an agent relayed to the wrong customer's case, taken off it from the console's case page: a supervisor
is offered a form for it beside the customer's added information, sends it with a reason, and the case then shows the
marker instead of the text and says the photo was deleted as sent by mistake, no longer linking it; an investigator
is not offered it, and the form refuses a missing reason as the other forms do."""

import re

import pytest

from schemas.common import Role
from tests.e2e.conftest import SUPERVISOR
from tests.e2e.test_console import CSRF, staff
from tests.e2e.test_misdirected_submission import WRONG, misdirected

pytestmark = pytest.mark.asyncio

FORM = 'action="/console/disputes/{}/customer-evidence/remove"'
MARKER = "[removed: sent to this case by mistake]"
REASON = "Başka bir müşterinin fotoğrafı yanlış başvuruya gönderildi."


def supervisor() -> dict[str, str]:
    return {"Cookie": staff(Role.SUPERVISOR, "sup-zeynep")["Cookie"] + "; console_lang=en"}


async def test_a_supervisor_takes_it_off_from_the_case_page(api):
    one, ref = await misdirected(api)
    dispute_id = one.rsplit("/", 1)[1]
    case = f"/console/disputes/{dispute_id}"
    page = await (await api.get(case, headers=supervisor())).text()
    form = re.search(FORM.format(dispute_id) + r".*?</form>", page, re.S)
    assert form and 'name="submission" value="0"' in form[0] and 'name="reason" required' in form[0], page
    assert WRONG in page and f"{case}/attachments/{ref}" in page

    removed = await api.post(f"{case}/customer-evidence/remove", data={"csrf": CSRF, "submission": "0", "reason": REASON},
                             headers=supervisor(), allow_redirects=False)

    assert (removed.status, removed.headers["Location"]) == (303, f"{case}?done")
    page = await (await api.get(case, headers=supervisor())).text()
    assert MARKER in page and WRONG not in page and ref not in page
    assert "Deleted: sent to this case by mistake." in page and "Deleted after retention." not in page
    assert FORM.format(dispute_id) not in page  # taken off: nothing left to take off
    stored = await (await api.get(one, headers=SUPERVISOR)).json()
    assert stored["customer_evidence"][0]["removed_at"]


async def test_an_investigator_is_not_offered_it_and_a_reason_is_required(api):
    one, ref = await misdirected(api)
    dispute_id = one.rsplit("/", 1)[1]
    case = f"/console/disputes/{dispute_id}"
    page = await (await api.get(case, headers=staff())).text()
    assert WRONG in page and FORM.format(dispute_id) not in page

    refused = await api.post(f"{case}/customer-evidence/remove", data={"csrf": CSRF, "submission": "0", "reason": REASON},
                             headers=staff())
    assert refused.status == 403 and 'id="refused"' in await refused.text()
    unexplained = await api.post(f"{case}/customer-evidence/remove", data={"csrf": CSRF, "submission": "0"},
                                 headers=supervisor())
    assert unexplained.status == 422 and 'id="refused"' in await unexplained.text()
    stored = await (await api.get(one, headers=SUPERVISOR)).json()
    assert stored["customer_evidence"][0]["statement"] == WRONG and stored["customer_evidence"][0]["images"]
