"""The case page's order section (recipient, address, items) wraps within the page, in headless chromium: an ordinary
item line (the demo's ord-2009: "YD-BOSE-QCULTRA", 14,999.00 TRY) fits a 390 px phone, and an address with a map
link, or a long unbroken recipient or item name, never widens the page past a laptop's screen or a phone's (README,
Console: "a 390 px wide phone shows it without scrolling sideways")."""

import pytest

from schemas.orders import OrderItem
from tests.browser.test_console import WIDEST, WIDER_THAN_390, opened_with_proof, sign_in
from tests.factories import order, shipment

pytestmark = pytest.mark.asyncio(loop_scope="module")

BOSE = OrderItem(sku="YD-BOSE-QCULTRA", name="Bose QuietComfort Ultra Kablosuz Kulaklık", quantity=1,
                 unit_price_minor=1_499_900)
PLAIN = order("ord-w1", customer_id="cust-w1", shipments=[shipment("shp-w1", carrier="surat", items=[BOSE])])
LINKED = order("ord-w2", customer_id="cust-w2", shipments=[shipment("shp-w2", carrier="surat")])
LINKED = LINKED.model_copy(update={"address": LINKED.address.model_copy(update={
    "line": "Atatürk Mah. Konum: https://maps.app.goo.gl/x7Kq2pLmN8vR4sT1wY3zQ" + "Q" * 200})})
LONG = OrderItem(sku="SKU-" + "X" * 60, name="Kulaklık" * 300, quantity=1, unit_price_minor=1_499_900)
NAMED = order("ord-w3", customer_id="cust-w3", shipments=[shipment("shp-w3", carrier="surat", items=[LONG])])
NAMED = NAMED.model_copy(update={"recipient_name": "Ayşe" * 200})


@pytest.fixture(scope="module")
def browser_cases():
    return [(PLAIN, "delivered", "Ayşe Yılmaz"), (LINKED, "delivered", "Ayşe Yılmaz"), (NAMED, "delivered", "Ayşe")]


async def test_an_ordinary_item_line_fits_a_390_px_phone(page, console_app):
    dispute_id = await opened_with_proof(console_app, PLAIN)
    await sign_in(page, console_app)
    await page.set_viewport_size({"width": 390, "height": 844})
    await page.goto(f"{console_app.url}/console/disputes/{dispute_id}")
    assert await page.evaluate(WIDEST) <= 390, await page.evaluate(WIDER_THAN_390)


async def test_an_address_with_a_long_link_does_not_widen_a_laptop_page(page, console_app):
    dispute_id = await opened_with_proof(console_app, LINKED)
    await sign_in(page, console_app)
    await page.set_viewport_size({"width": 1366, "height": 900})
    await page.goto(f"{console_app.url}/console/disputes/{dispute_id}")
    assert await page.evaluate(WIDEST) <= 1366



async def test_a_long_unbroken_recipient_and_item_name_wrap_within_the_page(page, console_app):
    dispute_id = await opened_with_proof(console_app, NAMED)
    await sign_in(page, console_app)
    for width in (390, 1366):
        await page.set_viewport_size({"width": width, "height": 900})
        await page.goto(f"{console_app.url}/console/disputes/{dispute_id}")
        assert await page.evaluate(WIDEST) <= width, await page.evaluate(WIDER_THAN_390)
