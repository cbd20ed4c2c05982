"""Shared fixtures for carrier tests: a fake clock, an HTTP session, a local carrier (replies to read are in
``tests/fixtures/carriers/``, see ``properties.sample``).

``clock`` here overrides the unit tier's clock: the carrier layer needs one that also sleeps. Helpers the
carriers' tests share (``ok``, ``nth``, ``Recorder``, ``xml_texts``) are imported from here.
"""

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from defusedxml.ElementTree import fromstring

from carriers.http import HttpResponse
from carriers.status import UNMAPPED

NOW = datetime(2024, 4, 23, 14, 0, tzinfo=UTC)
RECEIVED = NOW  # the ``received_at`` mapping tests pass
# 404s that are not a carrier's answer about a shipment: IBM API Connect's (MNG's gateway, ``x-ibm-client-id``) for
# "the API URL was not found in the organization or environment" (IBM docs, "API gateway response codes"; its
# ``httpCode`` envelope as in tests/fixtures/carriers/mng/error-401-gateway.json), and a web server's page.
GATEWAY_404 = b'{"httpCode":"404","httpMessage":"Not Found","moreInformation":"No resources match requested URI"}'
HTML_404 = b"<html><head><title>404 Not Found</title></head><body><h1>Not Found</h1></body></html>"


def ok(body: object) -> HttpResponse:
    """A 200 reply carrying ``body``: bytes as they are, anything else as JSON."""
    return HttpResponse(200, {}, body if isinstance(body, bytes) else json.dumps(body).encode())


def nth(statuses: Sequence[int], call: int) -> int:
    """The status scripted for the ``call``-th request (counting from 1); the last one answers all later calls."""
    return statuses[min(call, len(statuses)) - 1]


def xml_texts(body: bytes) -> dict[str, str | None]:
    """Each element's text by its local name (namespaces dropped)."""
    return {element.tag.rpartition("}")[2]: element.text for element in fromstring(body).iter()}


class FakeClock:
    """Time that moves only when slept on or advanced: retry budgets and cool-downs without waiting."""

    def __init__(self) -> None:
        self._elapsed = 0.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return 1_000.0 + self._elapsed

    def now(self) -> datetime:
        return NOW + timedelta(seconds=self._elapsed)

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self._elapsed += seconds
        await asyncio.sleep(0)

    def advance(self, seconds: float) -> None:
        self._elapsed += seconds


@pytest.fixture(autouse=True)
def unmapped_codes() -> Iterator[None]:
    """Each test counts unmapped codes from zero: property tests send thousands of made-up codes."""
    UNMAPPED.clear()
    yield
    UNMAPPED.clear()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client_session:
        yield client_session


type Routes = list[tuple[str, str, Callable[[web.Request], Awaitable[web.StreamResponse]]]]


@pytest.fixture
def carrier_server(
    aiohttp_server: Callable[[web.Application], Awaitable[TestServer]],
) -> Callable[[Routes], Awaitable[str]]:
    """Start a local stand-in for a carrier API on 127.0.0.1 and return its base URL."""

    async def start(routes: Routes) -> str:
        app = web.Application()
        for method, path, handler in routes:
            app.router.add_route(method, path, handler)
        server = await aiohttp_server(app)
        return str(server.make_url("")).rstrip("/")

    return start


@pytest.fixture
def adapter_at(
    carrier_server: Callable[[Routes], Awaitable[str]], session: aiohttp.ClientSession, clock: FakeClock
) -> Callable[..., Awaitable[Any]]:
    """Build a carrier's adapter on the fake clock against a local stand-in serving ``routes``."""

    async def build(adapter: Callable[..., Any], settings: Callable[..., Any], routes: Routes, **config: Any) -> Any:
        return adapter(settings(base_url=await carrier_server(routes), **config), session, clock=clock)

    return build


class Recorder:
    """A carrier endpoint that answers every request with one canned reply and keeps its headers and body."""

    def __init__(self, body: bytes, content_type: str = "text/xml") -> None:
        self.body = body
        self.content_type = content_type
        self.seen: list[tuple[dict[str, str], bytes]] = []

    async def handle(self, request: web.Request) -> web.Response:
        self.seen.append((dict(request.headers), await request.read()))
        return web.Response(body=self.body, content_type=self.content_type)
