"""The console in a real browser: Debian's chromium driven by Playwright (never a downloaded browser), against
the whole application on loopback with the marketplace and carrier sandboxes. One server and one browser per
module; a browser that cannot start fails the tests."""

import json
import tempfile
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest_asyncio
from aiohttp import web
from playwright.async_api import BrowserContext, Page, async_playwright

from adapters.bootstrap import Overrides, create_app
from adapters.demo.staff import seed_staff
from adapters.web.keys import STAFF_DIRECTORY
from adapters.mongo.client import connect
from sandbox.carriers import create_carrier_sandbox
from sandbox.downstream import create_downstream_sandbox
from schemas.orders import Order
from tests.e2e.conftest import RunningClock, app_settings, dispute_work_intervals, orders_file_document, sandbox_shipments
from tests.conftest import tier_database  # noqa: F401  (this tier's own stand-in database server)

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run"]


@dataclass(frozen=True)
class Running:
    url: str
    carriers_url: str
    session: aiohttp.ClientSession


async def _serve(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://127.0.0.1:{port}"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def console_app(mongo_uri: str, browser_cases: list[tuple[Order, str, str]]) -> AsyncIterator[Running]:
    """The service, its marketplace sandbox and the carrier sandbox, each on a loopback port."""
    orders = [case[0] for case in browser_cases]
    downstream, downstream_url = await _serve(create_downstream_sandbox(orders_file_document(orders)))
    carriers, carriers_url = await _serve(create_carrier_sandbox(sandbox_shipments(browser_cases)))
    folder = Path(tempfile.mkdtemp(prefix="console-"))
    (folder / "orders.json").write_text(json.dumps(orders_file_document(orders)))
    settings = app_settings(
        mongo_uri, f"browser_{uuid.uuid4().hex[:10]}", folder / "orders.json", downstream_url, carriers={},
        carrier_sandbox_url=carriers_url, console_dev_sign_in=True, **dispute_work_intervals(0.05),
    )
    app = create_app(settings, Overrides(clock=RunningClock()))
    service, url = await _serve(app)
    await seed_staff(app[STAFF_DIRECTORY].directory)  # as the embedded default: the people the tokens name
    async with aiohttp.ClientSession() as session:
        yield Running(url, carriers_url, session)
    for runner in (service, carriers, downstream):
        await runner.cleanup()
    cleaner = connect(mongo_uri)
    await cleaner.drop_database(settings.mongodb_database)
    await cleaner.close()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser() -> AsyncIterator[BrowserContext]:
    """Headless chromium with a fresh profile; launching it must work (no skip when it does not)."""
    with tempfile.TemporaryDirectory(prefix="console-browser-") as profile:
        async with async_playwright() as playwright:
            context = await playwright.chromium.launch_persistent_context(
                profile, executable_path=CHROMIUM, headless=True, args=FLAGS, locale="en-GB",
                viewport={"width": 1366, "height": 900},
            )
            yield context
            await context.close()


@pytest_asyncio.fixture(loop_scope="module")
async def page(browser: BrowserContext) -> AsyncIterator[Page]:
    tab = await browser.new_page()
    yield tab
    await tab.close()
