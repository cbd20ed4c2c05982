"""The appeal of a partly rejected missing-item claim, decided in the console in headless chromium: the page shows
what the first decision paid, the form offers each line only the units no decision paid, prefilled with them, and
what the investigator sends is paid without a refusal."""

import pytest
import pytest_asyncio

from schemas.common import Role
from tests.browser.conftest import Running
from tests.browser.test_console import UNNAMED_CONTROLS, sign_in
from tests.e2e.conftest import INVESTIGATOR, bearer, eventually
from tests.factories import BOXED, order, shipment

pytestmark = pytest.mark.asyncio(loop_scope="module")

BOX = order("ord-ba1", customer_id="cust-ba1", shipments=[shipment("shp-ba1", carrier="surat", items=BOXED)])
CUSTOMER = bearer(Role.CUSTOMER, "cust-ba1", "cust-ba1")
CLAIM = {
    "order_id": "ord-ba1", "statement": "Kutudan bardaklar ve kaşıklar eksik çıktı.", "preferred_resolution": "refund",
    "claim": "missing_items",
    "missing_items": [{"sku": "sku-glass", "quantity": 2}, {"sku": "sku-spoon", "quantity": 3}],
}
FIRST = {"outcome": "refund", "reason_code": "items_missing", "note": "Bir bardak eksik.",
         "line_outcomes": [{"sku": "sku-glass", "outcome": "refund", "quantity": 1}]}


@pytest.fixture(scope="module")
def browser_cases():
    return [(BOX, "delivered", "Ayşe Yılmaz")]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def appealed(console_app: Running) -> str:
    """One glass refunded, the other and the three spoons rejected; the customer appeals."""
    url, session = console_app.url, console_app.session
    async with session.post(f"{url}/v1/disputes", json=CLAIM, headers=CUSTOMER) as response:
        assert response.status == 201, await response.text()
        one = f"{url}/v1/disputes/{(await response.json())['id']}"

    async def assessed() -> bool:
        async with session.get(one, headers=INVESTIGATOR) as case:
            return (await case.json())["recommendation"] is not None

    await eventually(assessed, timeout=15, explain="the claim was not assessed")
    async with session.post(one + "/decision", json=FIRST, headers={**INVESTIGATOR, "If-Match": "*"}) as decided:
        assert decided.status == 200, await decided.text()
    async with session.post(one + "/appeal", json={"statement": "Kaşıklar da yoktu, kutunun fotoğrafı ekte."},
                            headers=CUSTOMER) as appeal:
        assert appeal.status == 200, await appeal.text()
    return one.rsplit("/", 1)[1]


async def test_the_appeal_is_decided_on_the_units_no_decision_paid(page, console_app, appealed):
    await sign_in(page, console_app)
    await page.goto(f"{console_app.url}/console/disputes/{appealed}")
    assert await page.evaluate(UNNAMED_CONTROLS) == []
    paid = page.locator("#compensated tbody tr")
    assert await paid.all_inner_texts() == ["1\tsku-glass\tÇay bardağı\t1\trefund\t45.00 TRY"]
    glass, spoons = page.locator("#line-1-quantity"), page.locator("#line-2-quantity")
    assert [await glass.get_attribute("max"), await glass.input_value()] == ["1", "1"]
    assert [await spoons.get_attribute("max"), await spoons.input_value()] == ["3", "3"]
    assert "already refunded or reshipped: 1" in await page.locator("label[for=line-1-outcome]").inner_text()

    await page.get_by_label("Outcome").select_option("refund")
    await page.get_by_label("Reason", exact=True).select_option("items_missing")
    await page.get_by_role("combobox", name="sku-spoon").select_option("rejected")
    await page.get_by_label("Note", exact=True).fill("Fotoğrafta ikinci bardak da yok.")
    await page.get_by_role("button", name="Decide").click()
    await page.wait_for_url("**?done")

    async with console_app.session.get(f"{console_app.url}/v1/disputes/{appealed}", headers=INVESTIGATOR) as response:
        case = await response.json()
    assert [(line["decision"], line["sku"], line["quantity"], line["outcome"]) for line in case["compensated_lines"]] == [
        (1, "sku-glass", 1, "refund"), (2, "sku-glass", 1, "refund"),
    ]
    assert await paid.count() == 2
    assert await page.locator("form.decide").count() == 0  # decided: no decision is offered until it is reopened
