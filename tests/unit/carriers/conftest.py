"""Shared fixtures for carrier tests: a fake clock, canned payloads, an HTTP session, a local carrier.

``clock`` here overrides the unit tier's clock: the carrier layer needs one that also sleeps.
"""

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

FIXTURES = Path(__file__).parent / "fixtures"
NOW = datetime(2024, 4, 23, 14, 0, tzinfo=UTC)


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


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


class Payloads:
    """Canned carrier payloads from ``fixtures/`` (derived from the examples in the carriers' specs)."""

    def raw(self, name: str) -> bytes:
        return (FIXTURES / name).read_bytes()

    def json(self, name: str) -> Any:
        return json.loads(self.raw(name))


@pytest.fixture
def payloads() -> Payloads:
    return Payloads()


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
