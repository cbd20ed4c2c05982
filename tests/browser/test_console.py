"""An investigator's day in the console, in headless chromium: sign in with a token, find a case in the queue by
its order number and export the list, see the carrier's proof, decide, meet a case that changed meanwhile, ask
the customer; a supervisor assigns a case."""

import csv
import io
import os
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import Page, expect

from schemas.common import Role
from schemas.orders import Order
from tests.browser.conftest import Running
from tests.e2e.conftest import INVESTIGATOR, SUPERVISOR, TOKENS, bearer, eventually
from tests.factories import order, shipment

pytestmark = pytest.mark.asyncio(loop_scope="module")



def _next_door(placed: Order) -> Order:
    """At the next door: three accounts claiming at one address would be flagged, and a supervisor's to decide."""
    return placed.model_copy(update={"address": placed.address.model_copy(update={"line": "Bağdat Cad. No:14 D:1"})})


# name → (order, carrier's scenario, the name the carrier reports)
ORDERS = {
    "signed": (order("ord-b1", customer_id="cust-b1", shipments=[shipment("shp-b1", carrier="surat")]), "delivered",
               "Ayşe Yılmaz"),
    "other-name": (order("ord-b2", customer_id="cust-b2", shipments=[shipment("shp-b2", carrier="ups")]), "delivered",
                   "Mehmet Kaya"),
    "third": (_next_door(order("ord-b3", customer_id="cust-b3", shipments=[shipment("shp-b3", carrier="aras")])),
              "delivered", "Ayşe Yılmaz"),
}
UNNAMED_CONTROLS = """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea, button')]
    .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.textContent.trim())
    .map(e => e.outerHTML)"""
SCREENSHOT = os.environ.get("CONSOLE_SCREENSHOT")  # where to keep the case page's picture (the README's)


@pytest.fixture(scope="module")
def browser_cases():
    return list(ORDERS.values())


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def cases(console_app: Running) -> dict[str, str]:
    """The disputes, opened by their customers, with the carriers' proof assessed."""
    ids = {}
    for name, (placed, _, _) in ORDERS.items():
        body = {"order_id": placed.order_id, "statement": "Teslim görünüyor ama gelmedi.", "preferred_resolution": "refund"}
        customer = bearer(Role.CUSTOMER, placed.customer_id, placed.customer_id)
        async with console_app.session.post(f"{console_app.url}/v1/disputes", json=body, headers=customer) as response:
            assert response.status == 201, await response.text()
            ids[name] = (await response.json())["id"]
    signed = ORDERS["signed"][0].shipments[0]
    push = {"carrier": "surat", "tracking_number": signed.tracking_number, "target": console_app.url}
    async with console_app.session.post(f"{console_app.carriers_url}/_sandbox/push", json=push) as response:
        assert response.status == 200, await response.text()
    for dispute_id in ids.values():
        await eventually(lambda d=dispute_id: advised(console_app, d), timeout=15, explain=f"{dispute_id} not assessed")
    return ids


async def advised(app: Running, dispute_id: str) -> bool:
    async with app.session.get(f"{app.url}/v1/disputes/{dispute_id}", headers=INVESTIGATOR) as response:
        case = await response.json()
    return bool(case["recommendation"] and case["evidence"] and not case["recommendation_provisional"])


async def opened_with_proof(app: Running, placed: Order) -> str:
    """A dispute the order's customer opened on its first package, whose carrier (Sürat, in the sandbox) then pushed
    its proof, once the policy has advised on it: its id."""
    body = {"order_id": placed.order_id, "statement": "Gelmedi.", "preferred_resolution": "refund"}
    customer = bearer(Role.CUSTOMER, placed.customer_id, placed.customer_id)
    async with app.session.post(f"{app.url}/v1/disputes", json=body, headers=customer) as response:
        assert response.status == 201, await response.text()
        dispute_id: str = (await response.json())["id"]
    push = {"carrier": "surat", "tracking_number": placed.shipments[0].tracking_number, "target": app.url}
    async with app.session.post(f"{app.carriers_url}/_sandbox/push", json=push) as response:
        assert response.status == 200, await response.text()
    assert await eventually(lambda: advised(app, dispute_id), timeout=15)
    return dispute_id


async def opened_and_advised(app: Running, placed: Order) -> str:
    """A dispute the order's customer opened, once the policy has advised on the proof its carrier gave when asked (a
    carrier pulled, such as UPS in the sandbox): its id."""
    body = {"order_id": placed.order_id, "statement": "Gelmedi.", "preferred_resolution": "refund"}
    customer = bearer(Role.CUSTOMER, placed.customer_id, placed.customer_id)
    async with app.session.post(f"{app.url}/v1/disputes", json=body, headers=customer) as response:
        assert response.status == 201, await response.text()
        dispute_id: str = (await response.json())["id"]
    await eventually(lambda: advised(app, dispute_id), timeout=15, explain="the claim was not assessed")
    return dispute_id


async def case_version(app: Running, dispute_id: str) -> str:
    async with app.session.get(f"{app.url}/v1/disputes/{dispute_id}", headers=INVESTIGATOR) as response:
        return response.headers["ETag"]


async def sign_in(page: Page, app: Running, role: Role = Role.INVESTIGATOR, sub: str = "inv-ayse") -> None:
    await page.context.clear_cookies()
    await page.goto(f"{app.url}/console")
    assert page.url.endswith("/console/sign-in")
    await expect(page.locator("#token")).to_be_focused(timeout=5000)  # autofocus (a polled string would be eval'd: the CSP forbids it)
    await page.keyboard.type(TOKENS.mint(sub, role))
    await page.keyboard.press("Enter")
    await page.wait_for_url(f"{app.url}/console")


async def test_an_investigator_signs_in_finds_a_case_by_its_order_and_exports_the_list(page, console_app, cases):
    await sign_in(page, console_app)
    rows = page.locator("table.queue tbody tr")
    assert await rows.count() == len(ORDERS)
    await page.get_by_label("Carrier", exact=True).select_option(label="Sürat Kargo")
    await page.get_by_role("button", name="Apply").click()
    await page.wait_for_url("**/console?*carrier=surat*")
    assert await rows.count() == 1 and await rows.first.get_attribute("data-dispute") == cases["signed"]
    await page.goto(f"{console_app.url}/console")
    await page.get_by_label("Order number").fill("ord-b1")  # the order number the customer gives on the phone
    await page.get_by_label("Order number").press("Enter")
    await page.wait_for_url("**/console?*order_id=ord-b1*")
    assert await rows.count() == 1 and await rows.first.get_attribute("data-dispute") == cases["signed"]
    async with page.expect_download() as downloading:
        await page.get_by_role("link", name="Export CSV").click()
    exported = list(csv.reader(io.StringIO(Path(await (await downloading.value).path()).read_text())))
    assert exported[0][:2] == ["id", "status"] and [row[0] for row in exported[1:]] == [cases["signed"]]
    await page.get_by_role("link", name=cases["signed"]).click()
    await page.wait_for_url(f"**/console/disputes/{cases['signed']}")
    assert cases["signed"] in await page.locator("h1").inner_text()


async def test_the_case_page_shows_the_signature_and_where_the_parcel_was_left(page, console_app, cases, tmp_path):
    await sign_in(page, console_app)
    await page.goto(f"{console_app.url}/console/disputes/{cases['signed']}")
    signature = page.locator("img.evidence-signature").first
    await signature.scroll_into_view_if_needed()
    assert await signature.evaluate("img => img.complete && img.naturalWidth") > 0
    assert (await page.locator("#distance").inner_text()).endswith(" m")
    assert await page.locator("svg.map circle.map-delivery").count() == 1
    assert "Ayşe Yılmaz" in await page.locator("#order-h + p").inner_text()
    target = Path(SCREENSHOT) if SCREENSHOT else tmp_path / "case.png"
    await page.screenshot(path=str(target), full_page=True)
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


async def test_the_case_page_lists_the_pushes_for_its_tracking_number_and_the_case_that_took_each(
        page, console_app, cases):
    await sign_in(page, console_app)
    await page.goto(f"{console_app.url}/console/disputes/{cases['signed']}")
    pushed = page.locator("#pushes li")
    assert await pushed.count() >= 1
    latest = await pushed.first.inner_text()
    assert "surat · " in latest and " delivered · " in latest, latest
    assert "carried: Signature, Delivery photo, receiver's name, place of delivery · " in latest, latest
    assert "Ayşe Yılmaz" not in latest  # flags, not the proof itself
    assert await pushed.first.locator(".push-outcome").inner_text() == f"attached to {cases['signed']}"
    await pushed.first.get_by_role("link", name=cases["signed"]).click()
    await page.wait_for_url(f"**/console/disputes/{cases['signed']}")
    await page.goto(f"{console_app.url}/console/disputes/{cases['other-name']}")  # UPS: its proof is pulled, not pushed
    assert await page.locator("#pushes li").all_inner_texts() == ["Nothing stored as pushed for this number."]


async def test_deciding_with_the_recommendation_prefilled_resolves_the_case(page, console_app, cases):
    await sign_in(page, console_app)
    await page.goto(f"{console_app.url}/console/disputes/{cases['signed']}")
    assert await page.get_by_label("Outcome").input_value() == "rejected"  # the strong proof's recommendation
    assert "confidence) · strong proof" in await page.locator("p", has_text="Recommendation:").inner_text()
    await page.get_by_label("Note", exact=True).fill("İmza ve konum adresle uyuşuyor.")
    await page.get_by_role("button", name="Decide").click()
    await page.wait_for_url("**?done")
    assert "resolved" in await page.locator("h1 .status").inner_text()


async def test_a_case_that_changed_meanwhile_shows_what_changed_before_the_decision_goes_through(
        page, console_app, cases):
    await sign_in(page, console_app)
    case_url = f"{console_app.url}/console/disputes/{cases['other-name']}"
    await page.goto(case_url)
    await page.get_by_label("Outcome").select_option("refund")
    await page.get_by_label("Reason", exact=True).select_option("weak_proof")
    await page.get_by_label("Note", exact=True).fill("Teslim alan farklı kişi.")
    note = {"text": "Kargo firmasını aradım."}
    async with console_app.session.post(f"{console_app.url}/v1/disputes/{cases['other-name']}/notes", json=note,
                                        headers=SUPERVISOR) as response:
        assert response.status == 201
    await page.get_by_role("button", name="Decide").click()
    changes = page.locator("#changes")
    await changes.wait_for()
    assert "The case changed since you opened it." in await page.get_by_role("alert").inner_text()
    changed = await changes.locator("li").all_inner_texts()
    assert len(changed) == 1 and "note added" in changed[0] and "sup-zeynep" in changed[0]
    assert await page.get_by_label("Note", exact=True).input_value() == "Teslim alan farklı kişi."
    await page.get_by_role("button", name="Decide").click()  # again, on the version now shown
    await page.wait_for_url("**?done")
    assert "resolved" in await page.locator("h1 .status").inner_text()


async def test_a_supervisor_hands_a_case_to_an_investigator_who_asks_the_customer(page, console_app, cases):
    case_url = f"{console_app.url}/console/disputes/{cases['third']}"
    async with console_app.session.put(f"{console_app.url}/v1/staff/inv-mehmet", headers=SUPERVISOR,
                                       json={"name": "Mehmet Kaya", "role": "investigator"}) as response:
        assert response.status in (200, 201), await response.text()
    await sign_in(page, console_app, Role.SUPERVISOR, "sup-zeynep")
    await page.goto(case_url)
    assert await page.evaluate(UNNAMED_CONTROLS) == []  # every field and button of the fullest page is named
    await page.get_by_label("Assign to (staff id)").fill("inv-mehmet")
    await page.get_by_role("button", name="Assign", exact=True).click()
    await page.wait_for_url("**?done")
    assert await page.locator("dt:text-is('Assignee') + dd").inner_text() == "inv-mehmet"
    await sign_in(page, console_app, sub="inv-mehmet")
    await page.goto(case_url)
    assert await page.get_by_label("Assign to (staff id)").count() == 0  # supervisors only
    await page.get_by_label("Ask the customer").fill("Kapıcıya sordunuz mu?")
    await page.get_by_role("button", name="Ask", exact=True).click()
    await page.wait_for_url("**?done")
    asked = page.locator(".message", has_text="information requested")
    assert "Kapıcıya sordunuz mu?" in await asked.inner_text()


async def test_an_investigator_marked_inactive_takes_and_decides_nothing_from_the_console(page, console_app, cases):
    case = cases["third"]
    async with console_app.session.post(f"{console_app.url}/v1/disputes/{case}/release", headers=SUPERVISOR) as response:
        assert response.status in (200, 409), await response.text()  # no one's: the case page offers to take it
    before = await case_version(console_app, case)
    await sign_in(page, console_app, sub="inv-emre")  # on record, inactive, with a token still valid
    await page.goto(f"{console_app.url}/console/disputes/{case}")

    async with page.expect_navigation():
        await page.get_by_role("button", name="Take", exact=True).click()
    assert "Your staff record is inactive" in await page.locator("#refused").inner_text()
    await page.get_by_label("Note", exact=True).fill("Teslim alan farklı kişi.")
    async with page.expect_navigation():
        await page.get_by_role("button", name="Decide").click()
    assert "Your staff record is inactive" in await page.locator("#refused").inner_text()

    assert await case_version(console_app, case) == before


async def test_the_assign_form_sent_without_a_name_takes_the_case_for_nobody(page, console_app, cases):
    case = cases["third"]
    before = await case_version(console_app, case)
    await sign_in(page, console_app, Role.SUPERVISOR, "sup-zeynep")
    await page.goto(f"{console_app.url}/console/disputes/{case}")
    field = page.get_by_label("Assign to (staff id)")
    await field.evaluate("input => { input.required = false; input.value = ''; }")  # as a crafted form would send it

    async with page.expect_navigation():
        await page.get_by_role("button", name="Assign", exact=True).click()

    assert "Name the staff member" in await page.locator("#refused").inner_text()
    assert await case_version(console_app, case) == before


FOCUSED = """() => {
    const shown = document.activeElement;
    let around = shown.parentElement;  // the ring is drawn outside the control, on what holds it
    while (around && getComputedStyle(around).backgroundColor.endsWith(", 0)")) { around = around.parentElement; }
    const style = getComputedStyle(shown);
    return [shown.outerHTML.slice(0, 80), style.outlineStyle, style.outlineColor,
            around ? getComputedStyle(around).backgroundColor : "rgb(255, 255, 255)"];
}"""
WIDEST = "document.documentElement.scrollWidth"
WIDER_THAN_390 = "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 390)" \
                 ".map(e => e.outerHTML.slice(0, 60))"  # what to look at when the page is wider


def _luminance(css: str) -> float:
    """The relative luminance of a CSS `rgb(r, g, b)` colour (WCAG 2.2)."""
    channels = [int(c) / 255 for c in css[css.index("(") + 1:].rstrip(")").split(",")[:3]]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(one: str, other: str) -> float:
    lighter, darker = sorted((_luminance(one), _luminance(other)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


async def test_contrast_is_computed_as_wcag_defines_it():
    assert round(contrast("rgb(255, 176, 0)", "rgb(255, 255, 255)"), 2) == 1.83  # the amber ring the console had
    assert round(contrast("rgb(0, 0, 0)", "rgb(255, 255, 255)"), 1) == 21.0


@pytest.mark.parametrize("where", ["queue", "case"])
async def test_the_focus_ring_stands_out_at_least_3_to_1_from_what_is_around_it(page, console_app, cases, where):
    await sign_in(page, console_app)
    if where == "case":
        await page.goto(f"{console_app.url}/console/disputes/{cases['other-name']}")
    seen = []
    for _ in range(40):
        await page.keyboard.press("Tab")
        shown, style, ring, around = await page.evaluate(FOCUSED)
        if shown.startswith("<body"):  # past the page's last control
            break
        assert style == "solid", shown
        seen.append((shown, contrast(ring, around)))
    assert [(shown, ratio) for shown, ratio in seen if ratio < 3] == []


@pytest.mark.parametrize("where", ["queue", "case"])
async def test_at_390_px_wide_the_page_is_no_wider_than_the_screen(page, console_app, cases, where):
    await sign_in(page, console_app)
    await page.set_viewport_size({"width": 390, "height": 844})
    await page.goto(f"{console_app.url}/console" + (f"/disputes/{cases['other-name']}" if where == "case" else ""))
    assert await page.evaluate(WIDEST) <= 390, await page.evaluate(WIDER_THAN_390)
