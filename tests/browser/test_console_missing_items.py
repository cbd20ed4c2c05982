"""A missing-item claim decided line by line in the console, in headless chromium: every control of the form is
named, and what the investigator chooses per line (refund one of two glasses, reject the spoons) is what is paid."""

import pytest
import pytest_asyncio
from playwright.async_api import expect

from schemas.common import Role
from tests.browser.conftest import Running
from tests.browser.test_console import UNNAMED_CONTROLS, sign_in
from tests.e2e.conftest import INVESTIGATOR, bearer, eventually
from tests.factories import BOXED, order, shipment

pytestmark = pytest.mark.asyncio(loop_scope="module")

BOX = order("ord-bm1", customer_id="cust-bm1", shipments=[shipment("shp-bm1", carrier="surat", items=BOXED)])
CLAIM = {
    "order_id": "ord-bm1", "statement": "Kutudan bardaklar ve kaşıklar eksik çıktı.", "preferred_resolution": "refund",
    "claim": "missing_items",
    "missing_items": [{"sku": "sku-glass", "quantity": 2}, {"sku": "sku-spoon", "quantity": 3}],
}


FITS = """() => { const table = document.getElementById("compensated"), section = table.closest("section");
    return table.getBoundingClientRect().right <= section.getBoundingClientRect().right
        && document.documentElement.scrollWidth <= innerWidth; }"""


BROKEN_HEADINGS = """() => [...document.querySelectorAll("#compensated th")].flatMap(th => {
    const text = th.firstChild;
    return [...text.data.matchAll(/\\S+/g)].filter(word => {
        const range = document.createRange();
        range.setStart(text, word.index);
        range.setEnd(text, word.index + word[0].length);
        return range.getClientRects().length > 1;
    }).map(word => word[0]); })"""  # a heading's words split across lines ("Decisio|n")


@pytest.fixture(scope="module")
def browser_cases():
    return [(BOX, "delivered", "Ayşe Yılmaz")]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def claim(console_app: Running) -> str:
    """The claim, assessed: no carrier evidence (Sürat only pushes) and nothing else changes it meanwhile."""
    customer = bearer(Role.CUSTOMER, "cust-bm1", "cust-bm1")
    async with console_app.session.post(f"{console_app.url}/v1/disputes", json=CLAIM, headers=customer) as response:
        assert response.status == 201, await response.text()
        dispute_id: str = (await response.json())["id"]

    async def assessed() -> bool:
        async with console_app.session.get(f"{console_app.url}/v1/disputes/{dispute_id}", headers=INVESTIGATOR) as case:
            return (await case.json())["recommendation"] is not None

    await eventually(assessed, timeout=15, explain="the claim was not assessed")
    return dispute_id


async def test_an_investigator_refunds_one_of_two_glasses_and_rejects_the_spoons(page, console_app, claim):
    await sign_in(page, console_app)
    await page.goto(f"{console_app.url}/console/disputes/{claim}")
    assert await page.evaluate(UNNAMED_CONTROLS) == []
    for index, sku in enumerate(("sku-glass", "sku-spoon"), 1):  # each quantity named by its line, not just "Qty"
        await expect(page.get_by_role("spinbutton", name=f"Qty {sku}")).to_have_id(f"line-{index}-quantity")
    assert await page.get_by_role("spinbutton", name="Qty", exact=True).count() == 0
    await page.get_by_label("Outcome").select_option("refund")
    await page.get_by_label("Reason", exact=True).select_option("items_missing")
    await page.get_by_role("combobox", name="sku-glass").select_option("refund")
    await page.locator("#line-1-quantity").fill("1")
    await page.get_by_role("combobox", name="sku-spoon").select_option("rejected")
    await page.get_by_label("Note", exact=True).fill("Paketleme kaydında bir bardak eksik.")
    await page.get_by_role("button", name="Decide").click()
    await page.wait_for_url("**?done")

    for width in (1366, 1280, 1001):  # and the narrowest window that shows the case in two columns
        await page.set_viewport_size({"width": width, "height": 900})
        assert await page.evaluate(FITS), width  # the lines paid fit their column, and the page the window
        assert await page.evaluate(BROKEN_HEADINGS) == [], width

    async with console_app.session.get(f"{console_app.url}/v1/disputes/{claim}", headers=INVESTIGATOR) as response:
        decided = (await response.json())["decision"]
    assert [(line["sku"], line["quantity"], line["outcome"], line["amount_minor"]) for line in decided["lines"]] == [
        ("sku-glass", 1, "refund", 4_500), ("sku-glass", 1, "rejected", 4_500), ("sku-spoon", 3, "rejected", 3_750),
    ]
