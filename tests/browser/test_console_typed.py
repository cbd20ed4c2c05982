"""What an investigator typed in a case's forms comes back where they typed it, in headless chromium: a decision line
by line sent on a case that changed meanwhile (or after the session ended) is shown again line for line, by SKU,
never on another line's row; text in a refused form survives choosing another language, and a form nothing was typed
in comes back as the page gives it; a reason typed to take off one piece of the customer's information comes back on
that piece's form alone."""

import pytest
from playwright.async_api import Page, expect

from adapters.web.console.session import SESSION_COOKIE
from schemas.common import Role
from tests.browser.conftest import Running
from tests.browser.test_console import sign_in
from tests.e2e.conftest import INVESTIGATOR, SUPERVISOR, TOKENS, bearer, eventually
from tests.e2e.test_customer_evidence import form
from tests.factories import BOXED, order, shipment

pytestmark = pytest.mark.asyncio(loop_scope="module")

ORDERS = {how: order(f"ord-t{n}", customer_id=f"cust-t{n}", shipments=[shipment(f"shp-t{n}", carrier="surat", items=BOXED)])
          for n, how in enumerate(("stale", "signed_out", "language", "saved", "untouched", "refused_then_language",
                                    "removal"), 1)}
MISSING = [{"sku": "sku-glass", "quantity": 2}, {"sku": "sku-spoon", "quantity": 3}]


@pytest.fixture(scope="module")
def browser_cases():
    return [(placed, "delivered", "Ayşe Yılmaz") for placed in ORDERS.values()]


async def claimed(app: Running, how: str) -> str:
    """A missing-item claim (two glasses, three spoons), assessed."""
    placed = ORDERS[how]
    body = {"order_id": placed.order_id, "statement": "Bardaklar ve kaşıklar eksik.", "preferred_resolution": "refund",
            "claim": "missing_items", "missing_items": MISSING}
    customer = bearer(Role.CUSTOMER, placed.customer_id, placed.customer_id)
    async with app.session.post(f"{app.url}/v1/disputes", json=body, headers=customer) as response:
        assert response.status == 201, await response.text()
        dispute_id: str = (await response.json())["id"]
    await eventually(lambda: _read(app, dispute_id, "recommendation"), timeout=15, explain="not assessed")
    return dispute_id


async def _read(app: Running, dispute_id: str, field: str) -> object:
    async with app.session.get(f"{app.url}/v1/disputes/{dispute_id}", headers=INVESTIGATOR) as response:
        return (await response.json())[field]


async def glasses_refunded_and_reopened(app: Running, dispute_id: str) -> None:
    """Someone else refunds both glasses (the spoons rejected), and a supervisor reopens the case: only the spoons'
    line is open now."""
    version = await _read(app, dispute_id, "version")
    decision = {"outcome": "refund", "reason_code": "items_missing", "note": "Bardaklar eksik.",
                "line_outcomes": [{"sku": "sku-glass", "outcome": "refund", "quantity": 2}]}
    async with app.session.post(f"{app.url}/v1/disputes/{dispute_id}/decision", json=decision,
                                headers={**INVESTIGATOR, "If-Match": f'"{version}"'}) as response:
        assert response.status == 200, await response.text()
    async with app.session.post(f"{app.url}/v1/disputes/{dispute_id}/reopen", json={"reason": "Kaşıklara yeniden bak."},
                                headers=SUPERVISOR) as response:
        assert response.status == 200, await response.text()


async def choose_one_glass_and_no_spoons(page: Page) -> None:
    await page.get_by_label("Outcome").select_option("refund")
    await page.get_by_label("Reason", exact=True).select_option("items_missing")
    await page.get_by_role("combobox", name="sku-glass").select_option("refund")
    await page.locator("#line-1-quantity").fill("1")
    await page.get_by_role("combobox", name="sku-spoon").select_option("rejected")
    await page.get_by_label("Note", exact=True).fill("Bir bardak iade, kaşıklar reddedildi.")


@pytest.mark.parametrize("how", ["stale", "signed_out"])
async def test_a_line_s_choice_sent_again_stays_on_its_own_line(page, console_app, how):
    dispute_id = await claimed(console_app, how)
    case_url = f"{console_app.url}/console/disputes/{dispute_id}"
    await sign_in(page, console_app, Role.SUPERVISOR, "sup-zeynep")
    await page.goto(case_url)
    await choose_one_glass_and_no_spoons(page)
    if how == "signed_out":
        await page.context.clear_cookies(name=SESSION_COOKIE)
    await glasses_refunded_and_reopened(console_app, dispute_id)
    await page.get_by_role("button", name="Decide").click()
    if how == "stale":
        await expect(page.locator("#changes")).to_be_visible()
    else:
        await expect(page.locator("main")).to_contain_text("Please sign in.")
        await page.get_by_role("link", name="Sign in").last.click()
        await page.locator("#token").fill(TOKENS.mint("sup-zeynep", Role.SUPERVISOR))
        await page.locator("#token").press("Enter")
        await page.wait_for_url(case_url, timeout=5000)

    spoons = page.get_by_role("combobox", name="sku-spoon")
    assert await page.locator("select[name=line_outcome]").count() == 1  # the glasses are paid in full
    await expect(spoons).to_have_value("rejected")  # as chosen for the spoons, not the glasses' refund
    await expect(page.locator("input[name=line_quantity]")).to_have_value("3")
    await expect(page.get_by_label("Note", exact=True)).to_have_value("Bir bardak iade, kaşıklar reddedildi.")
    if how == "signed_out":  # typed on the version before the refund: sent again, nothing is decided unseen
        await page.get_by_role("button", name="Decide").click()
        await expect(page.locator("#changes")).to_be_visible()
        assert await _read(console_app, dispute_id, "status") == "under_review"
    async with page.expect_navigation():
        await page.get_by_role("button", name="Decide").click()
    paid = await _read(console_app, dispute_id, "compensated_lines")
    assert [line["sku"] for line in paid] == ["sku-glass"], paid  # no spoon refunded, whatever became of the form


async def test_text_in_a_refused_form_survives_choosing_another_language(page, console_app):
    dispute_id = await claimed(console_app, "language")
    await sign_in(page, console_app, Role.SUPERVISOR, "sup-zeynep")
    await page.goto(f"{console_app.url}/console/disputes/{dispute_id}")
    await page.get_by_label("Assign to").fill("nobody-here")
    await page.get_by_role("button", name="Assign", exact=True).click()
    await expect(page.locator("#refused")).to_be_visible()
    await page.get_by_label("Add note").fill("Kapıcıyla görüştüm.")

    await page.get_by_role("button", name="TR").click()
    await expect(page.locator("html")).to_have_attribute("lang", "tr")
    await expect(page.locator("#assignee")).to_have_value("nobody-here")
    await expect(page.locator("#note-text")).to_have_value("Kapıcıyla görüştüm.")


async def test_text_typed_after_a_form_went_through_survives_choosing_another_language(page, console_app):
    dispute_id = await claimed(console_app, "saved")
    await sign_in(page, console_app, Role.SUPERVISOR, "sup-zeynep")
    await page.goto(f"{console_app.url}/console/disputes/{dispute_id}")
    await page.get_by_label("Add note").fill("İlk not.")
    async with page.expect_navigation():
        await page.get_by_role("button", name="Add note").click()
    assert page.url.endswith("?done")
    await page.get_by_label("Add note").fill("Kaydedildikten sonra yazılan not.")

    await page.get_by_role("button", name="TR").click()

    await expect(page.locator("html")).to_have_attribute("lang", "tr")
    assert not page.url.endswith("?done")  # coming back is no new answer: "Saved." is not said again
    await expect(page.locator("#note-text")).to_have_value("Kaydedildikten sonra yazılan not.")


async def test_a_decision_form_nothing_was_typed_in_takes_the_version_shown_after_choosing_another_language(
        page, console_app):
    dispute_id = await claimed(console_app, "untouched")
    await sign_in(page, console_app, Role.SUPERVISOR, "sup-zeynep")
    await page.goto(f"{console_app.url}/console/disputes/{dispute_id}")
    async with console_app.session.post(f"{console_app.url}/v1/disputes/{dispute_id}/notes",
                                        json={"text": "Kapıcı aranacak."}, headers=INVESTIGATOR) as response:
        assert response.status == 201, await response.text()  # the case changes before the language is chosen

    await page.get_by_role("button", name="TR").click()
    await expect(page.locator("html")).to_have_attribute("lang", "tr")
    await expect(page.locator("main")).to_contain_text("Kapıcı aranacak.")  # the page shown has the change
    await page.locator("#outcome").select_option("refund")
    await page.locator("#reason_code").select_option("items_missing")
    await page.locator("#line-1-outcome").select_option("refund")
    await page.locator("#line-2-outcome").select_option("rejected")
    await page.locator("#note").fill("Bardaklar iade, kaşıklar reddedildi.")
    async with page.expect_navigation():
        await page.locator("form.decide button[type=submit]").click()

    await expect(page.locator("#changes")).to_have_count(0)  # decided on the version shown, not refused
    assert await _read(console_app, dispute_id, "status") == "resolved"


async def test_a_decision_refused_on_a_changed_case_survives_choosing_another_language(page, console_app):
    dispute_id = await claimed(console_app, "refused_then_language")
    await sign_in(page, console_app, Role.SUPERVISOR, "sup-zeynep")
    await page.goto(f"{console_app.url}/console/disputes/{dispute_id}")
    await choose_one_glass_and_no_spoons(page)
    async with console_app.session.post(f"{console_app.url}/v1/disputes/{dispute_id}/notes",
                                        json={"text": "Kapıcı aranacak."}, headers=INVESTIGATOR) as response:
        assert response.status == 201, await response.text()  # the case changes: the decision is refused
    await page.get_by_role("button", name="Decide").click()
    await expect(page.locator("#changes")).to_be_visible()  # the form given back as it was sent

    await page.get_by_role("button", name="TR").click()

    await expect(page.locator("html")).to_have_attribute("lang", "tr")
    await expect(page.locator("#note")).to_have_value("Bir bardak iade, kaşıklar reddedildi.")
    await expect(page.locator("#line-1-quantity")).to_have_value("1")


async def test_a_reason_typed_to_take_off_one_piece_of_information_comes_back_on_that_piece_s_form_alone(
        page, console_app):
    dispute_id = await claimed(console_app, "removal")
    customer = bearer(Role.CUSTOMER, ORDERS["removal"].customer_id, ORDERS["removal"].customer_id)
    for statement in ("Kapıcı almamış.", "Komşunun adresi: Moda Cad. 5"):
        async with console_app.session.post(f"{console_app.url}/v1/disputes/{dispute_id}/information",
                                            data=form(statement), headers=customer) as response:
            assert response.status == 201, await response.text()
    await sign_in(page, console_app, Role.SUPERVISOR, "sup-zeynep")
    await page.goto(f"{console_app.url}/console/disputes/{dispute_id}")
    await page.locator("#remove-reason-1").fill("Başka bir müşterinin adresi.")

    await page.get_by_role("button", name="TR").click()

    await expect(page.locator("html")).to_have_attribute("lang", "tr")
    await expect(page.locator("#remove-reason-1")).to_have_value("Başka bir müşterinin adresi.")
    await expect(page.locator("#remove-reason-0")).to_have_value("")
