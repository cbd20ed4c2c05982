"""The queue refreshes itself; once the investigator's session has ended it takes them to the sign-in page, which
brings them back to the queue they were reading, instead of showing the last rows it had for ever. The page's
clock is Playwright's, so the refresh comes when the test moves time on (this module's own browser, as the clock
stays installed in it)."""

from datetime import timedelta

import pytest
from playwright.async_api import Page

from adapters.web.console.session import SESSION_COOKIE
from schemas.common import Role
from tests.browser.conftest import Running
from tests.browser.test_console import sign_in
from tests.e2e.conftest import TOKENS
from tests.factories import order, shipment

pytestmark = pytest.mark.asyncio(loop_scope="module")

QUEUE = "/console?carrier=surat"
REFRESH_MS = 30_000  # the queue's `data-refresh`


@pytest.fixture(scope="module")
def browser_cases():
    return [(order("ord-s1", customer_id="cust-s1", shipments=[shipment("shp-s1", carrier="surat")]), "delivered",
             "Ayşe Yılmaz")]


async def end_session(page: Page, app: Running, how: str) -> None:
    """The session cookie gone, or replaced by an expired token (the console redirects to sign-in), or gone and
    the refresh answered 401 (as a gateway in front may)."""
    if how != "expired":
        await page.context.clear_cookies(name=SESSION_COOKIE)
        if how == "refused":
            await page.route(f"{app.url}{QUEUE}", lambda route: route.fulfill(status=401))
        return
    expired = TOKENS.mint("inv-ayse", Role.INVESTIGATOR, ttl=timedelta(hours=-1))
    await page.context.add_cookies([{"name": SESSION_COOKIE, "value": expired, "domain": "127.0.0.1",
                                     "path": "/console", "httpOnly": True, "sameSite": "Strict"}])


@pytest.mark.parametrize("how", ["cleared", "expired", "refused"])
async def test_a_queue_whose_session_ended_sends_the_investigator_to_sign_in_and_back(page, console_app, how):
    await sign_in(page, console_app)
    await page.clock.install()
    await page.goto(f"{console_app.url}{QUEUE}")
    await end_session(page, console_app, how)
    await page.clock.run_for(REFRESH_MS + 1000)
    await page.wait_for_url(f"{console_app.url}/console/sign-in?next=%2Fconsole%3Fcarrier%3Dsurat", timeout=5000)
    await page.unroute_all()
    await page.locator("#token").fill(TOKENS.mint("inv-ayse", Role.INVESTIGATOR))
    await page.locator("#token").press("Enter")
    await page.wait_for_url(f"{console_app.url}{QUEUE}", timeout=5000)
    assert await page.locator("#live").count() == 1
