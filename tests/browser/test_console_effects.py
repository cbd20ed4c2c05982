"""What became of a decision, in the console in headless chromium: the refund payments took, with the day it took it
and payments' own id for it, as the relay recorded them, on a laptop's screen and a 390 px phone's."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import pytest_asyncio

from tests.browser.conftest import Running
from tests.browser.test_console import WIDEST, WIDER_THAN_390, opened_and_advised, sign_in
from tests.e2e.conftest import INVESTIGATOR, eventually
from tests.factories import order, shipment

pytestmark = pytest.mark.asyncio(loop_scope="module")

WEAK = order("ord-be1", customer_id="cust-be1", shipments=[shipment("shp-be1", carrier="ups")])


@pytest.fixture(scope="module")
def browser_cases():
    return [(WEAK, "delivered", "Mehmet Kaya")]  # signed by someone named like nobody on the order: a refund advised


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def weak(console_app: Running) -> str:
    return await opened_and_advised(console_app, WEAK)


async def test_the_refund_payments_took_is_shown_with_its_day_and_payments_own_id_even_on_a_phone(
        page, console_app, weak):
    await sign_in(page, console_app)
    await page.goto(f"{console_app.url}/console/disputes/{weak}")
    assert await page.get_by_label("Outcome").input_value() == "refund"
    await page.get_by_label("Note", exact=True).fill("Teslim alan siparişte yok.")
    await page.get_by_role("button", name="Decide").click()
    await page.wait_for_url("**?done")

    async def taken() -> dict[str, str] | None:
        async with console_app.session.get(f"{console_app.url}/v1/disputes/{weak}", headers=INVESTIGATOR) as response:
            delivered = (await response.json())["effects"]["delivered"]
        return next((e for e in delivered if e["kind"] == "refund"), None)

    refund = await eventually(taken, timeout=15, explain="payments did not take the refund")
    assert refund["reference"].startswith("pay_")
    await page.reload()
    row = page.locator("#compensations tbody tr", has_text="refund")
    text = await row.inner_text()
    paid = datetime.fromisoformat(refund["delivered_at"]).astimezone(ZoneInfo("Europe/Istanbul"))
    assert f"refund · paid by payments on {paid:%d.%m.%Y %H:%M} Istanbul" in text
    assert refund["reference"] in text and refund["key"] in text
    await page.set_viewport_size({"width": 390, "height": 844})
    assert await page.evaluate(WIDEST) <= 390, await page.evaluate(WIDER_THAN_390)
