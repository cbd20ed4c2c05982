"""Pages that keep themselves current say so when they cannot, and say when what they show went out of date.

The queue whose refresh is refused (429, 503: it waits as long as their Retry-After asks), fails (500) or cannot
reach the service says that it could not be refreshed and when it tries again, and clears that once a refresh
goes through. A case that another hand changed while it was open says so with a link to reload it, and never
reloads by itself: the note being written stays. The page's clock is Playwright's, paused, so a check comes when
the test moves time on (this module's own browser, as the clock stays installed in it); the page's calls to
fetch are noted with that clock's time."""

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from urllib.parse import quote, urlsplit

import pytest
import pytest_asyncio
from playwright.async_api import Page, Route, expect

from adapters.web.console.session import SESSION_COOKIE
from disputes.notices import ISTANBUL
from schemas.common import Role
from tests.browser.conftest import Running
from tests.browser.test_console import advised, sign_in
from tests.e2e.conftest import SUPERVISOR, TOKENS, bearer, eventually
from tests.factories import order, shipment

pytestmark = pytest.mark.asyncio(loop_scope="module")

QUEUE = "/console?carrier=aras"
REFRESH = timedelta(seconds=30)  # the pages' `data-refresh`
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LOADED = T0 + timedelta(seconds=10)  # where the clock stands, paused, once the page is shown (it runs until then)
NOTED_FETCHES = "window.fetchedAt = []; const fetchOf = window.fetch; " \
                "window.fetch = (...call) => { window.fetchedAt.push(Date.now()); return fetchOf(...call); };"
PLACED = order("ord-w1", customer_id="cust-w1", shipments=[shipment("shp-w1", carrier="aras")])
RETRY_AT = T0 + timedelta(minutes=5)  # the date a 503's Retry-After names
# how the first check is answered → the seconds until the next try (None: until the date RETRY_AT)
FAILURES = {
    "429 with Retry-After in seconds": (dict(status=429, headers={"Retry-After": "120"}), 120),
    "503 with Retry-After as a date": (dict(status=503, headers={"Retry-After": format_datetime(RETRY_AT, True)}), None),
    "500": (dict(status=500), 30),
    "the network": (None, 30),
}


@pytest.fixture(scope="module")
def browser_cases():
    return [(PLACED, "delivered", "Ayşe Yılmaz")]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def case_url(console_app: Running) -> str:
    """The case page of the dispute the customer opened, once its proof is assessed (nothing more changes it)."""
    body = {"order_id": PLACED.order_id, "statement": "Teslim görünüyor ama gelmedi.", "preferred_resolution": "refund"}
    customer = bearer(Role.CUSTOMER, PLACED.customer_id, PLACED.customer_id)
    async with console_app.session.post(f"{console_app.url}/v1/disputes", json=body, headers=customer) as response:
        assert response.status == 201, await response.text()
        dispute_id = (await response.json())["id"]
    await eventually(lambda: advised(console_app, dispute_id), timeout=15, explain="not assessed")
    return f"{console_app.url}/console/disputes/{dispute_id}"


async def shown_on_a_paused_clock(page: Page, url: str) -> None:
    await page.add_init_script(NOTED_FETCHES)
    await page.clock.install(time=T0)
    await page.goto(url)
    await page.clock.pause_at(LOADED)


async def fetched_at(page: Page) -> list[datetime]:
    return [datetime.fromtimestamp(ms / 1000, UTC) for ms in await page.evaluate("window.fetchedAt")]


async def next_try(page: Page) -> datetime:
    return datetime.fromisoformat(await page.locator("#watch-notice time").get_attribute("datetime") or "")


def failing_once(answer: dict | None):
    """A route handler that answers the first request as `answer` says (None: the connection fails), then lets
    every later one through to the service."""
    answered: list[str] = []

    async def handle(route: Route) -> None:
        answered.append(route.request.url)
        if len(answered) > 1:
            await route.continue_()
        elif answer is None:
            await route.abort("connectionfailed")
        else:
            await route.fulfill(**answer)

    return handle


async def test_a_keyboard_s_place_on_a_queue_row_stays_through_the_refresh(page, console_app, case_url):
    await sign_in(page, console_app)
    await shown_on_a_paused_clock(page, f"{console_app.url}{QUEUE}")
    link = page.locator(f"#live a[href='{urlsplit(case_url).path}']")
    await link.focus()
    await page.evaluate("document.activeElement.dataset.before = 'refresh'")  # the rows are replaced, not kept

    await page.clock.run_for(int(REFRESH.total_seconds() * 1000))

    await expect(page.locator("#live [data-before]")).to_have_count(0)
    await expect(link).to_be_focused()


@pytest.mark.parametrize("failure", FAILURES)
async def test_a_queue_that_could_not_be_refreshed_says_so_and_when_it_tries_again(page, console_app, case_url,
                                                                                   failure):
    answer, seconds = FAILURES[failure]
    await sign_in(page, console_app)
    await shown_on_a_paused_clock(page, f"{console_app.url}{QUEUE}")
    await page.route(f"{console_app.url}{QUEUE}", failing_once(answer))
    notice = page.locator("#watch-notice[role=status]")

    await page.clock.run_for(int(REFRESH.total_seconds() * 1000))

    await expect(notice).to_contain_text("The queue could not be refreshed", timeout=5000)
    [first] = await fetched_at(page)
    assert LOADED < first <= LOADED + REFRESH
    retry = await next_try(page)
    if seconds is None:
        assert retry == RETRY_AT
    else:  # counted from when the answer came, which the paused clock puts at LOADED + REFRESH
        assert first + timedelta(seconds=seconds) <= retry <= LOADED + REFRESH + timedelta(seconds=seconds)
    assert f"Next try at {retry.astimezone(ISTANBUL):%H:%M:%S} Istanbul." in await notice.inner_text()
    before = retry - (LOADED + REFRESH) - timedelta(seconds=1)
    await page.clock.run_for(int(before.total_seconds() * 1000))
    assert len(await fetched_at(page)) == 1  # nothing asked before the time said
    await expect(notice).not_to_be_empty()
    await page.clock.run_for(2000)
    await expect(notice).to_be_empty(timeout=5000)
    assert (await fetched_at(page))[1:] == [retry]
    assert await page.locator("#live table.queue tbody tr").count() == 1


async def test_a_case_that_changed_while_open_says_so_with_a_link_and_keeps_what_was_being_typed(
        page, console_app, case_url):
    await sign_in(page, console_app)
    await shown_on_a_paused_clock(page, case_url)
    await page.get_by_label("Add note").fill("Kargo firmasını aradım, ")
    notice = page.locator("#watch-notice[role=status]")
    async with page.expect_response(lambda r: r.url == case_url and r.status == 304, timeout=5000):
        await page.clock.run_for(int(REFRESH.total_seconds() * 1000))  # unchanged: not even the page is sent
    await expect(notice).to_be_empty()
    note = {"text": "Müşteriyi aradım."}
    async with console_app.session.post(f"{case_url.replace('/console', '/v1')}/notes", json=note,
                                        headers=SUPERVISOR) as response:
        assert response.status == 201

    await page.clock.run_for(int(REFRESH.total_seconds() * 1000))

    await expect(notice).to_contain_text("This case changed since this page was shown.", timeout=5000)
    assert page.url == case_url and await page.get_by_label("Add note").input_value() == "Kargo firmasını aradım, "
    await notice.get_by_role("link", name="Reload it to see what changed").click()
    await expect(page.locator(".note")).to_contain_text("Müşteriyi aradım.", timeout=5000)
    await expect(notice).to_be_empty()


async def test_a_case_whose_check_is_refused_says_so_until_a_check_goes_through(page, console_app, case_url):
    await sign_in(page, console_app)
    await shown_on_a_paused_clock(page, case_url)
    await page.route(case_url, failing_once(dict(status=429, headers={"Retry-After": "60"})))
    notice = page.locator("#watch-notice[role=status]")

    await page.clock.run_for(int(REFRESH.total_seconds() * 1000))

    await expect(notice).to_contain_text("Could not check whether this case changed. Next try at", timeout=5000)
    async with page.expect_response(lambda r: r.url == case_url and r.status == 304, timeout=5000):
        await page.clock.run_for(61_000)
    await expect(notice).to_be_empty(timeout=5000)


async def test_a_case_shown_by_a_refused_form_goes_on_checking_its_own_page(page, console_app, case_url):
    await sign_in(page, console_app)
    await shown_on_a_paused_clock(page, case_url)
    await page.get_by_label("Outcome").select_option("refund")
    await page.get_by_label("Reason", exact=True).select_option("weak_proof")
    await page.get_by_label("Note", exact=True).fill("Teslim alan farklı kişi.")
    async with console_app.session.post(f"{case_url.replace('/console', '/v1')}/notes", json={"text": "Aradım."},
                                        headers=SUPERVISOR) as response:
        assert response.status == 201
    await page.get_by_role("button", name="Decide").click()
    await page.locator("#changes").wait_for()
    assert page.url == case_url  # shown at the case's own address: the form's answers no GET

    async with page.expect_response(lambda r: r.url == case_url and r.status == 304, timeout=5000):
        await page.clock.run_for(int(REFRESH.total_seconds() * 1000))
    await expect(page.locator("#watch-notice")).to_be_empty()


async def test_a_case_whose_session_ended_says_so_and_offers_to_sign_in_keeping_the_page(page, console_app, case_url):
    await sign_in(page, console_app)
    await shown_on_a_paused_clock(page, case_url)
    await page.get_by_label("Add note").fill("Kargo firmasını aradım, ")
    await page.context.clear_cookies(name=SESSION_COOKIE)
    notice = page.locator("#watch-notice[role=status]")

    await page.clock.run_for(int(REFRESH.total_seconds() * 1000))

    await expect(notice).to_contain_text("Your session has ended", timeout=5000)
    link = notice.get_by_role("link", name="Sign in again in a new tab")
    assert await link.get_attribute("target") == "_blank"
    assert await link.get_attribute("href") == f"/console/sign-in?next={quote(urlsplit(case_url).path)}"
    assert page.url == case_url and await page.get_by_label("Add note").input_value() == "Kargo firmasını aradım, "
    await page.context.add_cookies([{"name": SESSION_COOKIE, "value": TOKENS.mint("inv-ayse", Role.INVESTIGATOR),
                                     "domain": "127.0.0.1", "path": "/console"}])  # signed in in the other tab
    async with page.expect_response(lambda r: r.url == case_url and r.status == 304, timeout=5000):
        await page.clock.run_for(int(REFRESH.total_seconds() * 1000))
    await expect(notice).to_be_empty(timeout=5000)


async def test_a_note_sent_after_the_session_ended_is_there_again_after_signing_in(page, console_app, case_url):
    await sign_in(page, console_app)
    await page.goto(case_url)
    await page.get_by_label("Add note").fill("Kapıcıyla görüştüm.")
    await page.context.clear_cookies(name=SESSION_COOKIE)
    await page.get_by_role("button", name="Add note").click()
    await expect(page.locator("main")).to_contain_text("Please sign in.")

    await page.get_by_role("link", name="Sign in").last.click()
    await page.locator("#token").fill(TOKENS.mint("inv-ayse", Role.INVESTIGATOR))
    await page.locator("#token").press("Enter")

    await page.wait_for_url(case_url, timeout=5000)
    await expect(page.get_by_label("Add note")).to_have_value("Kapıcıyla görüştüm.")
    await page.get_by_role("button", name="Add note").click()
    await page.wait_for_url(f"{case_url}?done")
    await expect(page.locator(".note").last).to_contain_text("Kapıcıyla görüştüm.")
    await page.goto(case_url)
    await expect(page.get_by_label("Add note")).to_have_value("")  # sent: not filled in again
