"""A case's forms in headless chromium: a refused form's page stands at the case's own address, so reloading it
shows the case again (the form's address answers no GET); Enter in the restriction review's reason neither confirms
nor lifts the restriction (a button says which)."""

import pytest
from playwright.async_api import Request

from schemas.common import Role
from tests.browser.conftest import Running
from tests.browser.test_console import opened_with_proof, sign_in
from tests.e2e.conftest import SUPERVISOR, eventually
from tests.factories import order, shipment

pytestmark = pytest.mark.asyncio(loop_scope="module")

CUSTOMER_ID = "cust-f1"
PLACED = [order(f"ord-f{n}", customer_id=CUSTOMER_ID, shipments=[shipment(f"shp-f{n}", carrier="surat")])
          for n in (1, 2, 3)]  # the third claim in the window flags repeated claims: the account is restricted


@pytest.fixture(scope="module")
def browser_cases():
    return [(placed, "delivered", "Ayşe Yılmaz") for placed in PLACED]


async def case(app: Running, dispute_id: str) -> dict:
    async with app.session.get(f"{app.url}/v1/disputes/{dispute_id}", headers=SUPERVISOR) as response:
        return await response.json()


async def test_reloading_a_refused_form_s_page_shows_the_case(page, console_app):
    dispute_id = await opened_with_proof(console_app, PLACED[0])
    await sign_in(page, console_app)
    here = f"{console_app.url}/console/disputes/{dispute_id}"
    await page.goto(here)
    await page.locator("#note-text").fill("   ")  # blanks alone are no note: refused
    await page.locator(f"form[action='/console/disputes/{dispute_id}/notes'] button").click()
    await page.locator("#refused").wait_for()
    assert page.url == here
    reloaded = await page.reload()
    assert reloaded is not None and reloaded.status == 200
    assert await page.locator("h1").inner_text() == f"Dispute {dispute_id} under review"
    assert await page.locator("#refused").count() == 0


async def test_enter_in_the_restriction_review_s_reason_neither_confirms_nor_lifts_it(page, console_app):
    for placed in PLACED[1:]:
        dispute_id = await opened_with_proof(console_app, placed)

    async def restricted() -> dict | None:
        return (await case(console_app, dispute_id))["restriction"]

    assert await eventually(restricted, timeout=15, explain="no restriction was raised")
    version = (await case(console_app, dispute_id))["version"]
    await sign_in(page, console_app, Role.SUPERVISOR, "sup-zeynep")
    await page.goto(f"{console_app.url}/console/disputes/{dispute_id}")
    posts: list[Request] = []
    page.on("request", lambda request: posts.append(request) if request.method == "POST" else None)
    await page.locator("#restriction-reason").fill("Aynı müşteri, üç talep.")
    await page.locator("#restriction-reason").press("Enter")
    assert await page.evaluate("document.querySelector('#restriction-reason').value") == "Aynı müşteri, üç talep."
    assert posts == []  # a submission would have started while the key was handled
    after = await case(console_app, dispute_id)
    assert (after["restriction"]["state"], after["version"]) == ("pending_review", version)
    await page.get_by_role("button", name="Confirm the restriction").click()  # the button does it
    await page.locator(".ok").wait_for()
    assert (await case(console_app, dispute_id))["restriction"]["state"] == "confirmed"

