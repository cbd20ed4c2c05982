"""A supervisor reads the carrier report in the console, in headless chromium: signed in on the development page, the
carriers' decisions and the liability of a case decided against its carrier (a chart per currency)."""

import pytest
import pytest_asyncio

from tests.browser.conftest import Running
from tests.browser.test_console import opened_and_advised
from tests.e2e.conftest import INVESTIGATOR
from tests.factories import order, shipment

pytestmark = pytest.mark.asyncio(loop_scope="module")

WEAK = order("ord-br1", customer_id="cust-br1", shipments=[shipment("shp-br1", carrier="ups")])


@pytest.fixture(scope="module")
def browser_cases():
    return [(WEAK, "delivered", "Mehmet Kaya")]  # signed by someone named like nobody on the order: a refund advised


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def held_liable(console_app: Running) -> str:
    """The case, decided for the customer because the carrier's proof is weak: the carrier is held liable today."""
    dispute_id = await opened_and_advised(console_app, WEAK)
    refund = {"outcome": "refund", "reason_code": "weak_proof", "note": "Teslim alan siparişte yok."}
    async with console_app.session.post(f"{console_app.url}/v1/disputes/{dispute_id}/decision", json=refund,
                                        headers={**INVESTIGATOR, "If-Match": "*"}) as response:
        assert response.status == 200, await response.text()
    return dispute_id


async def test_a_supervisor_signs_in_on_the_development_page_and_reads_the_carrier_report(
        page, console_app, held_liable):
    await page.context.clear_cookies()
    await page.goto(f"{console_app.url}/console/dev-sign-in")
    await page.get_by_label("Staff member").select_option("sup-zeynep")  # signed in with her record's role
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url(f"{console_app.url}/console")
    assert "sup-zeynep" in await page.locator(".who").inner_text()
    await page.get_by_role("link", name="Reports").click()
    await page.wait_for_url("**/console/reports")
    carriers = await page.locator("svg[aria-labelledby=decisions-chart] .chart-label").all_text_contents()
    assert carriers == ["ups"]
    liability = page.locator("section[aria-labelledby=liability-h] figure")  # a chart per currency: all in lira
    assert await liability.locator("figcaption").all_text_contents() == ["TRY"]
    assert await liability.locator("svg[aria-labelledby=liability-chart-1]").count() == 1
    assert await page.locator("#sla-chart").count() == 1
    await page.get_by_role("button", name="TR").click()
    assert await page.locator("html").get_attribute("lang") == "tr"
    assert await page.get_by_role("heading", name="Raporlar").count() == 1
    await page.get_by_role("button", name="Çıkış yap").click()
    await page.wait_for_url("**/console/sign-in")
