"""The console as a keyboard and screen-reader user meets it (WCAG 2.2 AA).

Each test states what WCAG asks. Tests that move the page's clock (Playwright's, which stays installed in the
module's browser) come last."""

from datetime import UTC, datetime, timedelta

import pytest
import pytest_asyncio
from playwright.async_api import expect

from schemas.common import Role
from tests.browser.conftest import Running
from tests.browser.test_console import ORDERS, contrast, sign_in
from tests.browser.test_console import cases as opened
from tests.browser.test_console_watch import REFRESH, shown_on_a_paused_clock
from tests.e2e.conftest import TOKENS, bearer
from tests.factories import order, shipment

pytestmark = pytest.mark.asyncio(loop_scope="module")

EXTRA = order("ord-b9", customer_id="cust-b9", shipments=[shipment("shp-b9", carrier="aras")])


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def cases(console_app: Running) -> dict[str, str]:
    return await opened.__wrapped__(console_app)  # type: ignore[attr-defined]  (test_console's, in this module)


@pytest.fixture(scope="module")
def browser_cases():
    return [*ORDERS.values(), (EXTRA, "delivered", "Ayşe Yılmaz")]


FIELD_BORDERS = """() => [...document.querySelectorAll('main input:not([type=hidden]):not([type=checkbox]), main select, main textarea')]
  .filter(e => e.offsetParent !== null).map(e => {
    let around = e.parentElement;
    while (around && getComputedStyle(around).backgroundColor.endsWith(', 0)')) { around = around.parentElement; }
    return [e.id, getComputedStyle(e).borderTopColor, around ? getComputedStyle(around).backgroundColor : 'rgb(255, 255, 255)'];
  })"""


async def test_form_field_boundaries_have_3_to_1_against_their_background(page, console_app, cases):
    """WCAG 1.4.11 Non-text Contrast: the border that shows where a text field or select is needs 3:1."""
    await sign_in(page, console_app)
    await page.goto(f"{console_app.url}/console/disputes/{cases['other-name']}")
    fields = await page.evaluate(FIELD_BORDERS)
    assert fields
    assert [(name, round(contrast(border, around), 2)) for name, border, around in fields
            if contrast(border, around) < 3] == []


async def test_a_refused_decision_is_announced_and_tied_to_the_field_in_error(page, console_app, cases):
    """WCAG 3.3.1 / 1.3.1 / 4.1.3: after a refused decision (against the recommendation, no reason given) the
    field named in the error is marked invalid and points at the error, and the error is where focus lands (a
    role=alert present when the page loads is not announced: only a change to a live region is)."""
    await sign_in(page, console_app)
    case_url = f"{console_app.url}/console/disputes/{cases['other-name']}"
    await page.goto(case_url)
    title_before = await page.title()
    await page.get_by_label("Outcome").select_option("rejected")
    await page.get_by_label("Reason", exact=True).select_option(label="Delivery proven")
    await page.get_by_label("Note", exact=True).fill("Teslim kanıtlı.")
    async with page.expect_navigation():
        await page.get_by_role("button", name="Decide").press("Enter")
    refused = page.locator("#refused")
    await expect(refused).to_contain_text("override")  # (it names `override_reason`, not the field's label)
    field = page.get_by_label("Why against the recommendation")
    state = {
        "title": await page.title(),
        "focused": await page.evaluate("document.activeElement.id || document.activeElement.tagName"),
        "aria-invalid": await field.get_attribute("aria-invalid"),
        "describedby": await field.get_attribute("aria-describedby"),
    }
    assert state["title"] != title_before, state  # the page's title says something went wrong
    assert state["focused"] in ("refused", "override_reason"), state
    assert state["aria-invalid"] == "true" and "refused" in (state["describedby"] or ""), state


async def test_chart_segments_and_map_points_are_told_apart_by_more_than_hue(page, console_app, cases):
    """WCAG 1.4.1 Use of Color: the map's two points (order address, delivery scan) and the chart's adjacent segments
    (refund, reship, rejected) had only their hue to tell them apart (about 1:1 to each other in luminance), the same
    in greyscale. The address is a square and the scan a circle; reship segments are striped and rejections dotted,
    segments are set apart by a white line, and the legend's keys show the same."""
    await sign_in(page, console_app)
    await page.goto(f"{console_app.url}/console/disputes/{cases['signed']}")
    await page.get_by_label("Note", exact=True).fill("İmza ve konum adresle uyuşuyor.")
    await page.get_by_role("button", name="Decide").click()  # a decision, for the report's chart
    await page.wait_for_url("**?done")
    assert await page.locator("svg.map rect.map-address").count() == 1
    assert await page.locator("svg.map circle.map-delivery").count() == 1
    keys = await page.locator(".legend .key").evaluate_all(
        "keys => keys.map(k => [k.className, getComputedStyle(k).borderRadius])")
    assert dict(keys) == {"key key-address": "0px", "key key-delivery": "6px"}

    await sign_in(page, console_app, Role.SUPERVISOR, "sup-zeynep")
    await page.goto(f"{console_app.url}/console/reports")
    decisions = page.locator("section[aria-labelledby=decisions-h]")
    fills = await decisions.locator("svg.chart rect[class^=bar-]").evaluate_all(
        "bars => bars.map(b => [b.getAttribute('class'), getComputedStyle(b).fill, getComputedStyle(b).stroke])")
    assert fills and all(stroke == "rgb(255, 255, 255)" for _, _, stroke in fills)
    assert {kind: fill.startswith("url(") for kind, fill, _ in fills} == {"bar-rejected": True}  # one rejection
    legend = {k: await decisions.locator(f".key.bar-{k}").evaluate("e => getComputedStyle(e).backgroundImage")
              for k in ("refund", "reship", "rejected")}
    assert legend["refund"] == "none" and "gradient" in legend["reship"] and "gradient" in legend["rejected"]


async def test_a_page_that_answers_with_a_message_has_a_title_and_heading_saying_what_happened(page, console_app, cases):
    """WCAG 2.4.2 Page Titled / 1.3.1: the message page (no such case, refused post, rate limit, forbidden) keeps
    the bare "Dispute console" title and has no heading, so a screen reader user hears nothing of what happened
    until they read the body line by line."""
    await sign_in(page, console_app)
    await page.goto(f"{console_app.url}/console/disputes/dsp_00000000000000000000000000000000")
    said = await page.get_by_role("alert").inner_text()
    assert await page.title() != "Dispute console", said
    assert await page.get_by_role("heading", level=1).count() == 1, said


# ---- the clock moves from here on ----

async def test_the_queue_counts_are_announced_by_a_live_region_that_stays(page, console_app, cases):
    """WCAG 4.1.3 Status Messages: the counts are `aria-live`, but each refresh replaces the live region itself
    with a new one (a region inserted with its text is not announced: it must be in the page before it changes)."""
    await sign_in(page, console_app)
    await shown_on_a_paused_clock(page, f"{console_app.url}/console")
    await page.evaluate("window.region = document.querySelector('[aria-live]')")
    before = await page.locator("#count-shown strong").inner_text()
    body = {"order_id": EXTRA.order_id, "statement": "Gelmedi.", "preferred_resolution": "refund"}
    customer = bearer(Role.CUSTOMER, EXTRA.customer_id, EXTRA.customer_id)
    async with console_app.session.post(f"{console_app.url}/v1/disputes", json=body, headers=customer) as response:
        assert response.status == 201, await response.text()

    await page.clock.run_for(int(REFRESH.total_seconds() * 1000))

    await expect(page.locator("#count-shown strong")).not_to_have_text(before, timeout=5000)
    state = await page.evaluate("[window.region.isConnected, window.region.textContent.replace(/\\s+/g, ' ')]")
    assert state[0], f"the live region that was there is gone; it last said: {state[1]!r}"


async def test_a_keyboard_user_s_place_survives_a_refresh_that_drops_their_row_and_the_refresh_can_be_paused(
    page, console_app, cases
):
    """WCAG 2.4.3 Focus Order and 2.2.2 Pause, Stop, Hide: when the row the keyboard is on leaves the list (another
    hand withdrew, decided or moved it), focus stays on the list rather than falling to <body>, where the next Tab
    would start again from the top of the page; and the 30-second refresh can be paused."""
    await sign_in(page, console_app)
    await shown_on_a_paused_clock(page, f"{console_app.url}/console")
    third = cases["third"]
    link = page.locator(f"#live a[href='/console/disputes/{third}']")
    await link.focus()
    placed = ORDERS["third"][0]
    customer = bearer(Role.CUSTOMER, placed.customer_id, placed.customer_id)
    async with console_app.session.post(f"{console_app.url}/v1/disputes/{third}/withdraw", headers=customer,
                                        json={"reason": "found it"}) as response:
        assert response.status in (200, 201), await response.text()

    await page.clock.run_for(int(REFRESH.total_seconds() * 1000))

    await expect(link).to_have_count(0, timeout=5000)
    assert await page.evaluate("document.activeElement.id") == "live"

    pause = page.get_by_role("button", name="Pause automatic refresh")
    await pause.press("Enter")
    await expect(pause).to_have_attribute("aria-pressed", "true")
    fetched: list[str] = []
    page.on("request", lambda request: fetched.append(request.url))
    await page.clock.run_for(int(REFRESH.total_seconds() * 1000) * 2)  # two refreshes' time, paused
    await pause.press("Enter")
    await expect(pause).to_have_attribute("aria-pressed", "false")
    assert fetched == []
    async with page.expect_request(f"{console_app.url}/console", timeout=5000):
        await page.clock.run_for(int(REFRESH.total_seconds() * 1000))  # running again


COVERED = """() => {{
  const f = {}.getBoundingClientRect(), n = document.getElementById('watch-notice').getBoundingClientRect();
  return f.top >= n.top && f.bottom <= n.bottom && f.height > 0;
}}"""


async def test_the_sticky_notice_never_hides_the_focused_control(page, console_app, cases):
    """WCAG 2.4.11 Focus Not Obscured (Minimum): once the case page's notice shows (sticky at the top), no control
    reached with the keyboard is left under it: not one that focus scrolls to the window's top edge (moving back up
    with Shift+Tab), nor one already under the notice, which a browser counts as in view and does not scroll to."""
    await sign_in(page, console_app)
    case_url = f"{console_app.url}/console/disputes/{cases['other-name']}"
    await shown_on_a_paused_clock(page, case_url)
    await page.route(case_url, lambda route: route.fulfill(status=503))
    await page.clock.run_for(int(REFRESH.total_seconds() * 1000))
    notice = page.locator("#watch-notice")
    await expect(notice).to_contain_text("Could not check", timeout=5000)
    # To the page's end at once: the End key's smooth scroll runs on in the browser while the keys below move focus
    await page.evaluate("window.scrollTo({top: document.documentElement.scrollHeight, behavior: 'instant'})")
    await page.locator("#note-text").focus()
    hidden = []
    for _ in range(25):
        await page.keyboard.press("Shift+Tab")
        if await page.evaluate(COVERED.format("document.activeElement")):
            hidden.append(await page.evaluate("document.activeElement.outerHTML.slice(0, 60)"))
    assert hidden == [], f"focused under the notice: {hidden}"

    # A notice taller than the space the stylesheet keeps free at the top (8rem): the case's changed, at 320 px wide
    await page.unroute(case_url)
    await page.route(case_url, lambda route: route.fulfill(status=200, body=""))
    await page.clock.run_for(int(REFRESH.total_seconds() * 1000) * 2)
    await expect(notice).to_contain_text("This case changed", timeout=5000)
    await page.set_viewport_size({"width": 320, "height": 640})
    assert await page.evaluate("""() => document.getElementById('watch-notice').getBoundingClientRect().height
      > 8 * parseFloat(getComputedStyle(document.documentElement).fontSize)""")
    # A control placed just below that space, under the notice, which the browser counts as in view; reached with Tab
    # from the control before it.
    placed = await page.evaluate("""() => {
      const notice = document.getElementById('watch-notice');
      const band = notice.getBoundingClientRect().height - 8 * parseFloat(getComputedStyle(document.documentElement).fontSize);
      const controls = [...document.querySelectorAll('main a[href], main button, main select, main textarea')]
        .filter(c => notice.compareDocumentPosition(c) === Node.DOCUMENT_POSITION_FOLLOWING);
      const at = controls.findIndex((c, i) => i > 0 && c.getBoundingClientRect().height > 0
        && c.getBoundingClientRect().height < band - 4);
      controls[at - 1].id ||= 'before-placed';
      controls[at].id ||= 'placed';
      window.scrollTo({top: window.scrollY + controls[at].getBoundingClientRect().top - (notice.offsetHeight - band + 2),
                       behavior: 'instant'});
      return [controls[at - 1].id, controls[at].id];
    }""")
    assert await page.evaluate(COVERED.format(f"document.getElementById('{placed[1]}')"))
    await page.locator(f"#{placed[0]}").evaluate("control => control.focus({preventScroll: true})")
    await page.keyboard.press("Tab")
    assert await page.evaluate("document.activeElement.id") == placed[1]
    assert not await page.evaluate(COVERED.format("document.activeElement"))


async def test_the_session_end_is_told_two_minutes_before_it_comes(page, console_app, cases):
    """WCAG 2.2.1 Timing Adjustable: a session ends with its token (8 h by default); two minutes before, the page says
    so, in a status region there from the start, with a way to stay signed in. Here a token of 150 s."""
    await page.context.clear_cookies()
    token = TOKENS.mint("inv-ayse", Role.INVESTIGATOR, ttl=timedelta(seconds=150))
    await page.goto(f"{console_app.url}/console/sign-in")
    await page.locator("#token").fill(token)
    await page.keyboard.press("Enter")
    await page.wait_for_url(f"{console_app.url}/console")
    await page.clock.install(time=datetime.now(UTC))
    await page.goto(f"{console_app.url}/console")
    notice = page.locator("#session-notice")
    assert await notice.get_attribute("role") == "status" and await notice.inner_text() == ""

    await page.clock.run_for(45_000)  # past 150 s less 2 minutes

    await expect(notice).to_contain_text("Your session ends in 2 minutes.")
    await expect(notice.get_by_role("link", name="Sign in again in a new tab")).to_have_attribute("target", "_blank")
