"""What customers and carriers write, shown in the console as text: markup in a statement, a message, a note, an
order's names and address, a carrier's receiver and place, or an upload's file name runs nothing and breaks
nothing; a direction override in any of them is shown, not obeyed (it would turn the words after it around);
Turkish letters come through as written."""

from io import BytesIO

import pytest
from aiohttp import FormData
from PIL import Image
from playwright.async_api import Page

from schemas.common import Role
from schemas.orders import Address, OrderItem
from tests.browser.conftest import Running
from tests.browser.test_console import advised, sign_in
from tests.e2e.conftest import SUPERVISOR, bearer, eventually
from tests.factories import order, shipment

pytestmark = pytest.mark.asyncio(loop_scope="module")

MARKUP = '<img src=x onerror=alert(1)></script><script>alert(2)</script><a href="javascript:alert(3)">x</a>'
OVERRIDE = "\u202e"  # RIGHT-TO-LEFT OVERRIDE: "\u202egnp.exe" reads as "exe.png"
HOSTILE = f"{MARKUP} {OVERRIDE}gnp.exe"
TURKISH = "Ayşe Yılmaz-İğneci ÇÖÜĞŞıİ"
PLACED = order("ord-h1", customer_id="cust-h1", shipments=[shipment("shp-h1", carrier="surat", items=[
    OrderItem(sku="sku-h", name=f"Çay makinesi {HOSTILE}", quantity=1, unit_price_minor=129_900)])])
PLACED = PLACED.model_copy(update={
    "recipient_name": f"{TURKISH} {HOSTILE}",
    "address": Address(line=f"Bağdat Cad. {HOSTILE}", district=f"Kadıköy {HOSTILE}", city="İstanbul", lat=40.9819,
                       lon=29.0576),
})
CUSTOMER = bearer(Role.CUSTOMER, "cust-h1", "cust-h1")


@pytest.fixture(scope="module")
def browser_cases():
    return [(PLACED, "delivered", f"Kapıcı {HOSTILE}")]


async def hostile_case(app: Running) -> str:
    """A case where every text the console shows was written by the customer, the order or the carrier."""
    body = {"order_id": PLACED.order_id, "statement": f"Gelmedi {HOSTILE}", "preferred_resolution": "refund"}
    async with app.session.post(f"{app.url}/v1/disputes", json=body, headers=CUSTOMER) as response:
        assert response.status == 201, await response.text()
        dispute_id = (await response.json())["id"]
    push = {"carrier": "surat", "tracking_number": PLACED.shipments[0].tracking_number, "target": app.url}
    async with app.session.post(f"{app.carriers_url}/_sandbox/push", json=push) as response:
        assert response.status == 200, await response.text()
    assert await eventually(lambda: advised(app, dispute_id), timeout=15)
    async with app.session.post(f"{app.url}/v1/disputes/{dispute_id}/messages", json={"text": f"Mesaj {HOSTILE}"},
                                headers=CUSTOMER) as response:
        assert response.status == 201, await response.text()
    picture = BytesIO()
    Image.new("RGB", (32, 32), (200, 40, 40)).save(picture, "PNG")
    upload = FormData(default_to_multipart=True)
    upload.add_field("statement", f"Kapının fotoğrafı {HOSTILE}")
    upload.add_field("images", picture.getvalue(), filename=f'"><img src=x onerror=alert(4)>{OVERRIDE}gnp.exe',
                     content_type="image/png")
    async with app.session.post(f"{app.url}/v1/disputes/{dispute_id}/information", data=upload,
                                headers=CUSTOMER) as response:
        assert response.status == 201, await response.text()
    async with app.session.post(f"{app.url}/v1/disputes/{dispute_id}/notes", json={"text": f"Not {HOSTILE}"},
                                headers=SUPERVISOR) as response:
        assert response.status == 201, await response.text()
    return dispute_id


async def shown_safely(page: Page, url: str, dialogs: list[str]) -> str:
    """The page's text, once it is checked to have run nothing it was sent and to have broken no rule of its CSP."""
    await page.goto(url)
    assert await page.evaluate("window.violations") == []
    assert await page.locator("img[src='x'], a[href^='javascript:']").count() == 0
    assert await page.locator("script").evaluate_all("s => s.map(e => e.getAttribute('src'))") == [
        "/console/static/console.js"]
    assert dialogs == []
    return await page.locator("main").inner_text()


async def test_what_customers_and_carriers_wrote_is_shown_as_text_with_its_direction_overrides_visible(
        page, console_app):
    dispute_id = await hostile_case(console_app)
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: dialogs.append(dialog.message))
    await page.add_init_script("window.violations = []; document.addEventListener('securitypolicyviolation', "
                               "e => window.violations.push(e.violatedDirective));")
    await sign_in(page, console_app)
    text = await shown_safely(page, f"{console_app.url}/console/disputes/{dispute_id}", dialogs)
    for written in ("Gelmedi", "Mesaj", "Kapının fotoğrafı", "Not", TURKISH, "Bağdat Cad.", "Çay makinesi",
                    "Received by: Kapıcı", "Left at: Kadıköy"):
        assert f"{written} {MARKUP} [U+202E]gnp.exe" in text, written
    assert OVERRIDE not in text
    assert await page.locator("img.customer-image").evaluate("img => img.complete && img.naturalWidth") == 32
    queue = await shown_safely(page, f"{console_app.url}/console", dialogs)
    assert PLACED.order_id in queue
