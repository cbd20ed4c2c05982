"""The API docs in a real browser: Swagger UI renders every operation of the OpenAPI 3.1 document, from files the
service itself serves (nothing leaves the loopback host), without a console error."""

import json
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import pytest_asyncio
from playwright.async_api import BrowserContext, ConsoleMessage

from adapters.bootstrap import create_app
from tests.browser.conftest import _serve
from tests.e2e.conftest import app_settings

pytestmark = pytest.mark.asyncio(loop_scope="module")
METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def docs_url() -> AsyncIterator[str]:
    """The API alone, on loopback and in-memory storage: the docs page needs nothing else."""
    folder = Path(tempfile.mkdtemp(prefix="docs-"))
    (folder / "orders.json").write_text(json.dumps({"orders": []}))
    settings = app_settings("mongodb://127.0.0.1:9", "unused", folder / "orders.json", "http://127.0.0.1:9",
                            carriers={}, storage="memory", run_workers=False)
    runner, url = await _serve(create_app(settings))
    yield url
    await runner.cleanup()


def operations(document: dict) -> int:
    sections = [*document["paths"].values(), *document.get("webhooks", {}).values()]
    return sum(1 for item in sections for method in item if method in METHODS)


async def test_the_docs_render_every_operation_offline_without_console_errors(browser: BrowserContext, docs_url):
    page = await browser.new_page()
    hosts: list[str] = []
    errors: list[str] = []
    page.on("request", lambda request: hosts.append(urlsplit(request.url).hostname or request.url))

    def console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(message.text)

    page.on("console", console)
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        async with page.expect_response(lambda r: r.url.endswith("/openapi.json")) as answer:
            await page.goto(f"{docs_url}/docs")
        document = await (await answer.value).json()
        expected = operations(document)
        await page.wait_for_function("n => document.querySelectorAll('.opblock').length >= n", arg=expected)
        rendered = await page.locator(".opblock").count()
        summaries = await page.locator(".opblock-summary-path, .opblock-summary-path__deprecated").count()
    finally:
        await page.close()
    assert document["openapi"].startswith("3.1") and rendered == expected and summaries == expected
    assert set(hosts) == {"127.0.0.1"}, f"requests left the loopback host: {set(hosts) - {'127.0.0.1'}}"
    assert errors == []
